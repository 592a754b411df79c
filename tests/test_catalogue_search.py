"""Catalogue search in the resident's own words, on the real demo catalogue in SQLite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.catalogue.loader import load_all, load_municipalities
from bot.catalogue.models import Service
from bot.catalogue.ptv import import_paths
from bot.catalogue.search import SearchHit, search_services, search_services_like
from bot.catalogue.search_index import SearchDocument
from bot.db import init_db, make_engine, session_scope

PTV_FIXTURES = Path(__file__).parent / "fixtures" / "ptv"
ESPOO, LOHJA, RAASEPORI, PORVOO = "049", "444", "710", "638"


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('search') / 'catalogue.db'}")
    init_db(engine)
    with session_scope(engine) as session:
        load_all(session, demo=True)
    return engine


def first_need_codes(engine, text: str, language: str, municipality: str | None) -> list[str]:
    with session_scope(engine) as session:
        hits = search_services(session, text, language, municipality)
        assert hits, f"nothing found for {text!r}"
        return hits[0].need_codes


def in_area(hit: SearchHit, municipality: str | None) -> bool:
    return hit.service.nationwide or municipality in {m.code for m in hit.service.areas}


@pytest.mark.parametrize(
    ("text", "language", "municipality", "need"),
    [
        ("tarviin apua velkojen kanssa", "fi", ESPOO, "financial_difficulty"),
        ("hammas lohkesi", "fi", LOHJA, "oral_health"),
        ("miten pääsee kotihoitoon", "fi", PORVOO, "home_care"),
        ("omaishoitajan vapaapäivät", "fi", LOHJA, "caregiver_support"),
        ("päihdeongelma", "fi", LOHJA, "substance_use"),
        ("muistisairaan omainen", "fi", ESPOO, "memory_concern"),
        ("työttömänä tarviin tukea", "fi", ESPOO, "employment"),
        ("var kan jag få hjälpmedel", "sv", RAASEPORI, "rehabilitation"),
        ("hur får jag tid hos tandläkaren", "sv", PORVOO, "oral_health"),
        ("kan pappa få hemvården", "sv", RAASEPORI, "home_care"),
        ("färdtjänst för mamma", "sv", RAASEPORI, "disability_services"),
        ("missbruksproblem", "sv", RAASEPORI, "substance_use"),
        ("minnessjukdom", "sv", RAASEPORI, "memory_concern"),
        ("bostadsbidrag från FPA", "sv", RAASEPORI, "housing"),
    ],
)
def test_inflected_words_find_the_right_kind_of_service(
    engine, text: str, language: str, municipality: str, need: str
) -> None:
    assert need in first_need_codes(engine, text, language, municipality)


def test_case_and_dots_do_not_matter(engine) -> None:
    with session_scope(engine) as session:
        found = [
            [hit.service_id for hit in search_services(session, text, "fi", ESPOO)]
            for text in ("HAMMASLÄÄKÄRILLE", "hammaslaakarille", "Hammaslääkärille")
        ]
    assert found[0] and found[0] == found[1] == found[2]
    assert found[0][0] == f"demo-oral-health-{ESPOO}"


def test_only_stop_words_find_nothing(engine) -> None:
    with session_scope(engine) as session:
        assert search_services(session, "ja että on kanssa", "fi", ESPOO) == []
        assert search_services(session, "och jag är inte", "sv", RAASEPORI) == []


@pytest.mark.parametrize(
    "text",
    ["Lohjan hammashoito", "Lojo tandvård", "kotihoito Lohja", "suun terveydenhuolto", "velka"],
)
def test_services_of_other_municipalities_never_appear(engine, text: str) -> None:
    with session_scope(engine) as session:
        hits = search_services(session, text, "fi", PORVOO, limit=20)
        assert hits
        assert all(in_area(hit, PORVOO) for hit in hits)
        assert not any(hit.service_id.endswith(f"-{LOHJA}") for hit in hits)
        nationwide_only = search_services(session, text, "fi", None, limit=20)
        assert all(hit.service.nationwide for hit in nationwide_only)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        '"',
        '"hammas" OR "velka"',
        "NEAR(hammas velka, 2)",
        "hammas AND NOT velka",
        "(((",
        "^hammas",
        "names: hammas",
        "{names keywords}: hammas",
        "hammas*",
        "*",
        "NOT",
        "'; DROP TABLE services; --",
        "<script>alert('hammas')</script>",
        "\x00\x01\x02 hammas \udcff",
        "ä" * 100_000,
        "hammas " * 10_000,
        "%_%\\",
        "🦷🦷🦷",
        "areaall area049",
    ],
)
def test_hostile_input_returns_sane_hits(engine, text: str) -> None:
    with session_scope(engine) as session:
        services_before = session.execute(select(func.count()).select_from(Service)).scalar_one()
        for search in (search_services, search_services_like):
            for municipality in (ESPOO, None, '049" OR "areaall', "'; --"):
                hits = search(session, text, "fi", municipality)
                assert isinstance(hits, list) and len(hits) <= 3
                assert all(in_area(hit, ESPOO if municipality == ESPOO else None) for hit in hits)
        services_after = session.execute(select(func.count()).select_from(Service)).scalar_one()
    assert services_after == services_before


def test_syntax_characters_are_read_as_words(engine) -> None:
    with session_scope(engine) as session:
        quoted = search_services(session, '"hammas" OR (velka)', "fi", ESPOO, limit=10)
    found = {need for hit in quoted for need in hit.need_codes}
    assert {"oral_health", "financial_difficulty"} <= found


@pytest.mark.parametrize("bad", [None, 42, b"hammas", ["hammas"]])
def test_input_that_is_not_text_finds_nothing(engine, bad) -> None:
    with session_scope(engine) as session:
        assert search_services(session, bad, "fi", ESPOO) == []


@pytest.mark.parametrize(
    ("text", "language", "municipality", "need"),
    [
        ("hammaslääkärille", "fi", ESPOO, "oral_health"),
        ("hjälpmedel", "sv", RAASEPORI, "rehabilitation"),
        ("kotihoitoon", "fi", PORVOO, "home_care"),
    ],
)
def test_like_fallback_finds_the_same_kind(
    engine, text: str, language: str, municipality: str, need: str
) -> None:
    with session_scope(engine) as session:
        hits = search_services_like(session, text, language, municipality)
        assert hits and need in hits[0].need_codes
        assert all(in_area(hit, municipality) for hit in hits)


def test_hit_gives_the_routing_payload_summary(engine) -> None:
    with session_scope(engine) as session:
        [hit, *_] = search_services(session, "tandläkare", "sv", RAASEPORI)
        summary = hit.summary("sv")
    assert summary["id"] == hit.service_id == f"demo-oral-health-{RAASEPORI}"
    assert summary["name"] == "Mun- och tandvården i Raseborg"
    assert summary["provider_type"] == "public"
    assert "appointment" in summary["channels"]


def test_limit_is_kept_within_bounds(engine) -> None:
    with session_scope(engine) as session:
        words = "neuvonta tuki apu palvelut hoito vastaanotto"
        assert len(search_services(session, words, "fi", ESPOO, limit=5)) == 5
        assert len(search_services(session, words, "fi", ESPOO, limit=10**9)) == 20
        assert len(search_services(session, words, "fi", ESPOO, limit=0)) == 1


# --- The index follows PTV imports --------------------------------------------------------


@pytest.fixture
def ptv_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'ptv.db'}")
    init_db(engine)
    with session_scope(engine) as session:
        load_municipalities(session)
    return engine


def import_ptv(engine, path: Path) -> None:
    with session_scope(engine) as session:
        import_paths(session, [path], progress=False)


def found_ids(engine, text: str, municipality: str) -> list[str]:
    with session_scope(engine) as session:
        return [hit.service_id for hit in search_services(session, text, "fi", municipality)]


def test_index_follows_a_ptv_reimport(ptv_engine, tmp_path) -> None:
    service_id = "33333333-0000-4000-8000-000000000001"
    import_ptv(ptv_engine, PTV_FIXTURES / "v11_good.json")
    assert found_ids(ptv_engine, "hammashoitoa kaikenikäisille", LOHJA) == [service_id]

    data = json.loads((PTV_FIXTURES / "v11_good.json").read_text("utf-8"))
    service = data["itemList"][1]
    service["serviceDescriptions"][0]["value"] = "Hammashoitoa Aurinkorannan asukkaille."
    service["areas"] = [{"type": "Municipality", "municipalities": [{"code": "224"}]}]
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data), "utf-8")
    import_ptv(ptv_engine, changed)

    # The new words are found, the old ones and the old area are not.
    assert found_ids(ptv_engine, "aurinkorannan", "224") == [service_id]
    assert found_ids(ptv_engine, "kaikenikäisille", "224") == []
    assert found_ids(ptv_engine, "hammashoitoa", LOHJA) == []
    with session_scope(ptv_engine) as session:
        documents = session.execute(select(func.count()).select_from(SearchDocument)).scalar_one()
    assert documents == 1
