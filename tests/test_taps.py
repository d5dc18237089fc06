"""Every tap acts once: 新建, 生成报告, 预览, ✨ 润色 and 再写一版 carry a one-time token; 采用 / 恢复原文 say they are done."""

from __future__ import annotations

import pytest

from dialogs.actions import Action, Document, Reply
from dialogs.assistant import Assistant
from dialogs.messages import say as words
from tests import reference
from tests.botrunner import BotRunner
from tests.conftest import run_script, say
from tests.fake_bot_api import FakeBotAPI
from tests.fake_llm import FakeLLM
from tests.test_polish import TEXT, at_causes
from tests.test_telegram import TOKEN, actions, begin, complete, data_for, messages, toast, wait_text
from tests.test_telegram import say as tg_say
from tests.wording import ask, part


def buttons(out) -> list[Action]:
    return [b.action for row in getattr(out, "buttons", ()) for b in row]


def button(outs, name: str, arg: str | None = None) -> Action:
    """The last button with this action name (and argument) among the replies."""
    found = [a for o in outs for a in buttons(o) if a.name == name and (arg is None or a.arg == arg)]
    assert found, f"no {name} button"
    return found[-1]


def notices(outs) -> list[str]:
    return [o.notice for o in outs if isinstance(o, Reply)]


class CountingReporter:
    """The real reporter, counting DOCX and page renders (each LibreOffice run is one `pages`)."""

    def __init__(self) -> None:
        from report import DocxReporter

        self.real, self.docs, self.renders = DocxReporter(), 0, 0

    def preview(self, rt, answers):
        return self.real.preview(rt, answers)

    def docx(self, rt, answers):
        self.docs += 1
        return self.real.docx(rt, answers)

    def pages(self, rt, answers):
        self.renders += 1
        return None  # as if LibreOffice failed: the text preview (fast)

    can_paginate = True


@pytest.fixture
def counted(store, types):
    return Assistant(store, types, CountingReporter())


def test_two_taps_on_blank_new_make_one_draft(counted):
    run_script(counted, 1, reference.script()[:3])
    outs = counted.handle(1, Action("new"))
    blank = button(outs, "new", "blank")
    assert blank.expect  # a one-time token rides on the button
    counted.handle(1, blank)
    second = counted.handle(1, blank)
    assert len(counted.store.list(1)) == 2  # the first draft and one new one, not two
    assert notices(second) == ["stale_button"]
    assert counted.is_stale(1, blank)
    # typed /new still works every time (no token to spend)
    say(counted, 1, "/new blank")
    assert len(counted.store.list(1)) == 3


def test_two_taps_on_report_write_one_docx_and_preview_renders_once(counted):
    outs = run_script(counted, 2, reference.script())
    report, preview = button(outs, "report"), button(outs, "preview")
    first = counted.handle(2, report)
    assert any(isinstance(o, Document) for o in first)
    assert notices(counted.handle(2, report)) == ["stale_button"]
    assert counted.reporter.docs == 1
    shown = counted.handle(2, preview)
    again = counted.handle(2, preview)
    assert counted.reporter.renders == 1 and notices(again) == ["stale_button"]
    # the preview ends with the screen's buttons again (📄 生成报告 without typing /report), fresh ones
    assert shown[-1].kind == "complete" and button(shown, "report").expect != report.expect
    counted.handle(2, button(shown, "report"))
    assert counted.reporter.docs == 2


def test_an_old_stale_token_does_not_block_a_typed_command(counted):
    outs = run_script(counted, 3, reference.script())
    counted.handle(3, button(outs, "report"))
    assert not any(isinstance(o, Document) for o in counted.handle(3, button(outs, "report")))
    assert any(isinstance(o, Document) for o in say(counted, 3, "/report"))


# ---------------------------------------------------------------- ✨ 润色, 再写一版, 采用, 恢复原文
@pytest.fixture
def llm():
    with FakeLLM() as server:
        yield server


def test_two_taps_on_polish_and_again_ask_the_model_once_each(helped, llm):
    outs = at_causes(helped, 4)
    polish = button(outs, "polish")
    offer = helped.handle(4, polish)
    assert notices(helped.handle(4, polish)) == ["stale_button"] and len(llm.requests) == 1
    again = button(offer, "again")
    helped.handle(4, again)
    assert notices(helped.handle(4, again)) == ["stale_button"] and len(llm.requests) == 2


def test_a_second_adopt_and_restore_say_they_are_done(helped, llm):
    outs = at_causes(helped, 5)
    offer = helped.handle(5, button(outs, "polish"))
    adopt = button(offer, "adopt")
    adopted = helped.handle(5, adopt)
    assert adopted[0].notice == "polish_adopted"
    polished = helped.active(5).answers["causes"]
    twice = helped.handle(5, adopt)
    assert twice[0].notice == "polish_already_adopted" and words("polish_already_adopted") in twice[0].text
    assert helped.active(5).answers["causes"] == polished and twice[-1].question == "rectification"
    restore = button(adopted, "restore")
    assert helped.handle(5, restore)[0].notice == "polish_restored"
    again = helped.handle(5, restore)
    assert again[0].notice == "polish_already_restored" and words("polish_already_restored") in again[0].text
    assert helped.active(5).answers["causes"] == TEXT


# ---------------------------------------------------------------- over the Bot API stand-in

U = 502


@pytest.fixture
def api():
    with FakeBotAPI(TOKEN) as a:
        yield a


def test_a_double_tap_on_report_sends_one_docx_over_telegram(api, tmp_path):
    with BotRunner(api, tmp_path / "data"):
        done = complete(api, U)
        data = data_for(done, "report")
        first = api.press(U, data, done.message_id)
        second = api.press(U, data, done.message_id)  # lands before the keyboard is gone
        api.wait_sent(lambda s: any(x.method == "sendDocument" for x in s), 30)
        tg_say(api, U, "/start", part("welcome_back_to"))  # ordered after both taps: they have been handled
        assert len(api.to(U, "sendDocument")) == 1
        assert (toast(api, first), toast(api, second)) == ("", words("stale_toast"))


def test_preview_says_it_is_working_then_shows_the_buttons_again(api, tmp_path, monkeypatch):
    from dialogs.assistant import Pages
    from report import DocxReporter

    def slow_pages(self, rt, answers):  # LibreOffice's seconds, without LibreOffice
        import time

        time.sleep(1.0)
        return Pages("r.pdf", b"%PDF-1.4", 1, b"\x89PNG")

    monkeypatch.setattr(DocxReporter, "can_paginate", property(lambda self: True))
    monkeypatch.setattr(DocxReporter, "pages", slow_pages)
    with BotRunner(api, tmp_path / "data"):
        done = complete(api, U)
        n = len(api.to(U))
        api.press(U, data_for(done, "preview"), done.message_id)
        api.message(U + 1, "/start")  # another user is answered while the preview renders
        api.wait_sent(lambda s: any(x.method == "sendDocument" for x in s[n:]), 30)
        wait_text(api, U, part("complete"), after=len(messages(api, U)) - 1)
        sent = [s for s in api.to(U)[n:] if s.method.startswith("send")]
        methods = [s.method for s in sent]
        assert methods[:2] == ["sendChatAction", "sendMessage"] and words("preview_working") in sent[1].text
        assert methods[2:] == ["sendPhoto", "sendDocument", "sendMessage"]
        assert "report" in [a.name for a in actions(sent[-1])]  # no need to type /report
        other = next(i for i, s in enumerate(api.sent) if s.chat_id == U + 1 and s.method == "sendMessage")
        photo = next(i for i, s in enumerate(api.sent) if s.chat_id == U and s.method == "sendPhoto")
        assert other < photo  # the other user did not wait for this preview


def test_outsiders_are_refused_a_few_times_not_for_every_message(api, tmp_path):
    with BotRunner(api, tmp_path / "data", allowed=frozenset({U})):
        for i in range(33):
            api.message(777, f"消息{i}")
        tg_say(api, U, "/start", ask("profile"))  # the allowed user is served, after the flood
        api.wait_sent(lambda s: len(api.to(777, "sendMessage")) >= 1)
        assert 1 <= len(api.to(777, "sendMessage")) <= 3


def test_malformed_button_data_is_answered_without_a_traceback(api, tmp_path, caplog):
    with BotRunner(api, tmp_path / "data"):
        complete(api, U)
        cq = api.press(U, "\ud800|x||")
        api.wait_sent(lambda s: any(str(x.params.get("callback_query_id", "")) == str(cq) for x in s))
        tg_say(api, U, "/start", part("welcome_back_to"))
        assert toast(api, cq) == words("bad_button")
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= 40]


def test_a_paste_interrupted_by_another_message_is_asked_about_not_cut(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        begin(api, U)
        for m in reference.script()[2:11]:
            api.message(U, m)
        wait_text(api, U, ask("duty", "body"))
        n = len(messages(api, U))
        api.message(U, "学" * 4096)  # Telegram's first part
        api.message(U, "好的")  # something else in between
        api.message(U, "法" * 300)  # the tail
        wait_text(api, U, words("paste_interrupted", n=4096), after=n)
        d = bot.assistant.active(f"tg:{U}")
        assert d.partial["duty"] == {"title": reference.DUTY[0][0]} and "duty" not in d.answers  # no tail saved


def test_an_import_paste_with_a_message_between_is_not_imported_in_part(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        tg_say(api, U, "/import", words("import_how"))
        n = len(messages(api, U))
        head = "一、2023年法治政府建设主要举措\n" + "认真学习贯彻习近平法治思想。" * 300
        api.message(U, head[:4096])
        api.message(U, "好的")
        api.message(U, head[4096:])
        warned = wait_text(api, U, words("import_paste_interrupted"), after=n)
        assert not any(part("import_found") in s.text for s in messages(api, U)[n:]) and warned
        assert len(bot.assistant.store.list(f"tg:{U}")) <= 1


# ---------------------------------------------------------------- pastes after /import, keyboards within limits
def test_after_import_only_a_report_like_message_is_taken_as_the_paste(assistant):
    run_script(assistant, 6, reference.script()[:10])
    say(assistant, 6, "/import")
    answer = "我们坚持学法用法，\n组织干部职工参加专题学习，\n" + "做到学用结合、以学促用。" * 8  # 130 chars, 3 lines
    outs = say(assistant, 6, answer)
    assert "import_summary" not in notices(outs) and "import_no_headings" not in notices(outs)
    assert any(isinstance(o, Reply) and o.question for o in outs)  # taken as an answer to the question shown
    say(assistant, 6, "/import")
    report = (
        "一、2023年法治政府建设主要举措\n（一）加强学习。认真学习贯彻习近平法治思想。\n二、存在的问题\n学用结合不够。"
    )
    assert notices(say(assistant, 6, report))[0] in ("import_summary", "import_no_headings")


def test_no_keyboard_over_telegrams_limits():
    from channels.telegram.handlers import MAX_BUTTONS, fit_rows, keyboard
    from dialogs.actions import Button

    rows = tuple(tuple(Button(f"{r}.{c}", Action("item", str(c))) for c in range(12)) for r in range(12))
    rows += ((Button("检查", Action("review")), Button("暂停", Action("pause"))),)
    fitted = fit_rows(rows)
    assert sum(len(r) for r in fitted) <= MAX_BUTTONS and max(len(r) for r in fitted) <= 8
    assert [b.label for b in fitted[-1]] == ["检查", "暂停"]  # navigation kept
    assert keyboard(Reply("x", rows))["inline_keyboard"][-1][0]["text"] == "检查"


def test_a_long_list_offers_at_most_24_edit_buttons(engine, draft):
    from dialogs.screens import Screens

    q = engine.rt.question("measures")
    draft.answers["measures"] = [{"title": f"举措{i}", "body": "内容。"} for i in range(100)]
    reply = Screens(engine).question(draft, q)
    edits = [b for row in reply.buttons for b in row if b.action.name == "item"]
    assert len(edits) == 24 and sum(len(r) for r in reply.buttons) <= 100
    assert "/item 25" in reply.text


# ---------------------------------------------------------------- the preview's pages
def figures_docx() -> bytes:
    from report.compose import Block, Composition
    from report.docx_writer import write_docx

    text = "年共办理行政处罚案件238件，罚没款5.12多万元，群众满意度达98.6%，较上年增长12.5个百分点。"
    return write_docx(Composition("测试报告", tuple(Block("p", "全" * n + text) for n in range(28)), "x"))


def test_a_figure_and_its_unit_are_one_unbreakable_run_and_the_text_stays_plain():
    import io

    from docx import Document as Docx

    doc = Docx(io.BytesIO(figures_docx()))
    p = doc.paragraphs[2]
    assert "罚没款5.12多万元" in p.text and "\u2060" not in p.text
    runs = [r for r in p.runs if "5" in r.text]
    assert [r.text for r in runs][:1] == ["5.12多万元"]
    assert len(runs[0]._r.findall("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}sym")) == 6


@pytest.mark.skipif(__import__("shutil").which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_never_splits_a_figure_and_the_page_image_is_wide():
    import re
    import struct
    import subprocess
    import tempfile

    from report.pdf import first_page_png, to_pdf

    pdf = to_pdf(figures_docx())
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        lines = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True).stdout
    lines = [x.rstrip() for x in lines.splitlines() if x.strip()]
    split = [
        (a, b)
        for a, b in zip(lines, lines[1:], strict=False)
        if re.search(r"[\d.]$", a) and re.match(r"\s*[\d.%件多万个百]", b)
    ]
    assert split == []
    png = first_page_png(pdf)
    assert png is not None and struct.unpack(">I", png[16:20])[0] >= 1000
