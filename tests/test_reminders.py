"""Deadline reminders: on the configured dates, once each, after a restart too, never after the report, and off on request."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dialogs.actions import Action, Reply
from dialogs.assistant import Assistant
from dialogs.draft import Draft
from dialogs.reminders import Schedule, ScheduleError, due, in_window, next_date, parse_schedule
from report import DocxReporter
from settings import SettingsError, load_settings
from storage import TinyDBRecordStore
from tests.conftest import KEJI, run_script, say
from tests.wording import fields, part

CST = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 10, year: int = 2026) -> dt.datetime:
    """A moment in Beijing time, as the job's clock would give it (aware)."""
    return dt.datetime(year, month, day, hour, 0, tzinfo=CST)


def local(moment: dt.datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(timespec="minutes")


def draft(**kw) -> Draft:
    return Draft(id="d", user_id=1, report_type="fazhi_zhengfu", schema_version=2, answers=dict(KEJI), **kw)


# ---------------------------------------------------------------- the schedule and the rule
def test_schedule_settings_parse_and_refuse_bad_values():
    assert parse_schedule("", "9") == Schedule()
    assert parse_schedule("03-01，02-20", "8").dates == ((2, 20), (3, 1))
    for dates, hour in (("2-30", "9"), ("feb-15", "9"), ("02-15", "24"), ("02-15", "x")):
        with pytest.raises(ScheduleError):
            parse_schedule(dates, hour)
    assert load_settings({"REMIND_DATES": "02-10"}, dotenv=None).schedule.dates == ((2, 10),)
    with pytest.raises(SettingsError, match="REMIND_DATES"):
        load_settings({"REMIND_DATES": "13-01"}, dotenv=None)


def test_due_on_each_date_from_the_hour_once_and_within_a_few_days():
    s = Schedule()
    d = draft(remind=True)
    assert due(d, at(2, 14), s) == [] and due(d, at(2, 15, hour=8), s) == []
    assert due(d, at(2, 15, hour=9), s) == ["2026-02-15"]
    assert due(draft(remind=True, reminded=["2026-02-15"]), at(2, 15, 18), s) == []
    assert due(d, at(2, 19), s) == ["2026-02-15"]  # the bot was down on the day: still reminded
    assert due(d, at(2, 21), s) == []  # too late for that one
    assert due(draft(remind=True, reminded=["2026-02-15"]), at(2, 25), s) == ["2026-02-25"]
    assert due(draft(remind=False), at(2, 15), s) == []
    assert due(draft(remind=True, reported="2026-02-01T00:00:00+00:00"), at(2, 15), s) == []
    assert in_window(at(2, 17), s) and not in_window(at(2, 21), s) and not in_window(at(2, 15, 8), s)
    assert next_date(at(2, 16), s) == dt.date(2026, 2, 25) and next_date(at(4, 1), s) == dt.date(2027, 2, 15)


# ---------------------------------------------------------------- through the assistant, with a controllable clock
def make(data) -> Assistant:
    from dialogs.outlines import load_report_types

    return Assistant(TinyDBRecordStore(data), load_report_types(), DocxReporter())


def reminders(a: Assistant, moment: dt.datetime) -> dict[int, list]:
    """What the reminder job would send at `moment`: user -> replies."""
    return {u: a.handle(u, Action("remind_due", local(moment))) for u in a.reminder_candidates(moment)}


def test_fires_on_the_dates_once_and_survives_a_restart(tmp_path):
    a = make(tmp_path / "d")
    run_script(a, 7, ["科技局", "五项式", "××县科技局"])
    on = say(a, 7, "/remind")
    assert [o.notice for o in on if isinstance(o, Reply)][0] == "remind_on"
    assert reminders(a, at(2, 14)) == {}
    sent = reminders(a, at(2, 15, 9))
    reply = sent[7][0]
    assert reply.notice == "reminder" and int(fields("reminder", reply.text)["n"]) > 0  # how many are left
    assert reply.buttons[0][0].action.name == "open"  # 继续填写 opens that draft
    assert reminders(a, at(2, 15, 15)) == {}  # once per date
    a.close()
    b = make(tmp_path / "d")  # a restart: the switch and the dates sent are stored with the draft
    assert reminders(b, at(2, 16)) == {}
    assert list(reminders(b, at(2, 25, 9))) == [7]
    say(b, 7, "/remind off")
    assert reminders(b, at(3, 25, 9)) == {}
    b.close()


def test_skips_a_draft_whose_report_was_generated(tmp_path):
    from tests import reference

    a = make(tmp_path / "d")
    run_script(a, 8, reference.script())
    say(a, 8, "/remind")
    outs = say(a, 8, "/report")
    assert any(getattr(o, "filename", "").endswith(".docx") for o in outs)
    assert reminders(a, at(2, 15, 9)) == {}
    a.close()


def test_a_reminder_never_touches_other_users_or_the_answers(tmp_path):
    a = make(tmp_path / "d")
    run_script(a, 9, ["科技局", "五项式", "××县科技局"])
    run_script(a, 10, ["科技局", "五项式", "××县教育局"])
    say(a, 9, "/remind")
    before = a.active(9).answers
    assert list(reminders(a, at(2, 15, 9))) == [9]
    assert a.active(9).answers == before and a.active(10).remind is False
    a.close()


def test_remind_without_a_draft_says_what_to_do(assistant):
    outs = say(assistant, 11, "/remind")
    assert outs[0].notice == "remind_no_draft"


# ---------------------------------------------------------------- over the Bot API stand-in, with PTB's JobQueue
def test_job_queue_sends_the_reminder_once_with_a_continue_button(tmp_path):
    import time

    from tests.botrunner import TOKEN, BotRunner
    from tests.fake_bot_api import FakeBotAPI
    from tests.test_telegram import actions, begin, wait_text
    from tests.test_telegram import say as tg_say

    clock = {"now": at(2, 10)}
    with FakeBotAPI(TOKEN) as api, BotRunner(api, tmp_path / "data", clock=lambda: clock["now"], remind_every=0.2):
        begin(api, 71)
        tg_say(api, 71, "/remind", part("remind_on"))
        clock["now"] = at(2, 15, 9)
        reminder = wait_text(api, 71, part("reminder"))
        assert [a.name for a in actions(reminder)] == ["open"]  # 继续填写
        time.sleep(1.0)  # several more runs of the job
        assert sum(part("reminder") in s.text for s in api.to(71, "sendMessage")) == 1
