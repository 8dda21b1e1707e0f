"""Breakthrough settings: one module, read from the environment by the strict helpers in env.py.

With no variables at all it runs on the embedded default: a SQLite file, Celery tasks run inline,
e-mail printed to the console, local debug. DATABASE_URL and REDIS_URL switch on the real parts.
DJANGO_ENV=production turns on everything `manage.py check --deploy` asks for.
Docs: https://docs.djangoproject.com/en/5.2/ref/settings/
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from breakthrough.env import env_bool, env_choice, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

# -----------------------------------------------------------------------------
# Mode
# -----------------------------------------------------------------------------
DJANGO_ENV = env_choice("DJANGO_ENV", "development", ("development", "test", "production"))
PRODUCTION = DJANGO_ENV == "production"

# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be false when DJANGO_ENV=production.")

# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
SECRET_KEY = env_str("DJANGO_SECRET_KEY", required=PRODUCTION) or "insecure-development-key-not-for-production"
if PRODUCTION and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 characters in production.")

# https://docs.djangoproject.com/en/5.2/ref/settings/#allowed-hosts
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the site's host names in production.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# The public address used in e-mailed links when no request is at hand (tasks, invitations).
SITE_URL = env_str("SITE_URL", required=PRODUCTION) or "http://localhost:8000"
# The service's name, as e-mails and the authenticator app show it.
SITE_NAME = "Breakthrough"

# -----------------------------------------------------------------------------
# Applications
# -----------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "crispy_forms",
    "crispy_forms_gds",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "breakthrough",
    "brokerage",
    "ras",
    "audits",
    "commissioning",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "breakthrough.middleware.PrivatePagesAreNotStoredMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "breakthrough.middleware.StaffMustUseTwoFactorMiddleware",
]

ROOT_URLCONF = "breakthrough.urls"
WSGI_APPLICATION = "breakthrough.wsgi.application"
AUTH_USER_MODEL = "breakthrough.User"

# Every form's fields get the Design System's error border whatever their widget (breakthrough/forms.py).
FORM_RENDERER = "breakthrough.forms.GovukFormRenderer"

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
                "breakthrough.context_processors.navigation",
            ],
        },
    },
]

# -----------------------------------------------------------------------------
# Database: https://docs.djangoproject.com/en/5.2/ref/settings/#databases
# -----------------------------------------------------------------------------
DATABASE_URL = env_url("DATABASE_URL", schemes=("postgres", "postgresql", "sqlite"))
if PRODUCTION and not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL must be set in production (postgres://user:pass@host:5432/name).")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"},
        }
    }
# Reporting (dashboards, the national view, audit runs) can read from a read replica of the same database: with
# DATABASE_REPLICA_URL set, code inside `breakthrough.reporting.reporting_reads()` reads from the "replica" alias
# (breakthrough/reporting.py's router); every write still goes to "default". The tests mirror the replica onto
# the main database (TEST MIRROR), so the same queries run and see the same rows.
DATABASE_REPLICA_URL = env_url("DATABASE_REPLICA_URL", schemes=("postgres", "postgresql", "sqlite"))
if DATABASE_REPLICA_URL:
    if not DATABASE_URL:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL: a replica is a copy of the main database.")
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0)
    )
    if DJANGO_ENV == "test":
        DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["breakthrough.reporting.ReportingRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The directory's covering index on open sessions (include=offer) is a PostgreSQL feature; on the embedded
# SQLite default it is a plain index, which is all that small data needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# -----------------------------------------------------------------------------
# Redis: Celery broker and results, and the cache (allauth's rate limits live there)
# -----------------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss"))
if PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL must be set in production: Celery, the cache and sign-in rate limits need it."
    )
if REDIS_URL:
    # Keys are prefixed so that clearing the cache never touches Celery's queues in the same Redis database.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Tests run in parallel (pytest-xdist) each clear only their own keys.
            "KEY_PREFIX": f"test-cache-{env_str('PYTEST_XDIST_WORKER', 'main')}" if DJANGO_ENV == "test" else "cache",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Inline without a broker, and in tests (the worker test turns it off to go through a real worker).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", REDIS_URL is None or DJANGO_ENV == "test")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Europe/London"
CELERY_BEAT_SCHEDULE: dict = {
    "warn-expiring-compliance": {
        "task": "brokerage.providers.tasks.warn_expiring_compliance",
        "schedule": crontab(hour=7, minute=0),
    },
    "expire-waiting-list-offers": {
        "task": "brokerage.bookings.tasks.expire_waiting_list_offers",
        "schedule": 15 * 60,
    },
    "lapse-unanswered-requests": {
        "task": "brokerage.bookings.tasks.lapse_unanswered_requests",
        "schedule": 15 * 60,
    },
    "release-uninvoiced-no-shows": {
        "task": "brokerage.bookings.tasks.release_uninvoiced_no_shows",
        "schedule": crontab(hour=5, minute=45),
    },
    "plans-daily": {
        "task": "brokerage.plans.tasks.plans_daily",
        "schedule": crontab(hour=6, minute=30),
    },
    "transformation-targets-weekly": {
        "task": "commissioning.plans.tasks.recompute_targets",
        "schedule": crontab(day_of_week="mon", hour=6, minute=0),
    },
    # The dashboard reads a summary of the audit's figures: this month and recent months counted again.
    "refresh-dashboard-summaries": {
        "task": "commissioning.tasks.refresh_dashboard_summaries",
        "schedule": 30 * 60,
    },
}

# -----------------------------------------------------------------------------
# Accounts: django-allauth with MFA. https://docs.allauth.org/en/latest/account/configuration.html
# -----------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "breakthrough.adapters.AccountAdapter"
ACCOUNT_FORMS = {
    name: f"breakthrough.account_forms.{form}"
    for name, form in {
        "login": "LoginForm",
        "signup": "SignupForm",
        "reset_password": "ResetPasswordForm",
        "reset_password_from_key": "ResetPasswordKeyForm",
        "change_password": "ChangePasswordForm",
        "set_password": "SetPasswordForm",
        "add_email": "AddEmailForm",
        "reauthenticate": "ReauthenticateForm",
    }.items()
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"{SITE_NAME}: "
# Tell people by e-mail when their password, e-mail address or authenticator app changes, so someone who did
# not make the change finds out.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_RATE_LIMITS_ENABLED = env_bool("ACCOUNT_RATE_LIMITS_ENABLED", True)
if not ACCOUNT_RATE_LIMITS_ENABLED:
    ACCOUNT_RATE_LIMITS = False
if PRODUCTION and not ACCOUNT_RATE_LIMITS_ENABLED:
    raise ImproperlyConfigured("ACCOUNT_RATE_LIMITS_ENABLED must stay on in production.")
MFA_ADAPTER = "allauth.mfa.adapter.DefaultMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", SITE_NAME)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"

# Staff invitations expire after this long (an invited worker must accept within it).
INVITATION_LIFETIME = timedelta(hours=env_int("INVITATION_LIFETIME_HOURS", 72, minimum=1))
# How long a waiting-list place is held for the person offered it before it goes to the next.
WAITING_LIST_OFFER_HOURS = env_int("WAITING_LIST_OFFER_HOURS", 24, minimum=1)
# The longest a booking or payment waits for a row another transaction has locked before it answers "This is busy
# at the moment. Try again." (PostgreSQL's lock_timeout, set by breakthrough/locking.py; pretix uses 3 seconds).
LOCK_TIMEOUT_MS = env_int("LOCK_TIMEOUT_MS", 3000, minimum=1)
# Disclosure control (breakthrough/disclosure.py): a count from 1 to this less one that leaves a partnership (providers'
# feedback, the national view, exports) shows as "fewer than 5", and other counts are hidden with it where they
# would give it away. 5 is the NHS Friends and Family Test's and the ONS's usual minimum. At least 3: with 2,
# "fewer than 2" would say the count is 1.
SUPPRESSION_THRESHOLD = env_int("SUPPRESSION_THRESHOLD", 5, minimum=3)

if DJANGO_ENV == "test":
    # Tests create many users; a slow hash buys nothing there.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# -----------------------------------------------------------------------------
# E-mail: https://docs.djangoproject.com/en/5.2/topics/email/
# -----------------------------------------------------------------------------
EMAIL_URL = env_url("EMAIL_URL", schemes=("smtp", "smtps"))
if EMAIL_URL:
    _email = urlparse(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname
    EMAIL_PORT = _email.port or (465 if _email.scheme == "smtps" else 587)
    EMAIL_HOST_USER = _email.username or ""
    EMAIL_HOST_PASSWORD = _email.password or ""
    EMAIL_USE_SSL = _email.scheme == "smtps"
    EMAIL_USE_TLS = _email.scheme == "smtp" and env_bool("EMAIL_USE_TLS", True)
elif PRODUCTION:
    raise ImproperlyConfigured("EMAIL_URL must be set in production (smtp://user:pass@host:port).")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Breakthrough <no-reply@breakthrough.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# -----------------------------------------------------------------------------
# Security: https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
# -----------------------------------------------------------------------------
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# -----------------------------------------------------------------------------
# Static files: GOV.UK Frontend is compiled from npm into static/build by `npm run build`.
# -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# -----------------------------------------------------------------------------
# Locale
# -----------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))},
}
