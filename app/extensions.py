"""Extension objects shared by the app factory, models and CLI."""

from flask_appbuilder import Model
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

# FAB's metadata, so Alembic sees FAB's tables and ours in one place.
db = get_sqla_class()(metadata=Model.metadata)
csrf = CSRFProtect()
migrate = Migrate()
