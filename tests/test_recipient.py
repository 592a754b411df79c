"""Who the help is for (bot/recipient.py), from realistic messages in both languages."""

from __future__ import annotations

import pytest
import yaml

from bot.recipient import RECIPIENT_FILE, RECIPIENTS, who_for


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The writer: first person, nobody else named.
        ("mul on ollu hammassärkyä kolme päivää", "self"),
        ("tarviin ajan lääkärille", "self"),
        ("juon liikaa enkä pääse siitä irti", "self"),
        ("olen yksinhuoltaja äiti ja ihan uupunut", "self"),  # what the writer is
        ("tarvitsen tukea äitinä jaksamiseen", "self"),
        ("haluaisin vapaaehtoisen ystävän", "self"),  # a friend for the writer
        # Children, in every case and with possessive suffixes.
        ("tarviin hammaslääkärin lapselleni", "child"),
        ("poikani ei käy enää koulussa", "child"),
        ("tyttären kanssa riidellään joka päivä", "child"),
        ("lapsella korkea kuume", "child"),
        ("mun tyttö ei syö kunnolla", "child"),
        ("pojalle puheterapeutti", "child"),
        ("lasten kanssa ei jaksa enää", "child"),
        # Parents.
        ("äidille kotihoitoa pari kertaa päivässä", "parent"),
        ("isäni ei pärjää enää yksin", "parent"),
        ("olen äidin omaishoitaja", "parent"),  # "äidin": the mother is cared for
        ("mun vanhemmat on yli 80 ja tarviis apua", "parent"),
        ("aidille rollaattori", "parent"),  # no dots on the keyboard
        # Partners: "mies" is mine with a suffix or after "mun".
        ("mieheni juo joka ilta", "partner"),
        ("vaimoni on ollut masentunut pitkään", "partner"),
        ("mun mies ei halua hakea apua", "partner"),
        ("puolisolle intervallijakso", "partner"),
        # Other relatives.
        ("mummolle turvapuhelin", "relative"),
        ("pikkuveljeni ei saa ruokaa kotona", "relative"),
        ("lapsenlapseni asuu huonoissa oloissa", "relative"),
        ("mun siskon lapset on usein yksin", "relative"),  # my sister's children
        ("anoppi ei puhu suomea", "relative"),
        # Someone else.
        ("naapurin lapsi on yksin kotona", "other"),
        ("ystäväni äiti on tosi sairas", "other"),
        ("kaveri lyyhistyi maahan", "other"),
        ("olen opettaja ja huolissani yhdestä oppilaasta", "other"),
    ],
)
def test_finnish(text: str, expected: str) -> None:
    assert who_for(text, "fi") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jag har haft ont i tanden sen i går", "self"),
        ("ja behöver hjälp med ansökan", "self"),
        ("jag är ensamstående mamma och helt slut", "self"),
        ("behöver stöd som förälder", "self"),
        ("behöver tandläkare för mitt barn", "child"),
        ("min son har slutat gå i skolan", "child"),
        ("dottern har ont i örat", "child"),
        ("barnen behöver vinterkläder", "child"),
        ("hemvård åt min mamma", "parent"),
        ("min pappa klarar sig inte hemma", "parent"),
        ("jag är orolig för pappa", "parent"),
        ("min far har blivit glömsk", "parent"),
        ("mina föräldrar talar bara ryska", "parent"),
        ("min fru glömmer spisen på", "partner"),
        ("min man dricker varje kväll", "partner"),
        ("sambon har varit nedstämd länge", "partner"),
        ("jag sköter min gubbe hemma", "partner"),
        ("min mormor bor ensam", "relative"),
        ("trygghetstelefon för mommo", "relative"),
        ("min lillebror får ingen mat hemma", "relative"),
        ("min systers barn far illa", "relative"),
        ("min mans mamma har demens", "relative"),
        ("grannens barn är ensamma hemma", "other"),
        ("min dotters kompis är rädd att gå hem", "other"),
        ("min vän pratar om att hon inte orkar", "other"),
    ],
)
def test_swedish(text: str, expected: str) -> None:
    assert who_for(text, "sv") == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Compounds name nobody: a maternity clinic is not a mother.
        ("äitiysneuvola", "fi"),
        ("lastensuojeluilmoitus", "fi"),
        ("isyysvapaa", "fi"),
        ("barnmorska", "sv"),
        ("barnskyddsanmälan", "sv"),
        ("mödrarådgivning", "sv"),
        # Words that are only sometimes a person.
        ("mies kaatui kadulla eikä nouse", "fi"),  # any man, not "my husband"
        ("en man ligger medvetslös", "sv"),
        ("vanhempi mies", "fi"),  # "older", not "parent"
        ("han far illa där hemma", "sv"),  # "far illa": is harmed, no father
        ("var får man hjälp", "sv"),  # "var" (where) is not "vår" (our)
        ("hur blir man klient hos hemvården", "sv"),
        # No person at all.
        ("aukioloajat", "fi"),
        ("hammaslääkäri", "fi"),
        ("öppettider", "sv"),
        ("", "fi"),
        ("🙂 112", "sv"),
    ],
)
def test_names_nobody(text: str, language: str) -> None:
    assert who_for(text, language) is None


def test_language_from_the_text_when_not_given() -> None:
    # "pappa" is a grandfather in Finnish and a father in Swedish.
    assert who_for("pappa tarvitsee turvapuhelimen", None) == "relative"
    assert who_for("min pappa behöver en trygghetstelefon", None) == "parent"
    assert who_for("pappa tarvitsee turvapuhelimen", "fi") == "relative"
    assert who_for("pappa behöver trygghetstelefon", "sv") == "parent"
    # A language the lexicon has not: both are tried.
    assert who_for("äidille ja min son", "en") == "parent"


@pytest.mark.parametrize("text", ["x" * 10_000, "ä" * 500 + " äiti", "\x00\n\t", "1234"])
def test_bad_input_does_not_crash(text: str) -> None:
    assert who_for(text, "fi") in (*RECIPIENTS, None)


def test_lexicon_names_only_known_recipients() -> None:
    spec = yaml.safe_load(RECIPIENT_FILE.read_text(encoding="utf-8"))
    for language, entry in spec.items():
        for section in ("recipients", "possessed", "forms"):
            assert set(entry[section]) <= set(RECIPIENTS) - {"self"}, (language, section)
        # YAML reads a bare "on" or "no" as a boolean: every word must stay a string.
        words = [*entry["endings"], *entry["suffixes"], *entry["self"], *entry["possessives"]]
        assert all(isinstance(word, str) for word in words), language
