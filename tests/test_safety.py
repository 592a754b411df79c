"""The safety net's lexicon (bot/safety.py), on its own and on the evaluation set."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.safety import danger_sign

EVAL = Path(__file__).parent / "eval"


@pytest.mark.parametrize(
    ("text", "need"),
    [
        ("mun rintaan sattuu tosi kovaa", "emergency"),
        ("äiti on tajuton eikä herää", "emergency"),
        ("isä ei hengitä", "emergency"),
        ("lapsi nieli pesuainetta", "emergency"),
        ("min pappa är medvetslös", "emergency"),
        ("jag har ont i bröstet", "emergency"),
        ("en halua elää enää", "mental_health_crisis"),
        ("ajattelen itsemurhaa", "mental_health_crisis"),
        ("jag vill inte leva längre", "mental_health_crisis"),
        ("mieheni lyö minua", "domestic_violence"),
        ("han slår mig", "domestic_violence"),
        ("pelkaan menna kotiin", "domestic_violence"),  # typed without dots
        # Both: the medical emergency comes first.
        ("mieheni löi minua ja nyt en saa henkeä", "emergency"),
        # Swedish "en" is an article, not the Finnish "I do not".
        ("har en panikattack just nu, känns som jag blir galen", "mental_health_crisis"),
    ],
)
def test_danger_signs(text: str, need: str) -> None:
    sign = danger_sign(text)
    assert sign is not None and sign.need == need


@pytest.mark.parametrize(
    "text",
    [
        "tarvitsen hammaslääkärin",
        "mulla on kuumetta",
        "olen yksinäinen",
        "kuolema pelottaa",
        "äiti tarvitsee saattohoitoa",
        "jag behöver hjälp med skulder",
        "jag vill inte dö, jag vill ha hjälp med sömnen",
        "ei itsetuhoisia ajatuksia, mutta uni ei tule",
        "",
        "😀",
    ],
)
def test_no_false_alarm_on_ordinary_needs(text: str) -> None:
    assert danger_sign(text) is None


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_lexicon_alone_on_the_evaluation_set(language: str) -> None:
    """Recall of the words alone; with the classifier the REST evaluation must reach 100 %."""
    needs = yaml.safe_load((EVAL / f"needs_{language}.yml").read_text(encoding="utf-8"))["needs"]
    crisis = [(need, m) for need in ("emergency", "mental_health_crisis", "domestic_violence")
              for m in needs[need]]  # fmt: skip
    caught = sum(danger_sign(message) is not None for _, message in crisis)
    assert caught / len(crisis) >= 0.85
    ordinary = [m for need, ms in needs.items() if need not in
                ("emergency", "mental_health_crisis", "domestic_violence") for m in ms]  # fmt: skip
    false_alarms = sum(danger_sign(m) is not None for m in ordinary)
    assert false_alarms / len(ordinary) <= 0.02


@pytest.mark.parametrize(
    "message",
    ["min man slog mej igen", "han skriker att han ska döda mej", "sambon låter mej int gå ut"],
)
def test_spoken_finland_swedish_pronouns_are_read_as_standard(message):
    sign = danger_sign(message)
    assert sign is not None and sign.need == "domestic_violence"
