"""Fast JSON for drafts and log lines: same bytes as the standard library, exact copies, huge integers kept."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from dialogs import jsondata
from dialogs.draft import Draft
from dialogs.record import Change
from storage import TinyDBRecordStore

json_data = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_data)
def test_dumps_writes_what_the_standard_library_writes(data):
    assert jsondata.dumps(data) == json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _containers(data: object) -> list[object]:
    """Every dict and list inside data, data included."""
    if isinstance(data, dict):
        return [data, *(c for v in data.values() for c in _containers(v))]
    if isinstance(data, list):
        return [data, *(c for v in data for c in _containers(v))]
    return []


@given(json_data)
def test_a_copy_is_equal_and_shares_nothing(data):
    box = {"v": data}
    copied = jsondata.copy(box)
    assert copied == box
    assert not {id(c) for c in _containers(copied)} & {id(c) for c in _containers(box)}  # deep, not shallow


def test_integers_past_64_bits_survive_a_copy_and_a_dump_exactly():
    huge = 10**30  # 一百万亿亿: orjson refuses to write it and would read it back as a float
    data = {"figure": huge, "note": "万亿"}
    assert jsondata.copy(data) == data and type(jsondata.copy(data)["figure"]) is int
    assert json.loads(jsondata.dumps(data)) == data


def test_a_draft_with_a_huge_figure_is_copied_saved_and_read_back_unchanged(tmp_path):
    store = TinyDBRecordStore(tmp_path / "data")
    draft = Draft(id="a", user_id=1, report_type="fazhi_zhengfu", schema_version=1, answers={"n": 10**30})
    copied = draft.copy()
    assert copied.answers == {"n": 10**30} and copied.answers is not draft.answers
    change = Change((draft,), (), "a")
    store.save(1, change.apply(store.load(1).record), change)
    store.close()
    store = TinyDBRecordStore(tmp_path / "data")
    assert store.get(1, "a").answers["n"] == 10**30
    store.close()
