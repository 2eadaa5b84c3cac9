"""Is a short label a kicker (Dachzeile: "Bundesliga, 13. Spieltag", "USA, Venezuela") or the
site's navigation ("Startseite", "Über uns", "English", "Zurück zur Übersicht")?

One rule for every way a kicker comes in: found above a page's headline, or given with a feed
or JSON item. A kicker names the story's topic or its form; a navigation label names a place on
the site, a language, a call to the reader or a date.
"""

from __future__ import annotations

import re

from summarizer.german import is_stop_word, prose_words, stems

# A kicker has at most this many words; a longer line is a headline or a sentence.
KICKER_WORDS = 5
# Words that name a place on a site, a language switch or a list of other pieces, not a topic:
# a label made of these (and function words) only is navigation. The main departments
# (Ressorts: Politik, Wirtschaft, Sport, …) are site sections: they say where the article is
# filed, not what it is about.
_NAVIGATION = frozenset(
    (  # noqa: SIM905 (a word list reads best as one string)
        "start startseite home homepage menü menu navigation beitragsnavigation sprungmarken "
        "inhalt suche suchen search kontakt about info infos übersicht zurück schließen mehr "
        "aktuell aktuelles allgemein news blog archiv service services hilfe shop karriere "
        "datenschutz impressum vorlesen anhören drucken teilen events termine veranstaltungen "
        "über uns deutsch english german englisch français español leichte einfache sprache "
        "gebärdensprache barrierefrei barrierefreiheit login anmelden registrieren newsletter "
        "abonnieren abo warenkorb versandkosten zzgl kommende weitere ähnliche verwandte "
        "beliebt beliebte meistgelesen meistgelesene neueste neuesten artikel beiträge "
        "beitrag themen rubrik rubriken kategorie kategorien ressort ressorts "
        "politik wirtschaft sport kultur panorama wissen gesellschaft inland ausland regional "
        "regionales lokales feuilleton digital netzwelt finanzen"
    ).split()
)
# Words only the site's furniture uses (a shop's price line, a contact box, a follow button): a
# label with one of them is no kicker, whatever else it says ("Endpreis zzgl. Versandkosten").
_FURNITURE = frozenset(
    (  # noqa: SIM905
        "zzgl inkl versandkosten warenkorb impressum datenschutz cookies kontaktdaten "
        "follower followern abonnenten anmelden einloggen registrieren"
    ).split()
)
# A run-on of two menu entries ("SuchenSuchen", "HomeBMW3er"), a credit ("Foto / Agentur") or a
# label with a code or count ("Webcode:0104", "Wohnen (3)") is no kicker.
_NOT_KICKER = re.compile(r"[a-zäöüß][A-ZÄÖÜ]|[/:|()\[\]{}<>@#]|^\w{1,3}$")
# A call to the reader ("Schließe dich 600 Followern an", "Dein Konto"): a kicker never says du.
_READER = frozenset("du dich dir dein deine deinen deinem deiner euch euer eure".split())  # noqa: SIM905
# A date in any language's layout ("November 6, 2023", "6. Nov. 2023"): month names and numbers.
_MONTHS = frozenset(
    (  # noqa: SIM905
        "januar jänner februar märz april mai juni juli august september oktober november "
        "dezember january february march may june july october december jan feb mär mar apr "
        "jun jul aug sep sept okt oct nov dez dec"
    ).split()
)
# A paywall marker over a headline ("SPIEGEL+", "Z+", "SZ Plus", "WELTplus"): an offer, no topic.
_PAYWALL = re.compile(r"(?i)(?:\+|plus)$")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|\d+")
# Labels of a piece's journalistic form: a kicker in their own right ("Kommentar" over a
# commentary's headline is its label, not the comment section's header).
GENRE_LABELS = frozenset(
    (  # noqa: SIM905
        "kommentar meinung analyse interview leitartikel kolumne gastbeitrag gastkommentar "
        "essay porträt reportage hintergrund glosse rezension kritik faktencheck pro contra "
        "nachruf"
    ).split()
)
# Words of a label and of the lead shorter than this are not compared (function words, "USA").
TOPIC_WORD_CHARS = 4
# A word part this long found inside a compound counts ("Bundestag" in "Bundestagspräsidium");
# a shorter one (Stadt, Land, Haus) is part of too many compounds to say the topic.
TOPIC_PART_CHARS = 6


def is_navigation(label: str) -> bool:
    """True when a short label is the site's navigation, a call to the reader or a date, not a
    kicker: all of its words (function words aside) name site places, it opens with one and a
    function word, it names the site's furniture or a paywall offer, it says du, or it is month
    names and numbers only."""
    found = [w.casefold() for w in _WORD.findall(label)]
    if not found or _PAYWALL.search(label.strip()):
        return True
    if any(w in _READER or w in _FURNITURE for w in found):
        return True
    if len(found) > 1 and found[0] in _NAVIGATION and is_stop_word(found[1]):
        return True  # a section's tagline: "Aktuelles zum Strafrecht", "Mehr aus Hamburg"
    if all(w.isdigit() or w in _MONTHS for w in found):
        return True
    content = [w for w in found if not w.isdigit() and (w in _NAVIGATION or not is_stop_word(w))]
    return all(w in _NAVIGATION for w in content)


def is_kicker_text(label: str, max_words: int = KICKER_WORDS) -> bool:
    """True for a kicker's text: a short label line, no sentence, no navigation."""
    text = " ".join(label.split())
    return (
        1 <= len(text.split()) <= max_words
        and text[:1].isupper()
        and not text.endswith((".", "!", "?", ":", ",", ";", "…"))
        and not _NOT_KICKER.search(text)
        and not is_navigation(text)
    )


def is_genre_label(label: str) -> bool:
    """True for a label that names a piece's form: "Kommentar", "Analyse", "Interview"."""
    return " ".join(label.split()).casefold() in GENRE_LABELS


def _topic_stems(text: str) -> list[str]:
    found = [w for w in prose_words(text) if len(w) >= TOPIC_WORD_CHARS and not is_stop_word(w)]
    return stems(found) if found else []


def names_topic(label: str, lead: str) -> bool:
    """True when a label names what the headline or lead is about: a word of it, or a long
    enough part of a compound, stands there too ("Olympische Winterspiele" over "… den
    Olympischen Winterspielen …", "Bundestagspräsidium" over "… Präsidentin des Bundestags")."""
    words = set(_topic_stems(lead))
    for k in _topic_stems(label):
        for w in words:
            if (
                k == w
                or (len(w) >= TOPIC_PART_CHARS and w in k)
                or (len(k) >= TOPIC_PART_CHARS and k in w)
            ):
                return True
    return False
