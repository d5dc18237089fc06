"""How drafts, times and long text are written in messages: draft labels, local times, text cut for a chat."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from .draft import Draft
from .screens import shorten

PREVIEW_CHUNK = 3500  # characters per preview message (Telegram's cap is 4096)


def draft_label(d: Draft) -> str:
    """《单位 2024年度》 for lists and captions."""
    unit = d.unit or "未填单位"
    year = f"{d.year}年度" if d.year else "未填年度"
    return f"《{shorten(unit, 20)} {year}》"


def split_text(text: str, limit: int = PREVIEW_CHUNK) -> list[str]:
    """Split at line breaks into pieces of at most `limit` characters (hard-cut overlong lines)."""
    chunks: list[str] = []
    cur = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if cur:
                chunks.append(cur)
                cur = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{cur}\n{line}" if cur else line
        if len(candidate) > limit:
            chunks.append(cur)
            cur = line
        else:
            cur = candidate
    if cur:
        chunks.append(cur)
    return chunks or [""]


def local_time(iso_utc: str, zone: ZoneInfo) -> str:
    """A stored UTC time as the user reads it: 2025-01-20 07:39 in their zone."""
    try:
        moment = dt.datetime.fromisoformat(iso_utc)
    except ValueError:
        return iso_utc[:16].replace("T", " ")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
