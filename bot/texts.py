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
    "search_common": (
        "„{query}“ besteht nur aus ganz häufigen Wörtern. Such nach einem Stichwort, "
        "zum Beispiel /search venezuela",
        "“{query}” has only very common words. Search for a keyword, for example /search venezuela",
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
    "digest_late": (
        "Verspätet: Dieser Überblick war für {time} Uhr geplant; der Bot war nicht erreichbar.",
        "Late: this digest was due at {time}; the bot was unavailable.",
    ),
    "alert_hit": ("Alarm „{words}“:", "Alert “{words}”:"),
    "sources": ("Quellen", "Sources"),
    "latest_head": ("Die neuesten Artikel:", "The latest articles:"),
    "latest_none": ("Es sind noch keine Artikel gespeichert.", "No articles are stored yet."),
    "article_usage": (
        "Welcher Artikel? Beispiel: /article 1",
        "Which article? Example: /article 1",
    ),
    "article_more": (
        "Seite {page} von {pages} · weiter mit /article {id} {next}",
        "Page {page} of {pages} · continue with /article {id} {next}",
    ),
    "article_last": ("Seite {page} von {pages}", "Page {page} of {pages}"),
    "article_missing": (
        "Einen Artikel mit der Nummer {id} gibt es nicht.",
        "There is no article number {id}.",
    ),
    "subscribe_usage": (
        "So abonnierst du den täglichen Überblick: /subscribe HH:MM [Zeitzone] [jetzt], "
        "zum Beispiel /subscribe 07:30 Europe/Berlin (mit „jetzt“ kommt der erste sofort)",
        "To get the daily digest: /subscribe HH:MM [time zone] [now], "
        "for example /subscribe 07:30 Europe/Berlin (with “now” the first one comes at once)",
    ),
    "subscribe_bad_zone": (
        "Die Zeitzone {zone} kenne ich nicht. Beispiel: Europe/Berlin",
        "I don't know the time zone {zone}. Example: Europe/Berlin",
    ),
    "subscribed": (
        "Abonniert: jeden Tag um {time} Uhr ({zone}) kommt dein Überblick.",
        "Subscribed: your digest arrives every day at {time} ({zone}).",
    ),
    "subscribed_now": (
        "Den aktuellen Überblick schicke ich dir gleich.",
        "I'll send you the current digest right away.",
    ),
    "subscribed_next": (
        "Der erste kommt zur nächsten geplanten Zeit; wer ihn sofort will: /subscribe {time} jetzt",
        "The first one comes at the next scheduled time; to get one now: /subscribe {time} now",
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
    "not_a_command": (
        "Befehle beginnen mit / oder !, zum Beispiel /help.",
        "Commands start with / or !, for example /help.",
    ),
    "failed": (
        "Da ist etwas schiefgegangen. Bitte versuch es gleich noch einmal.",
        "Something went wrong. Please try again in a moment.",
    ),
    "admin_only": (
        "Entschuldige, {command} dürfen nur die Betreiber dieses Bots verwenden. "
        "/help zeigt, was du tun kannst.",
        "Sorry, only the operators of this bot may use {command}. /help shows what you can do.",
    ),
    "trimmed": ("… (gekürzt)", "… (shortened)"),
    "more_none": (
        "Es gibt keine Suche zum Weiterblättern. Suche zuerst mit /search WÖRTER.",
        "There is no search to page through. Search first with /search WORDS.",
    ),
    "more_end": (
        "Das waren alle Treffer für „{query}“.",
        "Those were all results for “{query}”.",
    ),
    "settings_show": (
        "Deine Einstellungen:\n"
        "Sprache: {name}\n"
        "Überblick: {time}\n"
        "Zeitzone: {zone}\n"
        "Meldungen pro Überblick: {stories}\n"
        "Sätze pro Meldung: {sentences}\n"
        "Ändern mit /settings sprache en, /settings zeit 07:30, /settings zone Europe/Vienna, "
        "/settings meldungen 5 oder /settings saetze 2.",
        "Your settings:\n"
        "Language: {name}\n"
        "Digest: {time}\n"
        "Time zone: {zone}\n"
        "Stories per digest: {stories}\n"
        "Sentences per story: {sentences}\n"
        "Change with /settings language de, /settings time 07:30, /settings zone Europe/Vienna, "
        "/settings stories 5 or /settings sentences 2.",
    ),
    "settings_off": ("nicht abonniert", "not subscribed"),
    "settings_usage": (
        "Das verstehe ich nicht. Beispiele: /settings sprache en, /settings zeit 07:30, "
        "/settings zone Europe/Berlin, /settings meldungen 5, /settings saetze 2",
        "I don't understand that. Examples: /settings language de, /settings time 07:30, "
        "/settings zone Europe/Berlin, /settings stories 5, /settings sentences 2",
    ),
    "settings_bad_language": (
        "Ich spreche Deutsch (de) und Englisch (en). Beispiel: /settings sprache en",
        "I speak German (de) and English (en). Example: /settings language de",
    ),
    "settings_bad_number": (
        "Bitte eine Zahl von {low} bis {high}.",
        "Please give a number from {low} to {high}.",
    ),
    "settings_need_subscription": (
        "Zeit und Zeitzone gelten für den täglichen Überblick. Abonniere ihn zuerst, "
        "zum Beispiel mit /subscribe 07:30",
        "Time and time zone belong to the daily digest. Subscribe first, "
        "for example with /subscribe 07:30",
    ),
    "settings_saved": ("Gespeichert.", "Saved."),
    "alert_usage": (
        "Worauf soll ich achten? Beispiel: /alert grönland zölle",
        "What should I watch for? Example: /alert greenland tariffs",
    ),
    "alert_added": (
        "Alarm {id} angelegt: ich melde mich bei neuen Artikeln mit „{words}“.",
        "Alert {id} created: I'll tell you about new articles with “{words}”.",
    ),
    "alert_limit": (
        "Du hast schon {limit} Alarme. Lösche erst einen mit /unalert ID.",
        "You already have {limit} alerts. Remove one first with /unalert ID.",
    ),
    "alerts_none": (
        "Du hast keine Alarme. Lege einen an mit /alert WÖRTER.",
        "You have no alerts. Create one with /alert WORDS.",
    ),
    "alerts_head": ("Deine Alarme:", "Your alerts:"),
    "unalert_usage": (
        "Welchen Alarm? Beispiel: /unalert 1 (die Nummern zeigt /alerts)",
        "Which alert? Example: /unalert 1 (/alerts shows the numbers)",
    ),
    "unalert_done": ("Alarm {id} gelöscht.", "Alert {id} removed."),
    "unalert_missing": (
        "Einen Alarm mit der Nummer {id} hast du nicht.",
        "You have no alert number {id}.",
    ),
    "feeds_none": (
        "Es sind keine Feeds eingetragen. Neu: /addfeed URL",
        "No feeds are configured. Add one: /addfeed URL",
    ),
    "feeds_head": ("Feeds:", "Feeds:"),
    "addfeed_usage": (
        "Welcher Feed? Beispiel: /addfeed https://www.tagesschau.de/xml/rss2",
        "Which feed? Example: /addfeed https://www.tagesschau.de/xml/rss2",
    ),
    "addfeed_done": ("Feed {id} eingetragen: {url}", "Feed {id} added: {url}"),
    "removefeed_usage": (
        "Welcher Feed? Beispiel: /removefeed 1 (die Nummern zeigt /feeds)",
        "Which feed? Example: /removefeed 1 (/feeds shows the numbers)",
    ),
    "removefeed_done": ("Feed {id} entfernt.", "Feed {id} removed."),
    "removefeed_missing": (
        "Einen Feed mit der Nummer {id} gibt es nicht.",
        "There is no feed number {id}.",
    ),
    "stats": (
        "Artikel: {articles} ({articles_24h} in den letzten 24 Stunden)\n"
        "Feeds: {feeds} ({feeds_failing} mit Fehlern)\nChats: {chats}\n"
        "Abonnements: {subscriptions}\nAlarme: {alerts}",
        "Articles: {articles} ({articles_24h} in the last 24 hours)\n"
        "Feeds: {feeds} ({feeds_failing} failing)\nChats: {chats}\n"
        "Subscriptions: {subscriptions}\nAlerts: {alerts}",
    ),
    "language_name": ("Deutsch", "English"),
}


def t(language: str, key: str, **values: object) -> str:
    """The message `key` in `language` (German when unknown), with values filled in."""
    de, en = MESSAGES[key]
    text = en if language == "en" else de
    return text.format(**values) if values else text
