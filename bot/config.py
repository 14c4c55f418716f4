"""One typed settings object, loaded once from the environment and `.env` (pydantic-settings).

Every variable of the contract's configuration table is a field here, named by its variable
(`validation_alias`). A missing or malformed value raises `ConfigError` whose message is one
line naming the variable; the CLI prints that line and exits non-zero.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

USER_ID_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID_RE = re.compile(r"^[CGD][A-Z0-9]{2,}$")


class ConfigError(ValueError):
    """A setting is missing or malformed; str(error) is one line naming it."""


# The environment `Settings.from_mapping` reads instead of os.environ (None: os.environ).
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("partnerbot_environ", default=None)


class _MappingSource(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping instead of os.environ."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]):
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return dict(self._environ)


def _env(name: str, default: Any, *, secret: bool = False) -> Any:
    return Field(default, validation_alias=name, repr=not secret)  # secrets never shown in a repr or log


class Settings(BaseSettings):
    # validate_default=False: only values read from the environment are parsed. The defaults are
    # valid as written (tests/test_config.py parses each one); parsing them at every start loaded
    # the cron parser and the currency table for every command (15 ms of `partnerbot match`).
    model_config = SettingsConfigDict(frozen=True, case_sensitive=True, extra="ignore", env_file=None,
                                      env_ignore_empty=True, validate_by_name=True, validate_by_alias=True,
                                      validate_default=False)

    slack_bot_token: str | None = _env("SLACK_BOT_TOKEN", None, secret=True)
    slack_signing_secret: str | None = _env("SLACK_SIGNING_SECRET", None, secret=True)
    slack_app_token: str | None = _env("SLACK_APP_TOKEN", None, secret=True)
    slack_api_base_url: str = _env("SLACK_API_BASE_URL", "https://slack.com/api/")
    database_url: str = _env("DATABASE_URL", "sqlite:///partnerbot.db", secret=True)  # may hold a password
    port: int = _env("PORT", 3000)
    managers: Annotated[frozenset[str], NoDecode] = _env("PARTNERBOT_MANAGERS", frozenset())
    approvals_channel: str | None = _env("APPROVALS_CHANNEL", None)
    digest_channel: str | None = _env("DIGEST_CHANNEL", None)
    digest_cron: str = _env("DIGEST_CRON", "0 9 * * MON")
    digest_tz: str = _env("DIGEST_TZ", "UTC")
    followup_days: int = _env("FOLLOWUP_DAYS", 14)
    max_open_intros: int = _env("MAX_OPEN_INTROS", 3)
    # Read from RULES_OF_ENGAGEMENT_FILE at load (checked there), not a variable of its own.
    rules_of_engagement: str | None = Field(None, validation_alias="rules_of_engagement")
    rules_of_engagement_file: str | None = _env("RULES_OF_ENGAGEMENT_FILE", None)
    # Issue 14: the proposed partner accepts before the channel opens; days it has to answer.
    intro_consent: bool = _env("INTRO_CONSENT", True)
    consent_days: int = _env("CONSENT_DAYS", 5)
    # conversations.inviteShared's `external_limited`: outside people cannot invite others.
    connect_external_limited: bool = _env("SLACK_CONNECT_EXTERNAL_LIMITED", True)
    # How long to wait on the database before telling the user it is unreachable (seconds).
    db_connect_timeout_s: float = _env("DB_CONNECT_TIMEOUT_S", 3.0)
    db_statement_timeout_s: float = _env("DB_STATEMENT_TIMEOUT_S", 5.0)
    db_pool_timeout_s: float = _env("DB_POOL_TIMEOUT_S", 2.0)
    # ISO 4217 code of reported deal values (shown with them in the digest).
    deal_currency: str = _env("DEAL_CURRENCY", "USD")
    # Operations (bot/operations/): /metrics on or off, log lines as text or JSON, and how long a
    # stopping `serve` lets work in flight finish before releasing its leases.
    metrics_enabled: bool = _env("METRICS", True)
    log_format: str = _env("LOG_FORMAT", "text")
    shutdown_grace_s: float = _env("SHUTDOWN_GRACE_S", 10.0)
    # Processes that rank asks beside `serve` (bot/matching/rankers.py); None: `auto`.
    ranking_workers: int | None = _env("RANKING_WORKERS", None)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise ConfigError(_one_line(exc)) from None

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment wins over the .env file; `from_mapping` swaps in its own environment.
        environ = _ENVIRON.get()
        if environ is not None:
            env_settings = _MappingSource(settings_cls, environ)
        return init_settings, env_settings, dotenv_settings

    # -- reading each variable: the raw text (stripped; blank = unset) to its value ---------------

    @model_validator(mode="before")
    @classmethod
    def _read_rules_file(cls, data: Any) -> Any:
        if isinstance(data, dict):
            path_text = _text(data.get("RULES_OF_ENGAGEMENT_FILE", data.get("rules_of_engagement_file")))
            if path_text and "rules_of_engagement" not in data:
                data = {**data, "rules_of_engagement": _read_rules(path_text) or None}
        return data

    @field_validator("*", mode="before")
    @classmethod
    def _parse(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str):
            return value  # given typed (Settings(managers=frozenset(...)))
        field = cls.model_fields[info.field_name]
        raw = _text(value)
        if raw is None:
            return field.default
        parse = _PARSERS.get(info.field_name)
        return parse(raw) if parse else raw

    @property
    def db_timeouts(self):
        from models.engine import DbTimeouts

        return DbTimeouts(connect=self.db_connect_timeout_s, statement=self.db_statement_timeout_s,
                          pool=self.db_pool_timeout_s)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    def is_manager(self, user_id: str | None) -> bool:
        return bool(user_id) and user_id in self.managers

    def require_for_serve(self) -> None:
        """`serve` needs credentials that the CLI's offline commands do not."""
        if not self.slack_bot_token:
            raise ConfigError("SLACK_BOT_TOKEN is required by `partnerbot serve` (a bot token, xoxb-...)")
        if not self.socket_mode and not self.slack_signing_secret:
            raise ConfigError("SLACK_SIGNING_SECRET is required by `partnerbot serve` in HTTP mode")

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, env_file: str | os.PathLike | None = ".env") -> Settings:
        """Read settings from `environ` (default: the process environment) over `env_file`."""
        if env_file and not os.path.isfile(env_file):
            env_file = None
        with _environment(environ):
            return cls(_env_file=env_file)

    @classmethod
    def from_mapping(cls, env: Mapping[str, str]) -> Settings:
        """Settings from `env` alone (no process environment, no .env file)."""
        return cls.load(environ=env, env_file=None)


@contextmanager
def _environment(environ: Mapping[str, str] | None) -> Iterator[None]:
    token = _ENVIRON.set(environ)
    try:
        yield
    finally:
        _ENVIRON.reset(token)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _one_line(exc: ValidationError) -> str:
    """The first problem as one line naming its variable (our parsers' message when it is theirs)."""
    error = exc.errors()[0]
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, ConfigError):
        return str(cause)
    name = ".".join(str(part) for part in error.get("loc", ())) or "settings"
    return f"{name} is malformed: {error['msg']}".replace("\n", " ")
# The rules are one pinned message section: Slack takes at most 3,000 characters there
# (https://docs.slack.dev/reference/block-kit/blocks/section-block), less the heading.
RULES_MAX_CHARS = 2800
RULES_MAX_BYTES = 64 * 1024


def _read_rules(path_text: str) -> str:
    """The rules file's text, refused at start unless it is a regular UTF-8 file that fits.

    A FIFO or a device (/dev/zero) would hang or fill memory on read: checked before opening."""
    import stat

    from bot.text import escape

    name = "RULES_OF_ENGAGEMENT_FILE"
    try:
        info = os.stat(path_text)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{name} is not a regular file: {path_text!r}")
        if info.st_size > RULES_MAX_BYTES:
            raise ConfigError(f"{name} is too large: {path_text!r} has {info.st_size:,} bytes "
                              f"(the rules are one Slack message: at most {RULES_MAX_CHARS:,} characters)")
        with open(path_text, "rb") as fh:
            text = fh.read(RULES_MAX_BYTES + 1).decode("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigError(f"{name} cannot be read: {path_text!r} ({reason})") from None
    shown = len(escape(text))
    if shown > RULES_MAX_CHARS:
        raise ConfigError(f"{name} is too long: {shown:,} characters once shown in Slack, at most "
                          f"{RULES_MAX_CHARS:,} fit in the pinned message; shorten {path_text!r}")
    return text




def _bot_token(token: str) -> str:
    if not token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN is malformed: a bot token starts with 'xoxb-'")
    return token


def _app_token(token: str) -> str:
    if not token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN is malformed: an app-level token starts with 'xapp-'")
    return token


def _base_url(base: str) -> str:
    if not re.match(r"^https?://[^\s/]+", base):
        raise ConfigError(f"SLACK_API_BASE_URL is malformed: {base!r} is not an http(s) URL")
    return base if base.endswith("/") else base + "/"


def _database_url(db: str) -> str:
    from models.sqlite_reads import database_file

    if database_file(db) is not None:  # `sqlite:///<path>` is always well formed (and `partnerbot match`
        return db  # on SQLite need not import SQLAlchemy to say so)
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(db)
    except ArgumentError:
        raise ConfigError(f"DATABASE_URL is malformed: {db!r} is not a SQLAlchemy URL") from None
    return db


def _managers(text: str) -> frozenset[str]:
    ids = [m.strip() for m in text.split(",") if m.strip()]
    bad = [m for m in ids if not USER_ID_RE.match(m)]
    if bad:
        raise ConfigError(f"PARTNERBOT_MANAGERS is malformed: {bad[0]!r} is not a Slack user ID (U...)")
    return frozenset(ids)


def _channel(name: str):
    def parse(value: str) -> str:
        if not CHANNEL_ID_RE.match(value):
            raise ConfigError(f"{name} is malformed: {value!r} is not a Slack channel ID (C...)")
        return value
    return parse


def _cron(cron: str) -> str:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(cron)
    except ValueError as exc:
        raise ConfigError(f"DIGEST_CRON is malformed: {cron!r} ({exc})") from None
    return cron


def _time_zone(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"DIGEST_TZ is malformed: {tz!r} is not a known time zone") from None
    return tz


def _currency(currency: str) -> str:
    import pycountry

    if not (len(currency) == 3 and pycountry.currencies.get(alpha_3=currency.upper())):
        raise ConfigError(f"DEAL_CURRENCY is malformed: {currency!r} is not an ISO 4217 code such as USD")
    return currency.upper()


def _choice(name: str, choices: tuple[str, ...]):
    def parse(raw: str) -> str:
        value = raw.lower()
        if value not in choices:
            raise ConfigError(f"{name} is malformed: {value!r} is not " + " or ".join(f"'{c}'" for c in choices))
        return value
    return parse


def _on_off(name: str):
    def parse(raw: str) -> bool:
        value = raw.lower()
        if value in ("on", "true", "yes", "1"):
            return True
        if value in ("off", "false", "no", "0"):
            return False
        raise ConfigError(f"{name} is malformed: {raw!r} is not on or off")
    return parse


def _int(name: str, *, low: int, high: int):
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{name} is malformed: {raw!r} is not a whole number") from None
        if not low <= value <= high:
            raise ConfigError(f"{name} is malformed: {value} is outside {low}..{high}")
        return value
    return parse


def _auto_or_int(raw: str, name: str, *, low: int, high: int) -> int | None:
    if raw.lower() == "auto":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} is malformed: {raw!r} is neither auto nor a whole number") from None
    return _int(name, low=low, high=high)(str(value))


def _seconds(name: str, *, low: float = 0.0, high: float = 3600.0):
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{name} is malformed: {raw!r} is not a number of seconds") from None
        if not low <= value <= high:  # also refuses nan and inf
            raise ConfigError(f"{name} is malformed: {raw} is outside {low:g}..{high:g} seconds")
        return value
    return parse


_PARSERS = {
    "slack_bot_token": _bot_token,
    "slack_app_token": _app_token,
    "slack_api_base_url": _base_url,
    "database_url": _database_url,
    "port": _int("PORT", low=1, high=65535),
    "managers": _managers,
    "approvals_channel": _channel("APPROVALS_CHANNEL"),
    "digest_channel": _channel("DIGEST_CHANNEL"),
    "digest_cron": _cron,
    "digest_tz": _time_zone,
    "followup_days": _int("FOLLOWUP_DAYS", low=0, high=3650),
    "max_open_intros": _int("MAX_OPEN_INTROS", low=1, high=1000),
    "intro_consent": _on_off("INTRO_CONSENT"),
    "consent_days": _int("CONSENT_DAYS", low=1, high=365),
    "connect_external_limited": _on_off("SLACK_CONNECT_EXTERNAL_LIMITED"),
    "db_connect_timeout_s": _seconds("DB_CONNECT_TIMEOUT_S", low=1),
    "db_statement_timeout_s": _seconds("DB_STATEMENT_TIMEOUT_S"),
    "db_pool_timeout_s": _seconds("DB_POOL_TIMEOUT_S", low=0.1),
    "deal_currency": _currency,
    "metrics_enabled": lambda raw: _choice("METRICS", ("on", "off"))(raw) == "on",
    "log_format": _choice("LOG_FORMAT", ("text", "json")),
    "shutdown_grace_s": _seconds("SHUTDOWN_GRACE_S"),
    "ranking_workers": lambda raw: _auto_or_int(raw, "RANKING_WORKERS", low=0, high=16),
}
