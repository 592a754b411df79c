"""Benchmark: the catalogue at national scale, PTV import rate and search latency.

Generates a synthetic national catalogue as PTV open-API JSON (default 50,000
services and 150,000 channels, from the kinds of services, target groups and
sentences of bench/catalogue_vocabulary.yml times the 311 municipalities),
imports it through the real importer (bot.catalogue.ptv.import_paths, search
index rebuild included) into a fresh SQLite file, then runs resident phrases
(tests/eval/sealed_{fi,sv}.yml, each with a random municipality) through
search_services (FTS5) and, as the baseline, the LIKE search over the same
folded documents. Phone numbers in the generated records are invalid on
purpose (no real number is made up), and everything lives in a temporary
directory.

    .venv/bin/python bench/catalogue_scale.py [--services N] [--searches N]
        [--baseline-searches N] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.machine import machine_summary, replace_section  # noqa: E402
from bot.catalogue.loader import MUNICIPALITIES_FILE, load_all  # noqa: E402
from bot.catalogue.models import Channel, Service  # noqa: E402
from bot.catalogue.ptv import import_paths  # noqa: E402
from bot.catalogue.search import search_services, search_services_like  # noqa: E402
from bot.catalogue.search_index import rebuild_search_index  # noqa: E402
from bot.db import init_db, make_engine, session_scope  # noqa: E402

SECTION = "catalogue-scale"
VOCABULARY = Path(__file__).with_name("catalogue_vocabulary.yml")
EVAL = ROOT / "tests" / "eval"
CHANNELS_PER_SERVICE = 3
RECORDS_PER_FILE = 5000
REGIONS = 21
ASSOCIATIONS = 60
COMPANIES = 40
WEEKDAYS = ["Monday", "Friday"]


def municipalities() -> list[dict]:
    records = json.loads(MUNICIPALITIES_FILE.read_text(encoding="utf-8"))
    result = []
    for record in records:
        names = {n["language"]: n["value"] for n in record["names"]}
        result.append({"code": record["code"], "fi": names["fi"], "sv": names["sv"]})
    return sorted(result, key=lambda m: m["code"])


def texts(fi: str, sv: str, kind: str = "Name") -> list[dict]:
    return [
        {"language": "fi", "value": fi, "type": kind},
        {"language": "sv", "value": sv, "type": kind},
    ]


class CatalogueGenerator:
    """PTV-shaped organisations, channels and services with realistic word distributions."""

    def __init__(self, services: int, seed: int = 7) -> None:
        self.services = services
        self.rng = random.Random(seed)
        self.vocabulary = yaml.safe_load(VOCABULARY.read_text(encoding="utf-8"))
        self.municipalities = municipalities()
        size = -(-len(self.municipalities) // REGIONS)
        self.regions = [
            self.municipalities[i : i + size] for i in range(0, len(self.municipalities), size)
        ]
        # Kinds are not equally common: Zipf-like weights, in a random order.
        self.kinds = list(self.vocabulary["kinds"])
        self.rng.shuffle(self.kinds)
        self.kind_weights = [1 / (rank + 1) ** 0.6 for rank in range(len(self.kinds))]

    def organisations(self) -> list[dict]:
        records = [
            {"id": f"org-m-{m['code']}", "organizationType": "Municipality",
             "organizationNames": texts(f"{m['fi']}, kunta", f"{m['sv']}, kommun")}
            for m in self.municipalities
        ] + [
            {"id": f"org-r-{i}", "organizationType": "Region",
             "organizationNames": texts(f"Hyvinvointialue {i + 1}", f"Välfärdsområde {i + 1}")}
            for i in range(len(self.regions))
        ] + [
            {"id": f"org-a-{i}", "organizationType": "Organization",
             "organizationNames": texts(f"Yhdistys {i + 1} ry", f"Förening {i + 1} rf")}
            for i in range(ASSOCIATIONS)
        ] + [
            {"id": f"org-c-{i}", "organizationType": "Company",
             "organizationNames": texts(f"Palveluyritys {i + 1} Oy", f"Serviceföretag {i + 1} Ab")}
            for i in range(COMPANIES)
        ]  # fmt: skip
        return records

    def _organisation(self, region: int, municipality: dict) -> str:
        roll = self.rng.random()
        if roll < 0.55:
            return f"org-r-{region}"
        if roll < 0.75:
            return f"org-m-{municipality['code']}"
        if roll < 0.95:
            return f"org-a-{self.rng.randrange(ASSOCIATIONS)}"
        return f"org-c-{self.rng.randrange(COMPANIES)}"

    def _areas(self, region: int, municipality: dict) -> tuple[str, list[dict]]:
        roll = self.rng.random()
        if roll < 0.04:
            return "Nationwide", []
        codes = [m["code"] for m in self.regions[region]] if roll < 0.15 else [municipality["code"]]
        return "LimitedType", [
            {"type": "Municipality", "municipalities": [{"code": c} for c in codes]}
        ]

    def _channels(self, index: int, name: dict, municipality: dict) -> list[dict]:
        street = self.rng.choice(self.vocabulary["streets"])
        number = str(self.rng.randrange(1, 80))
        base = f"ch-{index}"
        hours = [{"serviceHourType": "Standard", "openingHour": [
            {"dayFrom": WEEKDAYS[0], "dayTo": WEEKDAYS[1], "from": "08:00:00", "to": "16:00:00"}
        ]}]  # fmt: skip
        if self.rng.random() < 0.2:
            hours.append({"serviceHourType": "Exception", "validFrom": "2026-12-24T00:00:00",
                          "validTo": "2026-12-26T00:00:00", "isClosed": True})  # fmt: skip
        service_link = [{"service": {"id": f"sv-{index}"}}]
        return [
            {"id": f"{base}-l", "serviceChannelType": "ServiceLocation",
             "serviceChannelNames": texts(name["fi"], name["sv"]),
             "addresses": [{"type": "Location", "streetAddress": {
                 "street": [{"language": "fi", "value": street["fi"]},
                            {"language": "sv", "value": street["sv"]}],
                 "streetNumber": number, "postalCode": f"{self.rng.randrange(100, 99999):05d}",
                 "municipality": {"code": municipality["code"]}}}],
             "serviceHours": hours, "services": service_link},
            # "000…" after +358 is not a valid Finnish number: nothing real is made up.
            {"id": f"{base}-p", "serviceChannelType": "Phone",
             "serviceChannelNames": texts(name["fi"], name["sv"]),
             "phoneNumbers": [{"type": "Phone", "prefixNumber": "+358",
                               "number": f"000{self.rng.randrange(10**7):07d}",
                               "isFinnishServiceNumber": False}],
             "serviceHours": hours, "services": service_link},
            {"id": f"{base}-e", "serviceChannelType": self.rng.choice(["EChannel", "WebPage"]),
             "serviceChannelNames": texts(name["fi"], name["sv"]),
             "webPages": [{"url": f"https://palvelut.example/{index}"}], "services": service_link},
        ]  # fmt: skip

    def service_and_channels(self, index: int) -> tuple[dict, list[dict]]:
        vocabulary, rng = self.vocabulary, self.rng
        kind = rng.choices(self.kinds, weights=self.kind_weights)[0]
        region = rng.randrange(len(self.regions))
        municipality = rng.choice(self.regions[region])
        target = rng.choice(vocabulary["target_groups"]) if rng.random() < 0.3 else None
        name = {
            lang: " ".join([kind["name"][lang], *([target[lang]] if target else [])])
            + f", {municipality[lang]}"
            for lang in ("fi", "sv")
        }
        picked = rng.sample(range(len(kind["fi"])), k=min(2, len(kind["fi"])))
        shared = rng.sample(range(len(vocabulary["shared"]["fi"])), k=rng.randint(1, 2))
        description = {
            lang: " ".join(
                [kind[lang][i] for i in picked] + [vocabulary["shared"][lang][i] for i in shared]
            )
            for lang in ("fi", "sv")
        }
        area_type, areas = self._areas(region, municipality)
        channels = self._channels(index, name, municipality)
        service = {
            "id": f"sv-{index}", "type": "Service",
            "serviceNames": texts(name["fi"], name["sv"]),
            "serviceDescriptions": texts(description["fi"], description["sv"], "Summary"),
            "serviceClasses": [{"code": kind["class"]["code"], "name": [
                {"language": "fi", "value": kind["class"]["fi"]},
                {"language": "sv", "value": kind["class"]["sv"]}]}],
            "targetGroups": [{"code": "KR1"}],
            "areaType": area_type, "areas": areas,
            "languages": rng.choices([["fi"], ["fi", "sv"], ["sv"]], weights=[70, 25, 5])[0],
            "organizations": [{"organization": {"id": self._organisation(region, municipality)},
                               "roleType": "Responsible"}],
            "serviceChannels": [{"serviceChannel": {"id": c["id"]}} for c in channels],
        }  # fmt: skip
        return service, channels

    def write(self, directory: Path) -> int:
        """Write the records as itemList pages; returns how many records."""
        services: list[dict] = []
        channels: list[dict] = []
        for index in range(self.services):
            service, its_channels = self.service_and_channels(index)
            services.append(service)
            channels += its_channels
        records = 0
        for label, items in (("organisations", self.organisations()), ("channels", channels),
                             ("services", services)):  # fmt: skip
            for page, start in enumerate(range(0, len(items), RECORDS_PER_FILE)):
                chunk = items[start : start + RECORDS_PER_FILE]
                path = directory / f"{label}-{page:03d}.json"
                path.write_text(json.dumps({"itemList": chunk}, ensure_ascii=False), "utf-8")
                records += len(chunk)
        return records


def resident_phrases() -> list[tuple[str, str]]:
    phrases = []
    for language in ("fi", "sv"):
        spec = yaml.safe_load((EVAL / f"sealed_{language}.yml").read_text(encoding="utf-8"))
        phrases += [(m, language) for messages in spec["needs"].values() for m in messages]
    return phrases


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def time_searches(engine, queries: list[tuple[str, str, str]], search: Callable) -> dict:
    """Each search in its own session, as a chat turn would run it.

    Wall-clock time is what the resident waits; CPU time of this process is
    shown beside it because other work on a shared machine inflates the former.
    """
    wall: list[float] = []
    cpu: list[float] = []
    found = 0
    load_before = os.getloadavg()[0]
    for text, language, municipality in queries:
        started, started_cpu = time.perf_counter(), time.process_time()
        with session_scope(engine) as session:
            hits = search(session, text, language, municipality)
        wall.append(1000 * (time.perf_counter() - started))
        cpu.append(1000 * (time.process_time() - started_cpu))
        found += bool(hits)
    return {
        "searches": len(wall),
        "p50": percentile(wall, 0.50),
        "p95": percentile(wall, 0.95),
        "p99": percentile(wall, 0.99),
        "mean": statistics.fmean(wall),
        "cpu_p50": percentile(cpu, 0.50),
        "cpu_p95": percentile(cpu, 0.95),
        "with_hits": found,
        "load": (load_before + os.getloadavg()[0]) / 2,
    }


def run(services: int, searches: int, baseline_searches: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "ptv"
        directory.mkdir()
        started = time.perf_counter()
        records = CatalogueGenerator(services).write(directory)
        generated_s = time.perf_counter() - started
        database = Path(tmp) / "catalogue.db"
        engine = make_engine(f"sqlite:///{database}")
        init_db(engine)
        with session_scope(engine) as session:
            load_all(session, demo=False)  # municipalities first: areas refer to them
        started = time.perf_counter()
        with session_scope(engine) as session:
            report = import_paths(session, [directory], progress=False)
        import_s = time.perf_counter() - started
        started = time.perf_counter()
        with session_scope(engine) as session:
            rebuild_search_index(session)
            counts = {
                "services": session.execute(select(func.count()).select_from(Service)).scalar_one(),
                "channels": session.execute(select(func.count()).select_from(Channel)).scalar_one(),
            }
        rebuild_s = time.perf_counter() - started
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        size_mb = database.stat().st_size / 1e6
        rng = random.Random(11)
        codes = [m["code"] for m in municipalities()]
        phrases = resident_phrases()
        queries = [(*rng.choice(phrases), rng.choice(codes)) for _ in range(searches)]
        fts = time_searches(engine, queries, search_services)
        like = time_searches(engine, queries[:baseline_searches], search_services_like)
        engine.dispose()
    return {
        "records": records, "report": report, "counts": counts, "generated_s": generated_s,
        "import_s": import_s, "rebuild_s": rebuild_s, "size_mb": size_mb, "fts": fts,
        "like": like, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }  # fmt: skip


def render(result: dict, services: int) -> str:
    report, fts, like = result["report"], result["fts"], result["like"]
    rate = result["records"] / result["import_s"]
    rows = [
        f"Run: `.venv/bin/python bench/catalogue_scale.py --services {services} --write "
        f"docs/benchmarks.md` on {machine_summary()}.",
        "",
        f"Synthetic national catalogue (PTV open-API JSON, {result['records']:,} records: "
        f"{report.services:,} services, {report.channels:,} channels, "
        f"{report.organisations:,} organisations; {len(report.skipped)} skipped) built from "
        "`bench/catalogue_vocabulary.yml` × the 311 municipalities, imported with "
        "`bot.catalogue.ptv.import_paths` into a fresh SQLite file. Searches: resident "
        "phrases of `tests/eval/sealed_{fi,sv}.yml`, each with a random municipality, one "
        "session per search (Service objects with channels loaded, as the chat uses them).",
        "",
        "| what | value |",
        "|---|---|",
        f"| import, total (incl. search index) | {result['import_s']:.0f} s |",
        f"| import rate | {rate:,.0f} records/s |",
        f"| search index rebuild alone | {result['rebuild_s']:.1f} s |",
        f"| database file | {result['size_mb']:.0f} MB |",
        f"| peak memory of the run (generator and importer) | {result['peak_rss_mb']:,.0f} MB |",
        "",
        "| search | searches | p50 | p95 | p99 | mean | CPU p50 / p95 | with hits | load average |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, numbers in (("FTS5 (`search_services`)", fts),
                           ("LIKE baseline (`search_services_like`)", like)):  # fmt: skip
        rows.append(
            f"| {label} | {numbers['searches']} | {numbers['p50']:.1f} ms "
            f"| {numbers['p95']:.1f} ms | {numbers['p99']:.1f} ms | {numbers['mean']:.1f} ms "
            f"| {numbers['cpu_p50']:.1f} / {numbers['cpu_p95']:.1f} ms "
            f"| {100 * numbers['with_hits'] / numbers['searches']:.0f} % | {numbers['load']:.1f} |"
        )
    rows += ["", "Goal (issue): p95 under 20 ms on SQLite."]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=50_000)
    parser.add_argument("--searches", type=int, default=2000)
    parser.add_argument("--baseline-searches", type=int, default=300,
                        help="LIKE searches (each scans every document)")  # fmt: skip
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    result = run(args.services, args.searches, args.baseline_searches)
    report = render(result, args.services)
    print(report)
    if args.write:
        replace_section(args.write, SECTION, "## Catalogue at national scale\n\n" + report)


if __name__ == "__main__":
    main()
