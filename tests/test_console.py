"""The console chat driven through pipes, as `make run` starts it without a token."""

from __future__ import annotations

import os
import subprocess
import sys

from dialogs.messages import say as words
from tests import reference
from tests.conftest import REPO
from tests.wording import ask, part


def run_bot(tmp_path, lines, *args):
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["DATA_DIR"] = str(tmp_path / "data")
    text = "\n".join(m.replace("\n", " ") if "\n" in m and not m.startswith("西鲁") else m for m in lines) + "\n"
    return subprocess.run(
        [sys.executable, str(REPO / "bot.py"), *args],
        input=text,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )


def test_no_token_starts_console_and_eof_ends_cleanly(tmp_path):
    proc = run_bot(tmp_path, ["科技局", "五项式", "鲁山县科学技术局", "很多"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(words("console_intro")) and ask("unit_name") in proc.stdout
    assert ask("unit_short") in proc.stdout
    assert proc.stdout.rstrip().endswith(words("console_bye"))
    assert "Traceback" not in proc.stderr


def test_resume_after_restart_and_full_pass_writes_docx(tmp_path):
    msgs = reference.script()
    # list answers are one message per line in the console
    i = msgs.index("西鲁技术有限公司\n华兰生物（鲁山）单采血浆有限公司")
    msgs[i : i + 1] = ["西鲁技术有限公司", "华兰生物（鲁山）单采血浆有限公司"]
    first = run_bot(tmp_path, msgs[:10], "--console")
    assert first.returncode == 0
    second = run_bot(tmp_path, msgs[10:] + ["/report"], "--console")
    assert part("welcome_back_to") in second.stdout
    assert part("complete") in second.stdout
    docs = list((tmp_path / "data" / "reports").rglob("*.docx"))
    assert [d.name for d in docs] == ["鲁山县科学技术局关于2024年法治政府建设情况的报告.docx"]
    assert words("console_saved_to", path=docs[0].resolve()) in second.stdout


def test_bad_setting_is_one_clear_line(tmp_path):
    env = dict(os.environ, TELEGRAM_BOT_TOKEN="not-a-token", DATA_DIR=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, str(REPO / "bot.py")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "TELEGRAM_BOT_TOKEN" in proc.stderr


def test_a_failing_message_does_not_end_the_console(tmp_path, assistant, monkeypatch):
    import io

    from channels.console import run_console

    real = assistant.handle

    def flaky(user_id, action):
        if action.arg == "坏":
            raise RuntimeError("bug")
        return real(user_id, action)

    monkeypatch.setattr(assistant, "handle", flaky)
    out = io.StringIO()
    code = run_console(assistant, 1, tmp_path, io.StringIO("坏\n科技局\n五项式\n鲁山县科学技术局\n"), out)
    text = out.getvalue()
    assert code == 0 and words("failed") in text and "Traceback" not in text
    assert ask("unit_short") in text.split(words("failed"))[1]
    assert assistant.active(1).answers["unit_name"] == "鲁山县科学技术局"
