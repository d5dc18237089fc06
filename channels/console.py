"""Console channel: the same assistant in a terminal, one line per message.

Works with piped input: prompts are flushed, and end of input stops cleanly
(every answer is already saved by then).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TextIO

from dialogs.actions import Action, Document, Out, Reply, parse_input
from dialogs.assistant import Assistant
from dialogs.messages import say

log = logging.getLogger(__name__)


def render_reply(reply: Reply) -> str:
    """Message text plus its buttons as the commands that do the same."""
    lines = [reply.text]
    for row in reply.buttons:
        cells = []
        for b in row:
            cmd = b.action.command()
            cells.append(f"[{b.label}]" if cmd == b.label or b.action.name == "choose" else f"[{b.label}] {cmd}")
        lines.append("  " + "  ".join(cells))
    return "\n".join(lines)


def save_document(doc: Document, data_dir: Path, user_id: str) -> Path:
    """Write a generated report under DATA_DIR/reports/<user>/ and return its path."""
    folder = data_dir / "reports" / str(user_id).replace(":", "-")  # console:1 -> reports/console-1
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / doc.filename
    path.write_bytes(doc.data)
    return path


def show(outs: list[Out], out: TextIO, data_dir: Path, user_id: str) -> None:
    """Print replies; save documents and print where they went."""
    for o in outs:
        if isinstance(o, Document):
            path = save_document(o, data_dir, user_id)
            out.write(f"{o.caption}\n{say('console_saved_to', path=path.resolve())}\n")
        else:
            out.write(render_reply(o) + "\n")
        out.write("\n")
    out.flush()


IMPORT = "/import "


def import_path(assistant: Assistant, user_id: str, raw: str) -> list[Out]:
    """`/import PATH`: read a local file and hand it to the assistant as an upload would be."""
    path = Path(raw.strip().strip("'\"")).expanduser()
    try:
        data = path.read_bytes()
    except OSError:
        return [Reply(say("console_no_file", path=path), kind="error", notice="console_no_file")]
    return assistant.import_file(user_id, path.name, data)


def one_line(assistant: Assistant, user_id: str, text: str) -> list[Out]:
    """One typed line: `/import PATH` reads a file; anything else is a message."""
    if text.startswith(IMPORT) and text[len(IMPORT) :].strip():
        return import_path(assistant, user_id, text[len(IMPORT) :])
    return assistant.handle(user_id, parse_input(text))


def run_console(assistant: Assistant, user_id: str, data_dir: Path, inp: TextIO, out: TextIO) -> int:
    """Read lines until end of input; each line is one message to the assistant."""
    out.write(say("console_intro") + "\n\n")
    show(assistant.handle(user_id, Action("start")), out, data_dir, user_id)
    try:
        while True:
            out.write("> ")
            out.flush()
            line = inp.readline()
            if not line:
                break
            text = line.rstrip("\n")
            if not text.strip():
                continue
            try:
                outs = one_line(assistant, user_id, text)
            except Exception:  # a bug must not end the session: answers saved so far stay saved
                log.exception("error while handling a console message")
                outs = [Reply(say("failed"), kind="error", notice="failed")]
            show(outs, out, data_dir, user_id)
    except KeyboardInterrupt:
        pass
    out.write("\n" + say("console_bye") + "\n")
    out.flush()
    return 0
