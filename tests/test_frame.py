"""The frame of a report as its author has it: openings, closings, short names, parts and their arrangement."""

from __future__ import annotations

import pytest

from dialogs import layout
from dialogs.actions import Action
from dialogs.draft import Draft
from dialogs.engine import Engine
from dialogs.importer import is_short_of, parse, place, short_name
from dialogs.screens import Screens
from dialogs.wording import DEFAULT_CLOSING, has_own_lead_in, own_closing
from report.compose import compose, opening, to_text

UNIT = "梧川县人力资源和社会保障局"


# ---------------------------------------------------------------- opening and closing
@pytest.mark.parametrize(
    "text",
    [
        "2024年，县人社局坚持依法行政。",
        "2024年以来，全局上下依法履职。",
        "为进一步贯彻落实法治政府建设实施纲要，全局依法履职。",
        "坚持以人民为中心，梧川县人力资源和社会保障局依法履职。",  # names the unit mid-sentence
        "一年来，我局依法履职。",
    ],
)
def test_an_opening_with_its_own_lead_in_is_printed_as_written(text):
    assert has_own_lead_in(text, (UNIT, "县人社局"))
    assert opening(text, "2024", "县人社局", UNIT) == text + DEFAULT_CLOSING


def test_an_opening_without_a_lead_in_gets_year_and_short_name():
    assert opening("坚持依法行政", "2024", "县人社局", UNIT) == f"2024年，县人社局坚持依法行政。{DEFAULT_CLOSING}"


@pytest.mark.parametrize(
    "closing",
    ["现将有关情况报告如下：", "现将工作情况汇报如下：", "下面就有关情况汇报如下：", "现就2024年工作报告如下。"],
)
def test_never_two_closings(closing):
    text = f"2024年，县人社局依法履职。{closing}"
    assert own_closing(text) == closing
    printed = opening(text, "2024", "县人社局", UNIT)
    assert printed == text and printed.count("如下") == 1


def test_the_default_closing_is_in_report_wording():
    assert DEFAULT_CLOSING.endswith("报告如下：") and "汇报" not in DEFAULT_CLOSING


# ---------------------------------------------------------------- the short name is only ever the unit's
@pytest.mark.parametrize(
    ("short", "unit", "ok"),
    [
        ("县人社局", UNIT, True),
        ("县科技局", "鲁山县科学技术局", True),
        ("卫健委", "临河县卫生健康委员会", True),
        ("在县委", UNIT, False),
        ("县委", UNIT, False),
        ("市统计局", "临河县统计局", False),  # the city's bureau, not this county's
        ("市生态环境局", "安州市生态环境局梧川分局", False),  # a branch's short name keeps 分局
    ],
)
def test_short_name_rule(short, unit, ok):
    assert is_short_of(short, unit) is ok
    assert (short_name(f"2024年，{short}坚持依法行政。", unit) == short) is ok


def test_a_piece_of_the_full_name_is_not_a_short_name():
    assert short_name(f"2024年，{UNIT}坚持依法行政。", UNIT) == ""


def test_the_short_name_never_comes_from_the_leadership_phrase():
    text = "在县委、县政府的坚强领导下，梧川县人力资源和社会保障局依法履职，县人社局全年办结案件12件。"
    assert short_name(text, UNIT) == "县人社局"


# ---------------------------------------------------------------- import: every character accounted for
def test_the_import_summary_counts_the_characters_placed(types):
    lines = [
        "县委、县政府：",
        "2024年以来，县人社局依法履职。现将有关情况报告如下：",
        "一、扛牢主体责任，高位推动法治建设",
        "全局把法治建设摆在突出位置。",
        "（一）党组带头学法。全年专题学法4次。",
        "二、存在的问题",
        "1.执法力量不足。",
        "梧川县人力资源和社会保障局",
        "2025年1月10日",
    ]
    placed = place(parse(lines), types["fazhi_zhengfu"])
    total = sum(len(x) for x in lines) - len("2025年1月10日")  # the date is asked anew
    assert placed.chars == (total, total) and placed.unplaced == ()
    a = placed.answers
    assert a["unit_name"] == UNIT and a["year"] == 2025 and a["unit_short"] == "县人社局"
    assert a["intro_duty"] == "全局把法治建设摆在突出位置。"


def test_a_part_no_outline_has_is_kept_with_its_heading(types):
    rt = types["fazhi_zhengfu"]
    imp = parse(
        ["一、主要举措和成效", "（一）依法决策。落实合法性审查。", "二、队伍建设", "（一）执法培训。全员轮训。"]
    )
    placed = place(imp, rt)
    a = placed.answers
    extra = next(e for e in a["layout"] if e.startswith("x"))
    pid = extra.split(":")[0]
    assert a[f"head_{pid}"] == "队伍建设" and a[f"items_{pid}"] == [
        {"title": "执法培训", "sep": "。", "body": "全员轮训。"}
    ]
    v = rt.variant_for(a)
    text = to_text(compose(v, a))
    assert "二、队伍建设" in text and "（一）执法培训。全员轮训。" in text


# ---------------------------------------------------------------- a draft's own arrangement
def _draft(rt, **answers) -> Draft:
    d = Draft(id="d", user_id=1, report_type=rt.id, schema_version=rt.version)
    d.answers.update(profile="其他部门", year=2024, **answers)
    return d


def _parts(types, d: Draft, arg: str) -> tuple[Draft, list[str]]:
    rt = types["fazhi_zhengfu"]
    step = Engine(rt.variant_for(d.answers)).handle(d, Action("parts", arg))
    v = rt.variant_for(step.draft.answers)
    Screens(Engine(v)).render(step)  # the screen renders with the new arrangement
    return step.draft, [p.id for p in v.outline.parts]


def test_parts_move_fold_leave_out_and_come_back_without_losing_answers(types):
    rt = types["fazhi_zhengfu"]
    duty = [{"title": "加强组织领导", "body": "党组专题研究法治工作2次。"}]
    measures = [{"title": "严格规范执法", "body": "落实三项制度。"}]
    d = _draft(rt, outline="规定顺序", duty=duty, measures=measures)
    d, order = _parts(types, d, "up:duty")
    assert order == ["measures", "duty", "problems", "plans", "other"]
    d, order = _parts(types, d, "fold:duty")  # 第一责任人 folded into 举措 as its first items
    assert order == ["measures", "problems", "plans", "other"] and d.answers["layout"][0] == "measures<duty"
    v = rt.variant_for(d.answers)
    h2 = [b.text for b in compose(v, d.answers).blocks if b.kind in ("h2", "lead")]
    assert h2 == ["加强组织领导", "严格规范执法"]
    assert Engine(v).gaps(d) == [] or all(g.id != "duty" for g in Engine(v).gaps(d))
    d, order = _parts(types, d, "drop:other")
    assert "other" not in order and layout.left_out(v, d.answers["layout"], d.answers) == ["other"]
    d, order = _parts(types, d, "unfold:measures")
    d, order = _parts(types, d, "restore:other")
    assert order == ["measures", "duty", "problems", "plans", "other"]
    assert d.answers["duty"] == duty and d.answers["measures"] == measures  # nothing lost on the way


def test_a_part_of_ones_own_is_added_and_asked_for_its_heading(types):
    rt = types["fazhi_zhengfu"]
    d = _draft(rt, outline="三段式")
    step = Engine(rt.variant_for(d.answers)).handle(d, Action("parts", "add"))
    assert step.notice.key == "part_added" and step.draft.cursor == "head_x1"
    v = rt.variant_for(step.draft.answers)
    assert [p.id for p in v.outline.parts][-1] == "x1" and v.question("head_x1").required


def test_the_first_part_cannot_move_up_or_fold(types):
    rt = types["fazhi_zhengfu"]
    d = _draft(rt, outline="三段式")
    for arg in ("up:work", "fold:work", "up:1"):
        step = Engine(rt.variant_for(d.answers)).handle(d, Action("parts", arg))
        assert step.notice.key == "parts_unchanged" and not step.changed


def test_switching_outline_keeps_the_users_own_parts(types):
    rt = types["fazhi_zhengfu"]
    d = _draft(rt, outline="三段式", layout=["work", "x1:measures", "problems"], head_x1="队伍建设")
    engine = Engine(rt.variant_for(d.answers))
    d.cursor = "outline"
    step = engine.handle(d, Action("text", "五项式"))
    assert step.draft.answers["layout"] == ["duty", "measures", "problems", "plans", "other", "x1:measures"]


def test_sub_sections_over_the_cap_are_kept_as_text_never_dropped(types):
    rt = types["fazhi_zhengfu"]
    cn = "一二三四五六七八九十"
    items = [
        f"（{cn[i // 10] + '十' if i >= 10 else ''}{cn[i % 10]}）第{i + 1}项工作。做了第{i + 1}件事。"
        for i in range(19)
    ]
    placed = place(parse(["一、主要举措和成效", *items]), rt)
    measures = placed.answers["measures"]
    cap = rt.pool["measures"].max_items
    assert len(measures) == cap and placed.unplaced == ()
    text = "\n".join(f"{m['title']}{m.get('sep', '')}{m.get('body', '')}" for m in measures)
    assert all(f"做了第{i + 1}件事" in text for i in range(19))  # the rest are in the last item's text


def test_the_review_names_what_the_regulation_asks_that_is_not_written(types):
    rt = types["fazhi_zhengfu"]
    d = _draft(rt, outline="规定顺序", measures=[{"title": "严格规范执法", "body": "落实三项制度。"}])
    reply = Screens(Engine(rt.variant_for(d.answers))).review(d)
    gaps = [r.label for r in Engine(rt.variant_for(d.answers)).gaps(d)]
    assert gaps and all(g in reply.text for g in gaps) and "推进法治政府建设的主要举措和成效" not in reply.text
