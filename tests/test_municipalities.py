"""Municipality recognition (bot/municipalities.py)."""

from __future__ import annotations

import pytest

from bot.municipalities import all_municipalities, find_in_text, name, resolve


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("tarvitsen hammaslääkärin Espoossa", "049"),
        ("asun lohjalla", "444"),
        ("i Esbo", "049"),
        ("jag bor i Borgå", "638"),
        ("Kirkkonummella", "257"),
        ("vihdissä", "927"),
        ("Hangossa", "078"),
        ("Kauniaisissa", "235"),
        ("Raaseporissa", "710"),
        ("Porvoosta soitan", "638"),
        ("Lapinjärvellä", "407"),
        ("i Ekenäs", "710"),
        ("tammisaaressa", "710"),
        ("Nummelassa", "927"),
        ("Helsingissä", "091"),
        ("lappeenrannassa", "405"),
        ("turussa", "853"),
        ("loviisassa", "434"),
        ("lapinjarvella", "407"),  # no dots on the keyboard
    ],
)
def test_finds_municipality_in_inflected_text(text: str, code: str) -> None:
    assert find_in_text(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "tarvitsen hammaslääkärin",
        "mulla on paha olo",
        "jag har ont i magen",
        "kiitos paljon",
        "en jaksa enää",
        "kotihoito",
        "velat kasvaa",
        "",
    ],
)
def test_no_municipality_where_none_is_named(text: str) -> None:
    assert find_in_text(text) is None


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("049", "049"),
        ("49", "049"),
        ("Espoo", "049"),
        ("esbo", "049"),
        ("Raseborg", "710"),
        ("999", None),
        ("Atlantis", None),
        (None, None),
        (710, "710"),
    ],
)
def test_resolve_metadata(value, code) -> None:
    assert resolve(value) == code


def test_all_311_municipalities_have_both_names() -> None:
    municipalities = all_municipalities()
    assert len(municipalities) == 311
    assert name("049", "fi") == "Espoo" and name("049", "sv") == "Esbo"
    assert all(m.fi and m.sv for m in municipalities.values())
