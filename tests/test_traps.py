"""The phone-user traps of issue 10, each replayed over the Bot API stand-in with the old steps."""

from __future__ import annotations

import io
import json
import re

import pytest
from docx import Document

from channels.telegram import decode_action
from dialogs.messages import label
from dialogs.messages import say as words
from tests import reference
from tests.botrunner import BotRunner
from tests.fake_bot_api import FakeBotAPI
from tests.test_telegram import TOKEN, U, actions, begin, choose, complete, data_for, messages, press, say, wait_text
from tests.wording import ask, editing, heading, help_title, item_label, part, pattern, title_of


@pytest.fixture
def api():
    with FakeBotAPI(TOKEN) as a:
        yield a


def through_figures(api: FakeBotAPI) -> None:
    """The reference walk-through up to the named reserve enterprises."""
    begin(api, U)
    for m in reference.upto_named()[2:]:
        api.message(U, m)
    wait_text(api, U, ask("reserve_total_named"))


def test_trap_1_linked_figures_can_each_be_changed(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        through_figures(api)
        for m in ("/done", "8", "8"):
            api.message(U, m)
        wait_text(api, U, ask("other_figures"))
        say(api, U, "/edit reserve_total", ask("reserve_total"))
        warned = say(api, U, "20", part("check_warn"))  # saved, and the arithmetic explained
        assert "首次申报企业 8家 + 复审企业 8家 = 16家" in warned.text and "20家" in warned.text
        say(api, U, "/edit reserve_first", ask("reserve_first"))
        fixed = say(api, U, "12", ask("other_figures"))
        assert part("check_warn") not in fixed.text
        d = bot.assistant.active(f"tg:{U}")
        assert [d.answers[k]["text"] for k in ("reserve_total", "reserve_first", "reserve_review")] == ["20", "12", "8"]
        assert bot.assistant.engine_for(d).check_failures(d) == []


def test_trap_9_direction_controls_never_reach_the_docx(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        begin(api, U)
        say(api, U, "鲁山县\u202e局学科\u202c科学技术局", ask("unit_short"))
        assert bot.assistant.active(f"tg:{U}").answers["unit_name"] == "鲁山县局学科科学技术局"


def test_trap_10_groups_and_other_bots_get_no_reply(api, tmp_path):
    with BotRunner(api, tmp_path / "data", allowed=frozenset({U})) as bot:
        api.message(777, "大家好，报告写了吗", chat_type="group")  # a stranger's plain message in a group
        api.message(U, "/start@other_bot")  # a command for another bot, in private
        api.message(U, "/help@report_test_bot")  # ours, addressed by name
        wait_text(api, U, help_title())
        assert api.to(-100 - 777) == [] and bot.assistant.store.list(f"tg:{U}") == []
        assert [m.text.split("\n")[0] for m in messages(api, U)] == [help_title()]
        api.message(777, "/start@report_test_bot", chat_type="group")
        wait_text(api, -100 - 777, words("private_only"))


def test_trap_11_times_in_beijing_time(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        begin(api, U)
        d = bot.assistant.active(f"tg:{U}")
        listing = say(api, U, "/drafts", words("drafts_title"))
        from dialogs.assistant import local_time

        beijing = local_time(d.updated, bot.assistant.zone)
        assert beijing in listing.text and beijing != d.updated[:16].replace("T", " ")


def test_trap_12_limits_say_so_and_nothing_lands_in_the_wrong_place(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        bot.assistant.max_drafts = 2
        begin(api, U)
        new = say(api, U, "/new", words("new_how"))
        press(api, U, "new", ask("profile"), source=new, arg="blank")
        refused = say(api, U, "/new", words("draft_limit", limit=2))
        assert not [a for a in actions(refused) if a.name == "new"]
        shown = wait_text(api, U, ask("profile"), after=len(messages(api, U)) - 1)
        assert shown.buttons()  # the question the next answer goes to is on screen again
        say(api, U, "人社局", ask("outline"))
        assert bot.assistant.active(f"tg:{U}").answers["profile"] == "人社局"
        # 2024年度 is a year; /edit alone shows the list to choose from
        for m in ("五项式", "甲县人社局", "/skip"):
            api.message(U, m)
        say(api, U, "2024年度", ask("recipient"))
        say(api, U, "/edit", part("review_title"))


def test_trap_12_a_full_list_does_not_invite_more(api, tmp_path):
    with BotRunner(api, tmp_path / "data"):
        through_figures(api)
        item = item_label("reserve_total_named")
        say(api, U, "\n".join(f"公司{i}" for i in range(5)), words("items_recorded", n=5, item=item))
        full = say(api, U, "/edit reserve_total_named", ask("reserve_total_named"))
        assert words("items_full", limit=5, item=item) in full.text and words("add_more", item=item) not in full.text


def test_docx_file_name_has_no_direction_controls(tmp_path):
    from dialogs.parse import clean

    assert clean("甲\u202e乙\u2066丙\u200f", multiline=False) == "甲乙丙"
    from report.docx_writer import safe_filename

    assert "\u202e" not in safe_filename(clean("鲁山\u202e县", multiline=False) + "报告")
    assert Document(io.BytesIO(_tiny_docx())).paragraphs is not None


def _tiny_docx() -> bytes:
    from dialogs.outlines import load_report_types
    from report.compose import compose
    from report.docx_writer import write_docx

    v = load_report_types()["fazhi_zhengfu"].variant()
    return write_docx(compose(v, {"unit_name": "甲县司法局", "year": 2024}))


def test_trap_4_skip_on_an_optional_section_says_it_skips_the_whole_section(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        say(api, U, "/start", ask("profile"))
        choose(api, U, "其他部门", ask("outline"))
        choose(api, U, "三段式", ask("unit_name"))
        for m in ("甲县某局", "/skip", "2024", "/skip", "/skip", "/skip", "/skip"):  # …opening, heading, form
            api.message(U, m)
        duty = say(api, U, "/skip", ask("duty"))  # no lead paragraph; 第一责任人 is optional here
        assert (label("skip_whole"), data_for(duty, "skip")) in duty.buttons()  # the button says what it skips
        skipped = press(api, U, "skip", words("skipped_whole", label=title_of("duty")), source=duty)
        assert ask("measures") in skipped.text  # on to the next part
        assert "duty" in bot.assistant.active(f"tg:{U}").skipped


def test_trap_5_clear_asks_first_and_can_be_undone(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        through_figures(api)
        item = item_label("reserve_total_named")
        listing = say(api, U, "甲公司\n乙公司", words("items_recorded", n=2, item=item))
        markup = listing.params["reply_markup"]
        rows = (json.loads(markup) if isinstance(markup, str) else markup)["inline_keyboard"]
        names = [[decode_action(b["callback_data"]).name for b in r] for r in rows]  # type: ignore[union-attr]
        done_row = next(r for r in names if "done" in r)
        assert "clear" not in done_row and any("clear" in r for r in names)  # not side by side with 完成
        confirm = press(api, U, "clear", words("confirm_clear", n=2, item=item), source=listing)
        assert bot.assistant.active(f"tg:{U}").answers["reserve_total_named"] == ["甲公司", "乙公司"]  # nothing yet
        cleared = press(api, U, "clear", words("cleared", n=2, item=item), source=confirm, arg="yes")
        assert "reserve_total_named" not in bot.assistant.active(f"tg:{U}").answers
        press(api, U, "undo", words("undone", n=2, item=item), source=cleared)
        assert bot.assistant.active(f"tg:{U}").answers["reserve_total_named"] == ["甲公司", "乙公司"]
        # the old 清空 button is dead: a press on it does nothing
        n = len(messages(api, U))
        api.press(U, data_for(listing, "clear"), listing.message_id)
        say(api, U, "/start", part("welcome_back_to"))
        assert len(messages(api, U)) == n + 1
        assert bot.assistant.active(f"tg:{U}").answers["reserve_total_named"] == ["甲公司", "乙公司"]


def test_trap_7_a_draft_left_on_review_takes_typed_answers(api, tmp_path):
    data = tmp_path / "data"
    with BotRunner(api, data):
        begin(api, U)
        say(api, U, "鲁山县科学技术局", ask("unit_short"))
        say(api, U, "/review", part("review_title"))
    with BotRunner(api, data) as bot:  # the next day
        back = say(api, U, "/start", part("welcome_back_to"))
        assert ask("unit_short") in back.text and part("review_title") not in back.text
        say(api, U, "/review", part("review_title"))
        typed = words("answered_from_review", label=title_of("unit_short"))
        answered = say(api, U, "县科技局", typed)  # typed while the review is on screen
        assert ask("year") in answered.text
        assert bot.assistant.active(f"tg:{U}").answers["unit_short"] == "县科技局"


def test_trap_8_carried_over_answers_wait_to_be_checked(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        complete(api, U)
        new = say(api, U, "/new", words("new_how"))
        copy = next(a.arg for a in actions(new) if a.name == "new" and a.arg.startswith("copy:"))
        first = press(api, U, "new", part("created_copy"), source=new, arg=copy)
        assert "鲁山县科学技术局" in first.text and words("carried_over") in first.text
        assert (label("confirm"), data_for(first, "skip")) in first.buttons()  # the skip button confirms
        press(api, U, "skip", ask("unit_short"), source=first)
        say(api, U, "县科技局", ask("year"))  # changed: checked too
        after_two = say(api, U, "2025", words("carried_over"))
        assert part("complete") not in after_two.text  # two answers do not finish a carried-over draft
        d = bot.assistant.active(f"tg:{U}")
        assert "unit_name" not in d.unconfirmed and "unit_short" not in d.unconfirmed and "measures" in d.unconfirmed
        assert not bot.assistant.engine_for(d).is_complete(d)
        measures = say(api, U, "/edit measures", words("carried_over_items"))
        years = re.search(pattern("carried_years"), measures.text)
        assert years and "2024年" in years.group() and "2023年以来" in years.group()
        refused = say(api, U, "/report", words("not_ready"))
        assert words("unconfirmed_left", label=title_of("measures")) in refused.text


def test_trap_6_items_are_changed_in_place(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        begin(api, U)
        script = reference.script()[2:]
        i = script.index(reference.MEASURES[2][0])  # up to the third 举措's title
        for m in script[:i]:
            api.message(U, m)
        third = wait_text(api, U, heading("measures", 3, "title"))
        # 上一题 while adding item 3 opens item 2, not the previous question
        second = press(api, U, "back", editing("measures", 2, "title"), source=third)
        assert words("editing_current", value=reference.MEASURES[1][0]) in second.text
        body = press(api, U, "skip", editing("measures", 2, "body"), source=second)
        item = item_label("measures")
        changed = say(api, U, "坚持依法决策，重大事项全部经过合法性审查。", words("item_changed", n=2, item=item))
        assert heading("measures", 3, "title") in changed.text  # back to adding where the user was
        d = bot.assistant.active(f"tg:{U}")
        assert [m["title"] for m in d.answers["measures"]] == [t for t, _ in reference.MEASURES[:2]]
        assert d.answers["measures"][1]["body"] == "坚持依法决策，重大事项全部经过合法性审查。"
        # any item from the list: ✏1, then 下一条, then 返回列表
        first = press(api, U, "item", editing("measures", 1, "title"), source=changed, arg="1")
        nxt = press(api, U, "itemnext", editing("measures", 2, "title"), source=first)
        listing = press(api, U, "itemlist", heading("measures", 3, "title"), source=nxt)
        assert any(a.name == "item" and a.arg == "2" for a in actions(listing)) and body.text
        assert len(bot.assistant.active(f"tg:{U}").answers["measures"]) == 2  # nothing appended


def test_trap_13_review_is_sections_first_and_returns_where_the_user_was(api, tmp_path):
    with BotRunner(api, tmp_path / "data"):
        complete(api, U)
        overview = say(api, U, "/review", part("review_title"))
        assert len(overview.text) < 500 and len(overview.buttons()) <= 12
        sec = next(label for label, _ in overview.buttons() if label.startswith("主要举措与成效"))
        section = choose(api, U, sec, "【主要举措与成效】", source=overview)
        labels = [label for label, _ in section.buttons()]
        assert any(label.endswith("数字：“双随机、一公开”抽查") or "高新技术企业" in label for label in labels)
        assert not any(label.endswith("…") for label in labels)  # labels are whole words
        tech = next(label for label in labels if label.endswith(" 高新技术企业"))
        q = choose(api, U, tech, ask("hitech"), source=section)
        back = say(api, U, "42家", "【主要举措与成效】")  # back to the section, not the whole review again
        assert "高新技术企业：42家" in back.text and "【基本信息】" not in back.text and q.text
