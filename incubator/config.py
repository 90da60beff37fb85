"""Settings from environment variables, with safe defaults.

Everything the app reads from the environment is read here, once, into a frozen
`Settings`; the README's configuration table documents the same names.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from incubator import capability

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
# A checkout keeps templates/, static/ and migrations/ at its top level, beside the package; a
# wheel installs them inside the package (pyproject's [tool.setuptools.package-dir]).
IN_CHECKOUT = (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "migrations").is_dir()


def _resource_dir(name: str) -> Path:
    return PROJECT_ROOT / name if IN_CHECKOUT else PACKAGE_DIR / name


TEMPLATES_DIR = _resource_dir("templates")
STATIC_DIR = _resource_dir("static")
# The app imports its migrations as `incubator.migrations` wherever it is installed: a wheel has
# them in incubator/migrations/, an editable install maps the name onto the checkout's migrations/.
# Tortoise records an applied migration by app label and name ("incubator", "0001_initial"), never
# by module, so a database migrated under another module name is not migrated again.
MIGRATIONS_MODULE = "incubator.migrations"

# A production key must be long enough that guessing it is hopeless.
MIN_SECRET_KEY_LENGTH = 32
# SQLite waits this long for another writer's lock before answering "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10_000


class ConfigurationError(RuntimeError):
    """The environment describes a deployment that must not start."""


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}") from None


IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Whose forwarded headers are believed when INCUBATOR_TRUSTED_PROXIES is not set: a proxy on the
# same machine (what uvicorn trusted by default before the app read the headers itself).
DEFAULT_TRUSTED_PROXIES = "127.0.0.1, ::1"


def _trusted_proxies(env: dict[str, str]) -> tuple[IpNetwork, ...]:
    """Addresses and networks (`10.0.0.0/8`) whose forwarded headers are believed; `*` any sender
    (a container behind a load balancer whose address is unknown); empty: none."""
    raw = env.get("INCUBATOR_TRUSTED_PROXIES")
    raw = DEFAULT_TRUSTED_PROXIES if raw is None else raw
    networks = []
    for item in (part.strip() for part in raw.replace(";", ",").split(",")):
        if not item:
            continue
        if item == "*":
            networks += [ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")]
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigurationError(
                f"INCUBATOR_TRUSTED_PROXIES: {item!r} is not an address or a network (10.0.0.0/8)") from None
    return tuple(networks)


def _base_url(env: dict[str, str]) -> str:
    url = (env.get("INCUBATOR_BASE_URL") or "").strip().rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        raise ConfigurationError(f"INCUBATOR_BASE_URL must start with http:// or https://, not {url!r}")
    return url


def sqlite_url(path: Path) -> str:
    return f"sqlite://{path.resolve()}?busy_timeout={SQLITE_BUSY_TIMEOUT_MS}"


def normalise_database_url(url: str) -> str:
    """Accept the URL forms people paste (postgresql://, sqlite:///relative) for Tortoise."""
    if url.startswith("postgresql://"):
        url = "postgres://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite://") and "busy_timeout" not in url:
        url += ("&" if "?" in url else "?") + f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}"
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite://")


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite://").split("?", 1)[0])


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    env: str = "development"
    timezone: str = "Asia/Shanghai"
    run_scheduler: bool = True
    data_dir: Path = field(default_factory=lambda: Path("var"))
    session_idle_minutes: int = 120
    session_absolute_hours: int = 12
    login_max_failures: int = 5
    login_max_failures_per_address: int = 20
    login_lockout_minutes: int = 15
    max_body_bytes: int = 1024 * 1024
    max_upload_bytes: int = 10 * 1024 * 1024
    upload_dir: Path | None = None
    # The address users reach (INCUBATOR_BASE_URL); blank: each page builds its absolute addresses
    # from its request (web.absolute_url), and mail and jobs use `offline_base_url`.
    base_url: str = ""
    # Senders whose X-Forwarded-*/Forwarded headers are believed (middleware/proxy.py).
    trusted_proxies: tuple[IpNetwork, ...] = field(default_factory=lambda: _trusted_proxies({}))
    port: int = 8000  # what `incubator serve` listens on without --port
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "incubator@localhost"
    smtp_starttls: bool = False
    # Grants above this many fen need a district official's approval.
    grant_approval_threshold_fen: int = 50_000_00
    # Rendered pages kept in each process until what they show changes (SQLite only; 0: off).
    page_cache_mb: int = 64
    # The district's name on the monthly report's cover (blank: the hub's name).
    district_name: str = ""
    # Requests one API token may make a minute (the data API answers 429 beyond it).
    api_requests_per_minute: int = 120

    @property
    def uploads(self) -> Path:
        return self.upload_dir or (self.data_dir / "uploads")

    @property
    def offline_base_url(self) -> str:
        """The address for links made without a request (mail, jobs): INCUBATOR_BASE_URL, else this
        machine's own address, which only this machine's users can follow."""
        return self.base_url or f"http://127.0.0.1:{self.port}"

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def sqlite(self) -> bool:
        return is_sqlite(self.database_url)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        mode = env.get("INCUBATOR_ENV", "development").strip().lower() or "development"
        if mode not in {"development", "production"}:
            raise ConfigurationError("INCUBATOR_ENV must be 'development' or 'production'")
        data_dir = Path(env.get("INCUBATOR_DATA_DIR") or "var")
        url = env.get("INCUBATOR_DATABASE_URL") or sqlite_url(data_dir / "incubator.sqlite3")
        timezone = env.get("INCUBATOR_TIMEZONE") or "Asia/Shanghai"
        try:
            ZoneInfo(timezone)
        except Exception:
            raise ConfigurationError(f"INCUBATOR_TIMEZONE {timezone!r} is not a known time zone") from None
        return cls(
            database_url=normalise_database_url(url),
            secret_key=_secret_key(env, mode, data_dir),
            env=mode,
            timezone=timezone,
            run_scheduler=_flag(env.get("INCUBATOR_RUN_SCHEDULER"), True),
            data_dir=data_dir,
            session_idle_minutes=_int(env, "INCUBATOR_SESSION_IDLE_MINUTES", 120),
            session_absolute_hours=_int(env, "INCUBATOR_SESSION_ABSOLUTE_HOURS", 12),
            login_max_failures=_int(env, "INCUBATOR_LOGIN_MAX_FAILURES", 5),
            login_max_failures_per_address=_int(env, "INCUBATOR_LOGIN_MAX_FAILURES_PER_ADDRESS", 20),
            login_lockout_minutes=_int(env, "INCUBATOR_LOGIN_LOCKOUT_MINUTES", 15),
            max_body_bytes=_int(env, "INCUBATOR_MAX_BODY_BYTES", 1024 * 1024),
            max_upload_bytes=_int(env, "INCUBATOR_MAX_UPLOAD_BYTES", 10 * 1024 * 1024),
            upload_dir=Path(env["INCUBATOR_UPLOAD_DIR"]) if env.get("INCUBATOR_UPLOAD_DIR") else None,
            base_url=_base_url(env),
            trusted_proxies=_trusted_proxies(env),
            port=_port(env),
            smtp_host=env.get("INCUBATOR_SMTP_HOST", "").strip(),
            smtp_port=_int(env, "INCUBATOR_SMTP_PORT", 25),
            smtp_user=env.get("INCUBATOR_SMTP_USER", ""),
            smtp_password=env.get("INCUBATOR_SMTP_PASSWORD", ""),
            smtp_from=env.get("INCUBATOR_SMTP_FROM") or "incubator@localhost",
            smtp_starttls=_flag(env.get("INCUBATOR_SMTP_STARTTLS"), False),
            grant_approval_threshold_fen=_int(env, "INCUBATOR_GRANT_APPROVAL_THRESHOLD_YUAN", 50_000) * 100,
            page_cache_mb=max(0, _int(env, "INCUBATOR_PAGE_CACHE_MB", 64)),
            district_name=env.get("INCUBATOR_DISTRICT_NAME", "").strip()[:100],
            api_requests_per_minute=max(1, _int(env, "INCUBATOR_API_REQUESTS_PER_MINUTE", 120)),
        )


def _port(env: dict[str, str]) -> int:
    port = _int(env, "INCUBATOR_PORT", 8000)
    if not 0 < port < 65536:
        raise ConfigurationError(f"INCUBATOR_PORT must be between 1 and 65535, not {port}")
    return port


def _secret_key(env: dict[str, str], mode: str, data_dir: Path) -> str:
    key = env.get("INCUBATOR_SECRET_KEY", "").strip()
    if mode == "production":
        if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 10:
            raise ConfigurationError(
                "INCUBATOR_ENV=production needs INCUBATOR_SECRET_KEY: at least "
                f"{MIN_SECRET_KEY_LENGTH} random characters (python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
        return key
    if key:
        return key
    # Development: generate once and keep it, so sessions survive a restart and
    # every process started from this directory signs with the same key.
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def tortoise_config(database_url: str, migrations_module: str = MIGRATIONS_MODULE) -> dict:
    """The ORM's configuration: the models are those of the installed capabilities."""
    models = capability.model_modules()
    if not models:
        raise RuntimeError("no capability is installed: call incubator.app.install_capabilities() first")
    return {
        "connections": {"default": database_url},
        "apps": {
            "incubator": {
                "models": models,
                "default_connection": "default",
                "migrations": migrations_module,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def migration_url(database_url: str) -> str:
    """The URL to migrate through. SQLite changes a table (a CHECK constraint, a column's type) by
    building a new one, copying the rows, dropping the old and renaming the new; with foreign keys
    enforced, the DROP first deletes every row, which fails on a RESTRICT reference and cascades
    or nulls the rest (0012 emptied review_indicator and review_assignment that way). So foreign
    keys are off while migrating, as SQLite's documentation prescribes, and checked afterwards."""
    if not is_sqlite(database_url) or "foreign_keys=" in database_url:
        return database_url
    return database_url + ("&" if "?" in database_url else "?") + "foreign_keys=OFF"


def cli_tortoise_config() -> dict:
    # Used by the `tortoise` CLI (pyproject [tool.tortoise] → incubator.app.TORTOISE_ORM); never
    # writes a secret.
    url = os.environ.get("INCUBATOR_DATABASE_URL") or sqlite_url(
        Path(os.environ.get("INCUBATOR_DATA_DIR") or "var") / "incubator.sqlite3"
    )
    # In a checkout the CLI runs from its top (it puts the current directory on sys.path), and
    # `tortoise makemigrations` must write into the top-level migrations/: given a dotted name it
    # would create incubator/migrations/ instead. Same app label, so the same recorded history.
    return tortoise_config(migration_url(normalise_database_url(url)),
                           "migrations" if IN_CHECKOUT else MIGRATIONS_MODULE)

