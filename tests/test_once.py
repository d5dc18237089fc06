"""Each input applied once: an update delivered again (after a crash, before Telegram learnt it was received)."""

from __future__ import annotations

from dataclasses import replace

from dialogs.actions import parse_input
from tests import reference
from tests.botrunner import BotRunner
from tests.conftest import run_script
from tests.fake_bot_api import FakeBotAPI
from tests.test_telegram import TOKEN, begin, wait_text


def _items(assistant, uid: int) -> list[str]:
    return assistant.active(uid).answers.get("reserve_total_named", [])


def test_the_same_input_twice_adds_the_item_once_and_shows_the_screen(assistant):
    run_script(assistant, 1, reference.upto_named())
    assistant.handle(1, parse_input("/edit reserve_total_named"))
    action = replace(parse_input("甲公司"), input_id="tg41")
    first = assistant.handle(1, action)
    again = assistant.handle(1, action)  # redelivered
    assert _items(assistant, 1) == ["甲公司"]
    assert again and again[-1].question == first[-1].question  # answered with the current screen
    assistant.handle(1, replace(parse_input("乙公司"), input_id="tg42"))
    assert _items(assistant, 1) == ["甲公司", "乙公司"]
    assistant.handle(1, parse_input("乙公司"))  # no id (the console): applied as typed
    assert _items(assistant, 1) == ["甲公司", "乙公司", "乙公司"]


def test_the_telegram_channel_tags_each_input_with_its_update_id(tmp_path):
    with FakeBotAPI(TOKEN) as api, BotRunner(api, tmp_path / "data") as bot:
        begin(api, 7)
        update_id = api.message(7, "甲县科学技术局")
        wait_text(api, 7, "正文里怎么称呼本单位")
        assert f"tg{update_id}" in bot.assistant.store.load(f"tg:{7}").record.applied
