"""Development entry point: `python run.py` serves the portal on HOST:PORT."""

import os

os.environ.setdefault("APP_ENV", "development")

from app import create_app  # noqa: E402 - reads APP_ENV when imported

app = create_app()

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8080")))
