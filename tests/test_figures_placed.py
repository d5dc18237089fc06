"""Figure sentences by meaning: printed once, under their own sub-section, never dropped, misplaced or doubled."""

from __future__ import annotations

import pytest

from dialogs.numbers import parse_figure
from report.compose import compose, to_text


def fig(text: str, unit: str) -> dict:
    return parse_figure(text, unit).to_json()


def report(types, outline: str, profile: str, **answers) -> str:
    rt = types["fazhi_zhengfu"]
    base = {"profile": profile, "outline": outline, "year": 2024, "unit_name": "梧川县市场监督管理局"}
    base.update(unit_short="县市场监管局", **answers)
    v = rt.variant_for(base)
    return to_text(compose(v, base))


def test_this_years_figure_is_not_dropped_because_another_figure_has_the_same_number(types):
    enforce = [{"title": "行政复议和行政应诉情况", "body": "上年度复议案件1件、应诉案件2件均已办结。"}]
    text = report(
        types, "执法数据在前", "市场监管局", enforce=enforce, fig_lawsuit="填写",
        review_cases=fig("2", "件"), lawsuits=fig("3", "件"),
    )  # fmt: skip
    assert "行政复议案件2件" in text and "行政应诉案件3件" in text


def test_a_figure_already_stated_with_another_noun_is_not_repeated(types):
    enforce = [{"title": "行政处罚", "body": "全年查办各类违法案件238件，罚没款86.3万元。"}]
    text = report(
        types, "执法数据在前", "市场监管局", enforce=enforce, fig_penalty="填写",
        penalty_cases=fig("238", "件"), penalty_amount=fig("86.3", "万元"),
    )  # fmt: skip
    assert text.count("238件") == 1 and text.count("86.3万元") == 1


def test_a_figure_never_goes_under_a_shortcoming(types):
    shortcomings = [{"title": "执法人员专业能力有待提升", "body": "部分执法人员对新法规掌握不够。"}]
    measures = [{"title": "严格规范执法", "body": "落实行政执法三项制度。"}]
    text = report(
        types, "三段式", "市场监管局", measures=measures, shortcomings=shortcomings,
        fig_cert="填写", enforcers=fig("86", "人"),
    )  # fmt: skip
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if "持有行政执法证件人员86人" in line)
    problems = next(i for i, line in enumerate(lines) if line.startswith("二、"))
    assert at < problems and text.count("86人") == 1


def test_the_same_figure_in_another_part_does_not_hide_it_here(types):
    enforce = [{"title": "行政处罚", "body": "严格落实法制审核。"}]
    measures = [{"title": "规范执法", "body": "全年查办案件238件。"}]  # a measure that states it elsewhere
    text = report(
        types, "执法数据在前", "市场监管局", enforce=enforce, measures=measures,
        fig_penalty="填写", penalty_cases=fig("238", "件"),
    )  # fmt: skip
    lines = text.splitlines()
    i = next(i for i, line in enumerate(lines) if line.endswith("行政处罚"))
    assert "238件" in lines[i + 1]  # printed once, under its own sub-section


@pytest.mark.parametrize("profile", ["人社局", "市场监管局", "卫健委", "农业农村局", "科技局"])
@pytest.mark.parametrize("outline", ["规定顺序", "执法数据在前", "三段式"])
def test_every_figure_given_is_in_the_report(types, profile, outline):
    """Whatever the bureau and outline, each figure answered appears in the report as written."""
    rt = types["fazhi_zhengfu"]
    v = rt.variant_for({"profile": profile, "outline": outline})
    answers = {"profile": profile, "outline": outline, "year": 2024, "unit_name": "梧川县某局"}
    answers["measures"] = [{"title": "行政复议和行政应诉情况", "body": "依法办理。"}]
    given = {}
    for n, q in enumerate(x for x in v.questions if x.kind == "figure"):
        given[q.id] = parse_figure(f"{n + 3}", q.unit).to_json()
        answers[q.show_if.question] = "填写"
    answers.update(given)
    text = report(types, outline, profile, **{k: v for k, v in answers.items() if k not in ("profile", "outline")})
    for qid, value in given.items():
        shown = value["text"] + value["unit"]
        assert shown in text, (qid, shown)
