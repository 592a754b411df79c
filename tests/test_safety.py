"""The safety net's lexicon (bot/safety.py), on its own and on the evaluation set."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.routing import CRISIS_NEEDS
from bot.safety import danger_sign

DATA = Path(__file__).parents[1] / "data"


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
        ("vauva on ihan veltto eikä jaksa itkeä", "emergency"),
        ("bebisen är alldeles slapp och grå", "emergency"),
        ("sahasin jalkaan ja verta pulppuaa", "emergency"),
        ("mietin vaan miten saisin lopetettua kaiken", "mental_health_crisis"),
        ("se potkii ovea ja mä oon lukinnu itteni makkariin", "domestic_violence"),
        ("han tog strypgrepp på mig i natt", "domestic_violence"),
        ("isä otti kaikki lääkkeet kerralla eikä pysy hereillä", "emergency"),
        ("kurkku tuntuu menevän umpeen ampiaisen piston jälkeen", "emergency"),
        ("mannen svarar inte fast jag ruskar honom", "emergency"),
        ("en jaksa olla olemassa enää", "mental_health_crisis"),
        ("jag är i chock efter olyckan och kan inte sluta skaka", "mental_health_crisis"),
        ("mies potki mua eilen", "domestic_violence"),
        ("hennes pojkvän har slagit henne", "domestic_violence"),
        ("pyöräilijä vuotaa päästä eikä ole tajuissaan", "emergency"),
        ("kaveri sanoi et se hyppää sillalta tänään", "mental_health_crisis"),
        # Spoken Finnish forms of "I want to die".
        ("haluun vaan kuolla", "mental_health_crisis"),
        ("en haluu elää tällasta elämää", "mental_health_crisis"),
        # An auxiliary without a negation before it is no negation.
        ("aion satuttaa itseäni tänään", "mental_health_crisis"),
        ("jag tänker ta livet av mig", "mental_health_crisis"),
        # From the situations added to the training data.
        ("mies oksentaa kirkasta verta", "emergency"),
        ("astmakohtaus ja huulet sinertää", "emergency"),
        ("hiihtäjä törmäs puuhun eikä tunne jalkojaan", "emergency"),
        ("vi fick upp honom men han e livlös", "emergency"),
        ("armen fastnade i vedklyven och det sprutar blod", "emergency"),
        ("pappa kräks blod", "emergency"),
        ("blodsockret har sjunkit och han int går att väcka", "emergency"),
        ("killen ligger i diket och säger att han int känner benen", "emergency"),
        ("tytär kirjoitti haluavansa kuolla", "mental_health_crisis"),
        ("ainoa ulospääsy tuntuu olevan kuolema", "mental_health_crisis"),
        ("mietin että ohjaisin rekan alle", "mental_health_crisis"),
        ("ja ser ingen annan utväg än att dö", "mental_health_crisis"),
        # The sealed evaluation set's crisis misses of its first run (docs/benchmarks.md).
        ("kaveri snäppäs et tää on sen viimenen ilta", "mental_health_crisis"),
        ("sydän hakkaa ja tuntuu et mä kuolen", "mental_health_crisis"),
        ("poika on ostanut köyden eikä vastaa", "mental_health_crisis"),
        ("hjärtat rusar jag tror jag dör", "mental_health_crisis"),
        ("Orkar inte längre, allt är meningslöst.", "mental_health_crisis"),
        ("han skrev att det här e hans sista dag", "mental_health_crisis"),
        ("puolisoni potkaisi minua vatsaan", "domestic_violence"),
        ("isä on tönäissyt häntä vuosia", "domestic_violence"),
        ("naapurin naisella oli mustelma silmän ympärillä", "domestic_violence"),
        ("jag flydde hemifrån med barnen", "domestic_violence"),
        ("jag har flytt hemifrån med barnen och sitter i bilen", "domestic_violence"),
        ("se hakkaa mua", "domestic_violence"),
        # The second sealed set's crisis misses.
        ("mun 2-vuotias on syöny mummon lääkkeitä, kolme puuttuu purkista", "emergency"),
        ("keittiössä syttyi tulipalo ja isä on vielä sisällä", "emergency"),
        ("det brinner i grannhuset och gubben är kvar inne", "emergency"),
        ("jag har kräkts blod flera gånger", "emergency"),
        ("isä uhkaili äitiä puukolla kännissä", "domestic_violence"),
        ("han hotade henne med kniv i går", "domestic_violence"),
        # Stroke signs in other words: a face gone crooked, an arm that will not lift.
        ("Puolisoni kasvot ovat äkillisesti vinossa eikä hän saa kättään nostettua", "emergency"),
        ("äidin suu on yhtäkkiä vinossa", "emergency"),
        ("isä ei saa vasenta kättään nostettua", "emergency"),
        ("mammas ansikte är snett på ena sidan", "emergency"),
        ("munnen hänger och han kan inte lyfta armen", "emergency"),
        # The third sealed set's crisis misses, in other words: gasping, blue
        # lips, gone under water, nobody would miss me, a partner who began to hit.
        ("vaimo haukkoo henkeä ja huulet on ihan siniset", "emergency"),
        ("pappa kippar efter andan och läpparna är blå", "emergency"),
        ("kaveri meni veden alle eikä näy enää", "emergency"),
        ("jag ser honom inte längre i vattnet", "emergency"),
        ("barnet håller på att drunkna", "emergency"),
        ("lapsi söi isän lääkkeitä", "emergency"),
        ("ei kukaan kaipais mua jos mä lähtisin", "mental_health_crisis"),
        ("det vore bäst för alla om jag inte fanns", "mental_health_crisis"),
        ("jag har skrivit avskedsbrev", "mental_health_crisis"),
        ("nu har hon också börjat slå mig", "domestic_violence"),
        # Still signs when the time is now.
        ("mieheni sai juuri aivoinfarktin", "emergency"),
        ("äidin käsi ei nouse ja puhe sammaltaa", "emergency"),
        ("vill dö, orkar inte mer", "mental_health_crisis"),
        ("haluan kuolla", "mental_health_crisis"),
        ("min man blir våldsam när han dricker", "domestic_violence"),
        # A sign said of now outweighs an exception elsewhere (review of the above).
        ("isä sai sydänkohtauksen nyt, kesällä oli pallolaajennus", "emergency"),
        ("mieheni sai juuri aivoinfarktin, hänet leikattiin keväällä", "emergency"),
        ("pappa har fått en stroke nu, han opererades i höstas", "emergency"),
        ("mamma 75 år har sedan i morse svårt att prata, tror det är stroke", "emergency"),
        ("haluan kuolla, olen kotona yksin ja minulla on pillerit", "mental_health_crisis"),
        ("jag vill dö, sitter hemma ensam", "mental_health_crisis"),
        ("veli kuoli onnettomuudessa tänä aamuna, kesällä piti olla häät", "mental_health_crisis"),
        ("min bror omkom i en olycka i natt, vi skulle flytta i våras", "mental_health_crisis"),
        ("min man får raseriutbrott och blir våldsam mot mig", "domestic_violence"),
        ("hon orkar inte lyfta armen", "emergency"),
        ("mamma kan inte lyfta armen, och axeln känns konstig", "emergency"),
        ("isä ei saa kättä nostettua, olkapää on ihan veltto", "emergency"),
        ("lapset söivät mummon lääkkeitä", "emergency"),
        ("söin kaikki lääkkeeni", "emergency"),
        ("lapsi hukkuu järveen", "emergency"),
        ("haukon henkeä enkä saa puhuttua", "emergency"),
        ("barnet drunknar i sjön", "emergency"),
        ("han försöker slå mig, jag är nere i källaren", "domestic_violence"),
    ],
)
def test_danger_signs(text: str, need: str) -> None:
    sign = danger_sign(text)
    assert sign is not None and sign.need == need


@pytest.mark.parametrize(
    "text",
    [
        "tarvitsen hammaslääkärin",
        "lapsen hampaat on vinossa, tarvitaanko oikomishoitoa",
        "mulla on kuumetta",
        "olen yksinäinen",
        "kuolema pelottaa",
        "äiti tarvitsee saattohoitoa",
        "jag behöver hjälp med skulder",
        "jag vill inte dö, jag vill ha hjälp med sömnen",
        "ei itsetuhoisia ajatuksia, mutta uni ei tule",
        # A negation with an auxiliary between it and the sign.
        "itken joka päivä mutta en aio satuttaa itseäni",
        "mieli on maassa mutta ei mitään itsetuhoisia ajatuksia",
        "haluan lopettaa tupakoinnin kokonaan",
        # A racing heart is no violence; moving out is no flight.
        "sydän hakkaa ja ahdistaa aina kaupassa",
        "jag är 19 och har flyttat hemifrån och känner mig vilse",
        "sista dagen på jobbet blev tung",
        "viime illalla oli kova päänsärky",
        # A stroke last year is after-care, not an emergency.
        "vaimoni sai aivoinfarktin viime vuonna ja hoidan häntä kotona",
        # A family history at a check-up.
        "haluan kolesterolimittaukseen, isä sai sydäninfarktin nelikymppisenä",
        "min pappa fick hjärtinfarkt ung, det finns i släkten, kan jag testa mig",
        # Caring for someone after a stroke; gambling that took over a life.
        "mies sai aivoinfarktin ja nyt tarvitsen tietoa omaishoidosta",
        "pokerspelandet har tagit över mitt liv",
        "vaimollani on aivoinfarktin jälkivaikutuksia, kuka hoitaa häntä jos sairastun",
        "haluan kirjata hoitotahdon, etten halua elvytystä",
        "tarvitsen asunnon, koska kotini paloi tulipalossa viime viikolla",
        "jag vet inte hur jag ska ta mig ur skulderna",
        "jag tänker inte ta livet av mig, men jag orkar inte jobba",
        # The third sealed set's false alarms, in other words: "soittaako
        # lääkäri" without dots, a stroke or a shock long ago, an arm after an
        # operation, dying at home, a toddler's tantrums, sitting down.
        "saanko labratulokset vai soittaako lääkäri",
        "min bror fick en stroke för tre år sedan och behöver färdtjänst",
        "mies sai aivoinfarktin keväällä, saako omaishoitaja korvausta",
        "jag fick stroke i vintras och vill träna upp handen",
        "efter operationen kan jag inte lyfta armen, finns det fysioterapi",
        "isä kuoli yllättäen puoli vuotta sitten ja laskut kasaantuu",
        "pappa har obotlig cancer och vill dö hemma",
        "äiti haluaa kuolla kotona, miten saattohoito järjestyy",
        "kan jag slå mig ner i väntrummet",
        "kellari jäi veden alle ja tarvitsemme väliaikaisen asunnon",
        "uimakoulussa opetellaan sukeltamaan veden alle",
        "jag drunknar i räkningar, var får jag skuldrådgivning",
        "mitä tapahtuu jos minua ei olisi kotona kun kotihoito tulee",
        "jag vill inte finnas med i registret",
        "soitin apteekkiin lääkkeistä",
        "",
        "😀",
    ],
)
def test_no_false_alarm_on_ordinary_needs(text: str) -> None:
    assert danger_sign(text) is None


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_lexicon_alone_on_messages_written_apart(language: str) -> None:
    """Recall of the words alone, as a floor against regressions (78 % fi, 81 % sv when
    written); with the classifier the REST evaluation must reach 100 %. The messages are
    the first three evaluation sets, which train now."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(DATA / f"nlu_{language}" / "needs_written_apart.yml"))
    crisis_intents = {f"need_{need}" for need in CRISIS_NEEDS}
    examples = [(m.get("intent"), m.get("text")) for m in data.intent_examples]
    crisis = [text for intent, text in examples if intent in crisis_intents]
    ordinary = [text for intent, text in examples if intent not in crisis_intents]
    caught = sum(danger_sign(message) is not None for message in crisis)
    assert caught / len(crisis) >= 0.75
    false_alarms = sum(danger_sign(m) is not None for m in ordinary)
    assert false_alarms / len(ordinary) <= 0.01


@pytest.mark.parametrize(
    "message",
    ["min man slog mej igen", "han skriker att han ska döda mej", "sambon låter mej int gå ut"],
)
def test_spoken_finland_swedish_pronouns_are_read_as_standard(message):
    sign = danger_sign(message)
    assert sign is not None and sign.need == "domestic_violence"
