"""Typed through the bot's own questions, a report comes out with exactly its author's frame.

Three reports written for these tests (no published text): one with thematic
headings, one in the regulation's order with its wording, one in three parts
with run-in sub-headings. Each is answered question by question; the DOCX must
hold exactly their headings (wording, form, order), their opening and closing,
and no paragraph they did not write.
"""

from __future__ import annotations

import io

from docx import Document

from dialogs.actions import Action, Reply
from dialogs.actions import Document as OutDocument
from tests.conftest import say

FORM_RUN_IN = "（一）标题。正文接在后面"
FORM_NUM = "1.标题单独一行"


def drive(assistant, user: int, plan: dict[str, list[str]]) -> list[Reply]:
    """Answer each question from the plan (messages in order); skip or finish whatever the plan leaves out."""
    outs = assistant.handle(user, Action("start"))
    seen: list[Reply] = []
    for _ in range(400):
        reply = [o for o in outs if isinstance(o, Reply)][-1]
        seen.append(reply)
        assert reply.kind != "error", reply.text[:200]
        if reply.kind == "complete":
            return seen
        todo = plan.get(reply.question or "")
        if todo:
            outs = say(assistant, user, todo.pop(0))
            continue
        actions = [b.action for row in reply.buttons for b in row]
        name = next(n for n in ("done", "skip") if any(a.name == n for a in actions))
        outs = say(assistant, user, f"/{name}")
    raise AssertionError("never completed")


def docx_paragraphs(assistant, user: int) -> list[str]:
    out = assistant.handle(user, Action("report", "anyway"))[-1]
    assert isinstance(out, OutDocument), getattr(out, "text", out)
    return [p.text.replace("\n", "") for p in Document(io.BytesIO(out.data)).paragraphs if p.text.strip()]


def items(*pairs: tuple[str, str]) -> list[str]:
    return [m for pair in pairs for m in pair] + ["/done"]


BASICS = {"unit_short": ["/skip"], "recipient": ["县委、县政府"], "sign_date": ["2025年1月22日"]}

# ---------------------------------------------------------------- thematic headings, own-line sub-headings
THEMATIC = {
    **BASICS,
    "profile": ["其他部门"],
    "outline": ["五项式"],
    "unit_name": ["梧川县统计局"],
    "year": ["2024"],
    "opening": ["2024年以来，县统计局坚持依法统计、依法治统，各项工作有序推进。现将有关情况报告如下："],
    "head_duty": ["扛牢主体责任，高位推动法治建设"],
    "duty": items(("党组带头学法", "党组全年专题学法4次，主要负责人讲法治课1次。")),
    "head_measures": ["聚焦主责主业，依法全面履行职能"],
    "form_measures": ["（一）标题单独一行"],  # 五项式 runs them in by default: this bureau does not
    "intro_measures": ["全年围绕统计执法和数据质量两条主线开展工作。"],
    "measures": items(
        ("严格统计执法", "开展统计执法检查，对发现的问题督促整改到位。"),
        ("提升数据质量", "健全数据质量控制制度，源头数据核查全覆盖。"),
    ),
    "head_problems": ["正视问题短板，找准努力方向"],
    "shortcomings": items(("执法力量薄弱", "专职执法人员只有2人，难以覆盖全县调查对象。")),
    "head_plans": ["锚定目标任务，谋划来年工作"],
    "plans": items(("充实执法力量", "争取增加执法编制，开展执法业务培训。")),
}
THEMATIC_REPORT = [
    "梧川县统计局关于2024年法治政府建设情况的报告",
    "县委、县政府：",
    "2024年以来，县统计局坚持依法统计、依法治统，各项工作有序推进。现将有关情况报告如下：",
    "一、扛牢主体责任，高位推动法治建设",
    "（一）党组带头学法",
    "党组全年专题学法4次，主要负责人讲法治课1次。",
    "二、聚焦主责主业，依法全面履行职能",
    "全年围绕统计执法和数据质量两条主线开展工作。",
    "（一）严格统计执法",
    "开展统计执法检查，对发现的问题督促整改到位。",
    "（二）提升数据质量",
    "健全数据质量控制制度，源头数据核查全覆盖。",
    "三、正视问题短板，找准努力方向",
    "（一）执法力量薄弱",
    "专职执法人员只有2人，难以覆盖全县调查对象。",
    "四、锚定目标任务，谋划来年工作",
    "（一）充实执法力量",
    "争取增加执法编制，开展执法业务培训。",
    "梧川县统计局",
    "2025年1月22日",
]


def test_thematic_headings_come_out_as_typed(assistant):
    drive(assistant, 301, {k: list(v) for k, v in THEMATIC.items()})
    assert docx_paragraphs(assistant, 301) == THEMATIC_REPORT


# ---------------------------------------------------------------- the regulation's order and wording
REGULATION = {
    **BASICS,
    "profile": ["其他部门"],
    "outline": ["规定顺序"],
    "unit_name": ["梧川县医疗保障局"],
    "unit_short": ["县医保局"],
    "year": ["2024"],
    "recipient": ["/skip"],
    "opening": ["坚持以习近平法治思想为指导，依法管好用好医保基金"],
    "form_measures": [FORM_RUN_IN],
    "measures": items(
        ("强化基金监管", "开展定点医药机构专项检查，追回违规基金。"),
        ("推进政务公开", "医保政策和办事指南全部在网站公开。"),
    ),
    "shortcomings": items(("监管手段较为传统", "智能监控系统应用还不充分。")),
    "causes": ["究其原因，信息化投入不足，专业人员短缺。"],
    "duty": items(("主要负责人履行第一责任人职责", "主要负责人年内专题研究法治工作2次。")),
    "plans": items(("深化智能监管", "推进医保智能监控系统全覆盖。")),
}
REGULATION_REPORT = [
    "梧川县医疗保障局关于2024年法治政府建设情况的报告",
    "2024年，县医保局坚持以习近平法治思想为指导，依法管好用好医保基金。现将有关情况报告如下：",
    "一、2024年度推进法治政府建设的主要举措和成效",
    "（一）强化基金监管。开展定点医药机构专项检查，追回违规基金。",
    "（二）推进政务公开。医保政策和办事指南全部在网站公开。",
    "二、2024年度推进法治政府建设存在的不足和原因",
    "（一）监管手段较为传统",
    "智能监控系统应用还不充分。",
    "究其原因，信息化投入不足，专业人员短缺。",
    "三、2024年度党政主要负责人履行推进法治建设第一责任人职责，加强法治政府建设的有关情况",
    "（一）主要负责人履行第一责任人职责",
    "主要负责人年内专题研究法治工作2次。",
    "四、2025年度推进法治政府建设的主要安排",
    "（一）深化智能监管",
    "推进医保智能监控系统全覆盖。",
    "梧川县医疗保障局",
    "2025年1月22日",
]


def test_regulation_order_with_its_wording(assistant):
    replies = drive(assistant, 302, {k: list(v) for k, v in REGULATION.items()})
    assert any(r.notice == "opening_printed" for r in replies)  # told what the report adds to the opening
    assert docx_paragraphs(assistant, 302) == REGULATION_REPORT


# ---------------------------------------------------------------- three parts, run-in sub-headings, 1. items
THREE = {
    **BASICS,
    "profile": ["其他部门"],
    "outline": ["三段式"],
    "unit_name": ["梧川县档案馆"],
    "year": ["2024"],
    "recipient": ["/skip"],
    "opening": ["为进一步推进依法治档，县档案馆全年紧扣年度任务抓落实。下面就有关情况汇报如下："],
    "head_work": ["2024年工作开展情况"],
    "form_work": [FORM_RUN_IN],
    "measures": items(
        ("抓学习", "馆务会会前学法6次。"),
        ("抓执法", "开展档案执法检查12家次，发现问题全部整改。"),
    ),
    "head_problems": ["存在的不足"],
    "form_problems": [FORM_NUM],
    "shortcomings": items(("普法形式单一", "以发放资料为主，互动少。")),
    "plans": items(("创新普法方式", "结合国际档案日开展开放参观。")),
    "form_plans": [FORM_RUN_IN],
}
THREE_REPORT = [
    "梧川县档案馆关于2024年法治政府建设情况的报告",
    "为进一步推进依法治档，县档案馆全年紧扣年度任务抓落实。下面就有关情况汇报如下：",
    "一、2024年工作开展情况",
    "（一）抓学习。馆务会会前学法6次。",
    "（二）抓执法。开展档案执法检查12家次，发现问题全部整改。",
    "二、存在的不足",
    "1.普法形式单一",
    "以发放资料为主，互动少。",
    "三、下一步工作打算",
    "（一）创新普法方式。结合国际档案日开展开放参观。",
    "梧川县档案馆",
    "2025年1月22日",
]


def test_three_parts_with_run_in_items_and_their_own_closing(assistant):
    drive(assistant, 303, {k: list(v) for k, v in THREE.items()})
    paras = docx_paragraphs(assistant, 303)
    assert paras == THREE_REPORT
    assert sum("如下：" in p for p in paras) == 1  # their own closing, never a second one


def test_a_heading_is_chosen_by_its_number_as_listed(assistant):
    plan = {"profile": ["卫健委"], "outline": ["规定顺序"], "unit_name": ["梧川县卫生健康局"], "year": ["2024"]}
    plan.update(BASICS, head_measures=["2"], measures=items(("强化卫生监督", "全年检查1260户次。")))
    drive(assistant, 304, plan)
    heading = assistant.active(304).answers["head_measures"]
    offered = assistant.engine_for(assistant.active(304)).rt.question("head_measures").suggestions
    assert heading == offered[1] and heading != "2"
