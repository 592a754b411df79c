"""Ages in a message (bot/nlu/age.py), the linear model's age-band features."""

from __future__ import annotations

import pytest

from bot.nlu.age import age_words, ages, writer_is_minor
from bot.nlu.linear_blend import stems_and_ages


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mitä mä teen mun elämällä, 23v ei koulua ei työtä", [23]),
        ("Meidän 13-vuotias on alkanut valvoa öisin", [13]),
        ("Tyttäreni (21) on ollut alakuloinen", [21]),
        ("oon 34 ja häpeen tätä", [34]),
        ("poikani on 15 ja ei mene kouluun", [15]),
        ("äiti on 82 eikä pärjää", [82]),
        ("min dotter 13 gråter varje kväll", [13]),
        ("jag är 19 och mår dåligt", [19]),
        ("hon är 16 år gammal", [16]),
        ("en 17-årig kille", [17]),
        ("pappa är 90 år", [90]),
    ],
)
def test_ages_in_both_languages(text: str, expected: list[int]) -> None:
    assert ages(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "olen ollut 10 vuotta töissä",  # a duration
        "i 10 år har jag väntat",
        "jag har varit sjuk i 3 år",
        "vauva 2 kk ja itkee",  # a baby's months
        "mulla on 3 lasta",  # a count of children
        "kello on 14",  # a time of day
        "olen 40,5 kuumeessa",  # a temperature
        "maksoin 50 € liikaa",
        "olen 2 kertaa soittanut",
        "",
    ],
)
def test_numbers_that_are_not_ages(text: str) -> None:
    assert ages(text) == []


def test_age_bands_follow_the_labelling_rules() -> None:
    # 13–29 is young (youth_support in docs/need_labels.md), 30–64 adult.
    assert age_words("tytär 12v, poika 13v, veli 29v, sisko 30v, isä 65v") == (
        "age:child age:young age:young age:adult age:older"
    )


def test_the_linear_model_sees_the_band() -> None:
    assert stems_and_ages("oon 19 ja ahdistaa").split()[-1] == "age:young"
    assert "age:" not in stems_and_ages("ahdistaa koko ajan")


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("oon 14 ja isä lyö mua", True),
        ("ja e 15 och pappa slår mig", True),
        ("jag är 13 år", True),
        ("olen 16-vuotias", True),
        ("olen 45 ja mieheni lyö minua", False),
        # A memory, a child's age, a duration.
        ("olin 15 kun isä löi", False),
        ("tyttäreni on 12 ja mieheni lyö minua", False),
        ("oon 14 vuotta ollu naimisissa", False),
        # Counts, ordinals, ranges and durations after "olen"/"jag är".
        ("oon 3 lapsen äiti ja mies hakkaa mua", False),
        ("olen 5 vuoden ajan kärsinyt väkivallasta", False),
        ("olen 2. vuoden opiskelija", False),
        ("oon 7-15 töissä", False),
        ("jag är 10 år äldre än min man", False),
        ("jag är 5 år gift", False),
        ("Olen 15.", True),
        ("jag är 16 år gammal och", True),
    ],
)
def test_the_writers_own_age(text: str, minor: bool) -> None:
    assert writer_is_minor(text) is minor
