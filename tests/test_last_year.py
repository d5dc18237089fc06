"""Last year stays last year's; nothing answered is left out of the report without a word."""

from __future__ import annotations

from dialogs.actions import Action, Reply
from dialogs.messages import say as words
from tests.conftest import say
from tests.test_import import accept_all, replies
from tests.test_typing_path import docx_paragraphs, drive, items
from tests.wording import fields

LAST_YEAR = """梧川县人力资源和社会保障局
关于2023年法治政府建设情况的报告
2023年，县人社局坚持依法行政。现将有关情况报告如下：
一、主要做法与成效
（一）加强组织领导。党组专题研究法治工作2次。
（二）扎实开展普法宣传。全年开展普法宣传近30场，发放宣传资料1.2万余份。
二、存在的问题与不足
（一）普法形式单一。以发放资料为主。
三、下一步工作打算
（一）创新普法方式。用短视频讲解典型案例。
梧川县人力资源和社会保障局
2024年1月20日"""


def import_it(assistant, user: int) -> list:
    outs = assistant.import_file(user, "2023.txt", LAST_YEAR.encode())
    yes = next(b for r in replies(outs) for row in r.buttons for b in row if b.action.name == "import_yes")
    return assistant.handle(user, yes.action)


def test_confirming_an_imported_list_shows_each_item_and_its_figures(assistant):
    outs = import_it(assistant, 401)
    for _ in range(30):
        reply = replies(outs)[-1]
        if reply.question in ("duty", "measures") and "扎实开展普法宣传" in reply.text:
            break
        actions = [b.action for row in reply.buttons for b in row]
        name = next(n for n in ("skip", "done") if any(a.name == n for a in actions))
        outs = say(assistant, 401, f"/{name}")
    text = replies(outs)[-1].text
    assert "全年开展普法宣传近30场" in text  # the body being confirmed, not only its title
    assert words("carried_figures", figures="近30场、1.2万余份") in text
    # the list's own hint (change an item by its ✏ button): typing would add an item, so it does not say so
    assert words("carried_over_items") in text and words("carried_over") not in text


def test_a_figure_answered_this_year_against_a_carried_paragraph_is_pointed_out(assistant):
    outs = import_it(assistant, 402)
    accept_all(assistant, 402, outs)
    for m in ("/edit fig_pufa", "填写", "20余场", "8000余份"):
        say(assistant, 402, m)
    reply = [o for o in assistant.handle(402, Action("report")) if isinstance(o, Reply)][-1]
    stale = fields("stale_figure", reply.text)
    assert reply.notice == "gaps" and (stale["label"], stale["figure"]) == ("普法宣传活动", "20余场")
    assert stale["clause"] == "全年开展普法宣传近30场"
    fix = [b.action for row in reply.buttons for b in row if b.action.name == "edit"]
    assert fix and fix[0].arg in ("measures", "duty")


def test_a_copy_for_next_year_carries_no_figures(assistant):
    plan = {
        "profile": ["人社局"], "outline": ["三段式"], "unit_name": ["梧川县人力资源和社会保障局"],
        "year": ["2024"], "measures": items(("扎实开展普法宣传", "形式多样。")),
        "fig_pufa": ["填写"], "pufa_events": ["30余场"], "sign_date": ["2025年1月20日"],
    }  # fmt: skip
    drive(assistant, 403, plan)
    first = assistant.active(403)
    outs = assistant.handle(403, Action("new", f"copy:{first.id}"))
    d = assistant.active(403)
    assert d.id != first.id and "pufa_events" not in d.answers and d.last_year["pufa_events"] == "30余场"
    assert "measures" in d.unconfirmed and "measures" in d.carried
    assert replies(outs)


def test_an_answer_an_outline_switch_hides_is_named_and_given_a_home(assistant):
    plan = {
        "profile": ["人社局"], "outline": ["执法数据在前"], "unit_name": ["梧川县人力资源和社会保障局"],
        "year": ["2024"], "enforce": items(("行政处罚", "全年罚没款86.3万元。")),
        "measures": items(("规范执法", "落实三项制度。")), "sign_date": ["2025年1月20日"],
    }  # fmt: skip
    drive(assistant, 404, plan)
    for outline in ("三段式",):
        say(assistant, 404, "/edit outline")
        say(assistant, 404, outline)
    review = replies(say(assistant, 404, "/review"))[-1]
    assert "不会出现在报告里：行政执法情况" in review.text
    gaps = replies(assistant.handle(404, Action("report")))[-1]
    assert gaps.notice == "gaps" and "行政执法情况" in gaps.text  # /report never leaves it out silently
    outs = assistant.handle(404, Action("parts", "home:enforce"))
    assert replies(outs)[-1].kind == "review"
    paras = docx_paragraphs(assistant, 404)
    assert "行政执法情况" in paras[-6:][0] or any(p.endswith("行政执法情况") for p in paras)
    assert any("86.3万元" in p for p in paras)
