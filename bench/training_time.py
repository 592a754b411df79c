"""Benchmark: how long training the Rasa model takes (goal: under 3 minutes).

Trains from scratch into a temporary directory (Rasa's cache disabled), so the
number is what a fresh clone pays, and prints the machine it ran on.

    .venv/bin/python bench/training_time.py [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import machine_summary, replace_section  # noqa: E402

SECTION = "training-time"


def count_examples() -> int:
    import yaml

    total = 0
    for path in (ROOT / "data").rglob("*.yml"):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            total += sum(1 for line in item.get("examples", "").splitlines() if line.strip())
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", RASA_CACHE_DIRECTORY=cache)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "rasa", "train", "--config", "config.yml", "--domain",
             "domain", "--data", "data", "--out", out],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        seconds = time.perf_counter() - started
    report = (
        f"Run: `.venv/bin/python bench/training_time.py --write docs/benchmarks.md` on "
        f"{machine_summary()}.\n\n"
        f"| what | value |\n|---|---|\n"
        f"| NLU examples | {count_examples()} |\n"
        f"| `rasa train` from scratch, wall clock (incl. ~20 s of Rasa start-up) | "
        f"{seconds:.0f} s |\n"
        f"| goal | < 180 s |\n"
    )
    print(report)
    if args.write:
        replace_section(args.write, SECTION, "## Training time\n\n" + report)


if __name__ == "__main__":
    main()
