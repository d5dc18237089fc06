"""Report type files: the real one loads; broken ones fail at load time with a clear message."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from dialogs.outlines import load_report_types
from dialogs.schema import SchemaError
from tests.conftest import REPO


def test_real_report_type_loads_into_frozen_dataclasses(rt):
    assert rt.name == "法治政府建设年度报告"
    ids = [q.id for q in rt.questions]
    assert len(ids) == len(set(ids))
    for needed in (
        "unit_name",
        "year",
        "profile",
        "outline",
        "duty",
        "measures",
        "reserve_total",
        "shortcomings",
        "causes",
        "rectification",
        "plans",
        "other",
        "sign_date",
    ):
        assert needed in ids
    with pytest.raises(dataclasses.FrozenInstanceError):
        rt.questions[0].prompt = "x"  # type: ignore[misc]


def test_every_figure_question_is_skippable_in_every_variant(types):
    base = types["fazhi_zhengfu"]
    for o in base.outlines:
        for p in base.profiles:
            v = base.variant(o.id, p.id)
            figures = [q for q in v.questions if q.kind == "figure"]
            assert len(figures) >= 8, (o.id, p.id)  # the shared figures and the bureau's own
            assert all(not q.required and q.hint for q in figures)


def test_every_written_answer_has_prompt_and_example(types):
    base = types["fazhi_zhengfu"]
    for p in base.profiles:
        v = base.variant("", p.id)
        for q in v.questions:
            assert q.prompt
            if q.kind == "group":
                assert all(f.prompt and f.example for f in q.fields), (p.id, q.id)
            elif q.kind in ("text", "paragraph") and q.ask:
                assert q.example, (p.id, q.id)
            elif q.kind == "choice":
                assert len(q.options) >= 2, q.id


def test_four_outlines_and_six_profiles_are_offered(types):
    base = types["fazhi_zhengfu"]
    assert [o.id for o in base.outlines] == ["reg", "five", "three", "enforce"]
    assert {p.name for p in base.profiles} >= {"科技局", "人社局", "市场监管局", "司法局", "教育局", "其他部门"}
    assert base.variant("nonexistent", "nonexistent").profile.name == "其他部门"  # the neutral default
    v = base.variant_for({"profile": "人社局", "outline": "执法数据在前"})
    assert (v.outline.id, v.profile.id) == ("enforce", "renshe")
    assert v.question("outline").example == "执法数据在前"  # the profile's recommended outline


GOOD = """
id = "t"
name = "测试"
version = 1
template = "t.j2"
[[sections]]
id = "s"
title = "一"
[[sections.questions]]
id = "a"
label = "A"
kind = "integer"
prompt = "多少？"
[[sections.questions]]
id = "b"
label = "B"
kind = "integer"
prompt = "多少？"
"""


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "t.toml").write_text(text, encoding="utf-8")
    (tmp_path / "t.j2").write_text("@title x\n", encoding="utf-8")
    return tmp_path


def test_minimal_file_loads(tmp_path):
    types = load_report_types(_write(tmp_path, GOOD))
    assert [q.id for q in types["t"].questions] == ["a", "b"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.replace('kind = "integer"', 'kind = "colour"', 1), "unknown kind 'colour'"),
        (lambda s: s.replace('id = "b"', 'id = "a"'), "duplicate question id 'a'"),
        (lambda s: s + '\n[[checks]]\nid="c"\nkind="sum"\ntotal="a"\nparts=["b","zz"]\n', "missing question 'zz'"),
        (
            lambda s: s.replace(
                'prompt = "多少？"\n[[sections.questions]]',
                'prompt = "多少？"\nshow_if = { question = "nope", equals = "x" }\n[[sections.questions]]',
                1,
            ),
            "show_if names missing question 'nope'",
        ),
        (lambda s: s.replace("version = 1", "version = 0"), "'version' must be a positive integer"),
        (lambda s: s.replace('template = "t.j2"', 'template = "missing.j2"'), "template file 'missing.j2' not found"),
        (lambda s: s.replace('label = "A"\n', ""), "'label' is missing"),
        (lambda s: s + "\n[[[broken", "not valid TOML"),
        (lambda s: s.replace('kind = "integer"', 'kind = "choice"\noptions = ["x"]', 1), "at least two options"),
    ],
)
def test_broken_files_give_clear_errors(tmp_path, change, message):
    with pytest.raises(SchemaError) as info:
        load_report_types(_write(tmp_path, change(GOOD)))
    assert message in str(info.value)
    assert "t.toml" in str(info.value)


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        ("fazhi_zhengfu.toml", 'kind = "paragraph"', 'kind = "essay"', "unknown kind 'essay'"),
        ("outlines/three.toml", 'questions = ["plans"]', 'questions = ["planz"]', "unknown question(s) ['planz']"),
        ("outlines/five.toml", "figures = true", "figures = false", "exactly one part must have 'figures = true'"),
        ("profiles/renshe.toml", 'phrase = "认定工伤{v}"', 'phrase = "认定工伤"', "'phrase' must contain {v}"),
        ("profiles/renshe.toml", 'of = "injury_total"', 'of = "injury_totl"', "missing question 'injury_totl'"),
        ("profiles/jiaoyu.toml", "[examples]", '[examples]\nnonexistent = "x"', "unknown question 'nonexistent'"),
    ],
)
def test_copy_of_real_folder_with_a_broken_file_stops_loading(tmp_path, name, old, new, message):
    shutil.copytree(REPO / "templates", tmp_path, dirs_exist_ok=True)
    bad = tmp_path / name
    text = bad.read_text(encoding="utf-8")
    assert old in text
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(SchemaError) as info:
        load_report_types(tmp_path)
    assert message in str(info.value)


def test_adding_a_profile_is_adding_a_file(tmp_path):
    shutil.copytree(REPO / "templates", tmp_path, dirs_exist_ok=True)
    (tmp_path / "profiles" / "zhujian.toml").write_text(
        'id = "zhujian"\nreport_type = "fazhi_zhengfu"\nname = "住建局"\noutline = "enforce"\n'
        '[suggestions]\nenforce = ["建筑市场执法检查情况"]\n'
        '[[figures]]\nid = "site"\nprompt = "要填写工地检查的数字吗？"\nkeywords = ["工地", "建筑市场"]\n'
        '[[figures.items]]\nid = "site_checks"\nlabel = "检查在建工地"\nunit = "个"\nphrase = "检查在建工地{v}"\n',
        encoding="utf-8",
    )
    base = load_report_types(tmp_path)["fazhi_zhengfu"]
    v = base.variant_for({"profile": "住建局"})
    assert "住建局" in v.question("profile").options
    assert v.question("site_checks").kind == "figure" and v.outline.id == "enforce"  # its usual outline
    assert v.question("enforce").fields[0].suggestions == ("建筑市场执法检查情况",)


def test_every_label_fits_a_review_button_uncut(types):
    base = types["fazhi_zhengfu"]
    labels = {q.label for o in base.outlines for p in base.profiles for q in base.variant(o.id, p.id).questions}
    assert all(len(label) <= 14 for label in labels), sorted(x for x in labels if len(x) > 14)
