"""Configuration read from environment variables.

`Config` is the runtime configuration; `TestConfig` is used by the test suite.
No secret is hard-coded: without `SECRET_KEY` a random key is generated once
into `instance/secret_key` and reused, which suits a single development machine.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _instance_secret() -> str:
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _hosts(name: str) -> list[str]:
    return [h.strip() for h in os.environ.get(name, "").split(",") if h.strip()]


def _public_base_url(environment: str) -> str | None:
    """The configured public address; in development the address `make run` serves on."""
    url = os.environ.get("PUBLIC_BASE_URL")
    if url or environment != "development":
        return url or None
    return f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8080')}"


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'kinerja.db'}"
    # Heroku-style URLs name the dialect "postgres"; SQLAlchemy wants "postgresql".
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    return url


class Config:
    """Runtime configuration (environment variables win)."""

    # "development" (set by `make run` and run.py) relaxes the checks below; anything
    # else is production.
    APP_ENV = os.environ.get("APP_ENV", "production").strip().lower()
    APP_NAME = "Kinerja Mamuju"
    APP_THEME = ""  # FAB's default Bootstrap theme imports no web fonts
    APP_ICON = "/static/img/logo.svg"
    SECRET_KEY = os.environ.get("SECRET_KEY") or _instance_secret()
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # Migrations own the schema; roles live in code (app.security.ROLES).
    FAB_CREATE_DB = False
    FAB_UPDATE_PERMS = False
    FAB_ADD_SECURITY_VIEWS = True
    FAB_API_SWAGGER_UI = True
    FAB_ADD_OPENAPI_VIEWS = False  # app.api.openapi registers the completed spec
    FAB_SECURITY_MANAGER_CLASS = "app.security.PortalSecurityManager"
    FAB_INDEX_VIEW = "app.views.home.HomeView"
    FAB_BASE_TEMPLATE = "portal/base.html"
    FAB_SAFE_REDIRECT_HOSTS = [h for h in os.environ.get("SAFE_REDIRECT_HOSTS", "").split(",") if h]
    AUTH_TYPE = 1  # AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_USER_REGISTRATION = False

    # Login throttling for the web form (FAB) and the API login (app.security). Counters
    # live in the app's database by default (shared by every worker, kept over restarts,
    # see app.ratelimit); RATELIMIT_STORAGE_URI=redis://host:6379 selects Redis.
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "database://")
    AUTH_RATE_LIMITED = True
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per minute")

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    # Redirect http to https in the app (normally the proxy does it; see app/headers.py).
    FORCE_HTTPS = _bool("FORCE_HTTPS", False)

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Makassar"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = {
        "id": {"flag": "id", "name": "Bahasa Indonesia"},
        "en": {"flag": "gb", "name": "English"},
    }

    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "mamuju2026")
    STORAGE_DIR = os.environ.get("STORAGE_DIR", str(INSTANCE_DIR / "storage"))
    # Evidence, issued documents and the PDF cache (app/storage.py): unset keeps them in
    # STORAGE_DIR; s3://bucket/prefix puts them in S3-compatible object storage.
    STORAGE_URL = os.environ.get("STORAGE_URL") or None
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL") or None  # e.g. MinIO; unset: AWS
    S3_REGION = os.environ.get("S3_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
    # Unset: boto3's own chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, an instance role …).
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID") or None
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY") or None
    S3_ADDRESSING_STYLE = os.environ.get("S3_ADDRESSING_STYLE") or None  # path/virtual/auto
    # Behind a reverse proxy: how many proxies set X-Forwarded-For / -Proto (werkzeug's
    # ProxyFix), so rate limits and logs see the client's address. 0: not behind a proxy.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))
    PROXY_FIX_X_PROTO = int(os.environ.get("PROXY_FIX_X_PROTO", "0"))
    # Mode Latihan (app/practice.py): a practice database per user in PRACTICE_DIR. With
    # several app servers PRACTICE_DIR must be a volume they all mount, or practice off.
    PRACTICE_ENABLED = _bool("PRACTICE_ENABLED", True)
    PRACTICE_DIR = os.environ.get("PRACTICE_DIR", str(INSTANCE_DIR / "practice"))
    PRACTICE_KEEP_DAYS = int(os.environ.get("PRACTICE_KEEP_DAYS", "30"))  # then `storage gc`
    # Supporting evidence per submission: total size and number of files.
    EVIDENCE_QUOTA_MB = int(os.environ.get("EVIDENCE_QUOTA_MB", "25"))
    EVIDENCE_MAX_FILES = int(os.environ.get("EVIDENCE_MAX_FILES", "20"))
    # Address printed on documents (verify URL, QR code), never taken from the request's
    # Host header; required in production (the app refuses to start without it).
    PUBLIC_BASE_URL = _public_base_url(APP_ENV)
    # Host names a request may name (Flask answers 400 to others). In production the host
    # of PUBLIC_BASE_URL is always trusted; TRUSTED_HOSTS adds more (comma-separated).
    EXTRA_TRUSTED_HOSTS = _hosts("TRUSTED_HOSTS")
    # The HR agency whose signatory signs the regency-wide recap (its name is editable).
    HR_UNIT_CODE = os.environ.get("HR_UNIT_CODE", "BKPSDM")
    # E-mail copies of notifications: off unless MAIL_SERVER is set.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_FROM = os.environ.get("MAIL_FROM", "Kinerja Mamuju <kinerja@localhost>")
    REMIND_DAYS_BEFORE_CLOSE = int(os.environ.get("REMIND_DAYS_BEFORE_CLOSE", "3"))
    REMIND_REVIEW_AFTER_DAYS = int(os.environ.get("REMIND_REVIEW_AFTER_DAYS", "5"))
    # Folder of pg_dump/pg_restore for `flask backup` (else the PATH, then /usr/lib/postgresql).
    PG_BIN_DIR = os.environ.get("PG_BIN_DIR") or None
    # Background jobs: RQ on Redis when REDIS_URL is set (run `flask worker`), else an
    # embedded worker thread per app process. See app/services/jobs.py.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "kinerja")
    JOBS_EAGER = False
    JOBS_POLL_SECONDS = float(os.environ.get("JOBS_POLL_SECONDS", "2"))
    JOBS_STALE_SECONDS = int(os.environ.get("JOBS_STALE_SECONDS", "900"))  # at least the timeout
    JOBS_TIMEOUT = int(os.environ.get("JOBS_TIMEOUT", "1800"))
    # Seconds a period's data must stay unchanged before its recaps are rendered again.
    JOBS_DEBOUNCE = float(os.environ.get("JOBS_DEBOUNCE", "30"))
    RECAP_REFRESH = _bool("RECAP_REFRESH", True)
    JOBS_KEEP_DAYS = int(os.environ.get("JOBS_KEEP_DAYS", "7"))  # then `flask storage gc`
    RECAP_REFRESH_LANGS = ["id"]
    # An employee file with more rows than this is imported as a background job.
    IMPORT_SYNC_ROWS = int(os.environ.get("IMPORT_SYNC_ROWS", "500"))
    # A unit (with sub-units) with more active employees than this is assigned as a job.
    ASSIGN_SYNC_EMPLOYEES = int(os.environ.get("ASSIGN_SYNC_EMPLOYEES", "500"))


class TestConfig(Config):
    """Configuration for the test suite; `TEST_DATABASE_URL` selects PostgreSQL."""

    TESTING = True
    APP_ENV = "development"  # the suite loads demo data like `make run`
    PUBLIC_BASE_URL = "http://localhost"
    SECRET_KEY = "test-secret-key-of-at-least-32-bytes"  # noqa: S105 - test only
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_ENABLED = False
    WTF_CSRF_ENABLED = False
    DEMO_PASSWORD = "test-password"  # noqa: S105 - test only
    FAB_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashing for tests only
    STORAGE_DIR = str(INSTANCE_DIR / "test-storage")  # conftest points it at a temp dir
    REDIS_URL = None  # tests/test_jobs.py selects Redis itself
    JOBS_EAGER = True  # a job started without a delay runs at once (deterministic tests)
    RECAP_REFRESH = False  # no background re-rendering on every approval in other tests
    MAIL_SERVER = None  # tests that send mail set it to their local SMTP server
    STORAGE_URL = None  # the folder, whatever the environment says
    PRACTICE_DIR = str(INSTANCE_DIR / "test-practice")  # conftest points it at a temp dir
