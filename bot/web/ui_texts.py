"""UI texts of the demo page and the chat box, in Finnish and Swedish."""

from __future__ import annotations

UI_TEXTS: dict[str, dict[str, str]] = {
    "fi": {
        "html_lang": "fi",
        "site_name": "Raaseporin kaupunki (demo)",
        "page_title": "Sosiaali- ja terveyspalvelut",
        "intro": (
            "Tämä on Neuvo-neuvontabotin esittelysivu. Kunnan tiedot ovat esimerkkejä. "
            "Kerro chatissa omin sanoin, missä tarvitset apua."
        ),
        "emergency": "Hätätilanteessa soita 112.",
        "chat_title": "Neuvo – kysy neuvoa",
        "input_label": "Kirjoita viesti",
        "send": "Lähetä",
        "privacy": (
            "Keskustelu tallennetaan palvelun parantamista varten. Älä kirjoita henkilötunnustasi."
        ),
        "error": "Viestin lähetys ei onnistunut. Yritä hetken päästä uudelleen.",
        "other_language": "På svenska",
        "you": "Sinä",
        "bot": "Neuvo",
    },
    "sv": {
        "html_lang": "sv",
        "site_name": "Raseborgs stad (demo)",
        "page_title": "Social- och hälsovårdstjänster",
        "intro": (
            "Det här är en demosida för rådgivningsboten Neuvo. Kommunens uppgifter är exempel. "
            "Berätta i chatten med egna ord vad du behöver hjälp med."
        ),
        "emergency": "Ring 112 i en nödsituation.",
        "chat_title": "Neuvo – fråga om råd",
        "input_label": "Skriv ett meddelande",
        "send": "Skicka",
        "privacy": ("Samtalet sparas för att förbättra tjänsten. Skriv inte din personbeteckning."),
        "error": "Meddelandet kunde inte skickas. Försök igen om en stund.",
        "other_language": "Suomeksi",
        "you": "Du",
        "bot": "Neuvo",
    },
}

# The demo page's municipality: Raasepori/Raseborg, 65 % Swedish-speaking.
DEMO_MUNICIPALITY = "710"
