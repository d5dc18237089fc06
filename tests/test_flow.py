"""A whole conversation through the assistant, drafts per user, isolation."""

from __future__ import annotations

from dialogs.actions import Action
from dialogs.assistant import Assistant
from dialogs.messages import label
from dialogs.messages import say as words
from storage import TinyDBRecordStore
from tests import reference
from tests.conftest import START, last_text, run_script, say


def test_full_pass_collects_every_fact_of_the_reference_report(assistant):
    outs = run_script(assistant, 11, reference.script())
    assert outs[-1].kind == "complete"
    d = assistant.active(11)
    engine = assistant.engine_for(d)
    assert engine.is_complete(d)
    a = engine.visible_answers(d)
    assert a["unit_name"] == "鲁山县科学技术局" and a["unit_short"] == "县科技局" and a["year"] == 2024
    shown = {
        k: a[k]["text"] + a[k]["unit"] for k in ("hitech", "tech_sme", "gazelle", "reserve_total", "reserve_review")
    }
    assert shown == {
        "hitech": "40家",
        "tech_sme": "90家",
        "gazelle": "3家",
        "reserve_total": "16家",
        "reserve_review": "8家",
    }
    assert a["reserve_total_named"] == ["西鲁技术有限公司", "华兰生物（鲁山）单采血浆有限公司"]
    assert [m["title"] for m in a["measures"]] == [t for t, _ in reference.MEASURES]
    assert [s["title"] for s in a["shortcomings"]] == [t for t, _ in reference.SHORTCOMINGS]
    assert [p["title"] for p in a["plans"]] == [t for t, _ in reference.PLANS]
    assert [x["title"] for x in a["duty"]] == [t for t, _ in reference.DUTY]
    assert "每半年专题研究1次" in a["duty"][1]["body"]
    assert a["sign_date"] == "2025-01-20"
    assert "other" not in a and "enforcers" not in a


def test_every_answer_is_saved_before_the_reply(store, types):
    a = Assistant(store, types)
    run_script(a, 12, reference.script()[:6])
    # a brand-new assistant over the same folder (a restart) sees the same draft
    store.close()
    b = Assistant(TinyDBRecordStore(store.root.parent), types)
    d = b.active(12)
    assert d.answers["unit_name"] == "鲁山县科学技术局" and d.answers["year"] == 2024
    assert "opening" not in d.answers and "recipient" in d.skipped
    out = b.handle(12, Action("start"))
    assert out[0].notice == "welcome_back_to" and out[0].question == "opening"
    b.close()


def test_several_drafts_per_user_and_copy_from_last_year(assistant):
    run_script(assistant, 13, reference.script())
    first = assistant.active(13)
    outs = say(assistant, 13, "/new")
    labels = [b.label for row in outs[-1].buttons for b in row]
    assert any(b.action.name == "new" and b.action.arg == "blank" for row in outs[-1].buttons for b in row)
    assert any("鲁山县科学技术局 2024年度" in x for x in labels)
    outs = assistant.handle(13, Action("new", f"copy:{first.id}"))
    second = assistant.active(13)
    assert second.id != first.id
    assert second.answers["unit_name"] == "鲁山县科学技术局" and "year" not in second.answers
    assert outs[-1].notice == "created_copy" and outs[-1].question == "unit_name"  # 待核对, in order
    assert label("confirm") in [b.label for row in outs[-1].buttons for b in row if b.action.name == "skip"]
    say(assistant, 13, "/skip")  # ✓ 沿用 the unit's name
    assert say(assistant, 13, "/skip")[-1].question == "year"  # ✓ 沿用 the short name; the year is new
    say(assistant, 13, "2025")
    drafts = assistant.store.list(13)
    assert {d.year for d in drafts} == {2024, 2025}
    outs = say(assistant, 13, "/drafts")
    assert "2024年度" in last_text(outs) and "2025年度" in last_text(outs)
    current = [line for line in last_text(outs).split("\n") if words("current_mark") in line]
    assert len(current) == 1 and "2025年度" in current[0]  # the draft just created is the active one
    outs = assistant.handle(13, Action("open", first.id))
    assert assistant.active(13).id == first.id


def test_delete_asks_for_confirmation(assistant):
    say(assistant, 14, "/start")
    d = assistant.active(14)
    outs = assistant.handle(14, Action("delete", d.id))
    assert outs[-1].notice == "confirm_delete" and assistant.store.get(14, d.id) is not None
    assistant.handle(14, Action("delete_yes", d.id))
    assert assistant.store.get(14, d.id) is None and assistant.active(14) is None


def test_users_cannot_reach_each_others_drafts(assistant):
    run_script(assistant, 21, [*START, "甲县科学技术局"])
    mine = assistant.active(21)
    say(assistant, 22, "/start")
    # user 22 names user 21's draft id in every way a button could
    for action in (Action("open", mine.id), Action("delete_yes", mine.id), Action("new", f"copy:{mine.id}")):
        outs = assistant.handle(22, action)
        assert all("甲县" not in getattr(o, "text", "") for o in outs)
    assert assistant.store.get(22, mine.id) is None
    assert assistant.store.get(21, mine.id).answers["unit_name"] == "甲县科学技术局"
    outs = assistant.handle(22, Action("text", "乙县", draft=mine.id))
    assert outs[0].notice == "other_draft"
    assert assistant.store.get(21, mine.id).answers["unit_name"] == "甲县科学技术局"


def test_unknown_command_and_help(assistant):
    say(assistant, 41, "/start")
    outs = say(assistant, 41, "/frobnicate")
    assert outs[0].notice == "unknown_command" and "/frobnicate" in outs[0].text
    assert outs[-1].question == "profile"
    assert "/review" in say(assistant, 41, "/help")[0].text


def test_draft_limit(store, types):
    a = Assistant(store, types, max_drafts=2)
    say(a, 51, "/start")
    a.handle(51, Action("new", "blank"))
    outs = a.handle(51, Action("new", "blank"))
    assert outs[0].notice == "draft_limit" and len(store.list(51)) == 2


def test_a_draft_saved_by_version_1_keeps_every_answer(store, types):
    from dialogs.draft import Draft
    from dialogs.record import Change, UserRecord

    old = Draft(id="v1", user_id=61, report_type="fazhi_zhengfu", schema_version=1)
    old.answers = {
        "unit_name": "鲁山县科学技术局",
        "year": 2024,
        "duty_study": {"body": "坚持专题学习。"},
        "duty_lead": {"title": "扛牢第一责任人职责", "body": "党组每半年研究1次。"},
        "has_tech": "填写",
        "hitech": 40,
        "reserve_named": ["西鲁技术有限公司"],
        "has_law": "填写",
        "review_cases": 2,
        "inspections": 36,
    }
    old.skipped = ["recipient", "gazelle"]
    change = Change((old,), (), "v1")
    store.save(61, change.apply(UserRecord()), change)
    a = Assistant(store, types)
    a.handle(61, Action("start"))
    d = a.active(61)
    assert d.schema_version == 2 and d.answers["profile"] == "科技局" and d.answers["outline"] == "五项式"
    assert d.answers["duty"] == [
        {"title": "深入学习习近平法治思想", "body": "坚持专题学习。"},
        {"title": "扛牢第一责任人职责", "body": "党组每半年研究1次。"},
    ]
    assert d.answers["reserve_total_named"] == ["西鲁技术有限公司"] and d.skipped == ["recipient"]
    from report.compose import compose, to_text

    engine = a.engine_for(d)
    report = to_text(compose(engine.rt, engine.visible_answers(d)))
    for fact in ("高新技术企业40家", "行政复议案件2件", "开展行政执法检查36次", "党组每半年研究1次"):
        assert fact in report
