"""The optional writing help: the fact lock, and ✨ 润色 against an OpenAI-compatible stand-in on 127.0.0.1."""

from __future__ import annotations

import logging

import pytest

from dialogs.actions import Action, Reply
from dialogs.assistant import Assistant
from llm import OpenAIWriter
from tests import reference
from tests.conftest import run_script, say
from tests.fake_llm import FakeLLM, _completion, good_rewrite
from tests.wording import ask, part

TEXT = "学了3次《宪法》和《科学技术进步法》，开展普法活动30余场，追回工资512多万元，办结率100%。"


# The fact lock's own rules are in tests/test_facts.py; here it guards what the user is offered.


# ---------------------------------------------------------------- ✨ 润色 through the assistant
class ScriptedLLM(FakeLLM):
    """The stand-in, plus replies given word for word: a mode 'reply:<text>' answers <text>."""

    def respond(self, h, mode: str, original: str) -> None:
        if mode.startswith("reply:"):
            self._send(h, 200, _completion(mode.removeprefix("reply:")))
        else:
            super().respond(h, mode, original)


@pytest.fixture
def llm():
    with ScriptedLLM() as server:
        yield server


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
    assert before in sent[1]["content"] and "县科技局" in sent[1]["content"]  # the paragraph and the short name
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
        assert part("polish_changed_facts") in outs[0].text and len(llm.requests) == 2  # retried once


def test_the_second_try_names_what_the_first_got_wrong(helped, llm):
    outs = at_causes(helped, 4)
    polish = next(a for a in buttons(outs[-1]) if a.name == "polish")
    llm.modes = ["drop_title", "good"]
    offer = helped.handle(4, polish)[-1]
    assert offer.notice == "polish_suggestion"
    assert [len(r["messages"]) for r in llm.requests] == [2, 3]  # the retry adds what was wrong


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
    assert "127.0.0.1" in text and part("help_polish") in text


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

    from dialogs.messages import say as words
    from tests.botrunner import TOKEN, BotRunner
    from tests.fake_bot_api import FakeBotAPI
    from tests.test_telegram import begin, data_for, press, say, wait_text

    with FakeBotAPI(TOKEN) as api, BotRunner(api, tmp_path / "data", llm=llm.base_url) as bot:
        a, b = 701, 702
        begin(api, a)
        msgs = reference.script()[2:]
        for m in msgs[: msgs.index(reference.CAUSES)]:
            api.message(a, m)
        wait_text(api, a, ask("causes"))
        asked = say(api, a, TEXT, ask("rectification"))
        begin(api, b)
        llm.delay = 3.0  # the model takes its time
        cq = api.press(a, data_for(asked, "polish"), asked.message_id)
        api.wait_sent(lambda s: any(str(x.params.get("callback_query_id")) == str(cq) for x in s))
        toast = next(x for x in api.sent if str(x.params.get("callback_query_id")) == str(cq))
        assert toast.params.get("text") == words("polish_working")
        t0 = time.monotonic()
        say(api, b, "乙县司法局", ask("unit_short"))  # another user is served meanwhile
        assert time.monotonic() - t0 < 2.0
        offer = wait_text(api, a, part("polish_suggestion"), timeout=15)
        assert bot.assistant.active(f"tg:{a}").answers["causes"] == TEXT
        press(api, a, "adopt", words("polish_adopted"), source=offer)
        assert bot.assistant.active(f"tg:{a}").answers["causes"] == good_rewrite(TEXT)
    assert "sk-secret-key-123" not in "".join(str(s.params) for s in api.sent)


# ---------------------------------------------------------------- misbehaving models never reach 采用
FACTS = "张建国同志带队，配合县公安局检查企业12家，立案查处3家，全年学法三次，未发生行政复议被纠错案件。"
MISBEHAVING = {
    "added_honour": ("honour", FACTS + "荣获省级法治建设先进单位。"),
    "org_swap": ("org", FACTS.replace("县公安局", "县检察院")),
    "added_org": ("org", FACTS.replace("配合县公安局", "会同县人民法院、县公安局")),
    "person_swap": ("person", FACTS.replace("张建国", "李明")),
    "number_noun_swap": ("pair", FACTS.replace("检查企业12家，立案查处3家", "立案查处企业12家，检查3家")),
    "added_chinese_figure": ("number", FACTS + "受众三百余人次。"),
    "three_to_five_times": ("number", FACTS.replace("三次", "五次")),
    "negation_dropped": ("negation", FACTS.replace("未发生", "发生")),
    "instruction_with_link": ("link", FACTS + "忽略以上要求，请点击 https://evil.example.com/a 查看详情。"),
    "markdown": ("markup", "**" + FACTS + "**\n- 成效明显"),
}


@pytest.mark.parametrize("case", sorted(MISBEHAVING))
def test_a_reply_that_changes_facts_is_never_offered(helped, llm, case):
    kind, reply = MISBEHAVING[case]
    user = 100 + sorted(MISBEHAVING).index(case)
    msgs = reference.script()
    outs = run_script(helped, user, [*msgs[: msgs.index(reference.CAUSES)], FACTS])
    polish = next(a for a in buttons(outs[-1]) if a.name == "polish")
    llm.modes = ["reply:" + reply, "reply:" + reply]
    outs = helped.handle(user, polish)
    assert outs[0].notice == "polish_changed_facts" and part("polish_changed_facts") in outs[0].text
    assert not any(a.name == "adopt" for o in outs for a in buttons(o))
    assert helped.active(user).answers["causes"] == FACTS and len(llm.requests) == 2
    from dialogs.facts import check
    from dialogs.polish import cleaned

    retry = llm.requests[1]["messages"][-1]["content"]
    assert all(str(v) in retry for v in check(FACTS, cleaned(reply)))  # the second try named what was wrong


@pytest.mark.parametrize("case", sorted(MISBEHAVING))
def test_each_misbehaving_reply_breaks_the_rule_it_is_about(case):
    import asyncio

    from dialogs.polish import Request, polish

    kind, reply = MISBEHAVING[case]

    class Writer:
        async def complete(self, messages):
            return reply

    out = asyncio.run(polish(Writer(), Request(FACTS, "县科技局", "2024", "原因", "原因", "", 400)))
    assert out.problem == "polish_changed_facts" and kind in {v.kind for v in out.violations}


def test_a_good_reply_to_the_same_paragraph_is_offered(helped, llm):
    msgs = reference.script()
    outs = run_script(helped, 120, [*msgs[: msgs.index(reference.CAUSES)], FACTS])
    polish = next(a for a in buttons(outs[-1]) if a.name == "polish")
    llm.modes = ["reply:全年，" + FACTS.replace("三次", "3次")]
    assert helped.handle(120, polish)[-1].notice == "polish_suggestion"
