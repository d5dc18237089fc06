"""Which test literals are fragments of interface wording: `python -m tests.wording_inventory` (not a test).

Interface wording: messages.py (the text between placeholders), Chinese literals in the dialogs and
channels code, and the prompts, hints and labels of the templates' questions. A literal counts when it
sits in an assert, an `in` test, or the expected text of a wait/press helper, and one of its runs of two
or more Chinese characters is interface wording but not bureau data (profile names, examples, answers).
The three files another branch rewrites are left out.
"""

from __future__ import annotations

import ast
import glob
import re
import sys
import tomllib
from pathlib import Path

from dialogs.messages import BUTTONS, HELP, MESSAGES

CJK = re.compile(r"[\u4e00-\u9fff]")
RUN = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef“”：，。（）]+")
SKIP = {"tests/test_storage.py", "tests/test_settings.py", "tests/kill_trials.py"}
EXPECTED = {"wait_text": (2,), "say": (3,), "tg_say": (3,), "press": (2, 3)}  # argument positions
VOCABULARY = {"numbers.py", "facts.py", "wording.py", "importer.py", "outlines.py", "cleanup.py", "schema.py"}


def pieces(text: str) -> list[str]:
    return [p for p in re.split(r"\{[^}]*\}", text) if CJK.search(p)]


def sources() -> tuple[list[str], list[str]]:
    """(interface wording, bureau data)."""
    iface = [p for t in [*MESSAGES.values(), *BUTTONS.values(), HELP] for p in pieces(t)]
    for f in [*glob.glob("dialogs/*.py"), *glob.glob("channels/**/*.py", recursive=True), "bot.py"]:
        if Path(f).name in VOCABULARY | {"messages.py"}:
            continue
        for node in ast.walk(ast.parse(Path(f).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                iface += pieces(node.value)
    data: list[str] = []

    def walk(x: object) -> None:
        if isinstance(x, dict):
            question = "kind" in x or "prompt" in x
            for k, v in x.items():
                if isinstance(v, str):
                    (iface if question and k in ("prompt", "hint", "label") else data).append(v)
                else:
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                data.append(v) if isinstance(v, str) else walk(v)

    for f in glob.glob("templates/**/*.toml", recursive=True):
        walk(tomllib.loads(Path(f).read_text(encoding="utf-8")))
    return iface, data


def fragments() -> list[tuple[str, int, str, str]]:
    """(file, line, test, literal) for every literal that matches interface wording."""
    iface, data = sources()

    def wording(s: str) -> bool:
        runs = [r for r in RUN.findall(s) if len(CJK.findall(r)) >= 2 and not any(r in d for d in data)]
        return any(r in p for r in runs for p in iface)

    rows = set()
    for f in sorted(set(glob.glob("tests/test_*.py")) - SKIP):
        tree = ast.parse(Path(f).read_text(encoding="utf-8"))
        tests = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for c in ast.walk(tree):
            if isinstance(c, ast.Assert):
                nodes = list(ast.walk(c))
            elif isinstance(c, ast.Compare) and any(isinstance(o, (ast.In, ast.NotIn)) for o in c.ops):
                nodes = list(ast.walk(c.left))
            elif isinstance(c, ast.Call) and getattr(c.func, "id", getattr(c.func, "attr", "")) in EXPECTED:
                name = getattr(c.func, "id", getattr(c.func, "attr", ""))
                nodes = [n for i in EXPECTED[name] if i < len(c.args) for n in ast.walk(c.args[i])]
            else:
                continue
            for n in nodes:
                if isinstance(n, ast.Constant) and isinstance(n.value, str) and wording(n.value):
                    owner = max(
                        (t for t in tests if t.lineno <= n.lineno <= (t.end_lineno or 0)), key=lambda t: t.lineno
                    )
                    rows.add((f, n.lineno, owner.name, n.value))
    return sorted(rows)


if __name__ == "__main__":
    found = fragments()
    for f, line, test, text in found:
        print(f"{f}:{line}\t{test}\t{text!r}")
    print(f"{len(found)} fragments in {len({(f, t) for f, _, t, _ in found})} tests", file=sys.stderr)
