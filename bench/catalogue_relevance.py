"""Benchmark: does catalogue search find the right kind of service for residents' words?

Runs every message of tests/eval/sealed_{fi,sv}.yml (written separately from
the training data) through the search on the demo catalogue (temporary
SQLite, load_all(demo=True)), with Espoo for Finnish and Raasepori for
Swedish, and counts how often the first hit, or any of the three hits, serves
the message's labelled need. The messages are ones the need classifier is
meant to catch, so this is a hard test for a word search: many describe a
symptom ("rintakipu") in words no service text contains.

Compared, on the same messages:
- FTS5 with stems from the index vocabulary (what search_services does);
- FTS5 with other stemming: whole words, or the word cut by a fixed number
  of letters, to show what the vocabulary stems buy;
- the LIKE search (search_services_like), the fallback of other engines.

    .venv/bin/python bench/catalogue_relevance.py [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

import bot.catalogue.search as search_module  # noqa: E402
from bench.machine import machine_summary, replace_section  # noqa: E402
from bot.catalogue.loader import load_all  # noqa: E402
from bot.catalogue.search import search_services, search_services_like  # noqa: E402
from bot.catalogue.search_terms import MIN_STEM_CHARS  # noqa: E402
from bot.db import init_db, make_engine, session_scope  # noqa: E402

SECTION = "catalogue-relevance"
EVAL = ROOT / "tests" / "eval"
MUNICIPALITY = {"fi": "049", "sv": "710"}
# service_info is about opening hours and contacts: every unit serves it.
SKIPPED_NEEDS = {"service_info"}


@contextmanager
def stemming(stems: Callable[[object, list[str]], dict[str, list[str]]]) -> Iterator[None]:
    """Search with another stemmer for the comparison (the only thing swapped)."""
    original = search_module.known_stems
    search_module.known_stems = stems
    try:
        yield
    finally:
        search_module.known_stems = original


Stemmer = Callable[[str], str]


def each_word(stem: Stemmer) -> Callable[[object, list[str]], dict[str, list[str]]]:
    return lambda _connection, words: {word: [stem(word)] for word in words}


def cut(letters: int) -> Stemmer:
    return lambda word: word[: max(MIN_STEM_CHARS, len(word) - letters)]


def evaluate(engine, search: Callable) -> dict[str, dict[str, int]]:
    results: dict[str, dict[str, int]] = {}
    for language in ("fi", "sv"):
        spec = yaml.safe_load((EVAL / f"sealed_{language}.yml").read_text(encoding="utf-8"))
        counts = {"messages": 0, "first": 0, "top3": 0, "empty": 0}
        with session_scope(engine) as session:
            for need, messages in spec["needs"].items():
                if need in SKIPPED_NEEDS:
                    continue
                for message in messages:
                    hits = search(session, message, language, MUNICIPALITY[language])
                    counts["messages"] += 1
                    counts["empty"] += not hits
                    counts["first"] += bool(hits) and need in hits[0].need_codes
                    counts["top3"] += any(need in hit.need_codes for hit in hits)
        results[language] = counts
    return results


def run() -> list[tuple[str, dict]]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'catalogue.db'}")
        init_db(engine)
        with session_scope(engine) as session:
            load_all(session, demo=True)
        rows = [("FTS5, stems from the index vocabulary (used)", evaluate(engine, search_services))]
        for label, stems in (
            ("FTS5, whole words", lambda word: word),
            ("FTS5, word minus 2 letters", cut(2)),
            ("FTS5, word minus 3 letters", cut(3)),
            ("FTS5, word minus 4 letters", cut(4)),
        ):
            with stemming(each_word(stems)):
                rows.append((label, evaluate(engine, search_services)))
        rows.append(
            ("LIKE, word minus 3 letters (fallback)", evaluate(engine, search_services_like))
        )
        engine.dispose()
    return rows


def render(rows: list[tuple[str, dict]]) -> str:
    lines = [
        f"Run: `.venv/bin/python bench/catalogue_relevance.py --write docs/benchmarks.md` on "
        f"{machine_summary()}.",
        "",
        "Messages of `tests/eval/sealed_{fi,sv}.yml` (except `service_info`) searched on the demo "
        "catalogue, Espoo for Finnish and Raasepori for Swedish; a hit counts when the service "
        "serves the message's labelled need. These messages are written for the need "
        "classifier; many name a symptom that no service text contains, so a word search "
        "cannot find everything.",
        "",
        "| search | language | messages | first hit right | right in top 3 | no hit |",
        "|---|---|---|---|---|---|",
    ]
    for label, results in rows:
        for language, c in results.items():
            lines.append(
                f"| {label} | {language} | {c['messages']} "
                f"| {100 * c['first'] / c['messages']:.1f} % "
                f"| {100 * c['top3'] / c['messages']:.1f} % "
                f"| {100 * c['empty'] / c['messages']:.1f} % |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    report = render(run())
    print(report)
    if args.write:
        replace_section(args.write, SECTION, "## Catalogue search relevance\n\n" + report)


if __name__ == "__main__":
    main()
