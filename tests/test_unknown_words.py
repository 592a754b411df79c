"""What counts as a word for the gibberish fallback (bot/nlu/unknown_words.py)."""

from __future__ import annotations

import random

import pytest

from bot.nlu.unknown_words import is_compound_of_known_words, is_plausible_word

DEFAULTS = {"min_frequency": 1e-6, "min_plausibility": -3.6}


@pytest.mark.parametrize(
    "word",
    # Swedish and Finnish compounds that the word lists do not have as such.
    ["hemvård", "mathjälp", "jobbcoach", "duschstol", "hammassärky", "tarviin", "kotihoito"],
)
def test_compounds_and_colloquial_words_are_words(word: str) -> None:
    assert is_plausible_word(word, **DEFAULTS)


@pytest.mark.parametrize("word", ["asdkj", "qwe", "asdasd", "sdfsdf", "jkljkl", "zzkx"])
def test_keyboard_mashing_is_not(word: str) -> None:
    assert not is_plausible_word(word, **DEFAULTS)
    assert not is_compound_of_known_words(word)


def test_random_letters_rarely_pass_as_compounds() -> None:
    rng = random.Random(7)
    mash = [
        "".join(rng.choices("asdfghjklqwertyuiopzxcvbnm", k=rng.randint(5, 9))) for _ in range(2000)
    ]
    assert sum(is_compound_of_known_words(m) for m in mash) <= 4  # at most 0.2 %
