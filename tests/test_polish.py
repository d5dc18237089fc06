"""The optional writing help: the fact lock, and ✨ 润色 against an OpenAI-compatible stand-in on 127.0.0.1."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogs.actions import Action, Reply
from dialogs.assistant import Assistant
from dialogs.facts import facts, violations
from llm import OpenAIWriter
from tests import reference
from tests.conftest import run_script, say
from tests.fake_llm import FakeLLM, good_rewrite

TEXT = "学了3次《宪法》和《科学技术进步法》，开展普法活动30余场，追回工资512多万元，办结率100%。"


# ---------------------------------------------------------------- the fact lock
def test_facts_are_numbers_as_written_titles_dates_and_names():
    f = facts(TEXT + "2024年1月，西鲁技术有限公司参加“谁执法谁普法”宣传。")
    assert f.numbers == ("3次", "30余场", "512多万元", "100%")
    assert f.titles == ("《宪法》", "《科学技术进步法》") and f.dates == ("2024年1月",)
    assert "西鲁技术有限公司" in f.names and "“谁执法谁普法”" in f.names


@pytest.mark.parametrize(
    ("before", "after", "problem"),
    [
        ("投入1.5万元", "投入15000元", "少了“1.5万元”"),
        ("开展30余场", "开展30场", "少了“30余场”"),
        ("开展30余场", "开展了30余场活动，新增5场", "多了“5场”"),
        ("学习《宪法》", "学习宪法", "少了“《宪法》”"),
        ("2024年1月组织培训", "2023年1月组织培训", "多了“2023年1月”"),
        ("指导西鲁技术有限公司申报", "指导企业申报", "少了“西鲁技术有限公司”"),
    ],
)
def test_a_changed_fact_is_named(before, after, problem):
    assert problem in violations(before, after)


def test_full_width_digits_are_the_same_fact():
    assert violations("全年３次，办结率１００％", "全年共组织3次，办结率达100%") == []


@given(st.text(alphabet="学法普宣传活动场次件人，。、0123456789余多万元%《》", max_size=60))
def test_a_text_keeps_its_own_facts(text):
    assert violations(text, text) == []


@given(st.integers(min_value=1, max_value=99999))
def test_any_added_number_is_caught(n):
    assert violations("全年开展普法活动。", f"全年开展普法活动{n}场。") == [f"多了“{n}场”"]


# ---------------------------------------------------------------- ✨ 润色 through the assistant
@pytest.fixture
def llm():
    with FakeLLM() as server:
        yield server


@pytest.fixture
def helped(store, types, llm):
    writer = OpenAIWriter(llm.base_url, "sk-secret-key-123", "test-model", timeout=1.0)
    from report import DocxReporter

    return Assistant(store, types, DocxReporter(), writer=writer)


def at_causes(a: Assistant, user: int) -> list:
    """The reference walk-through up to the 原因 paragraph, answered with TEXT; the 整改 question is next."""
    msgs = reference.script()
    return run_script(a, user, [*msgs[: msgs.index(reference.CAUSES)], TEXT])


def buttons(out) -> list[Action]:
    return [b.action for row in getattr(out, "buttons", ()) for b in row]


def test_polish_suggests_and_changes_nothing_until_adopted(helped, llm):
    outs = at_causes(helped, 1)
    polish = next(a for a in buttons(outs[-1]) if a.name == "polish")
    assert polish.arg == "causes" and outs[-1].question == "rectification"
    before = helped.active(1).answers["causes"]
    offer = helped.handle(1, polish)[-1]
    assert offer.notice == "polish_suggestion" and good_rewrite(before) in offer.text
    assert helped.active(1).answers["causes"] == before  # nothing stored yet
    names = [a.name for a in buttons(offer)]
    assert names == ["adopt", "keep_original", "again"]
    sent = llm.requests[-1]["messages"]
    assert "原文：" + before in sent[1]["content"] and "县科技局" in sent[1]["content"]
    adopted = helped.handle(1, buttons(offer)[0])
    assert helped.active(1).answers["causes"] == good_rewrite(before)
    assert adopted[0].notice == "polish_adopted" and adopted[-1].question == "rectification"  # where the user was
    restore = next(a for a in buttons(adopted[0]) if a.name == "restore")
    helped.handle(1, restore)
    assert helped.active(1).answers["causes"] == before


def test_keep_original_and_again(helped, llm):
    outs = at_causes(helped, 2)
    polish = next(a for a in buttons(outs[-1]) if a.name == "polish")
    offer = helped.handle(2, polish)[-1]
    again = next(a for a in buttons(offer) if a.name == "again")
    second = helped.handle(2, again)[-1]
    assert second.notice == "polish_suggestion" and len(llm.requests) == 2
    kept = helped.handle(2, next(a for a in buttons(second) if a.name == "keep_original"))
    assert kept[0].notice == "polish_kept"
    assert helped.active(2).answers["causes"] == TEXT


@pytest.mark.parametrize(
    ("modes", "key"),
    [
        (["change_number", "change_number"], "polish_changed_facts"),
        (["add_number", "add_number"], "polish_changed_facts"),
        (["timeout"], "polish_timeout"),
        (["500"], "polish_server_error"),
        (["429"], "polish_rate_limited"),
        (["garbage"], "polish_bad_reply"),
        (["english"], "polish_bad_reply"),
        (["empty"], "polish_bad_reply"),
    ],
)
def test_every_fault_leaves_the_answer_and_says_why(helped, llm, modes, key):
    outs = at_causes(helped, 3)
    polish = next(a for a in buttons(outs[-1]) if a.name == "polish")
    before = helped.active(3).to_dict()
    llm.modes = list(modes)
    outs = helped.handle(3, polish)
    assert outs[0].notice == key and outs[0].kind == "error"
    assert outs[-1].question == "rectification"  # the user can go on
    assert helped.active(3).to_dict() == before
    if key == "polish_changed_facts":
        assert "润色结果改动了事实，已放弃，原文保留" in outs[0].text and len(llm.requests) == 2  # retried once


def test_the_second_try_names_what_the_first_got_wrong(helped, llm):
    outs = at_causes(helped, 4)
    polish = next(a for a in buttons(outs[-1]) if a.name == "polish")
    llm.modes = ["drop_title", "good"]
    offer = helped.handle(4, polish)[-1]
    assert offer.notice == "polish_suggestion"
    assert "上一次改写不合格" in llm.requests[1]["messages"][-1]["content"]


def test_a_suggestion_for_text_changed_meanwhile_is_not_applied(helped, llm):
    outs = at_causes(helped, 5)
    polish = next(a for a in buttons(outs[-1]) if a.name == "polish")
    offer = helped.handle(5, polish)[-1]
    say(helped, 5, "/edit causes")
    say(helped, 5, "原因是学用结合不够。")
    outs = helped.handle(5, buttons(offer)[0])
    assert outs[0].notice == "polish_stale" and helped.active(5).answers["causes"] == "原因是学用结合不够。"


def test_an_item_body_can_be_polished_from_its_edit_screen(helped, llm):
    run_script(helped, 6, reference.script())
    say(helped, 6, "/edit measures")
    outs = helped.handle(6, Action("item", "1"))
    outs = say(helped, 6, "/skip")  # keep the title: the body is shown, with ✨
    polish = next(a for a in buttons(outs[-1]) if a.name == "polish")
    assert polish.arg == "measures:1:body"
    offer = helped.handle(6, polish)[-1]
    helped.handle(6, buttons(offer)[0])
    body = helped.active(6).answers["measures"][0]["body"]
    assert body.startswith("坚持依法履职，深入贯彻落实")


def test_unreachable_server(store, types):
    writer = OpenAIWriter("http://127.0.0.1:9/v1", "", "m", timeout=1.0)
    a = Assistant(store, types, writer=writer)
    outs = at_causes(a, 7)
    polish = next(x for x in buttons(outs[-1]) if x.name == "polish")
    assert a.handle(7, polish)[0].notice == "polish_unreachable"


def test_help_says_where_paragraphs_go(helped, llm):
    text = say(helped, 8, "/help")[0].text
    assert "127.0.0.1" in text and "采用" in text


def test_unconfigured_shows_no_ai_button_anywhere(assistant):
    outs = run_script(assistant, 9, reference.script())
    outs += say(assistant, 9, "/edit causes") + say(assistant, 9, "/help")
    names = {a.name for o in outs if isinstance(o, Reply) for a in buttons(o)}
    assert not names & {"polish", "again", "adopt"} and "润色" not in "".join(o.text for o in outs)


def test_the_api_key_never_reaches_the_logs(caplog):
    from channels.telegram import install_redaction

    install_redaction("123:abc", "sk-secret-key-123")
    with caplog.at_level(logging.INFO):
        logging.getLogger("openai").info("request with Authorization: Bearer sk-secret-key-123")
    assert "sk-secret-key-123" not in caplog.text and "[SECRET]" in caplog.text


def test_over_telegram_a_user_waiting_on_the_model_blocks_nobody(tmp_path, llm):
    import time

    from tests.botrunner import TOKEN, BotRunner
    from tests.fake_bot_api import FakeBotAPI
    from tests.test_telegram import begin, press, say, wait_text

    with FakeBotAPI(TOKEN) as api, BotRunner(api, tmp_path / "data", llm=llm.base_url) as bot:
        a, b = 701, 702
        begin(api, a)
        msgs = reference.script()[2:]
        for m in msgs[: msgs.index(reference.CAUSES)]:
            api.message(a, m)
        wait_text(api, a, "主要原因是什么")
        asked = say(api, a, TEXT, "针对这些问题")
        begin(api, b)
        llm.delay = 3.0  # the model takes its time
        cq = api.press(a, dict(asked.buttons())["✨ 润色刚才这段"], asked.message_id)
        api.wait_sent(lambda s: any(str(x.params.get("callback_query_id")) == str(cq) for x in s))
        toast = next(x for x in api.sent if str(x.params.get("callback_query_id")) == str(cq))
        assert "正在润色" in str(toast.params.get("text"))
        t0 = time.monotonic()
        say(api, b, "乙县司法局", "正文里怎么称呼本单位")  # another user is served meanwhile
        assert time.monotonic() - t0 < 2.0
        offer = wait_text(api, a, "润色建议", timeout=15)
        assert bot.assistant.active(a).answers["causes"] == TEXT
        press(api, a, "✅ 采用", "已采用", source=offer)
        assert bot.assistant.active(a).answers["causes"] == good_rewrite(TEXT)
    assert "sk-secret-key-123" not in "".join(str(s.params) for s in api.sent)
