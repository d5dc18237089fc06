"""0. What one durably saved answer costs on this disk: the filesystem calls behind AtomicJSONStorage.write.

This is the floor under the end-to-end latency of an answer: an echo bot does none of it.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable

from storage.files import AtomicJSONStorage, fsync_dir

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
    raw = text.encode()
    os.sync()  # start from a quiet disk: earlier benchmarks leave writeback behind
    with tempfile.TemporaryDirectory(dir=os.environ.get("DATA_DIR") or None) as tmp:
        storage = AtomicJSONStorage(os.path.join(tmp, "u1.json"))

        def create_fsync(i: int) -> None:
            fd = os.open(os.path.join(tmp, f"f{i}"), os.O_WRONLY | os.O_CREAT)
            os.write(fd, raw)
            os.fsync(fd)
            os.close(fd)

        rows = [
            ("create + write + fsync 6 KB file", _median_ms(create_fsync)),
            ("fsync directory", _median_ms(lambda i: fsync_dir(tmp))),
            (
                "AtomicJSONStorage.write of one 6 KB draft (all of it)",
                _median_ms(lambda i: storage.write({"d": {"1": {"t": text}}})),
            ),
            (
                "the same, 30 ms after the last (as at 30 msg/s)",
                _median_ms(lambda i: storage.write({"d": {"1": {"t": text}}}), pause=0.03),
            ),
        ]
    return [(f"fs: {what}", f"median {ms:.3f} ms", "") for what, ms in rows]
