"""The catalogue: loading, reference data in step with shared/, routing for every need."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from bot.catalogue.loader import HELPLINES_FILE, load_all
from bot.catalogue.models import Channel, Service
from bot.db import init_db, make_engine, session_scope
from bot.routing import CRISIS_NEEDS, allowed_outcomes, route

SHARED = Path(os.environ.get("NEUVO_SHARED", Path(__file__).resolve().parents[2] / "shared"))
REGION = ["049", "078", "149", "224", "235", "257", "444", "710", "755", "927",
          "018", "407", "434", "504", "616", "638", "753"]  # fmt: skip


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('catalogue') / 'c.db'}")
    init_db(engine)
    with session_scope(engine) as session:
        load_all(session)
    return engine


def test_loading_twice_changes_nothing(engine) -> None:
    with session_scope(engine) as session:
        before = session.execute(select(func.count()).select_from(Service)).scalar_one()
        load_all(session)
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(Service)).scalar_one() == before


@pytest.mark.skipif(not SHARED.exists(), reason="shared/ is not beside the project")
def test_helplines_are_the_checked_list() -> None:
    shared = yaml.safe_load((SHARED / "domain" / "national_helplines.yml").read_text("utf-8"))
    assert yaml.safe_load(HELPLINES_FILE.read_text("utf-8")) == shared


def test_no_phone_number_outside_the_checked_list(engine) -> None:
    checked = {line["phone"] for line in yaml.safe_load(HELPLINES_FILE.read_text("utf-8"))}
    with session_scope(engine) as session:
        phones = set(
            session.execute(select(Channel.phone).where(Channel.phone.isnot(None))).scalars()
        )
    assert phones == checked
    demo_files = (Path(__file__).resolve().parents[1] / "bot" / "catalogue" / "demo").glob("*.yml")
    for path in demo_files:
        text = path.read_text("utf-8")
        assert not re.search(r"\b0\d{1,3}[ -]?\d{3}[ -]?\d{2,4}\b", text), path


def test_demo_units_are_marked_demo(engine) -> None:
    with session_scope(engine) as session:
        undemo = session.execute(
            select(Service.id).where(Service.source == "demo", Service.demo.is_(False))
        ).all()
    assert undemo == []


@pytest.mark.parametrize("language", ["fi", "sv"])
@pytest.mark.parametrize("municipality", REGION)
def test_every_need_routes_in_every_demo_municipality(engine, municipality, language) -> None:
    with session_scope(engine) as session:
        for need, outcomes in allowed_outcomes().items():
            routing = route(session, need, language, municipality)
            assert routing.outcome in outcomes, need
            assert routing.services, f"{need} in {municipality}: no service"
            if need in CRISIS_NEEDS:
                assert routing.outcome == "emergency"
                assert routing.services[0].channels[0].phone == "112"
            payload = routing.payload()
            assert payload["type"] == "routing" and payload["language"] == language
            names = [s["name"] for s in payload["services"]]
            assert len(names) == len(set(names))


def test_third_sector_share_of_routings(engine) -> None:
    """The plans aim at 10 % of clients routed to third-sector services."""
    with session_scope(engine) as session:
        routings = [route(session, need, "fi", "049") for need in allowed_outcomes()]
    third = ("third_sector", "parish")
    with_third = [
        r for r in routings if any(s.organisation.provider_type in third for s in r.services)
    ]
    assert len(with_third) / len(routings) >= 0.3


def test_services_made_only_for_other_groups_come_last_for_a_child(engine) -> None:
    with session_scope(engine) as session:
        for_anyone = route(session, "loneliness_peer_support", "fi", "049")
        for_a_child = route(session, "loneliness_peer_support", "fi", "049", "child")
        groups = [set(s.target_groups) for s in for_a_child.services]
        assert {s.id for s in for_a_child.services} != {s.id for s in for_anyone.services}
    child_groups = {"children", "youth", "families"}
    # Open to children first; an adults-only group, if any, only after them.
    open_to_child = [not g or bool(g & child_groups) for g in groups]
    assert open_to_child == sorted(open_to_child, reverse=True)
    assert all(open_to_child[:2])


def test_whom_the_help_is_for_is_carried_in_the_routing(engine) -> None:
    with session_scope(engine) as session:
        assert route(session, "home_care", "sv", "091", "parent").recipient == "parent"
        assert route(session, "home_care", "sv", "091").recipient is None


@pytest.mark.parametrize("municipality", ["049", None])
def test_a_child_in_danger_is_routed_to_112_first(engine, municipality) -> None:
    """docs/need_labels.md: a child being hit is a child-welfare matter, and an emergency."""
    with session_scope(engine) as session:
        usual = route(session, "child_welfare_concern", "fi", municipality)
        in_danger = route(session, "child_welfare_concern", "fi", municipality, in_danger=True)
    assert usual.outcome != "emergency"
    assert in_danger.outcome == "emergency"
    assert any(c.phone == "112" for c in in_danger.primary[0].channels)
    assert all(any(c.phone for c in s.channels) for s in in_danger.primary)


POISON_CENTRE = "myrkytystietokeskus"


@pytest.mark.parametrize(
    ("message", "language", "listed"),
    [
        ("lapsi nielaisi pesuainetta", "fi", True),
        ("mummo otti vahingossa kaksi kertaa lääkkeensä", "fi", True),
        ("barnet svalde tabletter", "sv", True),
        ("mulla on kova rintakipu, soitanko lääkärille", "fi", False),
        ("vi är gifta och min man har ont i bröstet", "sv", False),
        ("", "fi", False),
    ],
)
def test_the_poison_centre_is_listed_only_for_a_poisoning(engine, message, language, listed):
    """Chest pain needs 112 alone; a poisoning gets the poison centre beside it."""
    with session_scope(engine) as session:
        routing = route(session, "emergency", language, "049", message=message)
        ids = [s.id for s in routing.services]
    assert ids[0] == "emergency-112"
    assert (POISON_CENTRE in ids) is listed
