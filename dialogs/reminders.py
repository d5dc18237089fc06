"""Deadline reminders: when a draft is due one (a pure function of the draft, the dates and the local time).

Departments report before about 3月1日 and publish before 4月1日; by default a draft
with reminders on is reminded on 2月15日 and 2月25日 (报送) and 3月25日 (公开), from
the configured hour in the bureau's time zone. Each date is reminded at most once
(the dates reminded are stored in the draft), a date missed while the bot was down
is still reminded within a few days, and nothing is sent once the report was generated.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .draft import Draft

GRACE_DAYS = 5  # a date missed while the bot was down is still reminded this many days later


class ScheduleError(ValueError):
    """REMIND_DATES or REMIND_HOUR is malformed (the message names the setting)."""


@dataclass(frozen=True)
class Schedule:
    """Month-day pairs to remind on, and the local hour from which reminders go out."""

    dates: tuple[tuple[int, int], ...] = ((2, 15), (2, 25), (3, 25))
    hour: int = 9

    def labels(self) -> str:
        """2月15日、2月25日、3月25日."""
        return "、".join(f"{m}月{d}日" for m, d in self.dates)


def parse_schedule(dates: str, hour: str) -> Schedule:
    """REMIND_DATES (e.g. 02-15,02-25,03-25) and REMIND_HOUR (0-23) as a Schedule; ScheduleError if malformed."""
    pairs = []
    for raw in (p.strip() for p in dates.replace("，", ",").split(",") if p.strip()):
        m = re.fullmatch(r"(\d{1,2})-(\d{1,2})", raw)
        try:
            pair = (int(m.group(1)), int(m.group(2))) if m else None
            dt.date(2024, *pair) if pair else None  # a leap year: 02-29 is a date
        except ValueError:
            pair = None
        if pair is None:
            raise ScheduleError(f"REMIND_DATES: '{raw[:12]}' is not a month-day like 02-15")
        pairs.append(pair)
    if not hour.strip().isdigit() or not 0 <= int(hour) <= 23:
        raise ScheduleError("REMIND_HOUR must be an hour from 0 to 23")
    return Schedule(tuple(sorted(set(pairs))) or Schedule().dates, int(hour))


def _on(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:  # 02-29 in a common year
        return None


def in_window(now: dt.datetime, schedule: Schedule) -> bool:
    """Whether any reminder can be owed at local time `now` (outside, nobody's drafts need reading)."""
    if now.hour < schedule.hour:
        return False
    today = now.date()
    dates = [d for m, dd in schedule.dates if (d := _on(today.year, m, dd)) is not None]
    return any(0 <= (today - d).days <= GRACE_DAYS for d in dates)


def due(draft: Draft, now: dt.datetime, schedule: Schedule) -> list[str]:
    """The reminder dates (ISO) this draft is owed at local time `now`: the latest one is sent, all are marked."""
    if not draft.remind or draft.reported or now.hour < schedule.hour:
        return []
    today = now.date()
    dates = [d for m, dd in schedule.dates if (d := _on(today.year, m, dd)) is not None]
    owed = [d.isoformat() for d in dates if 0 <= (today - d).days <= GRACE_DAYS]
    return [d for d in owed if d not in draft.reminded]


def next_date(now: dt.datetime, schedule: Schedule) -> dt.date:
    """The next reminder date from today on (for telling the user when they will hear from us)."""
    today = now.date()
    for year in (today.year, today.year + 1):
        for m, d in schedule.dates:
            day = _on(year, m, d)
            if day is not None and day >= today:
                return day
    return today
