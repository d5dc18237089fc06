"""2. Compose + write the reference report's DOCX, against a bare python-docx document."""

from __future__ import annotations

import io
import time

from docx import Document

from dialogs.draft import Draft
from dialogs.engine import Engine
from dialogs.outlines import load_report_types
from report.compose import compose
from report.docx_writer import write_docx

from .common import reference_draft, summary


def run(samples: int = 40) -> list[tuple[str, str, str]]:
    """Rows for the table."""
    draft = Draft.from_dict(reference_draft())
    rt = load_report_types()["fazhi_zhengfu"].variant_for(draft.answers)  # 科技局 × 五项式
    answers = Engine(rt).visible_answers(draft)
    assert len(compose(rt, answers).blocks) > 30  # the whole report, not an empty frame

    def ours() -> None:
        write_docx(compose(rt, answers))

    def bare() -> None:
        doc = Document()
        doc.add_paragraph("法治政府建设情况报告")
        doc.save(io.BytesIO())

    for f in (ours, bare):  # warm imports and caches
        f()
    t_ours, t_bare = [], []
    for _ in range(samples):  # interleaved, so both see the same machine state
        t0 = time.perf_counter()
        ours()
        t_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        bare()
        t_bare.append(time.perf_counter() - t0)
    a, b = summary(t_ours), summary(t_bare)
    ratio = a["median"] / b["median"]
    return [
        (
            "render reference report (compose + DOCX)",
            f"min {a['min'] * 1e3:.1f} / median {a['median'] * 1e3:.1f} / max {a['max'] * 1e3:.1f} ms",
            "",
        ),
        (
            "bare python-docx Document() + 1 paragraph",
            f"min {b['min'] * 1e3:.1f} / median {b['median'] * 1e3:.1f} / max {b['max'] * 1e3:.1f} ms",
            "",
        ),
        ("render ratio (medians)", f"{ratio:.2f}", "≤ 3 " + ("met" if ratio <= 3 else "NOT met")),
    ]
