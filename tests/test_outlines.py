"""Outlines, bureau profiles and figures, tried as users from three different bureaus would.

The walk-throughs use content written for these tests (no real report's text).
Each is typed message by message through the assistant, then checked in the DOCX.
"""

from __future__ import annotations

import io
import re

import pytest
from docx import Document

from dialogs.actions import Action, Reply
from dialogs.actions import Document as OutDocument
from dialogs.draft import Draft
from dialogs.engine import Engine
from dialogs.wording import fill_years
from report.compose import compose, to_text
from tests.conftest import say
from tests.reference import PART_START as P

OTHER_BUREAU_WORDS = ("科技", "高新", "瞪羚", "科普")


def walk(assistant, user: int, msgs: list[str]) -> list[Reply]:
    """Type every message; none may be refused (a refusal means the walk-through went off its path)."""
    replies: list[Reply] = []
    if assistant.active(user) is None:
        assistant.handle(user, Action("start"))
    for m in msgs:
        outs = say(assistant, user, m)
        last = [o for o in outs if isinstance(o, Reply)][-1]
        assert last.kind != "error", (m, last.text[:200])
        replies.append(last)
    return replies


def docx_text(assistant, user: int) -> tuple[str, list[str]]:
    outs = assistant.handle(user, Action("report", "anyway"))
    doc = outs[-1]
    assert isinstance(doc, OutDocument), getattr(doc, "text", doc)
    paras = [p.text for p in Document(io.BytesIO(doc.data)).paragraphs if p.text.strip()]
    return "\n".join(paras), paras


def after(paras: list[str], heading: str) -> str:
    """The paragraph right after a heading."""
    i = next(i for i, p in enumerate(paras) if p.endswith(heading))
    return paras[i + 1]


# ---------------------------------------------------------------- walk-through 1
RENSHE_ENFORCE = [
    "人社局",
    "执法数据在前",
    "青川县人力资源和社会保障局",
    "县人社局",
    "2024",
    "/skip",
    "坚持以习近平法治思想为指导，围绕根治欠薪和规范执法依法履行人社职能",
    # 一、行政执法基本情况: one sub-section per enforcement line
    *P,
    "（一）行政复议和行政应诉情况",  # pasted with its numbering
    "/skip",
    "劳动保障监察执法情况",
    "畅通热线和线上投诉渠道，对欠薪线索实行接诉即办。",
    "工伤认定情况",
    "/skip",
    "“双随机、一公开”监管情况",
    "抽查计划和结果全部在门户网站公开。",
    "/done",
    # the figures
    "填写",
    "3",
    "11",
    "填写",
    "100%",
    "/skip",  # 执法证件
    "/skip",  # 普法
    "填写",
    "56件",
    "320余人",
    "512多万元",
    "填写",
    "120",
    "112",
    "8",
    "填写",
    "2次",
    "40家",
    "100%",
    "/skip",  # 仲裁
    "/skip",  # 其他数字
    # 二、法治政府建设情况: no separate 第一责任人 part, the first 举措 carries it
    *P,
    "/skip",
    "加强组织领导",
    "局主要负责人切实履行推进法治建设第一责任人职责，党组专题研究法治工作2次。",
    "深化“放管服”改革",
    "人社服务事项全部进驻政务服务大厅，实行一窗受理。",
    "/done",
    # 三、存在的问题 (no separate 原因 or 整改 paragraphs)
    *P,
    "执法人员专业能力有待提升",
    "/skip",
    "/done",
    "/skip",
    "/skip",
    # 四、下一步工作
    *P,
    "持续推进根治欠薪",
    "健全欠薪预警机制，重点行业开展专项检查。",
    "/done",
    "/skip",  # 其他: heading
    "/skip",  # 其他: text
    "/skip",  # 落款单位
    "2025年1月15日",
]


def test_renshe_enforcement_first(assistant):
    replies = walk(assistant, 201, RENSHE_ENFORCE)
    assert replies[-1].kind == "complete"
    assert any(r.notice == "cleaned" for r in replies)  # the pasted （一） was taken off and the user told
    text, paras = docx_text(assistant, 201)
    h1 = [p for p in paras if re.match(r"^[一二三四]、", p)]
    assert h1 == ["一、2024年行政执法基本情况", "二、2024年法治政府建设情况", "三、存在的问题", "四、下一步工作打算"]
    assert "（一）行政复议和行政应诉情况" in paras
    # each figure sentence names the unit, uses a neutral verb and sits under its own sub-section
    assert after(paras, "行政复议和行政应诉情况") == "2024年，县人社局涉及行政复议案件3件、行政应诉案件11件。"
    assert "2024年，县人社局行政机关负责人出庭应诉率100%。" in paras
    assert (
        after(paras, "劳动保障监察执法情况")
        == "2024年，县人社局受理欠薪投诉举报56件，涉及劳动者320余人，为劳动者追回工资512多万元。"
    )
    assert after(paras, "工伤认定情况") == "2024年，县人社局受理工伤认定申请120件（其中认定工伤112件、不予认定8件）。"
    assert (
        after(paras, "监管情况")
        == "2024年，县人社局开展“双随机、一公开”抽查2次，抽查用人单位40家，抽查结果公示率100%。"
    )
    # nothing the user did not write: no 原因/整改 paragraph, no other bureau's words
    assert "从根源上剖析" not in text and "问题整改情况" not in text
    assert not any(w in text for w in OTHER_BUREAU_WORDS)


# ---------------------------------------------------------------- walk-through 2
KEJI_THREE_PARTS = [
    "科技局",
    "三段式",
    "云岭县科学技术局",
    "/skip",
    "2024",
    "/skip",
    "/skip",
    # 一、主要做法与成效: 组织领导 first, as most reports do
    *P,
    "加强组织领导，落实第一责任人职责",
    "主要负责人带头研究部署法治建设，把法治工作写进年度工作要点。",
    "/done",
    "优化科技项目管理",
    "修订项目管理办法，立项、验收全程留痕。",
    "加强科技领域普法",
    "结合科技活动周宣传科学技术进步法。",
    "/done",
    "/skip",
    "/skip",
    "/skip",
    "/skip",
    "/skip",
    "/skip",
    "/skip",
    # 二、存在问题与不足
    *P,
    "学法用法结合不够紧密",
    "/skip",
    "/done",
    "/skip",
    "/skip",
    # 三、下一步工作打算
    *P,
    "完善依法决策机制",
    "重大事项决策前一律进行合法性审查。",
    "/done",
    "/skip",
    "/skip",
    "/skip",
    "2025年1月10日",
]


def test_keji_three_parts_with_almost_no_numbers(assistant):
    replies = walk(assistant, 202, KEJI_THREE_PARTS)
    assert replies[-1].kind == "complete"
    text, paras = docx_text(assistant, 202)
    h1 = [p for p in paras if re.match(r"^[一二三四]、", p)]
    assert h1 == ["一、2024年法治政府建设主要做法与成效", "二、存在的问题与不足", "三、下一步工作打算"]
    h2 = [p for p in paras if p.startswith("（")]
    assert h2[:3] == ["（一）加强组织领导，落实第一责任人职责", "（二）优化科技项目管理", "（三）加强科技领域普法"]
    # no figure was given: no figure sentence and no invented paragraph
    assert not re.search(r"\d+(家|件|次|场)", text)
    assert paras[1] == "现将云岭县科学技术局2024年法治政府建设情况报告如下："
    assert "从根源上剖析" not in text and "问题整改情况" not in text


def test_renamed_headings_are_used_as_typed(assistant):
    walk(assistant, 203, KEJI_THREE_PARTS)
    walk(assistant, 203, ["/edit head_problems", "二、存在的主要问题", "/edit head_work", "2024年主要工作"])
    _, paras = docx_text(assistant, 203)
    h1 = [p for p in paras if re.match(r"^[一二三四]、", p)]
    assert h1 == ["一、2024年主要工作", "二、存在的主要问题", "三、下一步工作打算"]  # numbering computed, not doubled


# ---------------------------------------------------------------- walk-through 3
RENSHE_PUFA = [
    "人社局",
    "三段式",
    "江口县人力资源和社会保障局",
    "县人社局",
    "2024",
    "/skip",
    "2024年，我局坚持以人民为中心，依法履行人社职能。现将法治政府建设情况报告如下。",  # pasted opening
    *P,
    "加强组织领导，压实第一责任人职责",
    "党组书记带头讲法治课，班子成员年度述法全覆盖。",
    "/done",
    "扎实开展普法宣传",
    "围绕《保障农民工工资支付条例》在工地和企业开展集中宣传。",
    "/done",
    "/skip",
    "/skip",
    "/skip",
    "填写",
    "30余场",
    "2800余份",
    "260余人次",
    "/skip",
    "/skip",
    "/skip",
    "/skip",
    "开展法律咨询近百人次\n发放维权手册1.5万份",
    "/done",
    *P,
    "（一）一是普法宣传形式还比较单一",
    "线上宣传少，覆盖青年劳动者不够。",
    "/done",
    "/skip",
    "/skip",
    *P,
    "创新普法形式",
    "用短视频讲解典型案例。",
    "/done",
    "/skip",
    "/skip",
    "/skip",
    "2025年2月1日",
]


def test_renshe_pufa_counts_with_yu(assistant):
    replies = walk(assistant, 204, RENSHE_PUFA)
    assert replies[-1].kind == "complete"
    assert sum(r.notice == "cleaned" for r in replies) == 1  # the pasted 不足 title; the opening is kept as written
    text, paras = docx_text(assistant, 204)
    assert paras[1] == "2024年，我局坚持以人民为中心，依法履行人社职能。现将法治政府建设情况报告如下。"
    assert (
        after(paras, "扎实开展普法宣传")
        == "2024年，县人社局开展普法宣传活动30余场，发放宣传资料2800余份，受众260余人次。"
    )
    assert "2024年，县人社局开展法律咨询近百人次，发放维权手册1.5万份。" in paras
    assert "（一）普法宣传形式还比较单一" in paras
    for written in ("30余场", "2800余份", "260余人次", "近百人次", "1.5万份"):
        assert text.count(written) == 1
    assert not any(w in text for w in OTHER_BUREAU_WORDS)


# ---------------------------------------------------------------- profiles and outlines as data
def _every_example(v) -> dict:
    answers: dict = {"profile": v.profile.name, "outline": v.outline.name, "year": 2024}
    for q in v.questions:
        if q.kind == "group":
            item = {f.id: f.example for f in q.fields}
            answers[q.id] = [item] if q.repeat else item
        elif q.kind in ("text", "paragraph") and q.ask and q.example and not q.id.startswith("head_"):
            answers[q.id] = q.example
    return answers


def test_no_other_bureaus_words_in_any_non_keji_profile(types):
    base = types["fazhi_zhengfu"]
    for p in base.profiles:
        if p.id == "keji":
            continue
        for o in base.outlines:
            v = base.variant(o.id, p.id)
            words = [v.question("outline").prompt]
            for q in v.questions:
                words += [q.label, q.prompt, q.hint, q.example, *q.suggestions]
                for f in q.fields:
                    words += [f.label, f.prompt, f.hint, f.example, *f.suggestions]
            report = to_text(compose(v, _every_example(v)))
            found = [w for w in OTHER_BUREAU_WORDS for x in [*words, report] if w in x]
            assert not found, (p.id, o.id, found)


def test_each_outline_renders_its_own_headings(types):
    base = types["fazhi_zhengfu"]
    for o in base.outlines:
        v = base.variant(o.id, "qita")
        comp = compose(v, _every_example(v))
        h1 = [b.text for b in comp.blocks if b.kind == "h1"]
        expected = [fill_years(p.heading, 2024) for p in o.parts if p.id != "other"]
        assert h1[: len(expected)] == expected, o.id


def test_sub_section_order_follows_the_user(types):
    v = types["fazhi_zhengfu"].variant("five", "qita")
    items = [{"title": t, "body": "做了工作。"} for t in ("扎实开展普法宣传", "加强组织领导", "带头学法")]
    comp = compose(v, {"year": 2024, "duty": items})
    assert [b.text for b in comp.blocks if b.kind == "h2"] == ["扎实开展普法宣传", "加强组织领导", "带头学法"]


def test_suggested_titles_are_buttons_and_used_ones_are_not_offered_again(assistant):
    walk(assistant, 205, ["人社局", "执法数据在前", "甲县人社局", "/skip", "2024", "/skip", "/skip"])
    outs = say(assistant, 205, "/edit enforce")
    reply = outs[-1]
    offered = [b for row in reply.buttons for b in row if b.action.name == "choose"]
    assert offered[0].label.startswith("行政复议和行政应诉") and len(offered) >= 4
    outs = assistant.handle(205, offered[1].action)  # tap 劳动保障监察执法情况
    assert assistant.active(205).partial["enforce"] == {"title": "劳动保障监察执法情况"}
    outs = say(assistant, 205, "/skip")
    labels = [b.label for row in outs[-1].buttons for b in row if b.action.name == "choose"]
    assert "劳动保障监察执法情况" not in labels and any(x.startswith("行政复议") for x in labels)


# ---------------------------------------------------------------- the regulation's five items, whatever the outline
DUTY_ITEM = {"title": "加强组织领导，落实第一责任人职责", "body": "主要负责人带头研究部署法治建设。"}
WORK = {"title": "严格规范执法", "body": "落实三项制度。"}


@pytest.mark.parametrize(
    ("outline", "where"),
    [("five", "duty"), ("three", "measures"), ("enforce", "measures")],
)
def test_first_responsibility_is_found_where_the_outline_puts_it(types, outline, where):
    v = types["fazhi_zhengfu"].variant(outline, "qita")
    engine = Engine(v)
    d = Draft(id="r", user_id=1, report_type=v.id, schema_version=v.version)
    d.answers.update(
        profile="其他部门",
        outline=v.outline.name,
        measures=[WORK],
        enforce=[WORK],
        shortcomings=[{"title": "学习不够深入"}],
        plans=[WORK],
    )
    assert [g.id for g in engine.gaps(d)] == ["duty"]
    d.answers[where] = [DUTY_ITEM] if where == "duty" else [DUTY_ITEM, WORK]
    assert engine.gaps(d) == []


def test_report_names_what_the_regulation_misses_and_can_still_be_generated(assistant):
    i = KEJI_THREE_PARTS.index("加强组织领导，落实第一责任人职责")
    msgs = [*KEJI_THREE_PARTS[:i], "/skip", *KEJI_THREE_PARTS[i + 3 :]]  # no 第一责任人 content anywhere
    walk(assistant, 206, msgs)
    outs = assistant.handle(206, Action("report"))
    reply = outs[-1]
    assert reply.notice == "gaps" and "第一责任人" in reply.text
    actions = [b.action for row in reply.buttons for b in row]
    assert Action("edit", "duty") in [Action(a.name, a.arg) for a in actions]
    anyway = next(a for a in actions if a.name == "report" and a.arg == "anyway")
    assert isinstance(assistant.handle(206, anyway)[-1], OutDocument)


def test_switching_outline_keeps_every_answer(assistant):
    walk(assistant, 207, KEJI_THREE_PARTS)
    before = dict(assistant.active(207).answers)
    walk(assistant, 207, ["/edit outline", "五项式"])
    d = assistant.active(207)
    assert {k: v for k, v in d.answers.items() if k != "outline"} == {k: v for k, v in before.items() if k != "outline"}
    engine = assistant.engine_for(d)
    assert engine.rt.outline.id == "five"
    assert engine.missing(d) == [] and engine.gaps(d) == []  # nothing forced: 原因 and 整改 are not asked for
    assert {"duty", "measures", "shortcomings", "plans"} <= set(engine.visible_answers(d))
    walk(assistant, 207, ["/edit outline", "三段式"])
    assert assistant.engine_for(assistant.active(207)).is_complete(assistant.active(207))
