"""Settings from the environment and an optional `.env` file; bad values stop start-up clearly."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

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

    def __repr__(self) -> str:
        token = "set" if self.token else "unset"
        return f"Settings(token={token}, data_dir={self.data_dir}, allowed={self.allowed_user_ids})"


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; '#' comments and blank lines ignored; optional quotes stripped."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip().removeprefix("export ").strip()] = value
    return values


def load_settings(env: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")) -> Settings:
    """Merge `.env` (if any) under the real environment and validate every value."""
    merged: dict[str, str] = dict(read_dotenv(dotenv)) if dotenv else {}
    merged.update(os.environ if env is None else env)

    token = merged.get("TELEGRAM_BOT_TOKEN", "").strip() or None
    if token is not None and not _TOKEN.match(token):
        raise SettingsError("TELEGRAM_BOT_TOKEN does not look like a bot token (digits:letters from @BotFather)")

    base = merged.get("TELEGRAM_API_BASE_URL", "").strip().rstrip("/") or None
    if base is not None and not re.match(r"^https?://[^\s/]+", base):
        raise SettingsError("TELEGRAM_API_BASE_URL must start with http:// or https://")

    ids_raw = merged.get("ALLOWED_USER_IDS", "").strip()
    allowed: frozenset[int] | None = None
    if ids_raw:
        parts = [p.strip() for p in ids_raw.replace("，", ",").split(",") if p.strip()]
        if not all(re.fullmatch(r"\d{1,20}", p) for p in parts):
            raise SettingsError("ALLOWED_USER_IDS must be numeric user ids separated by commas, e.g. 12345,67890")
        allowed = frozenset(int(p) for p in parts)

    level = merged.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in _LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(_LEVELS)}")

    console_raw = merged.get("CONSOLE_USER_ID", "1").strip() or "1"
    if not console_raw.isdigit():
        raise SettingsError("CONSOLE_USER_ID must be a number")

    return Settings(
        token=token,
        api_base_url=base,
        data_dir=Path(merged.get("DATA_DIR", "").strip() or "data"),
        allowed_user_ids=allowed,
        log_level=level,
        console_user_id=int(console_raw),
    )
