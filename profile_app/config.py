"""One settings object, read from PROFILE_* environment variables (see the README's table)."""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PREFIX = "PROFILE_"
HOSTED = "hosted"
SELF_HOSTED = "self-hosted"
APP_VERSION = "0.1.0"
# The browser's only credential: HttpOnly, set and cleared by the HTTP routes in api/session.py. Everything past
# the ASGI guard sees its sha256, never the token.
SESSION_COOKIE_NAME = "profile_session"


class ConfigurationError(RuntimeError):
    """The environment asks for something the app cannot run with; the message says which variable."""


def _env(name: str, default: str) -> str:
    return os.environ.get(PREFIX + name, default).strip()


def _env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = _env(name, str(default))
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{PREFIX}{name} must be a whole number, got {raw!r}") from exc
    if value < minimum:
        raise ConfigurationError(f"{PREFIX}{name} must be at least {minimum}, got {value}")
    return value


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name, "true" if default else "false").lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{PREFIX}{name} must be true or false, got {raw!r}")


@dataclass(frozen=True)
class Settings:
    mode: str
    data_dir: Path
    database_url: str
    web_url: str
    backend_url: str
    api_url: str
    files_url: str
    session_lifetime_hours: int
    signup_open: bool
    secret_key: str
    encryption_keys: dict[str, bytes]
    current_encryption_key_id: str
    max_members_default: int
    invitation_lifetime_days: int
    credentials_limit: int
    credentials_max_expiry_days: int
    token_lifetime_days: int
    login_max_failures: int
    login_lock_minutes: int
    outbound_allowlist: tuple[str, ...]
    signed_url_lifetime_seconds: int
    usage_report_url: str
    usage_report_period_hours: float
    sql_statement_log: str
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    sign_in_rate_per_minute: int
    security_log_days: int = 90
    # Mail (password reset links): smtp://user:pass@host:port, smtps://..., ?starttls=true; "" = no mail.
    smtp_url: str = ""
    mail_from: str = ""
    # Single sign-on (OpenID Connect); off unless issuer, client id and secret are all set.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_button_label: str = "Sign in with SSO"
    oidc_allowed_domains: tuple[str, ...] = ()
    oidc_only: bool = False

    @property
    def hosted(self) -> bool:
        return self.mode == HOSTED

    @property
    def embedded(self) -> bool:
        """The embedded default: a local SQLite file, secrets kept next to it."""
        return self.database_url.startswith("sqlite")

    @property
    def database_backend(self) -> str:
        return self.database_url.split(":", 1)[0].split("+", 1)[0]

    @property
    def secure_cookies(self) -> bool:
        return self.web_url.startswith("https://")

    @property
    def mail_configured(self) -> bool:
        return bool(self.smtp_url)

    @property
    def oidc_configured(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        return web_origins(self.web_url)


def web_origins(web_url: str) -> tuple[str, ...]:
    """The browser origins the app is served from: the web URL's origin, and for a localhost URL its loopback
    spellings too (people open http://127.0.0.1:3000 as often as http://localhost:3000)."""
    from urllib.parse import urlsplit

    parts = urlsplit(web_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    if parts.hostname != "localhost":
        return (origin,)
    port = f":{parts.port}" if parts.port else ""
    return (origin, f"{parts.scheme}://127.0.0.1{port}", f"{parts.scheme}://[::1]{port}")


def public_urls() -> tuple[str, str]:
    """(web URL, backend URL) from the environment alone, for rxconfig.py, which must not need the app's keys."""
    port = _env("PORT", "3000")
    web_url = _env("WEB_URL", f"http://localhost:{port}").rstrip("/")
    backend_url = _env("BACKEND_URL", f"http://localhost:{port}").rstrip("/")
    return web_url, backend_url


def _parse_trusted_proxies(raw: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ConfigurationError(
                f"{PREFIX}TRUSTED_PROXIES takes IP addresses and CIDR ranges, got {item!r}"
            ) from exc
    return tuple(networks)


def _parse_encryption_keys(raw: str) -> tuple[dict[str, bytes], str]:
    """`kid:base64key[,kid:base64key...]`; the first is the one new ciphertexts use."""
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        kid, sep, encoded = item.partition(":")
        if not sep or not kid:
            raise ConfigurationError(f"{PREFIX}ENCRYPTION_KEYS entries look like kid:base64key, got {kid!r}")
        try:
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except ValueError as exc:
            raise ConfigurationError(f"{PREFIX}ENCRYPTION_KEYS key {kid!r} is not base64") from exc
        if len(key) != 32:
            raise ConfigurationError(f"{PREFIX}ENCRYPTION_KEYS key {kid!r} must be 32 bytes (AES-256)")
        keys[kid] = key
        order.append(kid)
    if not order:
        raise ConfigurationError(f"{PREFIX}ENCRYPTION_KEYS is empty")
    return keys, order[0]


def new_encryption_key_entry(kid: str | None = None) -> str:
    kid = kid or "k" + secrets.token_hex(4)
    return f"{kid}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip('=')}"


def _embedded_secrets(data_dir: Path) -> dict[str, str]:
    """Secrets generated once for the embedded default, kept in a file only the owner can read."""
    path = data_dir / "secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    values = {"secret_key": secrets.token_urlsafe(48), "encryption_keys": new_encryption_key_entry()}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(values, handle)
    return values


def load_settings() -> Settings:
    mode = _env("MODE", HOSTED).lower()
    if mode not in {HOSTED, SELF_HOSTED}:
        raise ConfigurationError(f"{PREFIX}MODE must be '{HOSTED}' or '{SELF_HOSTED}', got {mode!r}")
    data_dir = Path(_env("DATA_DIR", "data")).resolve()
    database_url = _env("DATABASE_URL", f"sqlite:///{data_dir / 'profile.db'}")
    secret_key = _env("SECRET_KEY", "")
    encryption_raw = _env("ENCRYPTION_KEYS", "")
    if not secret_key or not encryption_raw:
        if not database_url.startswith("sqlite"):
            missing = [n for n, v in (("SECRET_KEY", secret_key), ("ENCRYPTION_KEYS", encryption_raw)) if not v]
            raise ConfigurationError(
                "Production databases need their keys from the environment: set "
                + " and ".join(PREFIX + n for n in missing)
            )
        stored = _embedded_secrets(data_dir)
        secret_key = secret_key or stored["secret_key"]
        encryption_raw = encryption_raw or stored["encryption_keys"]
    if len(secret_key) < 32:
        raise ConfigurationError(f"{PREFIX}SECRET_KEY must be at least 32 characters")
    keys, current = _parse_encryption_keys(encryption_raw)
    web_url, backend_url = public_urls()
    api_url = _env("API_URL", f"{backend_url}/api").rstrip("/")
    files_url = _env("FILES_URL", "http://localhost:8081").rstrip("/")
    if len({web_url, api_url, files_url}) != 3:
        raise ConfigurationError(f"{PREFIX}WEB_URL, {PREFIX}API_URL and {PREFIX}FILES_URL must be three distinct URLs")
    allowlist = tuple(filter(None, (p.strip() for p in _env("OUTBOUND_ALLOWLIST", "").split(","))))
    signed_url_lifetime = _env_int("SIGNED_URL_LIFETIME_SECONDS", 3600, minimum=1)
    if signed_url_lifetime > 7 * 24 * 3600:
        raise ConfigurationError(f"{PREFIX}SIGNED_URL_LIFETIME_SECONDS can be at most 604800 (7 days)")
    try:
        period = float(_env("USAGE_REPORT_PERIOD_HOURS", "24"))
    except ValueError as exc:
        raise ConfigurationError(f"{PREFIX}USAGE_REPORT_PERIOD_HOURS must be a number of hours") from exc
    if period <= 0:
        raise ConfigurationError(f"{PREFIX}USAGE_REPORT_PERIOD_HOURS must be positive")
    smtp_url = _env("SMTP_URL", "")
    if smtp_url and not smtp_url.lower().startswith(("smtp://", "smtps://")):
        raise ConfigurationError(f"{PREFIX}SMTP_URL must start with smtp:// or smtps://")
    mail_from = _env("MAIL_FROM", "")
    if smtp_url and not mail_from:
        raise ConfigurationError(f"{PREFIX}MAIL_FROM must be set when {PREFIX}SMTP_URL is")
    oidc_issuer = _env("OIDC_ISSUER", "").rstrip("/")
    oidc_client_id = _env("OIDC_CLIENT_ID", "")
    oidc_client_secret = _env("OIDC_CLIENT_SECRET", "")
    oidc_parts = [n for n, v in (("OIDC_ISSUER", oidc_issuer), ("OIDC_CLIENT_ID", oidc_client_id),
                                 ("OIDC_CLIENT_SECRET", oidc_client_secret)) if not v]
    if 0 < len(oidc_parts) < 3:
        raise ConfigurationError("Single sign-on needs all three of its settings: set " +
                                 " and ".join(PREFIX + n for n in oidc_parts))
    if _env_bool("OIDC_ONLY", False) and oidc_parts:
        raise ConfigurationError(f"{PREFIX}OIDC_ONLY needs single sign-on configured ({PREFIX}OIDC_ISSUER ...)")
    return Settings(
        mode=mode,
        data_dir=data_dir,
        database_url=database_url,
        web_url=web_url,
        backend_url=backend_url,
        api_url=api_url,
        files_url=files_url,
        session_lifetime_hours=_env_int("SESSION_LIFETIME_HOURS", 168, minimum=1),
        signup_open=_env_bool("SIGNUP_OPEN", True),
        secret_key=secret_key,
        encryption_keys=keys,
        current_encryption_key_id=current,
        max_members_default=_env_int("MAX_MEMBERS", 10, minimum=1),
        invitation_lifetime_days=_env_int("INVITATION_LIFETIME_DAYS", 7, minimum=1),
        credentials_limit=_env_int("CREDENTIALS_LIMIT", 20, minimum=1),
        credentials_max_expiry_days=_env_int("CREDENTIALS_MAX_EXPIRY_DAYS", 0),
        token_lifetime_days=_env_int("TOKEN_LIFETIME_DAYS", 30, minimum=1),
        login_max_failures=_env_int("LOGIN_MAX_FAILURES", 10, minimum=1),
        login_lock_minutes=_env_int("LOGIN_LOCK_MINUTES", 15, minimum=1),
        outbound_allowlist=allowlist,
        signed_url_lifetime_seconds=signed_url_lifetime,
        usage_report_url=_env("USAGE_REPORT_URL", ""),
        usage_report_period_hours=period,
        sql_statement_log=_env("SQL_STATEMENT_LOG", ""),
        trusted_proxies=_parse_trusted_proxies(_env("TRUSTED_PROXIES", "")),
        sign_in_rate_per_minute=_env_int("SIGN_IN_RATE_PER_MINUTE", 20, minimum=1),
        security_log_days=_env_int("SECURITY_LOG_DAYS", 90, minimum=1),
        smtp_url=smtp_url,
        mail_from=mail_from,
        oidc_issuer=oidc_issuer,
        oidc_client_id=oidc_client_id,
        oidc_client_secret=oidc_client_secret,
        oidc_button_label=_env("OIDC_BUTTON_LABEL", "Sign in with SSO") or "Sign in with SSO",
        oidc_allowed_domains=tuple(
            d.strip().lower().lstrip("@") for d in _env("OIDC_ALLOWED_DOMAINS", "").split(",") if d.strip()
        ),
        oidc_only=_env_bool("OIDC_ONLY", False),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def reload_settings() -> Settings:
    """Tests change the environment and call this; the app reads settings once."""
    get_settings.cache_clear()
    return get_settings()
