"""The engine on its own: derived next question, back, skip, edit, review, checks, groups."""

from __future__ import annotations

from dialogs.actions import Action
from dialogs.draft import Draft
from dialogs.engine import Engine, token
from dialogs.messages import say as words
from dialogs.screens import Screens
from tests.wording import ask, fields, heading, item_label, part, refusal, title_of


def shown(engine: Engine, step) -> str:
    return Screens(engine).render(step).text


def send(engine: Engine, d: Draft, text: str) -> tuple[Draft, str]:
    step = engine.handle(d, Action("text", text))
    return step.draft, shown(engine, step)


def act(engine: Engine, d: Draft, name: str, arg: str = "") -> tuple[Draft, str]:
    step = engine.handle(d, Action(name, arg))
    return step.draft, shown(engine, step)


def answered_basics(engine: Engine, d: Draft) -> Draft:
    for t in ("鲁山县科学技术局", "县科技局", "2024"):
        d, _ = send(engine, d, t)
    return d


def test_first_prompt_shows_section_and_progress(engine, draft):
    r = Screens(engine).show(draft)
    assert r.question == "unit_name"
    progress = fields("progress", r.text)
    assert r.text.startswith(words("progress", **progress))
    assert (progress["section"], progress["n"]) == ("基本信息", "3")  # after 部门类型 and 报告结构
    assert ask("unit_name") in r.text


def test_handle_never_mutates_the_given_draft(engine, draft):
    before = draft.to_dict()
    step = engine.handle(draft, Action("text", "鲁山县科学技术局"))
    assert draft.to_dict() == before
    assert step.changed and step.draft.answers["unit_name"] == "鲁山县科学技术局"


def test_bad_integer_reasks_and_keeps_draft(engine, draft):
    d = answered_basics(engine, draft)
    d, _ = act(engine, d, "edit", "year")
    step = engine.handle(d, Action("text", "很多"))
    assert not step.changed and step.notice.error and step.notice.key == "not_a_number"
    reply = Screens(engine).render(step)
    assert reply.kind == "error" and reply.question == "year" and reply.notice == "not_a_number"
    assert step.draft.answers["year"] == 2024


def test_skip_required_is_refused_optional_is_recorded(engine, draft):
    step = engine.handle(draft, Action("skip"))
    assert not step.changed and step.notice.key == "required"
    d, _ = send(engine, draft, "鲁山县科学技术局")
    d, text = act(engine, d, "skip")  # unit_short is optional
    assert "unit_short" in d.skipped and d.cursor == "year"
    assert ask("year") in text


def test_back_shows_previous_answer_and_reanswer_jumps_to_frontier(engine, draft):
    d = answered_basics(engine, draft)
    assert d.cursor == "recipient"
    d, text = act(engine, d, "back")
    assert d.cursor == "year" and words("current_answer", answer="2024年") in text
    d, text = act(engine, d, "back")
    assert d.cursor == "unit_short" and words("current_answer", answer="县科技局") in text
    d, _ = send(engine, d, "科技局")
    assert d.answers["unit_short"] == "科技局"
    assert d.cursor == "recipient"  # the first unanswered question after it


def test_keep_answer_walks_forward_one_question(engine, draft):
    d = answered_basics(engine, draft)
    d, _ = act(engine, d, "edit", "unit_name")
    d, text = act(engine, d, "skip")
    assert d.answers["unit_name"] == "鲁山县科学技术局"
    assert d.cursor == "unit_short" and words("current_answer", answer="县科技局") in text


def test_back_on_first_question(engine, rt):
    draft = Draft(id="d0", user_id=7, report_type=rt.id, schema_version=rt.version)
    step = engine.handle(draft, Action("back"))
    assert step.notice.key == "first_question" and not step.changed


def test_edit_from_review_returns_to_review(engine, draft):
    d = answered_basics(engine, draft)
    d, text = act(engine, d, "review")
    assert text.startswith(part("review_title")) and "【基本信息】✓5" in text and "【主要举措与成效】✓0" in text
    assert len(text) < 400  # sections only: short enough for a phone screen
    d, text = act(engine, d, "review", "measures")
    assert title_of("measures") in text and title_of("unit_name") not in text
    d, text = act(engine, d, "review", "basic")
    assert f"✓ {title_of('unit_name')}：鲁山县科学技术局" in text
    d, text = act(engine, d, "edit", "5")  # by review number
    assert d.cursor == "year"
    d, text = send(engine, d, "2023")
    assert d.answers["year"] == 2023
    assert (
        text.startswith("📋 【基本信息】") and f"{title_of('year')}：2023年" in text
    )  # back to the section it came from


def test_review_shows_completion_percentage(engine, draft):
    d = answered_basics(engine, draft)
    done, total = engine.completion(d)
    assert done == 4 and total == 5  # 部门类型, 报告结构, 单位全称, 报告年度 of those and 成文日期 (parts are optional)
    assert words("review_title", pct=done * 100 // total, done=done, total=total) in Screens(engine).review(d).text


def test_group_items_fields_and_done(engine, draft):
    d = draft.copy()
    d.cursor = "measures"
    step = engine.handle(d, Action("done"))  # a part's content is never forced: done with none moves on
    assert step.notice.key == "collection_done" and "measures" not in step.draft.answers
    d, text = send(engine, d, "强化依法履职")
    assert d.partial["measures"] == {"title": "强化依法履职"} and ask("measures", "body") in text
    step = engine.handle(d, Action("done"))
    assert step.notice.key == "item_incomplete" and step.notice.params["field"] == title_of("measures.body")
    d, text = send(engine, d, "深入贯彻落实科技法律法规。")
    assert d.answers["measures"] == [{"title": "强化依法履职", "body": "深入贯彻落实科技法律法规。"}]
    added = words("item_added", n=1, item=item_label("measures"), title="强化依法履职")
    assert "measures" in d.open and added in text and heading("measures", 2, "title") in text
    d, text = send(engine, d, "严格依法行政")
    d, text = act(engine, d, "back")  # undo the half-filled second item
    assert "measures" not in d.partial and len(d.answers["measures"]) == 1
    d, text = act(engine, d, "done")
    assert "measures" not in d.open and engine.is_answered(d, engine.rt.question("measures"))
    assert d.cursor == "fig_lawsuit"  # the first figure group's question


def test_optional_group_field_skip(engine, draft):
    d = draft.copy()
    d.cursor = "shortcomings"
    d, _ = send(engine, d, "学习不够深入")
    d, text = act(engine, d, "skip")  # the optional 具体表现
    assert (
        d.answers["shortcomings"] == [{"title": "学习不够深入"}]
        and words("item_added", n=1, item=item_label("shortcomings"), title="学习不够深入") in text
    )
    assert d.cursor == "shortcomings" and "shortcomings" in d.open


def test_list_items_one_per_line_then_more_messages(engine, draft):
    d = draft.copy()
    d.answers["fig_reserve"] = "填写"
    d.cursor = "reserve_total_named"
    d, text = send(engine, d, "西鲁技术有限公司\n华兰生物（鲁山）单采血浆有限公司")
    assert d.answers["reserve_total_named"] == ["西鲁技术有限公司", "华兰生物（鲁山）单采血浆有限公司"]
    assert words("items_recorded", n=2, item=item_label("reserve_total_named")) in text
    d, _ = send(engine, d, "第三公司")
    assert len(d.answers["reserve_total_named"]) == 3
    d, text = act(engine, d, "delitem", "3")
    assert d.answers["reserve_total_named"][-1] == "华兰生物（鲁山）单采血浆有限公司"
    d, _ = act(engine, d, "done")
    assert "reserve_total_named" not in d.open


def test_show_if_hides_tech_figures(engine, draft):
    d = draft.copy()
    ids = [q.id for q in engine.reachable(d)]
    assert "hitech" not in ids
    d.answers["fig_tech"] = "填写"
    assert "hitech" in [q.id for q in engine.reachable(d)]
    d.answers["hitech"] = {"text": "40", "unit": "家", "value": "40", "approx": False}
    d.answers["fig_tech"] = "不填"
    assert "hitech" not in engine.visible_answers(d)


def _answers(engine, d, **figures):
    for qid, text in figures.items():
        d = d.copy()
        d.cursor = qid
        d = engine.handle(d, Action("text", text)).draft
    return d


def test_sum_check_is_explained_but_the_figure_is_saved(engine, draft):
    d = draft.copy()
    d.answers["fig_reserve"] = "填写"
    d = _answers(engine, d, reserve_total="16", reserve_first="8")
    d.cursor = "reserve_review"
    step = engine.handle(d, Action("text", "9"))
    assert step.changed and step.notice.key == "check_warn" and not step.notice.error
    assert step.draft.answers["reserve_review"]["text"] == "9"
    text = shown(engine, step)
    assert "首次申报企业 8家 + 复审企业 9家 = 17家" in text and "高新技术后备企业 16家" in text
    assert engine.check_failures(step.draft)[0].questions == ("reserve_total", "reserve_first", "reserve_review")


def test_a_failed_sum_can_be_fixed_by_changing_any_one_figure(engine, draft):
    d = draft.copy()
    d.answers["fig_reserve"] = "填写"
    d = _answers(engine, d, reserve_total="16", reserve_first="8", reserve_review="8")
    assert engine.check_failures(d) == []
    for qid, new, fix in (
        ("reserve_total", "20", ("reserve_first", "12")),
        ("reserve_first", "10", ("reserve_total", "18")),
        ("reserve_review", "9", ("reserve_review", "8")),
    ):
        broken = _answers(engine, d, **{qid: new})
        assert broken.answers[qid]["text"] == new and engine.check_failures(broken)
        fixed = _answers(engine, broken, **{fix[0]: fix[1]})
        assert engine.check_failures(fixed) == [], (qid, fix)


def test_approximate_figures_are_not_added_up(engine, draft):
    d = draft.copy()
    d.answers["fig_reserve"] = "填写"
    d = _answers(engine, d, reserve_total="16", reserve_first="10余", reserve_review="8")
    assert engine.check_failures(d) == []


def test_sum_check_on_partial_parts(engine, draft):
    d = draft.copy()
    d.answers["fig_reserve"] = "填写"
    d = _answers(engine, d, reserve_total="5")
    d.cursor = "reserve_first"
    step = engine.handle(d, Action("text", "6"))
    failure = step.notice.params["failure"]
    assert not failure.complete and failure.parts_sum == "6家" and failure.total == "5家"
    expr = " + ".join(f"{name} {value}" for name, value in failure.parts)
    exceeds = words("sum_exceeds", expr=expr, sum="6家", total_label=failure.total_label, total="5家")
    assert exceeds in shown(engine, step) and step.draft.answers["reserve_first"]["text"] == "6"


def test_stale_button_is_refused(engine, draft):
    d = answered_basics(engine, draft)
    step = engine.handle(d, Action("skip", expect="unit_short"))
    assert not step.changed and step.notice.key == "stale_button"


def test_is_stale_says_in_advance_what_handle_will_refuse(engine, draft):
    d = answered_basics(engine, draft)
    q = engine.current(d)
    fresh = Action("back", expect=token(d, q))
    assert not engine.is_stale(d, fresh) and not engine.is_stale(d, Action("back"))  # no expectation: never stale
    after = engine.handle(d, fresh).draft
    assert engine.is_stale(after, fresh)  # the same button again: a second tap
    assert not engine.handle(after, fresh).changed
    assert engine.is_stale(d, Action("skip", expect="unit_short"))


def test_example_and_use_example(engine, draft):
    step = engine.handle(draft, Action("example"))
    assert step.view == "example" and "鲁山县科学技术局" in shown(engine, step)
    step = engine.handle(draft, Action("use_example"))
    assert step.draft.answers["unit_name"] == "鲁山县科学技术局"


def test_overlong_text_refused_with_length(engine, draft):
    step = engine.handle(draft, Action("text", "局" * 41))
    assert step.notice.key == "too_long" and not step.changed
    assert refusal("局" * 41, "unit_name") in shown(engine, step)  # the user is told how long their text is


def test_clear_button_on_a_list_with_items(engine, draft):
    d = draft.copy()
    d.answers["fig_reserve"] = "填写"
    d.cursor = "reserve_total_named"
    d, _ = send(engine, d, "甲公司\n乙公司")
    names = [b.action.name for row in Screens(engine).show(d).buttons for b in row]
    assert "done" in names and "clear" in names
    step = engine.handle(d, Action("clear"))  # asks first
    assert not step.changed and step.notice.key == "confirm_clear" and step.view == "confirm_clear"
    step = engine.handle(d, Action("clear", "yes"))
    assert "reserve_total_named" not in step.draft.answers and step.notice.key == "cleared"
    undo = [b.action for row in Screens(engine).show(step.draft).buttons for b in row if b.action.name == "undo"]
    assert len(undo) == 1
    back = engine.handle(step.draft, undo[0])
    assert back.draft.answers["reserve_total_named"] == ["甲公司", "乙公司"] and back.notice.key == "undone"
    again = engine.handle(back.draft, Action("undo"))
    assert not again.changed and again.notice.key == "nothing_to_undo"  # once only
