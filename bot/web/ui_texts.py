"""UI texts in Finnish and Swedish: the demo municipal page and the chat widget.

PAGE_TEXTS fill templates/page.html. WIDGET_TEXTS reach the chat widget
(static/widget.js) through GET /api/widget/config, with the retention periods
of bot/retention.py filled in, so that the privacy notice states what the
service really does. UI_TEXTS holds both, for the bilingual checks.

The page is a demo, and it says so; it gives no phone number but 112 and
116117 (shared/domain/national_helplines.yml) and no address at all.
"""

from __future__ import annotations

# The demo page's municipality: Raasepori/Raseborg, 65 % Swedish-speaking.
DEMO_MUNICIPALITY = "710"

PAGE_TEXTS: dict[str, dict[str, str]] = {
    "fi": {
        "html_lang": "fi",
        "city": "Raasepori",
        "site_name": "Raaseporin kaupunki",
        "demo_badge": "Esittelysivu",
        "skip_link": "Siirry sisältöön",
        "main_nav": "Päävalikko",
        "nav_health": "Terveyspalvelut",
        "nav_social": "Sosiaalipalvelut",
        "nav_urgent": "Kiireellinen apu",
        "nav_chat": "Kysy neuvoa",
        "breadcrumb": "Murupolku",
        "home": "Etusivu",
        "page_title": "Sosiaali- ja terveyspalvelut",
        "lead": (
            "Länsi-Uudenmaan hyvinvointialue järjestää raaseporilaisten sosiaali- ja "
            "terveyspalvelut. Tältä sivulta löydät yleisimmät palvelut ja neuvon siihen, "
            "mistä apua saa."
        ),
        "urgent_title": "Kiireellinen apu",
        "urgent_112": "Hätätilanteessa soita 112.",
        "urgent_116117": (
            "Jos sairastut äkillisesti ja oma terveysasema on kiinni, soita Päivystysapuun "
            "116117. Sairaanhoitaja arvioi, tarvitsetko hoitoa heti."
        ),
        "chat_title": "Kysy neuvoa chatissa",
        "chat_text": (
            "Neuvo on neuvontabotti. Kerro sille omin sanoin, missä tarvitset apua. Neuvo "
            "kertoo, mikä palvelu sopii sinulle. Se voi myös jättää puolestasi "
            "soittopyynnön tai varata ajan."
        ),
        "chat_open": "Avaa chat",
        "health_title": "Terveyspalvelut",
        "health_station": "Terveysasema",
        "health_station_text": (
            "Terveysasemalla hoidetaan sairauksia, jotka eivät vaadi hoitoa heti. "
            "Aikaa varataan soittamalla tai chatin kautta."
        ),
        "oral_health": "Suun terveydenhuolto",
        "oral_health_text": "Hammaslääkärin ja suuhygienistin vastaanotot kaikenikäisille.",
        "child_health": "Neuvolat",
        "child_health_text": (
            "Äitiysneuvola ja lastenneuvola tukevat raskauden aikana ja lapsen kasvaessa."
        ),
        "mental_health": "Mielenterveys- ja päihdepalvelut",
        "mental_health_text": "Apua, kun mieli on maassa tai kun päihteet huolestuttavat.",
        "social_title": "Sosiaalipalvelut",
        "elderly": "Ikääntyneiden palvelut",
        "elderly_text": "Kotihoito, omaishoidon tuki ja neuvonta ikääntyneille ja läheisille.",
        "family": "Perheiden tuki",
        "family_text": "Perhetyö, kasvatus- ja perheneuvonta sekä lastensuojelu.",
        "adult_social": "Aikuissosiaalityö",
        "adult_social_text": ("Neuvontaa ja tukea, kun raha ei riitä tai elämäntilanne on vaikea."),
        "disability": "Vammaispalvelut",
        "disability_text": "Palveluja ja tukea arkeen, kun on vamma tai pitkäaikainen sairaus.",
        "footer_demo": (
            "Tämä on Neuvo-palvelun esittelysivu. Sivun tiedot ovat esimerkkejä eivätkä "
            "Raaseporin kaupungin virallisia tietoja."
        ),
        "other_language": "På svenska",
    },
    "sv": {
        "html_lang": "sv",
        "city": "Raseborg",
        "site_name": "Raseborgs stad",
        "demo_badge": "Demosida",
        "skip_link": "Hoppa till innehållet",
        "main_nav": "Huvudmeny",
        "nav_health": "Hälsovårdstjänster",
        "nav_social": "Socialtjänster",
        "nav_urgent": "Brådskande hjälp",
        "nav_chat": "Fråga om råd",
        "breadcrumb": "Brödsmulor",
        "home": "Startsidan",
        "page_title": "Social- och hälsovårdstjänster",
        "lead": (
            "Västra Nylands välfärdsområde ordnar social- och hälsovårdstjänsterna för "
            "invånarna i Raseborg. På den här sidan hittar du de vanligaste tjänsterna och "
            "råd om var du får hjälp."
        ),
        "urgent_title": "Brådskande hjälp",
        "urgent_112": "Ring 112 i en nödsituation.",
        "urgent_116117": (
            "Om du plötsligt blir sjuk och din egen hälsostation är stängd, ring Jourhjälpen "
            "på 116117. En sjukskötare bedömer om du behöver vård genast."
        ),
        "chat_title": "Fråga om råd i chatten",
        "chat_text": (
            "Neuvo är en rådgivningsbot. Berätta med egna ord vad du behöver hjälp med. "
            "Neuvo berättar vilken tjänst som passar dig. Den kan också lämna en begäran om "
            "återuppringning eller boka en tid åt dig."
        ),
        "chat_open": "Öppna chatten",
        "health_title": "Hälsovårdstjänster",
        "health_station": "Hälsostationen",
        "health_station_text": (
            "På hälsostationen vårdas sjukdomar som inte behöver vård genast. Du bokar tid "
            "genom att ringa eller via chatten."
        ),
        "oral_health": "Munhälsovård",
        "oral_health_text": "Mottagningar hos tandläkare och munhygienist för alla åldrar.",
        "child_health": "Rådgivningar",
        "child_health_text": (
            "Mödrarådgivningen och barnrådgivningen stöder under graviditeten och när barnet växer."
        ),
        "mental_health": "Mentalvårds- och missbrukartjänster",
        "mental_health_text": "Hjälp när du mår psykiskt dåligt eller är orolig för rusmedel.",
        "social_title": "Socialtjänster",
        "elderly": "Tjänster för äldre",
        "elderly_text": "Hemvård, stöd för närståendevård och rådgivning för äldre och anhöriga.",
        "family": "Stöd för familjer",
        "family_text": "Familjearbete, uppfostrings- och familjerådgivning samt barnskydd.",
        "adult_social": "Socialt arbete för vuxna",
        "adult_social_text": (
            "Rådgivning och stöd när pengarna inte räcker eller livet är svårt just nu."
        ),
        "disability": "Handikappservice",
        "disability_text": (
            "Tjänster och stöd i vardagen när du har en funktionsnedsättning eller en långvarig "
            "sjukdom."
        ),
        "footer_demo": (
            "Det här är en demosida för tjänsten Neuvo. Uppgifterna på sidan är exempel och "
            "inte Raseborgs stads officiella uppgifter."
        ),
        "other_language": "Suomeksi",
    },
}

# {conversation_days} and {callback_days} are filled in by bot/web/widget_api.py.
WIDGET_TEXTS: dict[str, dict[str, str]] = {
    "fi": {
        "widget_region": "Neuvo-chat",
        "widget_open": "Kysy neuvoa chatissa",
        "widget_title": "Neuvo – sosiaali- ja terveyspalvelujen neuvonta",
        "widget_subtitle": "Vastaaja on botti, ei ihminen.",
        "widget_close": "Sulje chat",
        "widget_log": "Keskustelu",
        "widget_input_label": "Kirjoita viestisi",
        "widget_input_hint": "Älä kirjoita henkilötunnustasi.",
        "widget_send": "Lähetä",
        "widget_you": "Sinä",
        "widget_bot": "Neuvo",
        "widget_typing": "Neuvo kirjoittaa…",
        "widget_connecting": "Yhdistetään…",
        "widget_reconnecting": (
            "Yhteys katkesi. Yritetään uudelleen. Viestisi lähtee, kun yhteys palaa."
        ),
        "widget_reconnected": "Yhteys palasi.",
        "widget_privacy_title": "Ennen kuin kirjoitat",
        "widget_privacy_stored": (
            "Keskustelusi tallennetaan. Palvelun työntekijät voivat lukea sen, jotta "
            "neuvontaa voidaan parantaa. Keskustelu poistetaan {conversation_days} päivän "
            "kuluttua."
        ),
        "widget_privacy_callback": (
            "Jos pyydät soittoa, puhelinnumerosi ja nimesi välitetään palveluun. Ne "
            "poistetaan {callback_days} päivän kuluttua siitä, kun asia on hoidettu."
        ),
        "widget_privacy_hetu": (
            "Älä kirjoita henkilötunnustasi. Kerro terveydestäsi vain sen verran, kuin "
            "neuvon saamiseksi tarvitaan."
        ),
        "widget_privacy_delete": (
            "Voit poistaa keskustelusi milloin tahansa: valitse Poista keskusteluni."
        ),
        "widget_privacy_accept": "Selvä, aloitetaan",
        "widget_delete": "Poista keskusteluni",
        "widget_delete_question": (
            "Poistetaanko koko keskustelu? Sitä ei voi palauttaa. Jättämäsi soittopyyntö "
            "pysyy voimassa."
        ),
        "widget_delete_confirm": "Kyllä, poista",
        "widget_delete_cancel": "Älä poista",
        "widget_deleted": "Keskustelu on poistettu. Voit aloittaa uuden keskustelun.",
        "widget_delete_failed": "Poistaminen ei onnistunut. Yritä hetken päästä uudelleen.",
        "widget_emergency": "Hätätilanne: soita 112",
        "widget_services": "Palvelut, joista saat apua",
        "widget_search_results": "Palveluja, jotka voisivat sopia",
        "widget_provider_public": "Julkinen palvelu",
        "widget_provider_third_sector": "Järjestö",
        "widget_provider_parish": "Seurakunta",
        "widget_provider_national": "Valtakunnallinen palvelu",
        "widget_provider_private": "Yksityinen palvelu",
        "widget_phone": "Puhelin",
        "widget_hours_location": "Aukioloajat",
        "widget_hours_phone": "Puhelinaika",
        "widget_always_open": "Avoinna aina",
        "widget_link_eservice": "Sähköinen asiointi",
        "widget_link_webpage": "Verkkosivut",
        "widget_opens_new_window": "(avautuu uuteen ikkunaan)",
        "widget_demo": "Esimerkkitieto, ei oikea palvelu",
        "widget_unavailable": (
            "Chat ei juuri nyt toimi. Hätätilanteessa soita 112. Kiireellisissä asioissa "
            "soita Päivystysapuun 116117."
        ),
    },
    "sv": {
        "widget_region": "Neuvo-chatt",
        "widget_open": "Fråga om råd i chatten",
        "widget_title": "Neuvo – rådgivning om social- och hälsovårdstjänster",
        "widget_subtitle": "Du chattar med en bot, inte en människa.",
        "widget_close": "Stäng chatten",
        "widget_log": "Samtal",
        "widget_input_label": "Skriv ditt meddelande",
        "widget_input_hint": "Skriv inte din personbeteckning.",
        "widget_send": "Skicka",
        "widget_you": "Du",
        "widget_bot": "Neuvo",
        "widget_typing": "Neuvo skriver…",
        "widget_connecting": "Ansluter…",
        "widget_reconnecting": (
            "Anslutningen bröts. Vi försöker igen. Ditt meddelande skickas när anslutningen "
            "är tillbaka."
        ),
        "widget_reconnected": "Anslutningen är tillbaka.",
        "widget_privacy_title": "Innan du skriver",
        "widget_privacy_stored": (
            "Ditt samtal sparas. Tjänstens anställda kan läsa det för att förbättra "
            "rådgivningen. Samtalet raderas efter {conversation_days} dagar."
        ),
        "widget_privacy_callback": (
            "Om du ber om att bli uppringd skickas ditt telefonnummer och namn till tjänsten. "
            "De raderas {callback_days} dagar efter att ärendet är klart."
        ),
        "widget_privacy_hetu": (
            "Skriv inte din personbeteckning. Berätta om din hälsa bara så mycket som "
            "behövs för att du ska få råd."
        ),
        "widget_privacy_delete": (
            "Du kan radera ditt samtal när som helst: välj Radera mitt samtal."
        ),
        "widget_privacy_accept": "Jag förstår, vi börjar",
        "widget_delete": "Radera mitt samtal",
        "widget_delete_question": (
            "Vill du radera hela samtalet? Det går inte att ångra. En begäran om "
            "återuppringning som du har lämnat gäller ändå."
        ),
        "widget_delete_confirm": "Ja, radera",
        "widget_delete_cancel": "Radera inte",
        "widget_deleted": "Samtalet är raderat. Du kan börja ett nytt samtal.",
        "widget_delete_failed": "Det gick inte att radera. Försök igen om en stund.",
        "widget_emergency": "Nödsituation: ring 112",
        "widget_services": "Tjänster där du får hjälp",
        "widget_search_results": "Tjänster som kunde passa",
        "widget_provider_public": "Offentlig tjänst",
        "widget_provider_third_sector": "Organisation",
        "widget_provider_parish": "Församling",
        "widget_provider_national": "Riksomfattande tjänst",
        "widget_provider_private": "Privat tjänst",
        "widget_phone": "Telefon",
        "widget_hours_location": "Öppettider",
        "widget_hours_phone": "Telefontid",
        "widget_always_open": "Alltid öppet",
        "widget_link_eservice": "E-tjänst",
        "widget_link_webpage": "Webbplats",
        "widget_opens_new_window": "(öppnas i ett nytt fönster)",
        "widget_demo": "Exempeluppgift, inte en riktig tjänst",
        "widget_unavailable": (
            "Chatten fungerar inte just nu. Ring 112 i en nödsituation. I brådskande "
            "ärenden, ring Jourhjälpen på 116117."
        ),
    },
}

UI_TEXTS: dict[str, dict[str, str]] = {
    language: {**PAGE_TEXTS[language], **WIDGET_TEXTS[language]} for language in PAGE_TEXTS
}
