"""0. What one durably saved answer costs on this disk: the filesystem calls behind atomic_write.

This is the floor under the end-to-end latency of an answer: an echo bot does none of it.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from storage.files import atomic_write
from storage.wal import WriteAheadLog, encode_line

N = 300


def _median_ms(fn: Callable[[int], object], pause: float = 0.0) -> float:
    """Median time of N calls; `pause` seconds of quiet before each (an idle disk path wakes up slower)."""
    times = []
    for i in range(N):
        if pause:
            time.sleep(pause)
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def run() -> list[tuple[str, str, str]]:
    """Rows for the table."""
    text = "法治政府建设" * 340  # about 6 KB, like one stored draft
    os.sync()  # start from a quiet disk: earlier benchmarks leave writeback behind
    with tempfile.TemporaryDirectory(dir=os.environ.get("DATA_DIR") or None) as tmp:
        d = Path(tmp)
        target = d / "u1.json"
        target.write_text(text, encoding="utf-8")

        def create(i: int) -> None:
            with open(d / f"c{i}", "w", encoding="utf-8") as fh:
                fh.write(text)

        def create_fsync(i: int) -> None:
            with open(d / f"f{i}", "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())

        def fsync_dir(_: int) -> None:
            fd = os.open(d, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)

        def stat(_: int) -> None:
            os.stat(target)

        def read(_: int) -> None:
            target.read_bytes()

        wal = WriteAheadLog(d / "wal")
        spared = WriteAheadLog(d / "spared", spare_bytes=(N * 18 + 1) * len(text.encode()))  # room for every append
        spared.make_spares()
        line = encode_line({"u": 1, "c": {"put": [{"answers": {"opening": text}}]}})

        rows = [
            ("create + write 6 KB file", _median_ms(create)),
            ("create + write + fsync 6 KB file", _median_ms(create_fsync)),
            ("fsync directory", _median_ms(fsync_dir)),
            ("stat", _median_ms(stat)),
            ("open + read 6 KB", _median_ms(read)),
            (
                "atomic_write (all of the above + backup link + rename)",
                _median_ms(lambda i: atomic_write(target, text)),
            ),
            (
                "log append of one 6 KB change + fsync, growing segment",
                _median_ms(lambda i: wal.append([line])),
            ),
            (
                "log append of 16 changes + one fsync (group commit), per change",
                _median_ms(lambda i: wal.append([line] * 16)) / 16,
            ),
            (
                "log append of one 6 KB change + fsync into a spare segment (the bot's setting)",
                _median_ms(lambda i: spared.append([line])),
            ),
            (
                "log append of 16 changes + one fsync into a spare segment, per change",
                _median_ms(lambda i: spared.append([line] * 16)) / 16,
            ),
            (
                "log append of one change + fsync into a spare segment, 30 ms after the last (as at 30 msg/s)",
                _median_ms(lambda i: spared.append([line]), pause=0.03),
            ),
        ]
        wal.close()
        spared.close()
    return [(f"fs: {what}", f"median {ms:.3f} ms", "") for what, ms in rows]
