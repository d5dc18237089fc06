"""Where the time goes inside each bot, open loop at 30 msg/s, API 0 ms: python -m bench.timeline [runs].

Not part of `make bench`: a probe (bench/probe.py) stamps each update in the bot
process; the medians show which part of ours the echo bot does not have.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from . import latency


def main(runs: int = 2) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "probe.json"
        os.environ["BENCH_PROBE"] = str(out)
        for i in range(runs):
            for kind in ("echo", "floor", "ours"):
                drv = latency.one_run(kind, 0.0, "open", "typed", seed=i + 1)
                gaps = json.loads(out.read_text(encoding="utf-8"))
                print(f"{kind:5s} {latency._ms(drv.complete)}; inside the bot, medians in ms: {gaps}")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2))
