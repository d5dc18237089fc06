"""Settings from the environment and an optional `.env` file; a bad value stops start-up with one line."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from dialogs.reminders import Schedule, ScheduleError, parse_schedule

_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,60}$")
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(ValueError):
    """A setting is malformed; the message is one line naming it."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable. The token is never part of repr()."""

    token: str | None
    api_base_url: str | None
    data_dir: Path
    allowed_user_ids: frozenset[int] | None
    log_level: str
    console_user_id: int = 1
    timezone: str = "Asia/Shanghai"
    llm_base_url: str | None = None  # an OpenAI-compatible server; None: no writing help
    llm_api_key: str = ""
    llm_model: str = ""
    llm_timeout: float = 20.0
    schedule: Schedule = Schedule()  # deadline reminders: REMIND_DATES, REMIND_HOUR
    wecom_bot_id: str | None = None  # 企业微信 intelligent robot (long connection); None: no 企业微信 channel
    wecom_bot_secret: str = ""  # never logged, never in repr()
    wecom_ws_url: str = "wss://openws.work.weixin.qq.com"
    wecom_allowed_users: frozenset[str] | None = None

    def __repr__(self) -> str:
        token = "set" if self.token else "unset"
        llm = f", llm={self.llm_base_url}" if self.llm_base_url else ""
        wecom = f", wecom={self.wecom_bot_id}" if self.wecom_bot_id else ""
        return f"Settings(token={token}, data_dir={self.data_dir}, allowed={self.allowed_user_ids}{llm}{wecom})"


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE pairs of a .env file (python-dotenv: comments, quotes, `export`); {} if there is none.

    A line python-dotenv cannot parse (an unclosed quote) stops start-up instead of being skipped;
    the message names the line and its key, never its value (it may be the token).
    """
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8") as fh:
        for binding in parse_stream(fh):
            if binding.error:
                line, key = binding.original.line, binding.original.string.split("=", 1)[0].strip()[:40]
                raise SettingsError(f"{path} line {line} ({key}=…) cannot be read: check its quotes")
    return {k: v or "" for k, v in dotenv_values(path, encoding="utf-8").items()}


def _token(raw: str) -> str | None:
    token = raw.strip() or None
    if token is not None and not _TOKEN.match(token):
        raise SettingsError("TELEGRAM_BOT_TOKEN does not look like a bot token (digits:letters from @BotFather)")
    return token


def _base_url(raw: str) -> str | None:
    base = raw.strip().rstrip("/") or None
    if base is not None and not re.match(r"^https?://[^\s/]+", base):
        raise SettingsError("TELEGRAM_API_BASE_URL must start with http:// or https://")
    return base


def _user_ids(raw: str) -> frozenset[int] | None:
    raw = raw.strip()
    if not raw:
        return None
    parts = [p.strip() for p in raw.replace("，", ",").split(",") if p.strip()]
    if not all(re.fullmatch(r"\d{1,20}", p) for p in parts):
        raise SettingsError("ALLOWED_USER_IDS must be numeric user ids separated by commas, e.g. 12345,67890")
    return frozenset(int(p) for p in parts)


def _level(raw: str) -> str:
    level = raw.strip().upper() or "INFO"
    if level not in _LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(_LEVELS)}")
    return level


def _console_user(raw: str) -> int:
    raw = raw.strip() or "1"
    if not raw.isdigit():
        raise SettingsError("CONSOLE_USER_ID must be a number")
    return int(raw)


def _timezone(raw: str) -> str:
    name = raw.strip() or "Asia/Shanghai"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"TIMEZONE '{name[:40]}' is not a time zone name, e.g. Asia/Shanghai") from None
    return name


def _llm(merged: Mapping[str, str]) -> dict[str, object]:
    base = merged.get("LLM_BASE_URL", "").strip().rstrip("/") or None
    model = merged.get("LLM_MODEL", "").strip()
    raw_timeout = merged.get("LLM_TIMEOUT", "").strip() or "20"
    if base is not None and not re.match(r"^https?://[^\s/]+", base):
        raise SettingsError("LLM_BASE_URL must start with http:// or https://, e.g. http://127.0.0.1:8000/v1")
    if base is not None and not model:
        raise SettingsError("LLM_MODEL is needed when LLM_BASE_URL is set (the model name the server serves)")
    try:
        timeout = float(raw_timeout)
    except ValueError:
        timeout = 0.0
    if not 1 <= timeout <= 300:
        raise SettingsError("LLM_TIMEOUT must be seconds between 1 and 300")
    key = merged.get("LLM_API_KEY", "").strip()
    return {"llm_base_url": base, "llm_api_key": key, "llm_model": model, "llm_timeout": timeout}


def _schedule(merged: Mapping[str, str]) -> Schedule:
    try:
        return parse_schedule(
            merged.get("REMIND_DATES", "") or "02-15,02-25,03-25", merged.get("REMIND_HOUR", "") or "9"
        )
    except ScheduleError as exc:
        raise SettingsError(str(exc)) from None


_WECOM_USER = re.compile(r"^[A-Za-z0-9_.@\-]{1,64}$")


def _wecom(merged: Mapping[str, str]) -> dict[str, object]:
    """WECOM_BOT_ID and WECOM_BOT_SECRET (both or neither), WECOM_WS_URL, WECOM_ALLOWED_USERS."""
    bot_id = merged.get("WECOM_BOT_ID", "").strip() or None
    secret = merged.get("WECOM_BOT_SECRET", "").strip()
    if bool(bot_id) != bool(secret):
        raise SettingsError("WECOM_BOT_ID and WECOM_BOT_SECRET go together (both from the robot's API-mode page)")
    url = merged.get("WECOM_WS_URL", "").strip() or "wss://openws.work.weixin.qq.com"
    if not re.match(r"^wss?://[^\s/]+", url):
        raise SettingsError("WECOM_WS_URL must start with wss:// (or ws:// for a local test server)")
    raw = merged.get("WECOM_ALLOWED_USERS", "").replace("，", ",")
    users = [u.strip() for u in raw.split(",") if u.strip()]
    if not all(_WECOM_USER.match(u) for u in users):
        raise SettingsError(
            "WECOM_ALLOWED_USERS must be 企业微信 userids (账号) separated by commas, e.g. zhangsan,lisi"
        )
    allowed = frozenset(users) if users else None
    return {"wecom_bot_id": bot_id, "wecom_bot_secret": secret, "wecom_ws_url": url, "wecom_allowed_users": allowed}


def load_settings(env: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")) -> Settings:
    """Merge `.env` (if any) under the real environment and validate every value."""
    merged: dict[str, str] = read_dotenv(dotenv) if dotenv else {}
    merged.update(os.environ if env is None else env)
    return Settings(
        token=_token(merged.get("TELEGRAM_BOT_TOKEN", "")),
        api_base_url=_base_url(merged.get("TELEGRAM_API_BASE_URL", "")),
        data_dir=Path(merged.get("DATA_DIR", "").strip() or "data"),
        allowed_user_ids=_user_ids(merged.get("ALLOWED_USER_IDS", "")),
        log_level=_level(merged.get("LOG_LEVEL", "INFO")),
        console_user_id=_console_user(merged.get("CONSOLE_USER_ID", "1")),
        timezone=_timezone(merged.get("TIMEZONE", "")),
        schedule=_schedule(merged),
        **_llm(merged),  # type: ignore[arg-type]
        **_wecom(merged),  # type: ignore[arg-type]
    )
