"""Words that give away the wrong language in a reply: the i18n check's one definition."""

from __future__ import annotations

import re

# Words of our German replies that no English reply may contain (and the reverse). Article text
# (titles, summaries) is German whatever the reader's language, so callers leave it out.
GERMAN = frozenset(
    (  # noqa: SIM905 (a word list reads best as one string)
        "der und ist nicht mit von für über oder bitte zum zur eine einen kein keine jetzt "
        "wörter wort seite treffer quellen unbekannt unbekannte nachrichten einstellungen "
        "sprache zeit meldungen saetze sätze leer themen ja nein alle uhr gespeichert befehle "
        "beispiel abonniert zeitzone nummer artikel alarm alarme neu seit gibt welcher welchen "
        "dein deine du ich überblick weiter zurück lesen quelle ohne datum zuerst"
    ).split()
)
ENGLISH = frozenset(
    (  # noqa: SIM905
        "the and with please words word sources unknown news settings language time stories "
        "sentences empty topics yes all saved commands example subscribed now since source "
        "number article articles alert alerts new your you which there read next back without "
        "first"
    ).split()
)
_COMMAND = re.compile(r"[/!][A-Za-z_]+|\b\w+:\S*")


def foreign_words(text: str, language: str) -> set[str]:
    """The words of `text` that belong to the other language (commands and filters left out)."""
    found = {w.casefold() for w in re.findall(r"[^\W\d_]+", _COMMAND.sub(" ", text))}
    return found & (GERMAN if language == "en" else ENGLISH)
