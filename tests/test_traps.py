"""The phone-user traps of issue 10, each replayed over the Bot API stand-in with the old steps."""

from __future__ import annotations

import io
import json

import pytest
from docx import Document

from tests import reference
from tests.botrunner import BotRunner
from tests.fake_bot_api import FakeBotAPI
from tests.test_telegram import TOKEN, U, begin, complete, messages, press, say, wait_text


@pytest.fixture
def api():
    with FakeBotAPI(TOKEN) as a:
        yield a


def through_figures(api: FakeBotAPI) -> None:
    """The reference walk-through up to the named reserve enterprises."""
    begin(api, U)
    for m in reference.upto_named()[2:]:
        api.message(U, m)
    wait_text(api, U, "点名几个有代表性的高新技术后备企业")


def test_trap_1_linked_figures_can_each_be_changed(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        through_figures(api)
        for m in ("/done", "8", "8"):
            api.message(U, m)
        wait_text(api, U, "还有要写进报告的数字吗")
        warned = say(api, U, "/edit reserve_total", "共培育高新技术后备企业多少家")
        warned = say(api, U, "20", "数字对不上")  # saved, and the arithmetic explained
        assert "首次申报企业 8家 + 复审企业 8家 = 16家" in warned.text and "20家" in warned.text
        say(api, U, "/edit reserve_first", "首次申报企业是多少")
        fixed = say(api, U, "12", "还有要写进报告的数字吗")
        assert "对不上" not in fixed.text
        d = bot.assistant.active(f"tg:{U}")
        assert [d.answers[k]["text"] for k in ("reserve_total", "reserve_first", "reserve_review")] == ["20", "12", "8"]
        assert bot.assistant.engine_for(d).check_failures(d) == []


def test_trap_9_direction_controls_never_reach_the_docx(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        begin(api, U)
        say(api, U, "鲁山县\u202e局学科\u202c科学技术局", "正文里怎么称呼本单位")
        assert bot.assistant.active(f"tg:{U}").answers["unit_name"] == "鲁山县局学科科学技术局"


def test_trap_10_groups_and_other_bots_get_no_reply(api, tmp_path):
    with BotRunner(api, tmp_path / "data", allowed=frozenset({U})) as bot:
        api.message(777, "大家好，报告写了吗", chat_type="group")  # a stranger's plain message in a group
        api.message(U, "/start@other_bot")  # a command for another bot, in private
        api.message(U, "/help@report_test_bot")  # ours, addressed by name
        wait_text(api, U, "使用说明")
        assert api.to(-100 - 777) == [] and bot.assistant.store.list(f"tg:{U}") == []
        assert [m.text[:4] for m in messages(api, U)] == ["📖 使用"]
        api.message(777, "/start@report_test_bot", chat_type="group")
        wait_text(api, -100 - 777, "私聊")


def test_trap_11_times_in_beijing_time(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        begin(api, U)
        d = bot.assistant.active(f"tg:{U}")
        listing = say(api, U, "/drafts", "我的草稿")
        from dialogs.assistant import local_time

        beijing = local_time(d.updated, bot.assistant.zone)
        assert f"最后修改 {beijing}" in listing.text and beijing != d.updated[:16].replace("T", " ")


def test_trap_12_limits_say_so_and_nothing_lands_in_the_wrong_place(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        bot.assistant.max_drafts = 2
        begin(api, U)
        new = say(api, U, "/new", "从空白开始")
        press(api, U, "📄 空白新建", "您是哪类部门", source=new)
        refused = say(api, U, "/new", "达到上限")
        assert "📄 空白新建" not in [label for label, _ in refused.buttons()]
        shown = wait_text(api, U, "您是哪类部门", after=len(messages(api, U)) - 1)
        assert shown.buttons()  # the question the next answer goes to is on screen again
        say(api, U, "人社局", "报告按哪种结构写")
        assert bot.assistant.active(f"tg:{U}").answers["profile"] == "人社局"
        # 2024年度 is a year; /edit alone shows the list to choose from
        for m in ("五项式", "甲县人社局", "/skip"):
            api.message(U, m)
        say(api, U, "2024年度", "报告主送哪里")
        assert "检查修改" in say(api, U, "/edit", "检查修改").text


def test_trap_12_a_full_list_does_not_invite_more(api, tmp_path):
    with BotRunner(api, tmp_path / "data"):
        through_figures(api)
        say(api, U, "\n".join(f"公司{i}" for i in range(5)), "已记录 5 个")
        full = say(api, U, "/edit reserve_total_named", "点名几个")
        assert "已达上限 5 个" in full.text and "继续发送可再添加" not in full.text


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
        say(api, U, "/start", "您是哪类部门")
        press(api, U, "其他部门", "报告按哪种结构写")
        press(api, U, "三段式", "请输入单位全称")
        for m in ("甲县某局", "/skip", "2024", "/skip", "/skip", "/skip", "/skip"):  # …opening, heading, form
            api.message(U, m)
        duty = say(api, U, "/skip", "第一责任人职责的情况")  # no lead paragraph; 第一责任人 is optional here
        assert "跳过整项" in [label for label, _ in duty.buttons()]
        skipped = press(api, U, "跳过整项", "已跳过整项“第一责任人履职”", source=duty)
        assert "主要举措" in skipped.text or "举措" in skipped.text
        assert "duty" in bot.assistant.active(f"tg:{U}").skipped


def test_trap_5_clear_asks_first_and_can_be_undone(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        through_figures(api)
        listing = say(api, U, "甲公司\n乙公司", "已记录 2 个")
        markup = listing.params["reply_markup"]
        rows = (json.loads(markup) if isinstance(markup, str) else markup)["inline_keyboard"]
        done_row = next(r for r in rows if any(b["text"] == "✅ 完成本项" for b in r))
        assert all(b["text"] != "🗑 清空重填" for b in done_row)  # not side by side with 完成
        ask = press(api, U, "🗑 清空重填", "确定清空这 2 个吗", source=listing)
        assert bot.assistant.active(f"tg:{U}").answers["reserve_total_named"] == ["甲公司", "乙公司"]  # nothing yet
        cleared = press(api, U, "⚠ 确认清空", "已清空 2 个", source=ask)
        assert "reserve_total_named" not in bot.assistant.active(f"tg:{U}").answers
        press(api, U, "↩ 撤销清空", "都回来了", source=cleared)
        assert bot.assistant.active(f"tg:{U}").answers["reserve_total_named"] == ["甲公司", "乙公司"]
        # the old 清空 button is dead: a press on it does nothing
        n = len(messages(api, U))
        api.press(U, dict(listing.buttons())["🗑 清空重填"], listing.message_id)
        say(api, U, "/start", "欢迎回来")
        assert len(messages(api, U)) == n + 1
        assert bot.assistant.active(f"tg:{U}").answers["reserve_total_named"] == ["甲公司", "乙公司"]


def test_trap_7_a_draft_left_on_review_takes_typed_answers(api, tmp_path):
    data = tmp_path / "data"
    with BotRunner(api, data):
        begin(api, U)
        say(api, U, "鲁山县科学技术局", "正文里怎么称呼本单位")
        say(api, U, "/review", "检查修改")
    with BotRunner(api, data) as bot:  # the next day
        back = say(api, U, "/start", "欢迎回来")
        assert "正文里怎么称呼本单位" in back.text and "检查修改 · 完成度" not in back.text
        say(api, U, "/review", "检查修改")
        answered = say(api, U, "县科技局", "已回到填写")  # typed while the review is on screen
        assert "单位简称" in answered.text and "这是哪一年的报告" in answered.text
        assert bot.assistant.active(f"tg:{U}").answers["unit_short"] == "县科技局"


def test_trap_8_carried_over_answers_wait_to_be_checked(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        complete(api, U)
        new = say(api, U, "/new", "从空白开始")
        copy = next(label for label, _ in new.buttons() if label.startswith("沿用"))
        first = press(api, U, copy, "待核对", source=new)
        assert "鲁山县科学技术局" in first.text and "✓ 沿用" in [label for label, _ in first.buttons()]
        press(api, U, "✓ 沿用", "正文里怎么称呼本单位", source=first)
        say(api, U, "县科技局", "这是哪一年的报告")  # changed: checked too
        after_two = say(api, U, "2025", "待核对")
        assert "全部必填项已完成" not in after_two.text  # two answers do not finish a carried-over draft
        d = bot.assistant.active(f"tg:{U}")
        assert "unit_name" not in d.unconfirmed and "unit_short" not in d.unconfirmed and "measures" in d.unconfirmed
        assert not bot.assistant.engine_for(d).is_complete(d)
        measures = say(api, U, "/edit measures", "条举措")
        assert "2024年" in measures.text and "2023年以来" in measures.text and "请确认是否要改" in measures.text
        refused = say(api, U, "/report", "还不能生成")
        assert "待核对：主要举措" in refused.text


def test_trap_6_items_are_changed_in_place(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        begin(api, U)
        script = reference.script()[2:]
        i = script.index(reference.MEASURES[2][0])  # up to the third 举措's title
        for m in script[:i]:
            api.message(U, m)
        third = wait_text(api, U, "第 3 条举措 · 小标题")
        # 上一题 while adding item 3 opens item 2, not the previous question
        second = press(api, U, "⬅ 上一题", "修改第 2 条举措 · 小标题", source=third)
        assert f"现在是：{reference.MEASURES[1][0]}" in second.text
        body = press(api, U, "保留原答案", "修改第 2 条举措 · 具体内容", source=second)
        changed = say(api, U, "坚持依法决策，重大事项全部经过合法性审查。", "已修改第 2 条举措")
        assert "第 3 条举措 · 小标题" in changed.text  # back to adding where the user was
        d = bot.assistant.active(f"tg:{U}")
        assert [m["title"] for m in d.answers["measures"]] == [t for t, _ in reference.MEASURES[:2]]
        assert d.answers["measures"][1]["body"] == "坚持依法决策，重大事项全部经过合法性审查。"
        # any item from the list: ✏1, then 下一条, then 返回列表
        first = press(api, U, "✏1", "修改第 1 条举措 · 小标题", source=changed)
        nxt = press(api, U, "下一条 ➡", "修改第 2 条举措 · 小标题", source=first)
        listing = press(api, U, "返回列表", "第 3 条举措 · 小标题", source=nxt)
        assert "✏2" in [label for label, _ in listing.buttons()] and body.text
        assert len(bot.assistant.active(f"tg:{U}").answers["measures"]) == 2  # nothing appended


def test_trap_13_review_is_sections_first_and_returns_where_the_user_was(api, tmp_path):
    with BotRunner(api, tmp_path / "data"):
        complete(api, U)
        overview = say(api, U, "/review", "检查修改")
        assert len(overview.text) < 500 and len(overview.buttons()) <= 12
        part = next(label for label, _ in overview.buttons() if label.startswith("主要举措与成效"))
        section = press(api, U, part, "【主要举措与成效】", source=overview)
        labels = [label for label, _ in section.buttons()]
        assert any(label.endswith("数字：“双随机、一公开”抽查") or "高新技术企业" in label for label in labels)
        assert not any(label.endswith("…") for label in labels)  # labels are whole words
        tech = next(label for label in labels if label.endswith(" 高新技术企业"))
        q = press(api, U, tech, "全年共培育高新技术企业多少家", source=section)
        back = say(api, U, "42家", "【主要举措与成效】")  # back to the section, not the whole review again
        assert "高新技术企业：42家" in back.text and "【基本信息】" not in back.text and q.text
