"""Settings for kiemsat: one module, driven by the environment.

KIEMSAT_DATA_DIR  where this instance keeps its SQLite file, uploads and secret key
DATABASE_URL      postgres://… selects PostgreSQL (a province); default is SQLite in the data dir
KIEMSAT_DEBUG     1 for development error pages (never on a unit's PC)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def default_data_dir() -> Path:
    if os.name == "nt":
        root = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        root = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return root / "kiemsat"


DATA_DIR = Path(os.environ.get("KIEMSAT_DATA_DIR") or default_data_dir()).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = DATA_DIR / "files"


def _secret_key() -> str:
    if os.environ.get("KIEMSAT_SECRET_KEY"):
        return os.environ["KIEMSAT_SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="ascii")
        try:
            path.chmod(0o600)
        except OSError:
            pass
    return path.read_text(encoding="ascii").strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("KIEMSAT_DEBUG") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("KIEMSAT_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h]
if os.environ.get("KIEMSAT_ALLOWED_HOSTS") is None:
    ALLOWED_HOSTS.append("testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "simple_history",
    "axes",
    "kiemsat.org",
    "kiemsat.cases",
    "kiemsat.audit",
    "kiemsat.legal",
    "kiemsat.imports",
    "kiemsat.letters",
    "kiemsat.stats",
    "kiemsat.execution",
    "kiemsat.workload",
    "kiemsat.documents",
    "kiemsat.search",
    "kiemsat.backup",
    "kiemsat.sync",
    "kiemsat.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kiemsat.web.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kiemsat.web.sessions.SlidingSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "kiemsat.audit.middleware.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kiemsat.urls"
WSGI_APPLICATION = "kiemsat.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["kiemsat.web.templatetags.vn"],
        },
    }
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "kiemsat.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = int(os.environ.get("KIEMSAT_SESSION_IDLE_SECONDS", 30 * 60))
SESSION_SAVE_EVERY_REQUEST = False  # the idle timeout slides in kiemsat.web.sessions, not with a write per page
SESSION_ENGINE = "kiemsat.web.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours = 15 minutes
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
SILENCED_SYSTEM_CHECKS = ["axes.W006"]  # lock the account, not the IP: staff share one office IP

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KIEMSAT_LOG_LEVEL", "WARNING")},
}

# Product settings (a unit's leader may later change these in the app)
KIEMSAT_DUE_SOON_WD = 2
KIEMSAT_PAGE_SIZE = 50
KIEMSAT_REPORT_YEAR_START = os.environ.get("KIEMSAT_REPORT_YEAR_START", "01/12")  # the Procuracy reporting year (dd/mm)

# Importing a book (kiemsat.imports.worker): a file from this size on is read and prepared in a second process
KIEMSAT_IMPORT_PROCESS_BYTES = int(os.environ.get("KIEMSAT_IMPORT_PROCESS_BYTES", 1 << 20))

# Backups (kiemsat.backup): remind on the dashboard when the last verified backup is older than N days
KIEMSAT_BACKUP_REMIND_DAYS = int(os.environ.get("KIEMSAT_BACKUP_REMIND_DAYS", 30))
KIEMSAT_BACKUP_DIR = os.environ.get("KIEMSAT_BACKUP_DIR", str(DATA_DIR / "sao-luu"))
KIEMSAT_BACKUP_RECIPIENT = os.environ.get("KIEMSAT_BACKUP_RECIPIENT", "")  # the unit's age public key (age1…), optional

# Security (docs/ARCHITECTURE.md, Decisions: CSP, deployment checks). Everything here holds on every instance; KIEMSAT_HTTPS=1 when a
# TLS reverse proxy serves the app on a LAN.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # documents' viewer opts in to SAMEORIGIN per view
KIEMSAT_HTTPS = os.environ.get("KIEMSAT_HTTPS") == "1"
if KIEMSAT_HTTPS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False  # the unit's other intranet hosts are none of ours
# KIEMSAT_PRODUCTION=1 (the installed product): silence only the deploy checks that cannot apply to
# plain HTTP on loopback / the office LAN — there is no TLS to redirect to, mark cookies for, or pin.
KIEMSAT_PRODUCTION = os.environ.get("KIEMSAT_PRODUCTION") == "1"
if KIEMSAT_PRODUCTION and KIEMSAT_HTTPS:
    SILENCED_SYSTEM_CHECKS += [
        "security.W005",  # HSTS includeSubDomains: the unit's other intranet hosts are not ours to force onto HTTPS
        "security.W021",  # HSTS preload: an intranet host cannot be on the browsers' public preload list
    ]
if KIEMSAT_PRODUCTION and not KIEMSAT_HTTPS:
    SILENCED_SYSTEM_CHECKS += [
        "security.W004",  # SECURE_HSTS_SECONDS: HSTS needs HTTPS
        "security.W008",  # SECURE_SSL_REDIRECT: nothing listens on HTTPS
        "security.W012",  # SESSION_COOKIE_SECURE: a Secure cookie is never sent over http://127.0.0.1
        "security.W016",  # CSRF_COOKIE_SECURE: same
    ]
