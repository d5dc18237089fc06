"""Importing last year's report: files and pasted text land in the right outline, 待核对, and render back as written."""

from __future__ import annotations

import re
import time

import pytest

from channels.console import one_line
from dialogs.actions import Reply
from dialogs.importer import enumerated, parse, place
from dialogs.messages import label
from dialogs.messages import say as words
from report import compose, to_text
from report.reader import MAX_FILE, DocxFileReader
from tests import import_fixtures as fx
from tests.conftest import say
from tests.docx_builder import build_docx
from tests.wording import fields, part

DATE = "2026年2月10日"


def replies(outs) -> list[Reply]:
    return [o for o in outs if isinstance(o, Reply)]


def tap(assistant, user: int, outs, key: str, **params) -> list:
    """Press the button labelled by message key `key` on the last reply that has it."""
    wanted = label(key, **params)
    for r in reversed(replies(outs)):
        for row in r.buttons:
            for b in row:
                # 导入 is labelled by what would be missing (表格 …): found by what it does
                if b.label == wanted or (key == "import_yes" and b.action.name == "import_yes"):
                    return assistant.handle(user, b.action)
    raise AssertionError(f"no button {wanted!r} in {[r.notice for r in replies(outs)]}")


def has_button(reply: Reply, key: str) -> bool:
    return any(b.label == label(key) for row in reply.buttons for b in row)


def upload(assistant, user: int, name: str, data: bytes):
    return assistant.import_file(user, name, data)


def accept_all(assistant, user: int, outs, date: str = DATE) -> tuple[list, int]:
    """Check every imported answer with ✓ 沿用, skip what was not in the file, give the date; count the inputs."""
    inputs = 0
    for _ in range(80):
        reply = replies(outs)[-1]
        if reply.kind == "complete":
            return outs, inputs
        inputs += 1
        if has_button(reply, "confirm"):
            outs = tap(assistant, user, outs, "confirm")
        elif reply.question == "sign_date":
            outs = say(assistant, user, date)
        elif has_button(reply, "skip"):
            outs = tap(assistant, user, outs, "skip")
        elif has_button(reply, "skip_whole"):
            outs = tap(assistant, user, outs, "skip_whole")
        else:
            raise AssertionError(f"stuck at {reply.question}: {reply.text[:80]}")
    raise AssertionError("never completed")


def report_lines(assistant, user: int) -> list[str]:
    """The report the draft makes, as plain lines (indentation dropped)."""
    d = assistant.active(user)
    engine = assistant.engine_for(d)
    text = to_text(compose(engine.rt, engine.visible_answers(d)))
    return [line.strip("\u3000 ") for line in text.splitlines() if line.strip()]


def expected_lines(text: str, year: int, date: str | None, sign: str | None = None) -> list[str]:
    """The imported text as next year's report: the year moves on in the title, opening and default headings only."""
    lines = [line for line in text.splitlines() if line.strip()]
    end = next(i for i, line in enumerate(lines[:3]) if "报告" in line)
    out = ["".join(lines[: end + 1]).replace(f"{year}年", f"{year + 1}年", 1)]
    for line in lines[end + 1 :]:
        if re.match(r"^[一二三四五六七八九十]、", line) or line.startswith(f"{year}年，"):
            line = line.replace(f"{year}年", f"{year + 1}年", 1)
        out.append(line)
    if re.match(r"^\d{4}年\d+月\d+日$", out[-1]):
        out[-1] = date
    elif sign:
        out += [sign, date]
    return out


def import_and_check(assistant, user: int, name: str, data: bytes):
    outs = upload(assistant, user, name, data)
    assert replies(outs)[-1].notice == "import_summary"
    assert assistant.active(user) is None  # nothing is stored before 导入
    outs = tap(assistant, user, outs, "import_yes")
    assert replies(outs)[0].notice == "imported"
    return outs


# ---------------------------------------------------------------- landing in the right place
@pytest.mark.parametrize(
    "name,make",
    [
        ("2024年法治政府建设情况报告.txt", lambda: fx.reference_text().encode("utf-8")),
        ("报告.txt", lambda: fx.reference_text().encode("gb18030")),  # as Chinese Windows saves text
        ("2024年法治政府建设情况报告.docx", lambda: fx.word_docx(fx.reference_text())),
    ],
)
def test_reference_report_lands_in_five_parts_and_renders_back(assistant, name, make):
    outs = import_and_check(assistant, 41, name, make())
    d = assistant.active(41)
    a = d.answers
    assert (a["profile"], a["outline"], a["unit_name"], a["unit_short"], a["year"]) == (
        "科技局", "五项式", "鲁山县科学技术局", "县科技局", 2025,
    )  # fmt: skip
    assert [i["title"] for i in a["duty"]][0] == "坚持学习习近平法治思想，持续深化法治理念"
    assert [i["title"] for i in a["measures"]] == ["强化依法履职", "严格依法行政", "落实普法制度", "加强廉政教育"]
    assert len(a["shortcomings"]) == 3 and len(a["plans"]) == 4
    assert a["causes"].startswith("从根源上剖析") and a["rectification"].startswith("问题整改情况")
    assert "2024年共培育" in a["measures"][0]["body"]  # the body is as written: the user checks its years
    assert set(d.unconfirmed) == {k for k in a if not k.startswith("form_")} - {"profile", "outline", "layout"}
    engine = assistant.engine_for(d)
    assert engine.unconfirmed(d) and not engine.is_complete(d)
    outs, _ = accept_all(assistant, 41, outs)
    assert report_lines(assistant, 41) == expected_lines(fx.reference_text(), 2024, DATE, sign="鲁山县科学技术局")


@pytest.mark.parametrize(
    "text,outline,profile,groups",
    [
        (fx.THREE, "三段式", "教育局", {"duty": 1, "measures": 2, "shortcomings": 2, "plans": 2}),
        (fx.ENFORCE, "执法数据在前", "人社局", {"enforce": 2, "duty": 1, "measures": 1, "shortcomings": 1, "plans": 1}),
    ],
)
def test_each_outline_is_recognised_and_renders_back(assistant, text, outline, profile, groups):
    outs = import_and_check(assistant, 42, "report.docx", fx.word_docx(text))
    a = assistant.active(42).answers
    assert (a["outline"], a["profile"], a["year"], a.get("recipient")) == (
        outline, profile, 2026, "县委、县政府" if "县委" in text else None,
    )  # fmt: skip
    assert {k: len(a[k]) for k in groups} == groups
    outs, _ = accept_all(assistant, 42, outs)
    assert report_lines(assistant, 42) == expected_lines(text, 2025, DATE)


def test_auto_numbered_headings_are_read_as_their_numbers(assistant):
    # Word's own list numbering: numPr on each heading paragraph and a 一、/（一） list in numbering.xml
    outs = upload(assistant, 43, "r.docx", build_docx(fx.ENFORCE, "para_numbering"))
    assert replies(outs)[-1].notice == "import_summary"
    tap(assistant, 43, outs, "import_yes")
    a = assistant.active(43).answers
    assert a["outline"] == "执法数据在前" and [i["title"] for i in a["enforce"]] == [
        "劳动保障监察执法情况",
        "行政复议和行政应诉情况",
    ]


def test_docx_reader_skips_the_footer_and_counts_the_table():
    src = DocxFileReader().read("r.docx", fx.word_docx(fx.THREE, table_after=6))
    assert src.tables == 1
    assert not any("—" in p for p in src.paragraphs)  # the page-number footer is not body text
    assert not any("表格里的文字" in p for p in src.paragraphs)
    assert "（一）加强组织领导，落实第一责任人职责" in src.paragraphs  # runs joined back into one line


def test_summary_counts_parts_items_and_lists_what_was_left_out(assistant):
    text = fx.THREE.replace("二、存在的问题与不足", "二、队伍建设\n今年新进人员3人。\n三、存在的问题与不足", 1)
    text = text.replace("三、下一步工作打算", "四、下一步工作打算")
    outs = upload(assistant, 44, "r.docx", fx.word_docx(text, table_after=8))
    summary = replies(outs)[-1]
    assert summary.notice == "import_summary"
    assert words("import_found", parts=4, counts="") in summary.text and words("import_part_items", n=3) in summary.text
    assert "2. 队伍建设" in summary.text  # a part no outline has is kept as a part of its own
    assert (
        words("import_tables", n=1) in summary.text and fields("import_chars", summary.text)["percent"] == "100%"
    )  # what will be missing is named
    yes = [b.label for row in summary.buttons for b in row if b.action.name == "import_yes"]
    assert yes == [label("import_yes_missing", n=1)]  # not offered as if nothing were lost
    assert words("import_year", last=2025, year=2026) in summary.text


def test_year_words_in_imported_text_are_pointed_out(assistant):
    outs = import_and_check(assistant, 45, "r.txt", fx.reference_text().encode())
    for _ in range(12):  # on to 主要举措, whose first body speaks of 2024 and 2023年以来
        outs = tap(assistant, 45, outs, "confirm" if has_button(replies(outs)[-1], "confirm") else "skip")
        if replies(outs)[-1].question == "measures":
            break
    text = replies(outs)[-1].text
    assert words("carried_over_items") in text and "2023年以来" in text and "2024年" in text


def test_cancel_stores_nothing_and_a_second_tap_imports_once(assistant):
    data = fx.reference_text().encode()
    outs = upload(assistant, 46, "r.txt", data)
    after = tap(assistant, 46, outs, "cancel")
    assert replies(after)[0].notice == "import_cancelled" and assistant.active(46) is None
    outs = upload(assistant, 46, "r.txt", data)
    button = next(b for r in replies(outs) for row in r.buttons for b in row if b.action.name == "import_yes")
    assert not assistant.is_stale(46, button.action)
    first = tap(assistant, 46, outs, "import_yes")
    second = tap(assistant, 46, outs, "import_yes")  # the same button again
    assert replies(first)[0].notice == "imported"
    assert [r.notice for r in replies(second)] == ["stale_button"]  # a double tap: Telegram only toasts it
    assert assistant.is_stale(46, button.action)  # known as the tap is answered, before the turn
    assert len(assistant.store.load(46).record.drafts) == 1


def test_an_untouched_blank_draft_makes_way_for_the_import_but_a_started_one_stays(assistant):
    say(assistant, 57, "/start")  # a blank draft, nothing answered
    tap(assistant, 57, upload(assistant, 57, "r.txt", fx.ENFORCE.encode()), "import_yes")
    assert len(assistant.store.load(57).record.drafts) == 1
    say(assistant, 58, "/start")
    say(assistant, 58, "科技局")  # one answer: this draft is the user's work
    tap(assistant, 58, upload(assistant, 58, "r.txt", fx.ENFORCE.encode()), "import_yes")
    assert len(assistant.store.load(58).record.drafts) == 2


def test_a_summary_from_before_a_restart_says_send_again(assistant):
    outs = upload(assistant, 56, "r.txt", fx.ENFORCE.encode())
    assistant.imports = type(assistant.imports)(assistant.imports.rt, assistant.imports.reader)  # memory lost
    after = tap(assistant, 56, outs, "import_yes")
    assert replies(after)[0].notice == "import_expired" and assistant.active(56) is None


def test_pasted_text_after_import_command(assistant):
    outs = say(assistant, 47, "/import")
    assert replies(outs)[0].notice == "import_how"
    outs = say(assistant, 47, fx.ENFORCE)
    assert replies(outs)[-1].notice == "import_summary"
    tap(assistant, 47, outs, "import_yes")
    assert assistant.active(47).answers["outline"] == "执法数据在前"


def test_a_short_answer_after_import_is_still_an_answer(assistant):
    say(assistant, 48, "/start")
    say(assistant, 48, "/import")
    outs = say(assistant, 48, "科技局")  # not a report: the current question takes it
    assert replies(outs)[-1].notice != "import_summary"
    assert assistant.active(48).answers.get("profile") == "科技局"


def test_no_headings_offers_plain_paragraphs(assistant):
    text = "××县统计局\n关于2025年法治政府建设情况的报告\n一是强化学习。组织学法5次。二是规范执法。案卷合格率100%。\n开展普法宣传，发放资料800份。"
    outs = upload(assistant, 49, "r.txt", text.encode())
    offer = replies(outs)[-1]
    assert offer.notice == "import_no_headings" and assistant.active(49) is None
    tap(assistant, 49, outs, "import_plain")
    a = assistant.active(49).answers
    items = a[next(k for k, v in a.items() if isinstance(v, list) and k != "layout")]
    assert [i["title"] for i in items] == ["强化学习", "规范执法", "开展普法宣传，发放资料800份"]
    assert items[1]["body"] == "案卷合格率100%。"


def test_run_in_enumeration_becomes_items():
    assert enumerated("一是学习不深。二是执法不严，案卷有瑕疵。") == ["学习不深。", "执法不严，案卷有瑕疵。"]
    assert enumerated("统一是前提，不是一是二是。") == ["统一是前提，不是一是二是。"]
    imp = parse(["一、存在的问题", "一是学习不深。表现为学用脱节。二是执法不严。"])
    assert imp.parts[0].intro == ["一是学习不深。表现为学用脱节。二是执法不严。"]


def test_a_paragraph_under_a_heading_is_kept_as_written(types):
    rt = types["fazhi_zhengfu"]
    imp = parse(
        [
            "一、主要举措与成效",
            "（一）强化学习。学法5次。",
            "二、存在的不足",
            "一是学习不深。表现为学用脱节。二是执法不严。",
        ]
    )
    a = place(imp, rt).answers
    assert a["intro_problems"] == "一是学习不深。表现为学用脱节。二是执法不严。"  # its lead paragraph, not cut up
    assert a["measures"] == [{"title": "强化学习", "sep": "。", "body": "学法5次。"}]


# ---------------------------------------------------------------- bad files: a clear message, nothing stored
@pytest.mark.parametrize(
    "name,data,key",
    [
        ("old.doc", fx.ole(encrypted=False), "import_doc"),
        ("locked.docx", fx.ole(encrypted=True), "import_encrypted"),
        ("photo.docx", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "import_not_docx"),
        ("cut.docx", b"PK\x03\x04broken", "import_not_docx"),
        ("bomb.docx", fx.zip_bomb(), "import_bomb"),
        ("huge.docx", b"PK" + b"\0" * (10 * 1024 * 1024 + 1), "import_too_big"),
        ("blank.txt", b"   \n\n", "import_empty"),
        ("binary.txt", bytes(range(256)) * 4, "import_not_text"),
    ],
)
def test_bad_files_are_refused_with_a_reason_and_nothing_is_stored(assistant, name, data, key):
    say(assistant, 50, "/start")
    before = assistant.store.load(50).record
    outs = upload(assistant, 50, name, data)
    assert replies(outs)[0].notice == key and replies(outs)[0].kind == "error"
    assert replies(outs)[-1].question == "profile"  # and the current question is shown again
    assert assistant.store.load(50).record == before


def test_a_zip_that_is_not_a_word_file(assistant):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    outs = upload(assistant, 51, "book.docx", buf.getvalue())
    assert replies(outs)[0].notice == "import_not_docx" and assistant.active(51) is None


def test_import_at_the_draft_limit_says_so(store, types):
    from dialogs.assistant import Assistant
    from report import DocxReporter

    a = Assistant(store, types, DocxReporter(), max_drafts=1, reader=DocxFileReader())
    say(a, 52, "/start")
    say(a, 52, "科技局")  # a started draft (a blank one would make way for the import)
    outs = a.import_file(52, "r.txt", fx.ENFORCE.encode())
    outs = tap(a, 52, outs, "import_yes")
    assert replies(outs)[0].notice == "draft_limit" and len(a.store.load(52).record.drafts) == 1


# ---------------------------------------------------------------- channels
def test_console_import_path(assistant, tmp_path):
    path = tmp_path / "去年的报告.docx"
    path.write_bytes(fx.word_docx(fx.THREE))
    outs = one_line(assistant, 53, f"/import {path}")
    assert replies(outs)[-1].notice == "import_summary"
    missing = one_line(assistant, 53, f"/import {tmp_path / 'nope.docx'}")
    assert replies(missing)[0].kind == "error"


def test_prompts_needed_from_an_import_vs_a_blank_draft(assistant):
    """The figure for the closing note: inputs to a finished draft from last year's file vs typing it."""
    from tests import reference

    outs = upload(assistant, 54, "r.docx", fx.word_docx(fx.reference_text()))
    outs = tap(assistant, 54, outs, "import_yes")
    _, confirmations = accept_all(assistant, 54, outs)
    imported = 2 + confirmations  # the file, 导入, then one input per screen
    blank = len(reference.script())
    print(f"\ninputs to a finished draft: imported {imported}, blank {blank}")
    assert imported < blank / 2


# ---------------------------------------------------------------- over the Bot API stand-in
def test_telegram_upload_is_fetched_with_get_file_and_imported(tmp_path):
    from tests.botrunner import TOKEN, BotRunner
    from tests.fake_bot_api import FakeBotAPI
    from tests.test_telegram import data_for, press, wait_text

    with FakeBotAPI(TOKEN) as api, BotRunner(api, tmp_path / "data") as bot:
        api.upload(61, "2024年报告.docx", fx.word_docx(fx.reference_text()))
        summary = wait_text(api, 61, words("import_found", parts=4, counts=""))
        assert "getFile" in api.calls and "download" in api.calls
        assert bot.assistant.active(f"tg:{61}") is None
        yes = label("import_yes_missing", n=1)  # the Word file's table is not imported, and the button says so
        assert (yes, data_for(summary, "import_yes")) in summary.buttons()
        press(api, 61, "import_yes", part("imported"), source=summary)
        assert bot.assistant.active(f"tg:{61}").answers["unit_name"] == "鲁山县科学技术局"
        n = len(api.to(61, "sendMessage"))
        api.press(61, data_for(summary, "import_yes"), summary.message_id)  # a double tap
        api.wait_sent(lambda sent: api.calls.count("answerCallbackQuery") >= 2)
        time.sleep(0.3)
        assert len(api.to(61, "sendMessage")) == n and len(bot.assistant.store.load(f"tg:{61}").record.drafts) == 1


def test_telegram_too_big_is_refused_before_download(tmp_path):
    from tests.botrunner import TOKEN, BotRunner
    from tests.fake_bot_api import FakeBotAPI
    from tests.test_telegram import wait_text

    with FakeBotAPI(TOKEN) as api, BotRunner(api, tmp_path / "data") as bot:
        api.upload(62, "big.docx", b"PK", size=25 * 1024 * 1024)
        wait_text(api, 62, words("import_too_big", mb=MAX_FILE // (1024 * 1024)))
        assert "getFile" not in api.calls and bot.assistant.store.load(f"tg:{62}").record.drafts == {}
        api.upload(63, "old.doc", fx.ole(encrypted=False))
        wait_text(api, 63, words("import_doc"))


def test_last_years_figures_are_offered_not_filled_in(assistant):
    outs = upload(assistant, 55, "r.txt", fx.reference_text().encode())
    assert "高新技术企业40家" in replies(outs)[-1].text  # named in the summary
    tap(assistant, 55, outs, "import_yes")
    d = assistant.active(55)
    assert d.last_year["hitech"] == "40家" and d.last_year["reserve_total"] == "16家"
    assert not any(k in d.answers for k in ("hitech", "fig_tech", "reserve_total"))  # nothing filled in
    gate = replies(say(assistant, 55, "/edit fig_tech"))[-1]
    assert gate.question == "fig_tech" and words("last_year_figure", value="高新技术企业40家") in gate.text
    asked = replies(assistant.handle(55, gate.buttons[0][0].action))[-1]  # 填写
    assert asked.question == "hitech" and words("last_year_figure", value="40家") in asked.text
