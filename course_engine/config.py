"""Configuration in layers: defaults here, then ``instance/config.py``, then the environment.

Nothing here reads the environment at import time; :func:`configure` is called by the
application factory, so tests can build apps with any configuration they like.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

#: Defaults suitable for development. Production overrides come from the instance folder
#: or from environment variables with the ``COURSE_ENGINE_`` prefix.
DEFAULTS: dict[str, Any] = {
    #: "development" or "production". Production refuses to start without SECRET_KEY.
    "ENV_NAME": "development",
    #: SQLAlchemy URL; empty means SQLite in the instance folder.
    "DATABASE_URL": "",
    #: PostgreSQL: "transaction" when a transaction-mode pooler (PgBouncer) is in front: the
    #: driver then prepares no statements on the server (docs/deployment.md).
    "DATABASE_POOLER": "",
    #: Connections each worker process keeps open to PostgreSQL (and may add beyond that under
    #: load); a sync worker uses one at a time (docs/deployment.md, "Connections").
    "DATABASE_POOL_SIZE": 5,
    "DATABASE_MAX_OVERFLOW": 10,
    "SQLALCHEMY_ECHO": False,
    #: Where content lives (relative paths are relative to the project root).
    "MODULES_DIR": "modules",
    "QUIZZES_DIR": "quizzes",
    #: Sync content into the database when the development server starts.
    "CONTENT_SYNC_ON_START": False,
    #: Mail: "outbox" writes messages to instance/outbox/, "smtp" sends them, "memory" keeps
    #: them in ``app.extensions['course_engine.mail'].sent`` (tests).
    "MAIL_BACKEND": "outbox",
    "MAIL_FROM": "course-engine <no-reply@course-engine.invalid>",
    #: Folder for the outbox backend (default: instance/outbox).
    "MAIL_OUTBOX_DIR": "",
    "SMTP_HOST": "localhost",
    "SMTP_PORT": 587,
    "SMTP_USERNAME": "",
    "SMTP_PASSWORD": "",
    "SMTP_STARTTLS": True,
    #: Public base URL used in emails and certificate verification links.
    "BASE_URL": "http://127.0.0.1:5000",
    #: Rate limiting storage: memory:// for one process, redis://host:port for several.
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_ENABLED": True,
    #: Wrong passwords allowed (only a wrong password counts; see auth/routes.py). Per address:
    #: credential stuffing from one place. Per account *from one address*, with waits that grow
    #: (1 minute, then 15, then an hour): guessing one person's password is slowed, and nobody
    #: elsewhere can lock that person out (OWASP Authentication Cheat Sheet, account lockout).
    "LOGIN_LIMIT_PER_ADDRESS": "20 per minute",
    "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS": "5 per minute; 10 per 15 minutes; 20 per hour",
    "RESET_LIMIT_PER_ADDRESS": "5 per minute",
    "VERIFY_LIMIT_PER_ADDRESS": "60 per minute",
    #: Failed token requests from wallets (a wrong, used or expired pre-authorized code), per
    #: address: like sign-in, only failures count (certificates/wallet.py).
    "WALLET_TOKEN_LIMIT_PER_ADDRESS": "20 per minute",
    #: Password reset links expire after this many seconds.
    "PASSWORD_RESET_MAX_AGE": 3600,
    "INVITATION_MAX_AGE": 14 * 24 * 3600,
    "PASSWORD_MIN_LENGTH": 12,
    #: Argon2id parameters for new password hashes (None: argon2-cffi's recommended profile,
    #: RFC 9106's "low memory" one: 3 passes, 64 MiB, 4 lanes). Hashes made with other
    #: parameters are upgraded at the next login. Apps built with TESTING get cheap ones
    #: unless set, so a suite of a thousand logins does not spend minutes hashing.
    "PASSWORD_HASH_TIME_COST": None,
    "PASSWORD_HASH_MEMORY_KIB": None,
    "PASSWORD_HASH_PARALLELISM": None,
    #: Cookies. SESSION_COOKIE_SECURE is also switched on per request when served over HTTPS.
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": None,  # None: True when ENV_NAME is production, else False
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": None,  # None: True when ENV_NAME is production, else False
    "REMEMBER_COOKIE_DURATION": 14 * 24 * 3600,
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,
    #: Trust this many proxies for X-Forwarded-For/Proto (0 when serving directly).
    "PROXY_COUNT": 0,
    "SITE_NAME": "course-engine",
    #: Background jobs (course_engine/jobs.py): "inline" (no extra service: run in the app
    #: after the response, or straight away in commands) or "rq" (a Redis queue worked by
    #: ``flask jobs worker`` on any host).
    "JOBS_BACKEND": "inline",
    "JOBS_REDIS_URL": "redis://127.0.0.1:6379/0",
    #: Seconds a job may run before the worker stops it.
    "JOBS_TIMEOUT": 600,
    #: Days a job that failed every retry stays on the failed jobs page (and `flask jobs failed`).
    "JOBS_FAILED_KEEP_DAYS": 30,
    #: Full-organisation exports (prepared by a job): the folder they are written to (empty:
    #: instance/exports; with several app hosts, a folder every host and worker shares) and
    #: the days a finished export may be downloaded before it is deleted.
    "EXPORTS_DIR": "",
    "EXPORT_KEEP_DAYS": 7,
    #: Integrations (LTI, single sign-on). Calls to other systems must use https:// and public
    #: addresses; True lifts both rules (development, and tests whose counterparts run on
    #: loopback over plain HTTP). Never in production.
    "INTEGRATIONS_ALLOW_HTTP": False,
    #: Keys that encrypt stored secrets (Fernet keys, newest first; see encryption.py). Empty:
    #: one derived from SECRET_KEY. Set it in production so SECRET_KEY can change.
    "ENCRYPTION_KEYS": [],
    #: Days a rotated LTI signing key stays published in the tool's key set.
    "LTI_KEY_OVERLAP_DAYS": 14,
    #: Bulk staff CSV uploads: the largest file (bytes) and the most rows one upload may have.
    "CSV_MAX_BYTES": 1024 * 1024,
    "CSV_MAX_ROWS": 5000,
    #: Largest logo upload accepted (branding), in bytes, before it is re-encoded.
    "LOGO_MAX_BYTES": 1024 * 1024,
    #: Evidence files on CPD entries: the largest accepted (bytes), and where they are kept
    #: (empty: instance/evidence; outside the web root, never under static/).
    "CPD_EVIDENCE_MAX_BYTES": 10 * 1024 * 1024,
    "CPD_EVIDENCE_DIR": "",
    #: A previewed staff upload must be confirmed within this many seconds.
    "STAFF_IMPORT_MAX_AGE": 3600,
}

ENV_PREFIX = "COURSE_ENGINE"

#: Argon2id parameters for apps built with TESTING (the minimum the algorithm allows).
_TEST_PASSWORD_HASH = {"PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 8, "PASSWORD_HASH_PARALLELISM": 1}


class ConfigurationError(SystemExit):
    """Start-up stops with a one-line explanation (no traceback) when configuration is unsafe."""


def normalise_database_url(url: str) -> str:
    """Accept the URL forms hosting platforms hand out and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def configure(app, test_config: Mapping[str, Any] | None = None,
              environ: Mapping[str, str] | None = None) -> None:
    """Load configuration layers into ``app.config`` in order of precedence (last wins).

    :param app: the Flask app (``instance_relative_config=True``).
    :param test_config: when given, replaces the instance file and environment layers,
        so a test's app is not affected by the developer's machine.
    :param environ: the environment to read (defaults to ``os.environ``).
    """
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        env = os.environ if environ is None else environ
        _load_environment(app, env)
    else:
        app.config.from_mapping(test_config)
    if app.config.get("TESTING"):
        for key, cheap in _TEST_PASSWORD_HASH.items():
            if app.config.get(key) is None:
                app.config[key] = cheap

    # Production cookies are Secure (HttpOnly and SameSite are on everywhere) without the
    # operator having to say so; an explicit setting (true or false) still wins.
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(key) is None:
            app.config[key] = app.config["ENV_NAME"] == "production"

    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = "sqlite:///" + str(Path(app.instance_path) / "course_engine.db")
    app.config["DATABASE_URL"] = normalise_database_url(str(app.config["DATABASE_URL"]))

    if not app.config.get("SECRET_KEY"):
        if app.config["ENV_NAME"] == "production":
            raise ConfigurationError(
                "course-engine: SECRET_KEY is not set. In production set the SECRET_KEY "
                "environment variable (or SECRET_KEY in instance/config.py) to a long random value."
            )
        app.config["SECRET_KEY"] = _development_secret_key(Path(app.instance_path))


def _load_environment(app, env: Mapping[str, str]) -> None:
    """Apply ``COURSE_ENGINE_*`` variables (JSON-decoded where possible), DATABASE_URL and SECRET_KEY."""
    import json

    prefix = ENV_PREFIX + "_"
    for key in sorted(env):
        if not key.startswith(prefix):
            continue
        value: Any = env[key]
        try:
            value = json.loads(value)
        except ValueError:
            pass
        app.config[key[len(prefix):]] = value
    for key in ("DATABASE_URL", "SECRET_KEY"):
        if env.get(key):
            app.config[key] = env[key]


def _development_secret_key(instance_path: Path) -> str:
    """Generate a secret once into the instance folder so sessions survive restarts."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
