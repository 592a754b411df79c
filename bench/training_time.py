"""Benchmark: training time, model size and time from start to ready (issues 2 and 8).

Trains Neuvo from scratch into a temporary directory (Rasa's cache disabled),
so the number is what a fresh clone pays; then starts the trained model the
way `neuvo run` does (action server, Rasa, web app on SQLite) and times until
every process answers. Does the same for Rasa's stock bot (`rasa init
--no-prompt`, which trains as part of init) as the baseline, and prints the
machine it ran on.

    .venv/bin/python bench/training_time.py [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import load_average, machine_summary, replace_section  # noqa: E402
from bot.cli import cmd_init_db  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.stack import Stack, answers  # noqa: E402

SECTION = "training-time"
READY_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Measured:
    train_s: float
    model_bytes: int
    ready_s: float


def rasa_env(cache: str) -> dict[str, str]:
    return dict(os.environ, RASA_TELEMETRY_ENABLED="false", RASA_CACHE_DIRECTORY=cache)


def count_examples() -> int:
    import yaml

    total = 0
    for path in (ROOT / "data").rglob("*.yml"):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            total += sum(1 for line in item.get("examples", "").splitlines() if line.strip())
    return total


def train_neuvo(out: Path, cache: str) -> tuple[Path, float]:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--config", "config.yml", "--domain",
         "domain", "--data", "data", "--out", str(out)],
        cwd=ROOT, env=rasa_env(cache), check=True, capture_output=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    return next(out.glob("*.tar.gz")), seconds


def init_stock_bot(directory: Path, cache: str) -> tuple[Path, float]:
    """Rasa's stock bot in ``directory``, trained; returns the model and init+train seconds."""
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(directory)],
        cwd=directory.parent, env=rasa_env(cache), check=True, capture_output=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    return next((directory / "models").glob("*.tar.gz")), seconds


def stock_bot_command(model: Path, port: int) -> list[str]:
    # The stock bot as `rasa run` serves it: in-memory tracker and lock stores.
    return [sys.executable, "-m", "rasa", "run", "--enable-api", "-i", "127.0.0.1",
            "-p", str(port), "--model", str(model)]  # fmt: skip


def wait_until_answers(url: str, process: subprocess.Popen, timeout: float = READY_TIMEOUT_S):
    deadline = time.monotonic() + timeout
    while not answers(url):
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode} before answering {url}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer in {timeout:.0f} s")
        time.sleep(0.2)


def stock_bot_ready_seconds(model: Path, port: int) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        stock_bot_command(model, port), cwd=model.parent.parent, env=rasa_env(""),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/status", process)
        return time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(30)


def neuvo_ready_seconds(model: Path, var: Path) -> float:
    """From starting the three processes until all answer (database made beforehand)."""
    settings = Settings(
        rasa_port=15105, actions_port=15155, web_port=18180, var_dir=var, database_url=""
    )
    cmd_init_db(settings)
    stack = Stack(settings, model)
    started = time.perf_counter()
    with stack:
        return time.perf_counter() - started


def measure() -> tuple[Measured, Measured]:
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as cache:
        work = Path(tmp)
        (work / "models").mkdir()
        model, train_s = train_neuvo(work / "models", cache)
        neuvo = Measured(train_s, model.stat().st_size, neuvo_ready_seconds(model, work / "var"))
        stock_model, stock_train_s = init_stock_bot(work / "stock", cache)
        stock = Measured(
            stock_train_s, stock_model.stat().st_size, stock_bot_ready_seconds(stock_model, 15205)
        )
    return neuvo, stock


def render(neuvo: Measured, stock: Measured, load_before: str, load_after: str) -> str:
    rows = [
        f"Run: `.venv/bin/python bench/training_time.py --write docs/benchmarks.md` on "
        f"{machine_summary()}. Load average (1/5/15 min) before {load_before}, "
        f"after {load_after}.",
        "",
        f"NLU examples: {count_examples()}. Training from scratch with Rasa's cache disabled; "
        "wall clock includes ~20 s of Rasa start-up. The stock bot is `rasa init --no-prompt` "
        "(copying the project and training it). Start to ready: Neuvo = action server, Rasa "
        "and web app started together until all three answer their health checks (the "
        "database made beforehand); stock bot = `rasa run` until `/status` answers.",
        "",
        "| what | Neuvo | stock `rasa init` bot | ratio |",
        "|---|---|---|---|",
        f"| training, wall clock | {neuvo.train_s:.0f} s | {stock.train_s:.0f} s "
        f"| {neuvo.train_s / stock.train_s:.1f}× |",
        f"| model size | {neuvo.model_bytes / 2**20:.1f} MiB | {stock.model_bytes / 2**20:.1f} MiB "
        f"| {neuvo.model_bytes / stock.model_bytes:.1f}× |",
        f"| start to ready | {neuvo.ready_s:.0f} s | {stock.ready_s:.0f} s "
        f"| {neuvo.ready_s / stock.ready_s:.1f}× |",
        "",
        "Goal (issue 2): Neuvo's training under 180 s.",
    ]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    before = load_average()
    print(f"load average before: {before}", flush=True)
    neuvo, stock = measure()
    report = render(neuvo, stock, before, load_average())
    print(report)
    if args.write:
        replace_section(
            args.write, SECTION, "## Training time, model size, start to ready\n\n" + report
        )


if __name__ == "__main__":
    main()
