"""Faults and bad input: kill -9, damaged files, a full or read-only disk, random input, many users at once."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.telegram import decode_action
from dialogs.actions import ENGINE_ACTIONS, SESSION_ACTIONS, Action, Reply, parse_input
from dialogs.assistant import Assistant
from dialogs.draft import Draft
from dialogs.messages import say as say_text
from report.compose import compose
from report.docx_writer import write_docx
from storage import TinyDBRecordStore
from tests import reference
from tests.conftest import START, last_text, run_script, say
from tests.kill_trials import soak
from tests.wording import ask

# ---------------------------------------------------------------- kill -9


def test_kill_9_during_answers_keeps_every_acknowledged_answer(tmp_path):
    """KILLS kills (default 20; the soak benchmark runs 200): nothing acknowledged lost, nothing unreadable."""
    assert soak(tmp_path / "data", int(os.environ.get("KILLS", "20")), seed=1234) == (0, 0)


# ---------------------------------------------------------------- damaged files


@pytest.mark.parametrize("damage", [b"", b'{"drafts": {"1": {"id": "ab', b"\x00\xff\xfe garbage", b"[1, 2, 3]"])
def test_damaged_file_with_backup(assistant, types, damage):
    run_script(assistant, 1, reference.script()[:6])
    run_script(assistant, 2, reference.script()[:5])
    say(assistant, 1, "/review")
    assistant.close()  # written again: the previous version is the backup
    path = assistant.store.path_for(1)
    path.write_bytes(damage)
    assistant = Assistant(TinyDBRecordStore(path.parent.parent), types)  # the next start of the bot
    outs = say(assistant, 1, "/start")
    assert outs[0].notice == "recovered_from_backup" and outs[0].text == say_text("recovered_from_backup")
    assert outs[1].notice == "welcome_back_to"
    d = assistant.active(1)
    assert d.answers["unit_name"] == "鲁山县科学技术局" and d.answers["year"] == 2024
    aside = [p for p in path.parent.iterdir() if p.name.startswith("u1.json.damaged-")]
    assert len(aside) == 1 and aside[0].read_bytes() == damage
    # the other user is untouched and the bot goes on
    assert assistant.active(2).answers["unit_name"] == "鲁山县科学技术局"
    assert ask("year") not in last_text(say(assistant, 2, "2024"))
    assistant.close()


def test_damaged_file_without_backup(assistant, types):
    say(assistant, 1, "/start")
    assistant.close()  # first write of the file: no previous version to back up
    path = assistant.store.path_for(1)
    path.write_bytes(b"{{{")
    assistant = Assistant(TinyDBRecordStore(path.parent.parent), types)
    outs = say(assistant, 1, "甲局")
    assert outs[0].notice == "unreadable_set_aside" and "/new" in outs[0].text
    assert any(p.name.startswith("u1.json.damaged-") for p in path.parent.iterdir())
    assert ask("profile") in last_text(say(assistant, 1, "/start"))
    assistant.close()


# ---------------------------------------------------------------- full or read-only disk


@pytest.mark.parametrize("on_loop", [False, True], ids=["console", "event-loop"])
@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EROFS])
def test_disk_full_or_read_only(assistant, monkeypatch, err, on_loop):
    run_script(assistant, 1, [*START, "鲁山县科学技术局"])

    def broken(*a, **k):
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(os, "fsync", broken)
    monkeypatch.setattr(os, "fdatasync", broken, raising=False)
    if on_loop:  # the bot's path: the change joins the loop turn's group, written on the loop
        outs = asyncio.run(assistant.handle_async(1, parse_input("县科技局")))
    else:
        outs = say(assistant, 1, "县科技局")
    assert outs[-1].notice == "save_failed" and outs[-1].question == "unit_short"
    assert "unit_short" not in assistant.active(1).answers
    outs = say(assistant, 1, "/new")  # other actions keep working or explain themselves
    assert all(isinstance(o, Reply) for o in outs)
    monkeypatch.undo()
    say(assistant, 1, "/start")
    say(assistant, 1, "县科技局")
    assert assistant.active(1).answers["unit_short"] == "县科技局"


# ---------------------------------------------------------------- random input

_script = reference.script()
_commands = [
    "/back",
    "/skip",
    "/done",
    "/review",
    "/edit 3",
    "/edit 99",
    "/edit measures",
    "/del 1",
    "/del x",
    "/clear",
    "/example",
    "/use_example",
    "/resume",
    "/frobnicate",
    "/report",
    "/preview",
    "/drafts",
    "/new",
    "/new blank",
    "/start",
    "/help",
    "/cancel",
    "跳过",
    "上一题",
    "完成",
]
_names = sorted(ENGINE_ACTIONS | SESSION_ACTIONS)
inputs = st.one_of(
    st.sampled_from(_script).map(lambda t: Action("text", t)),
    st.sampled_from(_commands).map(parse_input),
    st.text(max_size=80).map(lambda t: Action("text", t)),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x3F), max_size=30).map(parse_input),
    st.sampled_from(["😀🎉" * 50, "局" * 10000, "\x00\x01\x02\ud7ff\ufffe", "{{ 1 }}{% raw %}", "\u2028@h1 x"]).map(
        lambda t: Action("text", t)
    ),
    st.text(max_size=70).map(decode_action).filter(lambda a: a is not None),
    st.builds(Action, st.sampled_from(_names), st.text(max_size=12), st.text(max_size=12), st.text(max_size=9)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(inputs, min_size=1, max_size=40))
def test_random_input_never_breaks_anything(types, seq):
    with tempfile.TemporaryDirectory() as tmp:
        a = Assistant(TinyDBRecordStore(tmp), types)
        a.handle(9, Action("start"))
        for action in seq:
            outs = a.handle(9, action)
            assert outs and all(isinstance(o, Reply) and o.text for o in outs if isinstance(o, Reply))
        for d in a.store.list(9):
            assert Draft.from_dict(json.loads(json.dumps(d.to_dict(), ensure_ascii=False))) == d
            engine = a.engine_for(d)
            answers = engine.visible_answers(d)
            data = write_docx(compose(engine.rt, answers))
            assert data[:2] == b"PK"
        assert a.store.list(10) == []
        a.close()


# ---------------------------------------------------------------- limits


def test_list_item_limit(assistant):
    run_script(assistant, 1, reference.upto_named())
    outs = say(assistant, 1, "/edit reserve_total_named")
    outs = say(assistant, 1, "\n".join(f"公司{i}" for i in range(6)))
    assert (
        outs[-1].notice == "too_many_items" and say_text("too_many_items", limit=5, have=0, item="个") in outs[-1].text
    )
    assert "reserve_total_named" not in assistant.active(1).answers
    say(assistant, 1, "\n".join(f"公司{i}" for i in range(5)))
    outs = say(assistant, 1, "公司5")
    assert (
        outs[-1].notice == "too_many_items" and say_text("too_many_items", limit=5, have=5, item="个") in outs[-1].text
    )
    assert assistant.active(1).answers["reserve_total_named"] == [f"公司{i}" for i in range(5)]


# ---------------------------------------------------------------- many users at once


def test_fifty_users_at_once_through_the_application(tmp_path):
    from tests.botrunner import TOKEN, BotRunner
    from tests.fake_bot_api import FakeBotAPI

    users = list(range(1001, 1051))

    def answers(u: int) -> list[str]:
        return [*START, f"{u}号县科学技术局", f"{u}局", str(2019 + u % 50), "/skip", f"{u}的总体思路"]

    with FakeBotAPI(TOKEN) as api, BotRunner(api, tmp_path / "data") as bot:
        for u in users:
            api.message(u, "/start")
        for step in range(len(answers(0))):
            for u in users:
                api.message(u, answers(u)[step])

        def all_done(sent):
            done = {s.chat_id for s in sent if s.method == "sendMessage" and "一级标题用哪个" in s.text}
            return done >= set(users)

        api.wait_sent(all_done, timeout=60)
        for u in users:
            drafts = bot.assistant.store.list(f"tg:{u}")
            assert len(drafts) == 1
            a = drafts[0].answers
            assert a == {
                "profile": "科技局",
                "outline": "五项式",
                "unit_name": f"{u}号县科学技术局",
                "unit_short": f"{u}局",
                "year": 2019 + u % 50,
                "opening": f"{u}的总体思路",
            }, u
            assert drafts[0].skipped == ["recipient"]
            # what went to this user never names another user's unit
            joined = "\n".join(s.text for s in api.to(u, "sendMessage"))
            assert not any(f"{v}号县" in joined for v in users if v != u)
