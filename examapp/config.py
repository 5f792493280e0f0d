"""Settings read from EXAMAPP_* environment variables, with defaults that run on a bare laptop."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024


class ConfigError(RuntimeError):
    """The settings cannot run the app safely; the message says which one to fix."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"EXAMAPP_{name}")
    return value if value not in (None, "") else default


def load(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask config from the environment; `overrides` (tests) win over both."""
    overrides = dict(overrides or {})
    env = overrides.pop("ENV", None) or _env("ENV", "development")
    grace = float(_env("GRACE_SECONDS", "5"))
    config = {
        "ENV_NAME": env,
        "DATABASE_URL": _env("DATABASE_URL")
        or f"sqlite:///{Path(instance_path) / 'examapp.sqlite3'}",
        "REDIS_URL": _env("REDIS_URL"),
        # Several deployments (or benchmarks) may share one Redis under their own prefixes.
        "REDIS_PREFIX": _env("REDIS_PREFIX", "examapp:"),
        "SECRET_KEY": _env("SECRET_KEY"),
        "GRACE_SECONDS": min(max(grace, 0.0), 10.0),
        "MAX_CONTENT_LENGTH": int(_env("UPLOAD_LIMIT_BYTES", str(DEFAULT_UPLOAD_LIMIT))),
        "BABEL_DEFAULT_LOCALE": _env("DEFAULT_LOCALE", "vi"),
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": int(_env("LOGIN_MAX_FAILURES_PER_ACCOUNT", "10")),
        "LOGIN_MAX_ATTEMPTS_PER_ADDRESS": int(_env("LOGIN_MAX_ATTEMPTS_PER_ADDRESS", "60")),
        "LOGIN_WINDOW_SECONDS": int(_env("LOGIN_WINDOW_SECONDS", "900")),
        "TRUSTED_PROXIES": int(_env("TRUSTED_PROXIES", "0")),
        "IDENTITY_SECONDS": float(_env("IDENTITY_SECONDS", "300")),
        "ADMISSION_QUEUE": int(_env("ADMISSION_QUEUE", "32")),
        # Contest sign-ups: a factory's Wi-Fi puts many workers behind one address.
        "CONTEST_REGISTRATIONS_PER_ADDRESS": int(_env("CONTEST_REGISTRATIONS_PER_ADDRESS", "100")),
        "CONTEST_TRIES_PER_PHONE": int(_env("CONTEST_TRIES_PER_PHONE", "5")),
        "CONTEST_LIMIT_WINDOW_SECONDS": int(_env("CONTEST_LIMIT_WINDOW_SECONDS", "3600")),
        # Live boards: "auto" serves streams under gevent or the development server, 503 elsewhere.
        "STREAMS": _env("STREAMS", "auto"),
        "STREAM_SECONDS": float(_env("STREAM_SECONDS", "300")),
        # A public board is answered from what was read within this many seconds.
        "BOARD_CACHE_SECONDS": float(_env("BOARD_CACHE_SECONDS", "1")),
        "SWEEP_INTERVAL_SECONDS": float(_env("SWEEP_INTERVAL_SECONDS", "30")),
        "SESSION_IDLE_MINUTES": float(_env("SESSION_IDLE_MINUTES", "60")),
        "SESSION_MAX_HOURS": float(_env("SESSION_MAX_HOURS", "12")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "JSON_SORT_KEYS": False,
    }
    config.update(overrides)
    if env == "production":
        config["SESSION_COOKIE_SECURE"] = True
        _refuse_unsafe_production(config)
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _instance_secret(Path(instance_path))
    return config


def _refuse_unsafe_production(config: dict) -> None:
    if not config.get("REDIS_URL"):
        raise ConfigError(
            "EXAMAPP_ENV=production needs EXAMAPP_REDIS_URL: the in-process store "
            "only works for a single process"
        )
    if not config.get("SECRET_KEY"):
        raise ConfigError("EXAMAPP_ENV=production needs EXAMAPP_SECRET_KEY set explicitly")


def _instance_secret(instance: Path) -> str:
    """Generate the secret once and keep it, so sessions survive a restart."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
