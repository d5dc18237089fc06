"""Bureau profiles as data: each loads, import recognises its unit names, its figures print in its units."""

from __future__ import annotations

import re
import tomllib

import pytest

from dialogs.importer import choose_profile
from dialogs.numbers import UNITS, parse_figure
from report.compose import compose, to_text
from tests.conftest import REPO

PROFILES = REPO / "templates" / "profiles"
PART_IDS = {"duty", "measures", "work", "problems", "plans", "other", "enforce_stats"}

# Unit names as they are written on real title lines and signatures, per profile id.
UNIT_NAMES = {
    "keji": ["鲁山县科学技术局", "××县科技局"],
    "renshe": ["××县人力资源和社会保障局"],
    "shichang": ["××县市场监督管理局"],
    "sifa": ["××县司法局"],
    "jiaoyu": ["××县教育局", "××县教育和体育局"],
    "weijian": ["××县卫生健康委员会", "××县卫生健康局", "××市卫健委"],
    "zhujian": ["××县住房和城乡建设局", "××县住房城乡建设局", "××县住建局"],
    "nongye": ["××县农业农村局", "××县农业农村和水利局"],
    "ziran": ["××县自然资源局", "××县自然资源和规划局", "××县国土资源局"],
    "shengtai": ["××市生态环境局××分局", "××县生态环境局", "××县环境保护局"],
    "jiaotong": ["××县交通运输局", "××县交通局"],
    "yingji": ["××县应急管理局", "××县安全生产监督管理局"],
}
COMMON = {g["id"] for g in tomllib.loads((PROFILES / "_common.toml").read_text(encoding="utf-8"))["figures"]}
NEW = ("weijian", "zhujian", "nongye", "ziran", "shengtai", "jiaotong", "yingji")


def raw(pid: str) -> dict:
    return tomllib.loads((PROFILES / f"{pid}.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def base(types):
    return types["fazhi_zhengfu"]


@pytest.mark.parametrize("pid", NEW)
def test_each_new_profile_loads_with_its_outline_examples_and_figures(base, pid):
    p = next(x for x in base.profiles if x.id == pid)
    assert p.outline in {o.id for o in base.outlines}
    assert p.name in base.variant_for({"profile": p.name}).question("profile").options
    examples = dict(p.examples)
    assert {"unit_name", "unit_short", "measures.title", "measures.body", "plans.body"} <= set(examples)
    own = [g for g in p.figures if g.id not in COMMON]
    assert len(own) >= 2 and all(g.figures for g in own)
    assert p.suggested("measures", ()) and p.unit_words


@pytest.mark.parametrize(("pid", "name"), [(pid, n) for pid, names in UNIT_NAMES.items() for n in names])
def test_unit_words_pick_the_bureau_for_a_real_unit_name(base, pid, name):
    assert choose_profile(base, name).id == pid


def test_no_profile_s_unit_words_occur_in_another_profile_s_unit_names(base):
    samples = {
        p.id: [*UNIT_NAMES.get(p.id, []), *(v for k, v in p.examples if k in ("unit_name", "sign_unit"))]
        for p in base.profiles
    }
    clashes = [
        (p.id, w, other, name)
        for p in base.profiles
        for w in p.unit_words
        for other, names in samples.items()
        if other != p.id
        for name in names
        if w in name
    ]
    assert not clashes


def test_a_unit_name_of_no_listed_bureau_gets_the_neutral_profile(base):
    assert choose_profile(base, "××县民政局").default
    assert choose_profile(base, "××县人民政府办公室").default


@pytest.mark.parametrize("pid", sorted(p.stem for p in PROFILES.glob("[!_]*.toml")))
def test_every_profile_has_body_words_and_headings_per_part(pid):
    data = raw(pid)
    words, headings = data["body_words"], data["headings"]
    assert isinstance(words, list) and all(isinstance(w, str) and len(w) >= 2 for w in words)
    assert data.get("default") or len(words) >= 4
    assert set(headings) <= PART_IDS and {"measures", "problems", "plans"} <= set(headings)
    for part, titles in headings.items():
        assert 2 <= len(titles) <= 4, (pid, part)
        for t in titles:
            assert t.strip() == t and not re.search(r"\d{4}|^[一二三四五六七八九十]+、", t), (pid, t)
            assert "{" not in t.replace("{year}", ""), (pid, t)


def test_body_words_belong_to_one_bureau():
    words = {p.stem: raw(p.stem)["body_words"] for p in PROFILES.glob("[!_]*.toml")}
    shared = [
        (a, w, b)
        for a, ws in words.items()
        for w in ws
        for b, vs in words.items()
        if a != b and any(w in v or v in w for v in vs)
    ]
    assert not shared


def test_every_figure_unit_is_a_unit_reports_write():
    for path in PROFILES.glob("*.toml"):
        for group in raw(path.stem).get("figures", []):
            for item in group["items"]:
                assert item.get("unit", "") in UNITS, (path.name, item["id"], item.get("unit"))


@pytest.mark.parametrize("pid", NEW)
def test_the_bureau_s_figures_print_in_its_units(base, pid):
    v = base.variant_for({"profile": next(p.name for p in base.profiles if p.id == pid)})  # its usual outline
    answers: dict = {"profile": v.profile.name, "outline": v.outline.name, "year": 2024}
    for q in v.questions:
        if q.kind == "group":
            item = {f.id: f.example for f in q.fields}
            answers[q.id] = [item] if q.repeat else item
        elif q.kind in ("text", "paragraph") and q.ask and q.example:
            answers[q.id] = q.example
    expected = []
    for g in (g for g in v.profile.figures if g.id not in COMMON):  # the bureau's own groups
        answers[f"fig_{g.id}"] = "填写"
        for f in g.figures:
            fig = parse_figure("98.5" if f.unit == "%" else "2150余", f.unit)
            answers[f.id] = fig.to_json()
            expected.append(f.phrase.replace("{v}", fig.printed()))
    text = to_text(compose(v, answers))
    assert all(e in text for e in expected), [e for e in expected if e not in text]
