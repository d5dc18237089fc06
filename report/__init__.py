"""Report rendering: Jinja2 composition and the GB/T 9704-2012 DOCX writer."""

from __future__ import annotations

import logging
import re
from typing import Any

from dialogs.ports import Pages
from dialogs.schema import ReportType

from .compose import Composition, compose, to_text
from .pdf import PdfError, first_page_png, soffice, to_pdf

log = logging.getLogger(__name__)


def page_count(pdf: bytes) -> int:
    """Pages in a PDF LibreOffice wrote (its page objects), without a PDF library."""
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


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

    @property
    def can_paginate(self) -> bool:
        """LibreOffice is installed, so PDF pages can be made."""
        return soffice() is not None

    def pages(self, rt: ReportType, answers: dict[str, Any]) -> Pages | None:
        """The same DOCX rendered to PDF by LibreOffice, with the first page as a PNG; None if that fails."""
        filename, data = self.docx(rt, answers)
        try:
            pdf = to_pdf(data)
        except PdfError:
            log.warning("no PDF pages for a preview", exc_info=True)
            return None
        return Pages(filename.removesuffix(".docx") + ".pdf", pdf, page_count(pdf), first_page_png(pdf))


__all__ = ["Composition", "DocxReporter", "compose", "to_text"]
