"""Shared fixtures: the real report types, a store in a temp folder, an assistant."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from dialogs.actions import Action, Out, Reply, parse_input
from dialogs.assistant import Assistant
from dialogs.draft import Draft
from dialogs.engine import Engine
from dialogs.outlines import load_report_types
from dialogs.schema import ReportType
from report import DocxReporter
from report.reader import DocxFileReader
from storage import TinyDBRecordStore

REPO = Path(__file__).resolve().parent.parent


# Property tests draw the same examples on every run (a CI run never fails by the luck of the draw), with no
# per-example deadline (the first fact-lock call loads the segmenter's dictionary).
hypothesis_settings.register_profile("repeatable", derandomize=True, deadline=None)
hypothesis_settings.load_profile("repeatable")


@pytest.fixture(scope="session")
def types() -> dict[str, ReportType]:
    return load_report_types()


# The example report's bureau and outline, as the first two answers of a draft choose them.
KEJI = {"profile": "科技局", "outline": "五项式"}
START = list(KEJI.values())  # the same two answers as typed messages


@pytest.fixture(scope="session")
def rt(types: dict[str, ReportType]) -> ReportType:
    """The report type as the 科技局 profile and the five-part outline lay it out."""
    return types["fazhi_zhengfu"].variant_for(KEJI)


@pytest.fixture
def engine(rt: ReportType) -> Engine:
    return Engine(rt)


@pytest.fixture
def draft(rt: ReportType) -> Draft:
    """A new draft whose bureau and outline are chosen: the next question is the unit's name."""
    return Draft(id="d1", user_id=7, report_type=rt.id, schema_version=rt.version, answers=dict(KEJI))


@pytest.fixture
def store(tmp_path: Path):
    s = TinyDBRecordStore(tmp_path / "data")
    yield s
    s.close()


@pytest.fixture
def assistant(store: TinyDBRecordStore, types: dict[str, ReportType]) -> Assistant:
    return Assistant(store, types, DocxReporter(), reader=DocxFileReader())


def say(assistant: Assistant, user: int, text: str) -> list[Out]:
    """Send one typed message as a user would."""
    return assistant.handle(user, parse_input(text))


def last_text(outs: list[Out]) -> str:
    replies = [o for o in outs if isinstance(o, Reply)]
    return replies[-1].text if replies else ""


def run_script(assistant: Assistant, user: int, msgs: list[str]) -> list[Out]:
    """Start, then send every message; return all outputs."""
    outs = assistant.handle(user, Action("start"))
    for m in msgs:
        outs += say(assistant, user, m)
    return outs


@pytest.fixture
def helped(store, types, llm):
    """An assistant with writing help, against the module's model stand-in (its own `llm` fixture)."""
    from llm import OpenAIWriter
    from report import DocxReporter

    writer = OpenAIWriter(llm.base_url, "sk-secret-key-123", "test-model", timeout=1.0)
    return Assistant(store, types, DocxReporter(), writer=writer)
