"""Load benchmark: simulated residents over REST, against Rasa's stock bot (issue 8).

Three set-ups on this machine, one after the other:

- baseline: Rasa's stock bot (`rasa init --no-prompt`, trained in this run),
  served by `rasa run` with its in-memory stores;
- neuvo: the default run (action server, Rasa, web app; SQLite);
- scaled: `neuvo run --scaled` (nginx, 2 Rasa, 2 action servers; PostgreSQL,
  Redis), on a fresh PostgreSQL database.

Each is driven by 1, 10 and 50 concurrent residents for --duration seconds,
closed loop (a resident sends the next message when the reply has come, no
think time). Neuvo's residents hold the conversations of the service: a need
routed to a service, a callback request (the form's five questions and the
confirmation), a booking (need, "book", a time), in Finnish and Swedish; the
stock bot's residents hold its mood conversations. Then --soak seconds at 50
concurrent on the scaled set-up. After every run each conversation's tracker
is read back: the user messages must be the ones sent, in the order sent.

Reports turns/s, p50/p95/p99 turn latency, errors, peak memory (RSS) of every
server process, the ratios to the baseline and the load average.

    .venv/bin/python bench/load.py [--duration 30] [--soak 300] [--write docs/benchmarks.md]
    .venv/bin/python bench/load.py --duration 5 --soak 10 --levels 1 4   # smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import load_average, machine_summary, replace_section  # noqa: E402
from bench.training_time import (  # noqa: E402
    init_stock_bot,
    rasa_env,
    stock_bot_command,
    wait_until_answers,
)
from bot.channels.apology import apology  # noqa: E402
from bot.cli import cmd_init_db  # noqa: E402
from bot.localservers import create_database, drop_database, ensure_postgres, ensure_redis  # noqa: E402
from bot.privacy import redact  # noqa: E402
from bot.scale import ScaledStack  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.stack import Stack  # noqa: E402
from bot.training import ensure_model  # noqa: E402

SECTION = "load"
POSTGRES_SERVER = os.environ.get(
    "NEUVO_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("NEUVO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
TURN_TIMEOUT_S = 60.0
# What Neuvo answers when a part of the service failed (HTTP 200 all the same).
APOLOGIES = {apology(language)["text"] for language in ("fi", "sv")}

# A step is what the resident sends: fixed text, or chosen from the last
# replies (a button's payload), None when the expected button is missing.
Step = str | Callable[[list[dict]], str | None]


def button(predicate: Callable[[dict], bool]) -> Callable[[list[dict]], str | None]:
    def choose(replies: list[dict]) -> str | None:
        found = [b for r in replies for b in r.get("buttons", []) if predicate(b)]
        return found[0]["payload"] if found else None

    return choose


@dataclass(frozen=True)
class Script:
    name: str
    language: str
    steps: tuple[Step, ...]


BOOK = button(lambda b: b["payload"] == "/book_appointment")
FIRST_TIME = button(lambda b: b["payload"].startswith("/choose_slot"))
CALLBACK = button(lambda b: b["payload"].startswith("/request_callback"))

NEUVO_SCRIPTS = (
    Script("routing", "fi", ("hei", "olen tosi yksinäinen", "kiitos")),
    Script("routing", "sv", ("hej", "min mamma klarar sig inte längre hemma", "tack")),
    Script(
        "callback",
        "fi",
        (
            "hammasta särkee ja poski on turvonnut",
            CALLBACK,
            "040 123 4567",
            "Matti",
            "paikka on turvoksissa kolmatta päivää",
            "Huomenna aamupäivällä",
            "Kyllä, tallenna",
        ),
    ),  # fmt: skip
    Script(
        "callback",
        "sv",
        (
            "jag behöver hjälp med att ansöka om utkomststöd",
            CALLBACK,
            "050 765 4321",
            "Hoppa över",
            "Inget att tillägga",
            "När som helst",
            "Ja, spara",
        ),
    ),  # fmt: skip
    Script("booking", "fi", ("tarviin hammaslääkärin, paikka lohkesi", BOOK, FIRST_TIME, "kiitos")),
    Script("booking", "sv", ("jag behöver tid till tandläkaren", BOOK, FIRST_TIME, "tack")),
)
BASELINE_SCRIPTS = (
    Script("mood", "en", ("hello", "I am sad", "yes", "goodbye")),
    Script("mood", "en", ("hi", "I am great", "bye")),
    Script("mood", "en", ("good morning", "very sad", "no", "bye")),
)
# The demo catalogue's municipalities with bookable units (Länsi- and
# Itä-Uusimaa): residents spread over them as a county's would.
MUNICIPALITIES = ("049", "444", "710", "638", "257", "927", "434", "753")


@dataclass
class Conversation:
    sender: str
    sent: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    label: str
    concurrency: int
    elapsed_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    # The same latencies by kind of conversation, to see where the time goes.
    latencies_by_script: dict[str, list[float]] = field(default_factory=dict)
    http_errors: int = 0
    script_errors: int = 0
    conversations: list[Conversation] = field(default_factory=list)
    out_of_order: int | None = None
    cpu_s: dict[str, float] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)

    @property
    def turns(self) -> int:
        return len(self.latencies_s)

    @property
    def throughput(self) -> float:
        return self.turns / self.elapsed_s if self.elapsed_s else 0.0

    def cpu_ms_per_turn(self, process: str | None = None) -> float:
        used = sum(self.cpu_s.values()) if process is None else self.cpu_s.get(process, 0.0)
        return 1000 * used / self.turns if self.turns else float("nan")

    def percentile_ms(self, q: float, script: str | None = None) -> float:
        values = self.latencies_s if script is None else self.latencies_by_script.get(script, [])
        if not values:
            return float("nan")
        ordered = sorted(values)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _turn(
    client: aiohttp.ClientSession, url: str, conversation: Conversation, text: str, metadata: dict
) -> list[dict]:
    conversation.sent.append(text)
    body = {"sender": conversation.sender, "message": text, "metadata": metadata}
    async with client.post(url, json=body) as response:
        if response.status != 200:
            raise aiohttp.ClientResponseError(
                response.request_info, (), status=response.status, message=await response.text()
            )
        replies = await response.json()
    if not isinstance(replies, list) or not replies:
        raise ValueError(f"no reply to {text!r}")
    if any(r.get("text") in APOLOGIES for r in replies):
        raise ValueError(f"apology (a part of the service failed) after {text!r}")
    return replies


async def _resident(
    client: aiohttp.ClientSession,
    url: str,
    scripts: tuple[Script, ...],
    number: int,
    deadline: float,
    result: RunResult,
) -> None:
    run_id = secrets.token_hex(3)
    count = 0
    while time.monotonic() < deadline:
        script = scripts[(number + count) % len(scripts)]
        conversation = Conversation(f"load-{result.label}-{run_id}-{number}-{count}")
        result.conversations.append(conversation)
        metadata = {"language": script.language}
        metadata["municipality"] = MUNICIPALITIES[(number + count) % len(MUNICIPALITIES)]
        count += 1
        replies: list[dict] = []
        for step in script.steps:
            if time.monotonic() >= deadline:
                break
            text = step if isinstance(step, str) else step(replies)
            if text is None:
                result.script_errors += 1
                result.error_samples.append(f"{script.name}: no button after {conversation.sent}")
                break
            started = time.perf_counter()
            try:
                replies = await _turn(client, url, conversation, text, metadata)
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                result.http_errors += 1
                result.error_samples.append(f"{type(error).__name__}: {error}"[:200])
                break
            elapsed = time.perf_counter() - started
            result.latencies_s.append(elapsed)
            result.latencies_by_script.setdefault(script.name, []).append(elapsed)


async def drive(
    rasa_url: str, scripts: tuple[Script, ...], concurrency: int, duration: float, label: str
) -> RunResult:
    """``concurrency`` residents talk to ``rasa_url`` for ``duration`` seconds."""
    result = RunResult(label, concurrency)
    url = f"{rasa_url}/webhooks/rest/webhook"
    timeout = aiohttp.ClientTimeout(total=TURN_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=concurrency + 10)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as client:
        started = time.monotonic()
        deadline = started + duration
        await asyncio.gather(
            *(_resident(client, url, scripts, n, deadline, result) for n in range(concurrency))
        )
        result.elapsed_s = time.monotonic() - started
    return result


async def count_out_of_order(rasa_url: str, conversations: list[Conversation]) -> int:
    """Conversations whose stored user messages are not exactly the ones sent, in order."""
    semaphore = asyncio.Semaphore(8)
    timeout = aiohttp.ClientTimeout(total=TURN_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as client:

        async def wrong(conversation: Conversation) -> bool:
            async with semaphore:
                url = f"{rasa_url}/conversations/{conversation.sender}/tracker"
                async with client.get(url) as response:
                    events = (await response.json())["events"]
            stored = [e["text"] for e in events if e["event"] == "user"]
            # The tracker store keeps messages redacted (bot/tracker.py).
            return stored != [redact(text) for text in conversation.sent]

        checks = [wrong(c) for c in conversations if c.sent]
        return sum(await asyncio.gather(*checks))


def _tree(pid: int) -> list[psutil.Process]:
    process = psutil.Process(pid)
    return [process, *process.children(recursive=True)]


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """CPU time (user + system) used so far by each named process and its children.

    Unlike wall-clock latency this hardly depends on what else the machine
    runs, so CPU per turn is the number to size a deployment with.
    """
    used: dict[str, float] = {}
    for name, pid in pids.items():
        try:
            used[name] = sum(sum(p.cpu_times()[:2]) for p in _tree(pid))
        except psutil.Error:
            used[name] = 0.0
    return used


class MemorySampler(threading.Thread):
    """Peak resident memory of each named process and its children, sampled every second."""

    def __init__(self, pids: dict[str, int]):
        super().__init__(daemon=True)
        self.pids = pids
        self.peak_bytes: dict[str, int] = dict.fromkeys(pids, 0)
        self.stopping = threading.Event()

    def sample(self) -> None:
        for name, pid in self.pids.items():
            try:
                rss = sum(p.memory_info().rss for p in _tree(pid))
            except psutil.Error:
                continue
            self.peak_bytes[name] = max(self.peak_bytes[name], rss)

    def run(self) -> None:
        while not self.stopping.wait(1.0):
            self.sample()

    def __enter__(self) -> MemorySampler:
        self.sample()
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()
        self.join()


@dataclass
class Setup:
    name: str
    rasa_url: str
    pids: dict[str, int]
    scripts: tuple[Script, ...]
    results: list[RunResult] = field(default_factory=list)
    peak_bytes: dict[str, int] = field(default_factory=dict)


def run_setup(setup: Setup, levels: list[int], duration: float, soak: float = 0.0) -> Setup:
    with MemorySampler(setup.pids) as memory:
        # Warm-up: lazy loading in the first turns is not what residents wait for.
        asyncio.run(drive(setup.rasa_url, setup.scripts, 2, 3.0, f"{setup.name}-warm"))
        runs = [(n, duration, False) for n in levels] + (
            [(max(levels), soak, True)] if soak else []
        )
        for concurrency, seconds, soaking in runs:
            label = f"{setup.name}-{concurrency}" + ("-soak" if soaking else "")
            print(f"  {label}: {concurrency} concurrent for {seconds:.0f} s ...", flush=True)
            cpu_before = cpu_seconds(setup.pids)
            result = asyncio.run(drive(setup.rasa_url, setup.scripts, concurrency, seconds, label))
            cpu_after = cpu_seconds(setup.pids)
            result.cpu_s = {name: cpu_after[name] - cpu_before[name] for name in cpu_after}
            result.out_of_order = asyncio.run(
                count_out_of_order(setup.rasa_url, result.conversations)
            )
            print(f"    {summary_line(result)}", flush=True)
            for sample in result.error_samples[:3]:
                print(f"    error: {sample}", flush=True)
            setup.results.append(result)
    setup.peak_bytes = memory.peak_bytes
    return setup


def summary_line(r: RunResult) -> str:
    return (
        f"{r.turns} turns, {r.throughput:.1f} turns/s, p50 {r.percentile_ms(0.5):.0f} ms, "
        f"p95 {r.percentile_ms(0.95):.0f} ms, p99 {r.percentile_ms(0.99):.0f} ms, "
        f"errors {r.http_errors} + {r.script_errors} script, "
        f"CPU {r.cpu_ms_per_turn():.0f} ms/turn, "
        f"out of order {r.out_of_order}/{len([c for c in r.conversations if c.sent])}; p50 by "
        + ", ".join(f"{k} {r.percentile_ms(0.5, k):.0f} ms" for k in sorted(r.latencies_by_script))
    )


@contextlib.contextmanager
def baseline(work: Path, port: int) -> Iterator[tuple[Setup, float]]:
    directory = work / "stock"
    model, train_s = init_stock_bot(directory, str(work / "rasa-cache"))
    with open(work / "stock-rasa.log", "wb") as log:
        process = psutil.Popen(
            stock_bot_command(model, port), cwd=directory, env=rasa_env(str(work / "rasa-cache")),
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/status", process)
        yield (
            Setup("baseline", f"http://127.0.0.1:{port}", {"rasa": process.pid}, BASELINE_SCRIPTS),
            train_s,
        )
    finally:
        process.terminate()
        process.wait(30)


def _pids(stack: Stack) -> dict[str, int]:
    return {s.name: s.process.pid for s in stack.services if s.process is not None}


@contextlib.contextmanager
def neuvo_single(work: Path, model: Path) -> Iterator[Setup]:
    settings = Settings(
        rasa_port=16005, actions_port=16055, web_port=16080, var_dir=work / "single",
        database_url="", redis_url="",
    )  # fmt: skip
    cmd_init_db(settings)
    with Stack(settings, model) as stack:
        yield Setup("neuvo", settings.rasa_url, _pids(stack), NEUVO_SCRIPTS)


@contextlib.contextmanager
def neuvo_scaled(work: Path, model: Path) -> Iterator[Setup]:
    ensure_postgres(POSTGRES_SERVER)
    ensure_redis(REDIS_URL)
    name = f"neuvo_bench_{secrets.token_hex(4)}"
    settings = Settings(
        rasa_port=17005, actions_port=17055, web_port=17080, var_dir=work / "scaled",
        database_url=create_database(POSTGRES_SERVER, name), redis_url=REDIS_URL,
    )  # fmt: skip
    try:
        cmd_init_db(settings)
        with ScaledStack(settings, model) as stack:
            yield Setup("scaled", settings.rasa_url, _pids(stack), NEUVO_SCRIPTS)
    finally:
        drop_database(POSTGRES_SERVER, name)


def _by_concurrency(setup: Setup, concurrency: int) -> RunResult | None:
    return next(
        (r for r in setup.results if r.concurrency == concurrency and "soak" not in r.label), None
    )


def render(
    setups: list[Setup], baseline_train_s: float, args: argparse.Namespace, loads: tuple[str, str]
) -> str:
    command = (
        f".venv/bin/python bench/load.py --duration {args.duration:g} --soak {args.soak:g} "
        f"--levels {' '.join(map(str, args.levels))} --write docs/benchmarks.md"
    )
    lines = [
        f"Run: `{command}` on {machine_summary()}. Load average (1/5/15 min) before "
        f"{loads[0]}, after {loads[1]}. The load generator runs on the same machine.",
        "",
        "Closed loop over REST (`POST /webhooks/rest/webhook`), no think time. Neuvo's residents: "
        "need routing (3 turns), a callback request (7 turns: need, button, phone, name, "
        "details, time, confirmation), a booking (4 turns: need, book, first offered time, "
        "thanks), in Finnish and Swedish, spread over 8 municipalities. Baseline: Rasa's stock "
        f"bot (`rasa init --no-prompt`, init + training {baseline_train_s:.0f} s in this run), "
        "its mood conversations (3-4 turns). Errors: failed or empty HTTP replies + "
        "conversations where an expected button was missing. Order: conversations whose "
        "tracker (`GET /conversations/{id}/tracker`) does not have exactly the messages sent, "
        "in order.",
        "",
        "| set-up | concurrent | duration | turns | turns/s | p50 | p95 | p99 | errors "
        "| out of order | server CPU per turn |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for setup in setups:
        for r in setup.results:
            lines.append(
                f"| {setup.name}{' (soak)' if 'soak' in r.label else ''} | {r.concurrency} "
                f"| {r.elapsed_s:.0f} s | {r.turns} | {r.throughput:.1f} "
                f"| {r.percentile_ms(0.5):.0f} ms | {r.percentile_ms(0.95):.0f} ms "
                f"| {r.percentile_ms(0.99):.0f} ms | {r.http_errors} + {r.script_errors} "
                f"| {r.out_of_order}/{len([c for c in r.conversations if c.sent])} "
                f"| {r.cpu_ms_per_turn():.0f} ms |"
            )
    lines += ["", "Server CPU time per turn by process (user + system, children included):", ""]
    lines += ["| set-up | concurrent | process | CPU per turn |", "|---|---|---|---|"]
    for setup in setups:
        for r in setup.results:
            if "soak" not in r.label:
                for name in r.cpu_s:
                    lines.append(
                        f"| {setup.name} | {r.concurrency} | {name} "
                        f"| {r.cpu_ms_per_turn(name):.0f} ms |"
                    )
    lines += ["", "Peak memory (RSS, with child processes) during the set-up's runs:", ""]
    lines += ["| set-up | process | peak RSS |", "|---|---|---|"]
    for setup in setups:
        for name, peak in setup.peak_bytes.items():
            lines.append(f"| {setup.name} | {name} | {peak / 2**20:.0f} MiB |")
        lines.append(
            f"| {setup.name} | **all** | {sum(setup.peak_bytes.values()) / 2**20:.0f} MiB |"
        )
    lines += ["", "Turn latency by kind of conversation, p50 / p95:", ""]
    lines += ["| set-up | concurrent | kind | turns | p50 | p95 |", "|---|---|---|---|---|---|"]
    for setup in setups:
        for r in setup.results:
            if "soak" in r.label:
                continue
            for kind, values in sorted(r.latencies_by_script.items()):
                p50, p95 = r.percentile_ms(0.5, kind), r.percentile_ms(0.95, kind)
                lines.append(
                    f"| {setup.name} | {r.concurrency} | {kind} | {len(values)} "
                    f"| {p50:.0f} ms | {p95:.0f} ms |"
                )
    base = setups[0]
    lines += ["", "Ratios to the baseline (goals: median at 1 ≤ 2×, turns/s at 10 ≥ 0.7×):", ""]
    lines += ["| set-up | p50 at 1 concurrent | turns/s at 10 concurrent |", "|---|---|---|"]
    for setup in setups[1:]:
        cells = []
        for concurrency, key in ((1, "p50"), (10, "tps")):
            ours, theirs = _by_concurrency(setup, concurrency), _by_concurrency(base, concurrency)
            if ours is None or theirs is None:
                cells.append("not run")
            elif key == "p50":
                cells.append(f"{ours.percentile_ms(0.5) / theirs.percentile_ms(0.5):.2f}×")
            else:
                cells.append(f"{ours.throughput / theirs.throughput:.2f}×")
        lines.append(f"| {setup.name} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per level")
    parser.add_argument(
        "--soak", type=float, default=300.0, help="seconds at the top level, scaled"
    )
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    loads = [load_average()]
    print(f"{machine_summary()}\nload average before: {loads[0]}", flush=True)
    model, _ = ensure_model(Settings().models_dir)
    setups: list[Setup] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print("baseline: rasa init --no-prompt (trains the stock bot) ...", flush=True)
        with baseline(work, 15305) as (setup, baseline_train_s):
            setups.append(run_setup(setup, args.levels, args.duration))
        print("neuvo: single process set (SQLite) ...", flush=True)
        with neuvo_single(work, model) as setup:
            setups.append(run_setup(setup, args.levels, args.duration))
        print("scaled: nginx + 2 Rasa + 2 action servers (PostgreSQL, Redis) ...", flush=True)
        with neuvo_scaled(work, model) as setup:
            setups.append(run_setup(setup, args.levels, args.duration, args.soak))
    loads.append(load_average())
    report = render(setups, baseline_train_s, args, (loads[0], loads[1]))
    print(report)
    if args.write:
        replace_section(args.write, SECTION, "## Load: throughput, latency, memory\n\n" + report)


if __name__ == "__main__":
    main()
