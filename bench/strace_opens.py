"""How often the bot process opens a user's file while that user sends one answer (needs strace).

    python -m bench.strace_opens

Runs `bot.py` against the Bot API stand-in, attaches `strace -f -e trace=openat` for one
answer at a time and counts opens of `users/u<id>.json*`: warm (the record in memory),
the first answer after a restart, and the answer after that.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.botrunner import TOKEN
from tests.fake_bot_api import FakeBotAPI

REPO = Path(__file__).resolve().parent.parent
U = 501


def start_bot(api: FakeBotAPI, data: str) -> subprocess.Popen:
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=api.root, DATA_DIR=data, LOG_LEVEL="WARNING")
    return subprocess.Popen(
        [sys.executable, str(REPO / "bot.py")], env=env, cwd=data, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def send(api: FakeBotAPI, text: str, expect: str) -> None:
    n = len(api.sent)
    api.message(U, text)
    api.wait_sent(lambda s: any(expect in x.text for x in s[n:]), 20)


def traced(api: FakeBotAPI, pid: int, text: str, expect: str, out: Path) -> tuple[int, int]:
    """(opens of the user's files, of which for reading) while one answer is handled."""
    st = subprocess.Popen(
        ["strace", "-f", "-e", "trace=openat", "-p", str(pid), "-o", str(out)], stderr=subprocess.DEVNULL
    )
    time.sleep(1.0)  # attached
    send(api, text, expect)
    time.sleep(0.3)
    st.send_signal(signal.SIGINT)
    st.wait()
    mine = [line for line in out.read_text().splitlines() if f"u-tg%3A{U}.json" in line]  # the user tg:{U}
    reads = [line for line in mine if "O_RDONLY" in line and "O_CREAT" not in line]
    return len(mine), len(reads)


def main() -> int:
    if shutil.which("strace") is None:
        print("strace is not installed (Debian: apt-get install strace)")
        return 1
    with FakeBotAPI(TOKEN) as api, tempfile.TemporaryDirectory() as data:
        out = Path(data) / "trace"
        bot = start_bot(api, data)
        send(api, "/start", "您是哪类部门")
        send(api, "科技局", "报告按哪种结构写")
        send(api, "五项式", "请输入单位全称")
        send(api, "鲁山县科学技术局", "正文里怎么称呼本单位")
        rows = [("warm: the record is in memory", traced(api, bot.pid, "县科技局", "这是哪一年的报告", out))]
        bot.send_signal(signal.SIGTERM)
        bot.wait(30)
        bot = start_bot(api, data)
        time.sleep(2)
        rows.append(("first answer after a restart", traced(api, bot.pid, "2024", "报告主送哪里", out)))
        rows.append(("the answer after that", traced(api, bot.pid, "/skip", "开头一句", out)))
        bot.send_signal(signal.SIGTERM)
        bot.wait(30)
    for what, (opens, reads) in rows:
        print(f"{what:<32} opens of u-tg%3A{U}.json*: {opens}, for reading: {reads}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
