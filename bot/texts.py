"""Every string a chat user reads, in German (default) and English, keyed by message id."""

from __future__ import annotations

LANGUAGES = ("de", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    "welcome": (
        "Willkommen! Ich fasse deutschsprachige Nachrichten zusammen. "
        "Mit /digest bekommst du die Nachrichten des Tages, mit /search WÖRTER suchst du. "
        "/help zeigt alle Befehle.",
        "Welcome! I summarize German-language news. /digest gives you today's news, "
        "/search WORDS searches. /help lists every command.",
    ),
    "help_title": ("Befehle:", "Commands:"),
    "unknown": (
        "Den Befehl {command} kenne ich nicht. /help zeigt, was ich kann.",
        "I don't know the command {command}. /help shows what I can do.",
    ),
    "search_usage": (
        "Wonach soll ich suchen? Beispiel: /search venezuela russland",
        "What should I search for? Example: /search venezuela russland",
    ),
    "search_bad_date": (
        "Das Datum bei seit: verstehe ich nicht. Beispiel: seit:2025-11-01",
        "I don't understand the date after since:. Example: since:2025-11-01",
    ),
    "search_none": (
        "Keine Artikel zu „{query}“ gefunden.",
        "No articles found for “{query}”.",
    ),
    "search_head": (
        "{total} Treffer für „{query}“ (Seite {page} von {pages}):",
        "{total} results for “{query}” (page {page} of {pages}):",
    ),
    "next": ("weiter ▶", "next ▶"),
    "prev": ("◀ zurück", "◀ back"),
    "digest_head": ("Nachrichten vom {date}", "News of {date}"),
    "digest_empty": (
        "Seit dem letzten Überblick gibt es nichts Neues.",
        "Nothing new since the last digest.",
    ),
    "sources": ("Quellen", "Sources"),
    "latest_head": ("Die neuesten Artikel:", "The latest articles:"),
    "latest_none": ("Es sind noch keine Artikel gespeichert.", "No articles are stored yet."),
    "article_usage": (
        "Welcher Artikel? Beispiel: /article 1",
        "Which article? Example: /article 1",
    ),
    "article_missing": (
        "Einen Artikel mit der Nummer {id} gibt es nicht.",
        "There is no article number {id}.",
    ),
    "subscribe_usage": (
        "So abonnierst du den täglichen Überblick: /subscribe HH:MM [Zeitzone], "
        "zum Beispiel /subscribe 07:30 Europe/Berlin",
        "To get the daily digest: /subscribe HH:MM [time zone], "
        "for example /subscribe 07:30 Europe/Berlin",
    ),
    "subscribe_bad_zone": (
        "Die Zeitzone {zone} kenne ich nicht. Beispiel: Europe/Berlin",
        "I don't know the time zone {zone}. Example: Europe/Berlin",
    ),
    "subscribed": (
        "Abonniert: jeden Tag um {time} Uhr ({zone}) kommt dein Überblick.",
        "Subscribed: your digest arrives every day at {time} ({zone}).",
    ),
    "unsubscribed": (
        "Abbestellt. Du bekommst keinen täglichen Überblick mehr.",
        "Unsubscribed. You won't get a daily digest any more.",
    ),
    "not_subscribed": (
        "Du hattest keinen täglichen Überblick abonniert.",
        "You had no daily digest subscription.",
    ),
    "too_long": (
        "Die Nachricht ist zu lang ({length} Zeichen). Bitte höchstens {limit} Zeichen.",
        "The message is too long ({length} characters). Please keep it under {limit}.",
    ),
    "published": ("veröffentlicht", "published"),
    "undated": ("ohne Datum", "undated"),
}


def t(language: str, key: str, **values: object) -> str:
    """The message `key` in `language` (German when unknown), with values filled in."""
    de, en = MESSAGES[key]
    text = en if language == "en" else de
    return text.format(**values) if values else text
