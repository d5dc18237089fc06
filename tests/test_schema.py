"""Report type files: the real one loads; broken ones fail at load time with a clear message."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from dialogs.schema import SchemaError, load_report_types
from tests.conftest import REPO


def test_real_report_type_loads_into_frozen_dataclasses(rt):
    assert rt.name == "法治政府建设年度报告"
    ids = [q.id for q in rt.questions]
    assert len(ids) == len(set(ids))
    for needed in (
        "unit_name",
        "year",
        "duty_study",
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


def test_every_numeric_question_is_skippable(rt):
    numeric = [q for q in rt.questions if q.kind == "integer" and q.id != "year"]
    assert len(numeric) >= 9
    assert all(not q.required for q in numeric)


def test_every_question_has_prompt_and_example(rt):
    for q in rt.questions:
        assert q.prompt
        if q.kind == "group":
            assert all(f.prompt and f.example for f in q.fields), q.id
        else:
            assert q.example, q.id


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


def test_copy_of_real_folder_with_a_broken_file_stops_loading(tmp_path):
    for p in (REPO / "templates").iterdir():
        shutil.copy(p, tmp_path / p.name)
    bad = tmp_path / "fazhi_zhengfu.toml"
    bad.write_text(bad.read_text(encoding="utf-8").replace('kind = "paragraph"', 'kind = "essay"', 1), encoding="utf-8")
    with pytest.raises(SchemaError, match="unknown kind 'essay'"):
        load_report_types(tmp_path)
