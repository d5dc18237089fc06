"""Report rendering: Jinja2 composition and the GB/T 9704-2012 DOCX writer."""

from __future__ import annotations

from typing import Any

from dialogs.schema import ReportType

from .compose import Composition, compose, to_text


class DocxReporter:
    """The Reporter the assistant uses: preview text and DOCX bytes from answers."""

    def preview(self, rt: ReportType, answers: dict[str, Any]) -> str:
        """The composed report as chat text."""
        return to_text(compose(rt, answers))

    def docx(self, rt: ReportType, answers: dict[str, Any]) -> tuple[str, bytes]:
        """(file name, DOCX bytes) for the composed report."""
        from .docx_writer import safe_filename, write_docx

        comp = compose(rt, answers)
        return safe_filename(comp.title) + ".docx", write_docx(comp)


__all__ = ["Composition", "DocxReporter", "compose", "to_text"]
