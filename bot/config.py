"""One typed settings object, loaded once from the environment and `.env`.

Every variable of the contract's configuration table lives here. A missing or malformed
value raises `ConfigError` whose message is one line naming the variable; the CLI prints
that line and exits non-zero.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

USER_ID_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID_RE = re.compile(r"^[CGD][A-Z0-9]{2,}$")


class ConfigError(ValueError):
    """A setting is missing or malformed; str(error) is one line naming it."""


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_base_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///partnerbot.db"
    port: int = 3000
    managers: frozenset[str] = field(default_factory=frozenset)
    approvals_channel: str | None = None
    digest_channel: str | None = None
    digest_cron: str = "0 9 * * MON"
    digest_tz: str = "UTC"
    followup_days: int = 14
    max_open_intros: int = 3
    rules_of_engagement: str | None = None
    rules_of_engagement_file: str | None = None
    # Issue 14: the proposed partner accepts before the channel opens; days it has to answer.
    intro_consent: bool = True
    consent_days: int = 5
    # conversations.inviteShared's `external_limited`: outside people cannot invite others.
    connect_external_limited: bool = True
    # How long to wait on the database before telling the user it is unreachable (seconds).
    db_connect_timeout_s: float = 3.0
    db_statement_timeout_s: float = 5.0
    db_pool_timeout_s: float = 2.0
    # ISO 4217 code of reported deal values (shown with them in the digest).
    deal_currency: str = "USD"
    # Operations (bot/operations/): /metrics on or off, log lines as text or JSON, and how long a
    # stopping `serve` lets work in flight finish before releasing its leases.
    metrics_enabled: bool = True
    log_format: str = "text"
    shutdown_grace_s: float = 10.0

    @property
    def db_timeouts(self):
        from models.db import DbTimeouts

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
        values: dict[str, str] = {}
        if env_file and Path(env_file).is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, env: Mapping[str, str]) -> Settings:  # noqa: C901 - one check per setting
        def get(name: str) -> str | None:
            raw = env.get(name)
            if raw is None:
                return None
            raw = raw.strip()
            return raw or None

        kwargs: dict = {}

        token = get("SLACK_BOT_TOKEN")
        if token and not token.startswith("xoxb-"):
            raise ConfigError("SLACK_BOT_TOKEN is malformed: a bot token starts with 'xoxb-'")
        kwargs["slack_bot_token"] = token
        kwargs["slack_signing_secret"] = get("SLACK_SIGNING_SECRET")
        app_token = get("SLACK_APP_TOKEN")
        if app_token and not app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN is malformed: an app-level token starts with 'xapp-'")
        kwargs["slack_app_token"] = app_token

        base = get("SLACK_API_BASE_URL")
        if base:
            if not re.match(r"^https?://[^\s/]+", base):
                raise ConfigError(f"SLACK_API_BASE_URL is malformed: {base!r} is not an http(s) URL")
            kwargs["slack_api_base_url"] = base if base.endswith("/") else base + "/"

        db = get("DATABASE_URL")
        if db:
            from sqlalchemy.engine import make_url
            from sqlalchemy.exc import ArgumentError

            try:
                make_url(db)
            except ArgumentError:
                raise ConfigError(f"DATABASE_URL is malformed: {db!r} is not a SQLAlchemy URL") from None
            kwargs["database_url"] = db

        kwargs["port"] = _int(get("PORT"), "PORT", 3000, low=1, high=65535)

        managers = get("PARTNERBOT_MANAGERS")
        if managers:
            ids = [m.strip() for m in managers.split(",") if m.strip()]
            bad = [m for m in ids if not USER_ID_RE.match(m)]
            if bad:
                raise ConfigError(f"PARTNERBOT_MANAGERS is malformed: {bad[0]!r} is not a Slack user ID (U...)")
            kwargs["managers"] = frozenset(ids)

        for name, attr in (("APPROVALS_CHANNEL", "approvals_channel"), ("DIGEST_CHANNEL", "digest_channel")):
            value = get(name)
            if value and not CHANNEL_ID_RE.match(value):
                raise ConfigError(f"{name} is malformed: {value!r} is not a Slack channel ID (C...)")
            kwargs[attr] = value

        cron = get("DIGEST_CRON")
        if cron:
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(cron)
            except ValueError as exc:
                raise ConfigError(f"DIGEST_CRON is malformed: {cron!r} ({exc})") from None
            kwargs["digest_cron"] = cron

        tz = get("DIGEST_TZ")
        if tz:
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                raise ConfigError(f"DIGEST_TZ is malformed: {tz!r} is not a known time zone") from None
            kwargs["digest_tz"] = tz

        kwargs["followup_days"] = _int(get("FOLLOWUP_DAYS"), "FOLLOWUP_DAYS", 14, low=0, high=3650)
        kwargs["max_open_intros"] = _int(get("MAX_OPEN_INTROS"), "MAX_OPEN_INTROS", 3, low=1, high=1000)

        kwargs["db_connect_timeout_s"] = _seconds(get("DB_CONNECT_TIMEOUT_S"), "DB_CONNECT_TIMEOUT_S", 3.0, low=1)
        kwargs["db_statement_timeout_s"] = _seconds(get("DB_STATEMENT_TIMEOUT_S"), "DB_STATEMENT_TIMEOUT_S", 5.0)
        kwargs["db_pool_timeout_s"] = _seconds(get("DB_POOL_TIMEOUT_S"), "DB_POOL_TIMEOUT_S", 2.0, low=0.1)

        rules_file = get("RULES_OF_ENGAGEMENT_FILE")
        if rules_file:
            text = _read_rules(rules_file)
            kwargs["rules_of_engagement_file"] = rules_file
            kwargs["rules_of_engagement"] = text or None

        kwargs["intro_consent"] = _on_off(get("INTRO_CONSENT"), "INTRO_CONSENT", True)
        kwargs["consent_days"] = _int(get("CONSENT_DAYS"), "CONSENT_DAYS", 5, low=1, high=365)
        kwargs["connect_external_limited"] = _on_off(get("SLACK_CONNECT_EXTERNAL_LIMITED"),
                                                     "SLACK_CONNECT_EXTERNAL_LIMITED", True)

        currency = get("DEAL_CURRENCY")
        if currency:
            import pycountry

            if not (len(currency.strip()) == 3 and pycountry.currencies.get(alpha_3=currency.strip().upper())):
                raise ConfigError(f"DEAL_CURRENCY is malformed: {currency!r} is not an ISO 4217 code such as USD")
            kwargs["deal_currency"] = currency.strip().upper()

        kwargs.update(_operations(get))

        return cls(**kwargs)


def _on_off(raw: str | None, name: str, default: bool) -> bool:
    if raw is None:
        return default
    value = raw.lower()
    if value in ("on", "true", "yes", "1"):
        return True
    if value in ("off", "false", "no", "0"):
        return False
    raise ConfigError(f"{name} is malformed: {raw!r} is not on or off")


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


def _int(raw: str | None, name: str, default: int, *, low: int, high: int) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} is malformed: {raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} is malformed: {value} is outside {low}..{high}")
    return value


def _operations(get) -> dict:
    """METRICS, LOG_FORMAT and SHUTDOWN_GRACE_S (bot/operations/)."""
    metrics = (get("METRICS") or "on").lower()
    if metrics not in ("on", "off"):
        raise ConfigError(f"METRICS is malformed: {metrics!r} is not 'on' or 'off'")
    log_format = (get("LOG_FORMAT") or "text").lower()
    if log_format not in ("text", "json"):
        raise ConfigError(f"LOG_FORMAT is malformed: {log_format!r} is not 'text' or 'json'")
    return {"metrics_enabled": metrics == "on", "log_format": log_format,
            "shutdown_grace_s": _seconds(get("SHUTDOWN_GRACE_S"), "SHUTDOWN_GRACE_S", 10.0)}


def _seconds(raw: str | None, name: str, default: float, *, low: float = 0.0, high: float = 3600.0) -> float:
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} is malformed: {raw!r} is not a number of seconds") from None
    if not low <= value <= high:  # also refuses nan and inf
        raise ConfigError(f"{name} is malformed: {raw} is outside {low:g}..{high:g} seconds")
    return value
