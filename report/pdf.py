"""DOCX -> PDF pages with LibreOffice headless (optional at run time), fonts mapped by the shipped fonts.conf.

Each conversion uses its own throw-away LibreOffice profile, so conversions can
run side by side. Without soffice, or when a conversion fails, PdfError says so
and the caller falls back to the text preview.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

FONTS_CONF = Path(__file__).with_name("fonts.conf")
TIMEOUT = 120  # seconds; a cold LibreOffice start takes a few


class PdfError(RuntimeError):
    """No PDF: LibreOffice is missing, timed out or failed."""


def soffice() -> str | None:
    """The LibreOffice binary, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["FONTCONFIG_FILE"] = str(FONTS_CONF)
    return env


def to_pdf(docx: bytes, name: str = "report", timeout: float = TIMEOUT) -> bytes:
    """The DOCX rendered to PDF by LibreOffice."""
    binary = soffice()
    if binary is None:
        raise PdfError("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="report-pdf-") as tmp:
        src = Path(tmp) / f"{name}.docx"
        src.write_bytes(docx)
        args = [binary, "--headless", f"-env:UserInstallation=file://{tmp}/profile", "--convert-to", "pdf"]
        try:
            proc = subprocess.run(
                [*args, "--outdir", tmp, str(src)], capture_output=True, timeout=timeout, env=_env(), check=False
            )
        except (subprocess.TimeoutExpired, OSError) as exc:
            raise PdfError(f"LibreOffice did not finish: {exc}") from exc
        pdf = src.with_suffix(".pdf")
        if not pdf.is_file():
            raise PdfError(f"LibreOffice made no PDF (exit {proc.returncode})")
        return pdf.read_bytes()


PAGE_PX = 1240  # the inline page image's width: A4 at 150 dpi, sharp on a phone once zoomed


def first_page_png(pdf: bytes, width: int = PAGE_PX, timeout: float = 30) -> bytes | None:
    """The first page as a PNG `width` pixels wide (poppler's pdftoppm), for an inline look in the chat."""
    binary = shutil.which("pdftoppm")
    if binary is None:
        return None
    with tempfile.TemporaryDirectory(prefix="report-png-") as tmp:
        src = Path(tmp) / "r.pdf"
        src.write_bytes(pdf)
        try:
            subprocess.run(
                [
                    binary,
                    "-png",
                    "-scale-to-x",
                    str(width),
                    "-scale-to-y",
                    "-1",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    str(src),
                    f"{tmp}/page",
                ],  # fmt: skip
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except (subprocess.TimeoutExpired, OSError):
            return None
        png = Path(tmp) / "page.png"
        return png.read_bytes() if png.is_file() else None
