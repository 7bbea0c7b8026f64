"""Settings for Nexconn Playground, all read from the environment (see .env.example)."""

import datetime as dt
from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or (
    "dev-only-insecure-key-set-SECRET_KEY-in-production" if DEBUG else ""
)
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false (see .env.example).")
# Earlier secret keys, still accepted (sessions, signed links, stored API keys made with them).
SECRET_KEY_FALLBACKS = [key for key in env.list("SECRET_KEY_FALLBACKS", default=[]) if key]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "playground.core",
    "playground.accounts",
    "playground.chat",
    "playground.studio",
    "playground.files",
    "playground.teams",
    "playground.compare",
    "playground.presets",
    "playground.usage",
    "playground.explorer",
    "django_tasks_db",
    "axes",
]

# Django's own middleware, and ServeStatic's right after SecurityMiddleware as its
# documentation sets it up (docs/deploy.md): what is named here is what runs. ServeStatic is
# WhiteNoise's maintained fork with an async middleware: WhiteNoise's is sync only, a thread
# hop on every request under ASGI (bench/README.md has the side-by-side figure).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]
# Login throttling (django-axes): its middleware goes last, as its documentation asks; it
# turns a refused login, on our pages and in /admin/ alike, into the lockout page.
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]

ROOT_URLCONF = "playground.urls"
ASGI_APPLICATION = "playground.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "playground.core.context_processors.site",
                "playground.core.context_processors.preferences",
            ],
        },
    },
]

# SQLite by default: WAL, a busy timeout and IMMEDIATE transactions because many runs
# write at once. PostgreSQL through DATABASE_URL in production and CI.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not :memory:, so the server thread and run executors of browser tests
    # see the same test database as the test itself.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}
# Under ASGI each request's sync code runs in a thread of its own, so a connection kept
# past its request would be left behind with its thread: each request closes its own as it
# ends (Django's default, CONN_MAX_AGE 0). On PostgreSQL they come from Django's connection
# pool (psycopg's), one per process, so closing one hands it back (docs/deploy.md).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A redis:// CACHE_URL gets django-redis (django-environ picks it once installed): its
# connection pool is one per process, where Django's own Redis backend makes one per cache
# object, so a new connection for every request under ASGI (measured: bench/README.md).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Every request reads its session. With a cache all processes share (Redis, Memcached) the
# read comes from there, and the database keeps every session as before; a process's own
# cache would let one process go on seeing a session that another has ended.
_SHARED_CACHES = (
    "django_redis.",
    "django.core.cache.backends.redis.",
    "django.core.cache.backends.memcached.",
)
if CACHES["default"]["BACKEND"].startswith(_SHARED_CACHES):
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "chat:home"
LOGOUT_REDIRECT_URL = "login"

# django-axes checks every login (ours and /admin/'s) before Django's own backend does.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# After this many failed logins for one account, or from one address, logins for it are
# refused until LOGIN_LOCKOUT_MINUTES have passed since the last failure (or an admin
# unlocks it). A success clears the count.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.float("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each counted on its own
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "playground.accounts.views.locked_out"  # a page in plain words
AXES_VERBOSE = False  # no banner at every start; lockouts are still logged

# Who may create an account once the first one (the administrator) exists: "open" (anyone
# who reaches the server), "invite" (only through an invitation link) or "closed". An
# administrator's choice in Admin → Sign-up policy takes precedence over this.
SIGNUP_POLICY = env.str("SIGNUP_POLICY", default="invite").strip().lower()
# Fernet keys for the API keys stored here (personal and team keys), newest first: the
# first encrypts, all decrypt. Empty: one derived from SECRET_KEY (accounts/keys.py).
KEY_ENCRYPTION_KEYS = env.list("KEY_ENCRYPTION_KEYS", default=[])
if SIGNUP_POLICY not in ("open", "invite", "closed"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured('SIGNUP_POLICY must be "open", "invite" or "closed".')

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Media (the studio's results): local files by default, S3-compatible storage when
# STORAGE_BACKEND=s3. Either way files are served only through views that check the owner.
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
if STORAGE_BACKEND == "s3":
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default=None),
            "region_name": env.str("S3_REGION", default=None),
            "access_key": env.str("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default=None),
            "default_acl": "private",
            "querystring_auth": True,  # links are signed and expire
            "querystring_expire": 3600,
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "servestatic.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
SERVESTATIC_USE_FINDERS = env.bool("SERVESTATIC_USE_FINDERS", default=DEBUG)
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"  # never routed: stored files are served by the owner's views only

# Security. Production values come from the environment; `check --deploy` is clean with
# DEBUG=false and the variables documented in .env.example.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "media-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container's health probe speaks plain HTTP
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The Nexconn API. Without a key the app runs in demo mode against the embedded simulator.
NEXCONN_API_KEY = env.str("NEXCONN_API_KEY", default="")
NEXCONN_BASE_URL = env.str("NEXCONN_BASE_URL", default="https://api-xmodel.nexconn.ai")
NEXCONN_CONNECT_TIMEOUT = env.float("NEXCONN_CONNECT_TIMEOUT", default=10.0)
NEXCONN_READ_TIMEOUT = env.float("NEXCONN_READ_TIMEOUT", default=120.0)
NEXCONN_MAX_RETRIES = env.int("NEXCONN_MAX_RETRIES", default=2)
NEXCONN_MODELS_CACHE_SECONDS = env.int("NEXCONN_MODELS_CACHE_SECONDS", default=300)
# "bearer": `Authorization: Bearer <key>`; "bare": `Authorization: <key>` (the docs differ).
NEXCONN_AUTH_SCHEME = env.str("NEXCONN_AUTH_SCHEME", default="bearer").strip().lower()
if NEXCONN_AUTH_SCHEME not in ("bearer", "bare"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured('NEXCONN_AUTH_SCHEME must be "bearer" or "bare".')
DEMO_MODE = not NEXCONN_API_KEY

# Studio jobs (image and video generation) run in the task worker: `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The first poll comes this many seconds after submitting; later ones back off to the cap.
STUDIO_POLL_FIRST_SECONDS = env.float("STUDIO_POLL_FIRST_SECONDS", default=1.0)
STUDIO_POLL_MAX_SECONDS = env.float("STUDIO_POLL_MAX_SECONDS", default=15.0)
# A job still unfinished after this long is given up on (shown as timed out).
STUDIO_JOB_TIMEOUT_SECONDS = env.int("STUDIO_JOB_TIMEOUT_SECONDS", default=3600)
# Budgets (usage/budgets.py): how models without a price count while a spending limit
# applies, "block" or "count" (requests only); Admin → Budget policy takes precedence. An
# answer's estimate assumes this many tokens when neither the panel nor the model sets a
# maximum, and a video's this many seconds when its form sets no length.
USAGE_UNPRICED_RULE = env.str("USAGE_UNPRICED_RULE", default="count").strip().lower()
if USAGE_UNPRICED_RULE not in ("block", "count"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured('USAGE_UNPRICED_RULE must be "block" or "count".')
USAGE_DEFAULT_MAX_TOKENS = env.int("USAGE_DEFAULT_MAX_TOKENS", default=4096)
USAGE_DEFAULT_VIDEO_SECONDS = env.int("USAGE_DEFAULT_VIDEO_SECONDS", default=10)
# Largest result the studio downloads, and largest reference image a user may upload.
MEDIA_MAX_DOWNLOAD_MB = env.int("MEDIA_MAX_DOWNLOAD_MB", default=200)
# The longest one result (or an image in a chat answer) may take to download, redirects and
# all: a server that sends a byte now and then must not hold a worker for ever.
MEDIA_DOWNLOAD_TIMEOUT_SECONDS = env.float("MEDIA_DOWNLOAD_TIMEOUT_SECONDS", default=300.0)
STUDIO_MAX_UPLOAD_MB = env.int("STUDIO_MAX_UPLOAD_MB", default=10)

# Redis, optional: with it a run started through one server process can be followed live
# through another (several uvicorn workers or replicas). Empty: one process, in memory.
REDIS_URL = env.str("REDIS_URL", default="")
# Keys and channels start with this, so several installations can share one Redis.
REDIS_KEY_PREFIX = env.str("REDIS_KEY_PREFIX", default="playground")

# Chat attachments (images, audio) sent inline with a message; larger documents go through
# the Files API (the Files page) instead.
CHAT_MAX_ATTACHMENT_MB = env.int("CHAT_MAX_ATTACHMENT_MB", default=15)

# Runs: how often the growing answer is written to the database while it streams.
RUN_FLUSH_INTERVAL_SECONDS = env.float("RUN_FLUSH_INTERVAL_SECONDS", default=1.0)
# A chat page's own stream ends after this long (the browser opens it again at once, and it
# takes up the page's answers from a snapshot): no connection is held forever.
PAGE_STREAM_SECONDS = env.float("PAGE_STREAM_SECONDS", default=600.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            # Blanks the API key, should an upstream's words echo it into a log line.
            "()": "playground.core.redaction.RedactingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
