"""The console chat, driven through stdin/stdout of a real `newsbot demo` process."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import console_chat
from tests.i18n import foreign_words

pytestmark = pytest.mark.integration


def test_console_search_finds_both_seeds(db_path: Path) -> None:
    out = console_chat(["/search venezuela"], db_path)
    assert "2 Treffer" in out
    assert "Kreml fordert friedliche Lösung" in out
    assert "Russland erwägt Venezuelas Bitte" in out


def test_console_digest_and_inflected_search(db_path: Path) -> None:
    out = console_chat(["/digest", "/search Russlands"], db_path)
    assert "Neu seit" in out
    assert "Treffer für „Russlands“" in out


def test_console_bad_input_gets_clear_messages(db_path: Path) -> None:
    huge = "/search " + "x" * 10_000
    out = console_chat(
        ["/frobnicate", "/search", huge, "/article abc", "/subscribe 25:99", "hallo"], db_path
    )
    assert "Den Befehl /frobnicate kenne ich nicht" in out
    assert "Wonach soll ich suchen?" in out
    assert "zu lang" in out
    assert "„abc“ ist keine Nummer. Beispiel: /article 1" in out
    assert "„25:99“ ist keine Uhrzeit" in out
    assert "Befehle beginnen mit /" in out


def test_console_subscribe_and_unsubscribe(db_path: Path) -> None:
    out = console_chat(["/subscribe 07:30 Europe/Vienna", "/unsubscribe", "/unsubscribe"], db_path)
    assert "07:30 Uhr (Europe/Vienna)" in out
    assert "Abbestellt" in out
    assert "hattest keinen" in out


# Issue 27, item by item, as a console user has it: (what is typed, a piece of the answer).
# Each script runs in German, then in English after `/settings sprache en`.
ITEMS = {
    "sources": [
        ("/quellen", "Quellen zur Wahl: dpa, TKP"),
        ("/settings quellen bild", "Die Quelle „bild“ kenne ich nicht. Zur Wahl: dpa, TKP"),
        ("/settings quellen tkp", "Gespeichert. Quellen (Überblick, Alarme, Eilmeldungen): TKP"),
        ("/digest", "Russland erwägt Venezuelas Bitte"),
        ("/settings quellen alle", "Quellen (Überblick, Alarme, Eilmeldungen): alle"),
        ("/settings sprache en", "Saved."),
        ("/sources", "Sources to choose from: dpa, TKP"),
        ("/settings sources nowhere", "I don't know the source “nowhere”"),
        ("/settings sources DPA", "Saved. Sources (digest, alerts, breaking): dpa"),
        ("/digest", "Kreml fordert friedliche Lösung"),
    ],
    "quiet sends and previews": [
        ("/settings leise an", "Leise (Überblick, Alarme und Eilmeldungen ohne "),
        ("/settings vorschau an", "Gespeichert. Linkvorschau in Überblick und Alarmen: an"),
        ("/settings", "Leise"),
        ("/settings sprache en", "Saved."),
        ("/settings silent off", "Silent (digest, alerts and breaking stories without "),
        ("/settings previews off", "Saved. Link previews in digests and alerts: off"),
    ],
    "digest times and weekdays": [
        ("/subscribe 07:00 18:00", "jeden Tag um 07:00 und 18:00 Uhr (Europe/Berlin)"),
        ("/subscribe wochentags", "montags bis freitags um 07:00 und 18:00 Uhr"),
        ("/subscribe halb acht", "montags bis freitags um 07:30 Uhr"),
        ("/subscribe 07:00 täglich", "jeden Tag um 07:00 Uhr"),
        ("/subscribe 07:00 18:00 jetzt", "Neu seit"),
        ("/archiv", "Neu seit"),
        ("/settings sprache en", "Saved."),
        ("/subscribe 07:00 18:00 weekdays", "Monday to Friday at 07:00 and 18:00"),
        ("/subscribe daily", "every day at 07:00 and 18:00"),
        ("/subscribe 7 uhr morgens", "every day at 07:00 (Europe/Berlin)"),
    ],
    "ids": [
        ("/id", "Dieser Chat: console:local"),
        ("", "Du: console:user"),
        ("/settings sprache en", "Saved."),
        ("/id", "This chat: console:local"),
        ("", "You: console:user"),
    ],
    "help": [
        ("/hilfe suche", "/search WÖRTER — Artikel suchen"),
        ("/help", "(auch /suche)"),
        ("/settings sprache en", "Saved."),
        ("/help search", "/search WORDS — Search articles"),
    ],
}


@pytest.mark.parametrize("item", list(ITEMS))
def test_console_scripts_each_item_of_the_first_week_in_german_and_english(
    db_path: Path, item: str
) -> None:
    steps = ITEMS[item]
    out = console_chat([line for line, _ in steps if line], db_path)
    german, english = out.split("Saved.", 1)
    at = 0
    for line, expected in steps:
        found = out.find(expected, at)
        assert found >= 0, f"after {line!r}: {expected!r} not in {out[at : at + 400]!r}"
        at = found + len(expected)
    if item == "sources":  # the chosen outlet's story, and not the other one's
        tkp = german.split("Eilmeldungen): TKP", 1)[1].split("Eilmeldungen): alle", 1)[0]
        assert "Kreml fordert" not in tkp
        assert "Russland erwägt" not in english.split("breaking): dpa", 1)[1]
    # The bot's own words only: a digest quotes the articles (German) between its head and
    # its last "→ /article N".
    quoted = re.compile(r"(?:Neu seit|New since).*?→ /article \d+", re.DOTALL)
    assert not foreign_words(quoted.sub("", german), "de"), german
    assert not foreign_words(quoted.sub("", english), "en"), english
