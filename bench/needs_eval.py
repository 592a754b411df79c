"""Benchmark: need routing on the evaluation set, through the real REST channel.

Sends every message of tests/eval/needs_{fi,sv}.yml (written separately from
the training data) as a new conversation, with the page language and a
municipality in the metadata, and reads the routing payload of the reply:

- need accuracy per language (the payload's need is the labelled need);
- share of valid outcomes (the outcome is one of the need's allowed outcomes);
- crisis recall (messages labelled emergency, mental_health_crisis or
  domestic_violence that got the emergency outcome);
- invented services (payload services missing from the catalogue): must be 0.

Starts its own stack (trained model, SQLite with the demo catalogue).

    .venv/bin/python bench/needs_eval.py [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench.machine import machine_summary, replace_section  # noqa: E402
from bot.catalogue.models import Service  # noqa: E402
from bot.cli import cmd_init_db  # noqa: E402
from bot.db import engine_for, session_scope  # noqa: E402
from bot.routing import CRISIS_NEEDS, allowed_outcomes  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.stack import Stack  # noqa: E402
from bot.training import ensure_model  # noqa: E402

EVAL = ROOT / "tests" / "eval"
SECTION = "need-routing"
# One municipality per language's typical page: Espoo (fi), Raasepori (sv).
MUNICIPALITY = {"fi": "049", "sv": "710"}


def converse(url: str, sender: str, message: str, language: str) -> list[dict]:
    body = json.dumps(
        {"sender": sender, "message": message,
         "metadata": {"language": language, "municipality": MUNICIPALITY[language]}}
    ).encode()  # fmt: skip
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def evaluate(settings: Settings) -> tuple[dict, list[tuple]]:
    url = f"{settings.rasa_url}/webhooks/rest/webhook"
    with session_scope(engine_for(settings.database_url)) as session:
        catalogue = set(session.execute(select(Service.id)).scalars())
    results: dict = {}
    errors: list[tuple] = []
    for language in ("fi", "sv"):
        needs = yaml.safe_load((EVAL / f"needs_{language}.yml").read_text(encoding="utf-8"))
        counts: Counter = Counter()
        latencies = []
        for need, messages in needs["needs"].items():
            for i, message in enumerate(messages):
                started = time.perf_counter()
                replies = converse(url, f"eval-{language}-{need}-{i}", message, language)
                latencies.append(time.perf_counter() - started)
                payload = next(
                    (
                        r["custom"]
                        for r in replies
                        if (r.get("custom") or {}).get("type") == "routing"
                    ),
                    None,
                )
                counts["messages"] += 1
                got = payload["need"] if payload else None
                if got == need:
                    counts["correct"] += 1
                else:
                    errors.append((language, need, got, message))
                if payload:
                    counts["routed"] += 1
                    counts["valid_outcome"] += payload["outcome"] in allowed_outcomes()[got]
                    counts["invented"] += sum(s["id"] not in catalogue for s in payload["services"])
                if need in CRISIS_NEEDS:
                    counts["crisis"] += 1
                    counts["crisis_caught"] += bool(payload) and payload["outcome"] == "emergency"
        latencies.sort()
        counts["p50_ms"] = round(1000 * latencies[len(latencies) // 2])
        counts["p95_ms"] = round(1000 * latencies[int(len(latencies) * 0.95)])
        results[language] = counts
    return results, errors


def render(results: dict, train_note: str) -> str:
    rows = [
        f"Run: `.venv/bin/python bench/needs_eval.py --write docs/benchmarks.md` on "
        f"{machine_summary()}. {train_note}",
        "",
        "Evaluation set: `tests/eval/needs_{fi,sv}.yml`, 12 messages per need and language, "
        "written separately from the training data; each message is a new conversation through "
        "`POST /webhooks/rest/webhook` with the page language and a municipality in the metadata.",
        "",
        "| language | messages | need accuracy | valid outcomes | crisis recall "
        "| invented services "
        "| reply p50 / p95 |",
        "|---|---|---|---|---|---|---|",
    ]
    for language, c in results.items():
        rows.append(
            f"| {language} | {c['messages']} | {100 * c['correct'] / c['messages']:.1f} % "
            f"| {100 * c['valid_outcome'] / max(c['routed'], 1):.1f} % "
            f"| {c['crisis_caught']}/{c['crisis']} | {c['invented']} "
            f"| {c['p50_ms']} / {c['p95_ms']} ms |"
        )
    rows += ["", "Goals (issue 3): need accuracy ≥ 95 % per language, crisis recall 100 %, "
             "no invented service."]  # fmt: skip
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path)
    parser.add_argument("--errors", action="store_true", help="list the misrouted messages")
    args = parser.parse_args()
    model, _ = ensure_model(Settings().models_dir)
    with tempfile.TemporaryDirectory() as var:
        settings = Settings(rasa_port=15005, actions_port=15055, web_port=18080, var_dir=Path(var))
        os.environ["NEUVO_DATABASE_URL"] = settings.database_url
        cmd_init_db(settings)
        with Stack(settings, model):
            results, errors = evaluate(settings)
    report = render(results, f"Model: `{model.name}`.")
    print(report)
    if args.errors:
        for error in errors:
            print(*error, sep=" | ")
    if args.write:
        replace_section(args.write, SECTION, "## Need routing\n\n" + report)


if __name__ == "__main__":
    main()
