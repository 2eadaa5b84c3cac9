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
    "private_refused": (
        "Entschuldige, dieser Bot ist privat und antwortet nur den Leuten, für die er läuft.",
        "Sorry, this bot is private and answers only the people it runs for.",
    ),
    "unknown": (
        "Den Befehl {command} kenne ich nicht. /help zeigt, was ich kann.",
        "I don't know the command {command}. /help shows what I can do.",
    ),
    "setting_not_command": (
        "{command} ist eine Einstellung, kein Befehl. Ändern kannst du sie so:",
        "{command} is a setting, not a command. Change it like this:",
    ),
    "search_bad_date": (
        "Das Datum bei seit: verstehe ich nicht. Beispiel: seit:2025-11-01, seit:1.11. "
        "oder seit:gestern",
        "I don't understand the date after since:. Example: since:2025-11-01, since:1.11. "
        "or since:yesterday",
    ),
    "search_many": (
        "Eine Suche hat höchstens {limit} Wörter (kleine wie „der“ zählen nicht mit). "
        "Beispiel: /search venezuela russland",
        "A search has at most {limit} words (small ones like “the” don't count). "
        "Example: /search venezuela russland",
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
    "search_head_one": (
        "1 Treffer für „{query}“ (Seite 1 von 1):",
        "1 result for “{query}” (page 1 of 1):",
    ),
    "next": ("weiter ▶", "next ▶"),
    "prev": ("◀ zurück", "◀ back"),
    "digest_late": (
        "Verspätet: Dieser Überblick war für {time} Uhr geplant; der Bot war nicht erreichbar.",
        "Late: this digest was due at {time}; the bot was unavailable.",
    ),
    "alert_hit": ("Alarm „{words}“:", "Alert “{words}”:"),
    "sources": ("Quellen", "Sources"),
    "latest_head": ("Die neuesten Artikel:", "The latest articles:"),
    "latest_bad_count": (
        "„{value}“ passt nicht: die Anzahl ist eine Zahl von 1 bis {high}. Beispiel: /latest 5",
        "“{value}” does not fit: the count is a number from 1 to {high}. Example: /latest 5",
    ),
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
    "article_one_page": (
        "Artikel {id} hat nur eine Seite: /article {id}",
        "Article {id} has only one page: /article {id}",
    ),
    "article_other": (
        "– zwei Artikel gemeint? Jeden für sich: /article {id}",
        "– two articles meant? Each on its own: /article {id}",
    ),
    "search_source_missing": (
        "Welche Quelle? Schreib den Namen direkt hinter {filter}, "
        "z. B. /search venezuela quelle:dpa (/quellen zeigt sie alle)",
        "Which source? Write its name right after {filter}, e.g. /search venezuela source:dpa "
        "(/sources lists them all)",
    ),
    "help_aliases": ("auch {names}", "also {names}"),
    "article_few_pages": (
        "Artikel {id} hat nur {pages} Seiten. Die letzte: /article {id} {pages}",
        "Article {id} has only {pages} pages. The last one: /article {id} {pages}",
    ),
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
    "subscribed": (
        "Abonniert: {when} ({zone}) kommt dein Überblick.",
        "Subscribed: your digest arrives {when} ({zone}).",
    ),
    "days_all": ("jeden Tag um {time} Uhr", "every day at {time}"),
    "days_at": ("{days} um {time} Uhr", "{days} at {time}"),
    # A lone day and the ends of a range, Monday first ("montags", "Mondays"; "Monday to Friday").
    "day_lone": (
        "montags dienstags mittwochs donnerstags freitags samstags sonntags",
        "Mondays Tuesdays Wednesdays Thursdays Fridays Saturdays Sundays",
    ),
    "day_end": (
        "montags dienstags mittwochs donnerstags freitags samstags sonntags",
        "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    ),
    "day_range": ("{first} bis {last}", "{first} to {last}"),
    "days_lone": ("{days}", "on {days}"),
    "days_every": ("jeden Tag", "every day"),
    "days_unclear": (
        "„{value}“: von welchem bis zu welchem Tag? Beispiel: /subscribe 07:30 Mo-Fr",
        "“{value}”: from which day to which? Example: /subscribe 07:30 mon-fri",
    ),
    "and": (" und ", " and "),
    "subscribe_too_many": (
        "Höchstens {limit} Uhrzeiten am Tag. Beispiel: {example}",
        "At most {limit} times a day. Example: {example}",
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
    "failed": (
        "Da ist etwas schiefgegangen. Bitte versuch es gleich noch einmal.",
        "Something went wrong. Please try again in a moment.",
    ),
    "admin_only": (
        "Entschuldige, {command} dürfen nur die Betreiber dieses Bots verwenden. "
        "/help zeigt, was du tun kannst.",
        "Sorry, only the operators of this bot may use {command}. /help shows what you can do.",
    ),
    "manage_refused_admins": (
        "Entschuldige, {command} dürfen hier nur die Administratoren dieser Gruppe "
        "(und die Betreiber des Bots) verwenden. Lesen (/digest, /search, /article) darf jeder.",
        "Sorry, only this group's administrators (and the bot's operators) may use {command} "
        "here. Reading (/digest, /search, /article) is open to everyone.",
    ),
    "manage_refused_level": (
        "Entschuldige, {command} dürfen in diesem Raum nur Mitglieder mit Berechtigungsstufe "
        "{level} oder höher (Moderatoren) und die Betreiber des Bots verwenden. "
        "Lesen (/digest, /search, /article) darf jeder.",
        "Sorry, in this room only members with power level {level} or higher (moderators) and "
        "the bot's operators may use {command}. Reading (/digest, /search, /article) is open "
        "to everyone.",
    ),
    "matrix_encrypted": (
        "Dieser Raum ist verschlüsselt, und dieser Bot kann verschlüsselte Räume nicht lesen. "
        "Lade ihn bitte in einen unverschlüsselten Raum ein; ich verlasse diesen jetzt.",
        "This room is encrypted, and this bot cannot read encrypted rooms. Please invite it "
        "to an unencrypted room; I am leaving this one now.",
    ),
    "trimmed": ("… (gekürzt)", "… (shortened)"),
    "more_end": (
        "Das waren alle Treffer für „{query}“.",
        "Those were all results for “{query}”.",
    ),
    "settings_off": ("nicht abonniert", "not subscribed"),
    "settings_need_subscription": (
        "Die Uhrzeit gilt für den täglichen Überblick. Abonniere ihn zuerst: {example}",
        "The time is when the daily digest comes. Subscribe first: {example}",
    ),
    "settings_saved": ("Gespeichert.", "Saved."),
    "alert_usage": (
        "Worauf soll ich achten? Beispiel: /alert grönland zölle",
        "What should I watch for? Example: /alert greenland tariffs",
    ),
    "alert_added": (
        "Alarm {id} angelegt: ich melde mich bei neuen Artikeln mit {words}.",
        "Alert {id} created: I'll tell you about new articles with {words}.",
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
        "Welchen Alarm? Beispiel: /unalert 1, mehrere: /unalert 1 2, alle: /unalert alle "
        "(die Nummern zeigt /alerts)",
        "Which alert? Example: /unalert 1, several: /unalert 1 2, all: /unalert all "
        "(/alerts shows the numbers)",
    ),
    "unalert_done": ("Alarm {id} gelöscht.", "Alert {id} removed."),
    "unalert_done_words": ("Alarm {id} „{words}“ gelöscht.", "Alert {id} “{words}” removed."),
    "unalert_no_such_words": (
        "Einen Alarm „{value}“ hast du nicht. Gib die Nummer an, z. B. {example} "
        "(die Nummern zeigt /alerts).",
        "You have no alert “{value}”. Give its number, e.g. {example} (/alerts shows the numbers).",
    ),
    "unalert_done_many": ("Alarme {ids} gelöscht.", "Alerts {ids} removed."),
    "unalert_missing_many": (
        "Alarme mit den Nummern {ids} hast du nicht.",
        "You have no alerts numbered {ids}.",
    ),
    "unalert_missing": (
        "Einen Alarm mit der Nummer {id} hast du nicht.",
        "You have no alert number {id}.",
    ),
    "feeds_none": (
        "Es sind keine Feeds eingetragen. Neu: /addfeed URL",
        "No feeds are configured. Add one: /addfeed URL",
    ),
    "feeds_head": ("Feeds:", "Feeds:"),
    "feed_new": ("noch nicht abgerufen", "not fetched yet"),
    "feed_ok": ("in Ordnung", "ok"),
    "feed_retrying": (
        "{failures}× fehlgeschlagen, wird wiederholt",
        "failed {failures}×, retrying",
    ),
    "feed_failing": ("gestört ({failures}× fehlgeschlagen)", "failing (failed {failures}×)"),
    "addfeed_usage": (
        "Welcher Feed? Beispiel: /addfeed https://www.tagesschau.de/xml/rss2",
        "Which feed? Example: /addfeed https://www.tagesschau.de/xml/rss2",
    ),
    "addfeed_done": ("Feed {id} eingetragen: {url}", "Feed {id} added: {url}"),
    "addfeed_checking": (
        "Ich rufe {url} einmal ab, um zu prüfen, ob es ein Feed ist …",
        "Fetching {url} once to check that it is a feed …",
    ),
    "addfeed_not_url": (
        "„{url}“: das ist keine URL. Welcher Feed? Beispiel: "
        "/addfeed https://www.tagesschau.de/xml/rss2",
        "“{url}”: that is not a URL. Which feed? Example: "
        "/addfeed https://www.tagesschau.de/xml/rss2",
    ),
    # Why a URL is not added as a feed (after „Diesen Feed trage ich nicht ein: “).
    "feed_duplicate": ("schon eingetragen als Feed {id}", "already added as feed {id}"),
    "feed_problem_not_feed": (
        "kein RSS/Atom-Feed (die Adresse liefert eine Webseite oder anderen Text)",
        "not an RSS/Atom feed (the address returns a web page or other text)",
    ),
    "feed_problem_missing": (
        "diese Adresse gibt es nicht (HTTP {status})",
        "there is no such address (HTTP {status})",
    ),
    "feed_problem_status": (
        "der Server antwortet mit dem Fehler HTTP {status}",
        "the server answers with the error HTTP {status}",
    ),
    "feed_problem_timeout": (
        "der Server antwortet nicht rechtzeitig",
        "the server does not answer in time",
    ),
    "feed_problem_too_large": ("die Antwort ist zu groß", "the answer is too large"),
    "feed_problem_refused": (
        "die Adresse leitet auf eine interne Adresse um",
        "the address redirects to an internal address",
    ),
    "feed_problem_unreachable": (
        "der Server ist nicht erreichbar",
        "the server cannot be reached",
    ),
    "addfeed_refused": (
        "Diesen Feed trage ich nicht ein: {reason}",
        "I won't add this feed: {reason}",
    ),
    "url_refused_scheme": (
        "Ich lade nur http://- und https://-Adressen.",
        "I only fetch http:// and https:// URLs.",
    ),
    "url_refused_host": (
        "Die Adresse hat keinen gültigen Host ({detail}).",
        "The URL has no valid host ({detail}).",
    ),
    "host_no_host": ("kein Rechnername", "no host name"),
    "host_credentials": ("mit Benutzername oder Passwort", "with a user name or password"),
    "url_refused_internal": (
        "Das ist eine interne Adresse ({detail}); erlauben kann sie der Betreiber mit fetch_allow.",
        "That is an internal address ({detail}).",
    ),
    "address_local": ("{host}: dieser Rechner", "{host}: this machine"),
    "address_loopback": ("{host}: Loopback, dieser Rechner", "{host}: loopback, this machine"),
    "address_private": ("{host}: privates Netz", "{host}: private network"),
    "address_link-local": ("{host}: link-local, nur im lokalen Netz", "{host}: link-local"),
    "address_multicast": ("{host}: Multicast", "{host}: multicast"),
    "address_unspecified": ("{host}: unbestimmte Adresse", "{host}: unspecified address"),
    "address_reserved": ("{host}: reservierte Adresse", "{host}: reserved address"),
    "address_not public": ("{host}: nicht öffentlich", "{host}: not public"),
    "feed_chats_only": ("eigener Feed von Chats", "chats' own feed"),
    "feeds_waiting_head": ("Warten auf Freigabe:", "Waiting for approval:"),
    "feeds_waiting_line": (
        "für {chat} · /approvefeed {id} · /refusefeed {id}",
        "for {chat} · /approvefeed {id} · /refusefeed {id}",
    ),
    "own_feeds_none": (
        "Dieser Chat hat keine eigenen Feeds. Eintragen: /addfeed URL",
        "This chat has no feeds of its own. To add one: /addfeed URL",
    ),
    "own_feeds_head": (
        "Eigene Feeds dieses Chats (ihre Meldungen kommen nur hierher):",
        "This chat's own feeds (their news comes here only):",
    ),
    "own_feed_waiting": ("wartet auf Freigabe", "waiting for approval"),
    "own_feeds_remove": ("Entfernen: /removefeed NUMMER", "To remove one: /removefeed NUMBER"),
    "own_removefeed_usage": (
        "Welcher Feed? Beispiel: /removefeed 1 (die Nummern zeigt /feeds)",
        "Which feed? Example: /removefeed 1 (/feeds shows the numbers)",
    ),
    "own_feed_missing": (
        "Dieser Chat hat keinen eigenen Feed mit der Nummer {id}. /feeds zeigt seine Feeds.",
        "This chat has no feed of its own numbered {id}. /feeds shows its feeds.",
    ),
    "own_feed_removed": (
        "Feed {id} dieses Chats entfernt: {url}",
        "This chat's feed {id} removed: {url}",
    ),
    "addfeed_chat_done": (
        "Feed {id} für diesen Chat eingetragen: {url}. Seine Meldungen kommen nur hierher "
        "(Überblick, Alarme, Suche). Entfernen: /removefeed {id}",
        "Feed {id} added for this chat: {url}. Its news comes here only "
        "(digest, alerts, search). To remove it: /removefeed {id}",
    ),
    "addfeed_chat_waiting": (
        "Feed {id} wartet auf die Freigabe der Betreiber: {url}. "
        "Ich sage hier Bescheid, sobald sie entschieden haben.",
        "Feed {id} is waiting for the operators' approval: {url}. "
        "I'll tell you here once they have decided.",
    ),
    "chat_feed_shared": (
        "schon für alle eingetragen als Feed {id}, seine Meldungen kommen schon hierher",
        "already added for everyone as feed {id}, its news already comes here",
    ),
    "chat_feed_duplicate": (
        "schon eingetragen als Feed {id} dieses Chats",
        "already added as this chat's feed {id}",
    ),
    "chat_feeds_chat_limit": (
        "Dieser Chat hat schon {limit} eigene Feeds, mehr erlauben die Betreiber nicht. "
        "Einen entfernen: /removefeed NUMMER (die Nummern zeigt /feeds)",
        "This chat already has {limit} feeds of its own, the most the operators allow. "
        "To remove one: /removefeed NUMBER (/feeds shows the numbers)",
    ),
    "chat_feeds_total_limit": (
        "Die Betreiber erlauben allen Chats zusammen {limit} eigene Feeds, und die sind "
        "vergeben. Frag die Betreiber, ob sie mehr erlauben.",
        "The operators allow all chats together {limit} feeds of their own, and they are "
        "taken. Ask the operators whether they allow more.",
    ),
    "chat_feeds_no_operators": (
        "Eigene Feeds brauchen die Freigabe eines Betreibers, und dieser Bot hat keinen, "
        "der sie hier bekommen kann. Frag den, der den Bot betreibt.",
        "A feed of your own needs an operator's approval, and this bot has no operator who "
        "could get the request. Ask whoever runs the bot.",
    ),
    "chat_feed_request": (
        "Feed-Anfrage {id}: {chat} (von {user}) möchte „{title}“ als eigenen Feed: {url}. "
        "Freigeben: /approvefeed {id} · Ablehnen: /refusefeed {id}",
        "Feed request {id}: {chat} (from {user}) would like “{title}” as its own feed: {url}. "
        "Approve: /approvefeed {id} · Refuse: /refusefeed {id}",
    ),
    "approve": ("Freigeben", "Approve"),
    "refuse": ("Ablehnen", "Refuse"),
    "approvefeed_done": (
        "Feed-Anfrage {id} freigegeben: {url} für {chat}.",
        "Feed request {id} approved: {url} for {chat}.",
    ),
    "refusefeed_done": (
        "Feed-Anfrage {id} abgelehnt: {url} für {chat}.",
        "Feed request {id} refused: {url} for {chat}.",
    ),
    "chat_feed_approved": (
        "Die Betreiber haben deinen Feed {url} freigegeben: seine Meldungen kommen ab jetzt "
        "hierher (Feed {id}, /feeds).",
        "The operators approved your feed {url}: its news comes here from now on "
        "(feed {id}, /feeds).",
    ),
    "chat_feed_refused": (
        "Die Betreiber haben deinen Feed {url} nicht freigegeben.",
        "The operators did not approve your feed {url}.",
    ),
    "feed_request_missing": (
        "Eine Feed-Anfrage mit der Nummer {id} wartet nicht (mehr). Offene zeigt /feeds.",
        "No feed request numbered {id} is waiting (any more). /feeds shows the open ones.",
    ),
    "decide_usage": (
        "Welche Anfrage? Beispiel: {command} 1 (offene zeigt /feeds)",
        "Which request? Example: {command} 1 (/feeds shows the open ones)",
    ),
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
        "Feeds: {feeds} ({feeds_failing} gestört)\nChats: {chats}\n"
        "Abonnements: {subscriptions}\nAlarme: {alerts}",
        "Articles: {articles} ({articles_24h} in the last 24 hours)\n"
        "Feeds: {feeds} ({feeds_failing} failing)\nChats: {chats}\n"
        "Subscriptions: {subscriptions}\nAlerts: {alerts}",
    ),
    "language_name": ("Deutsch", "English"),
    "digest_head": ("Neu seit {since}", "New since {since}"),
    "digest_day_head": ("Nachrichten vom {date}", "News of {date}"),
    "older_report": ("älterer Bericht vom {date}", "older report of {date}"),
    "digest_empty": (
        "Seit dem letzten Überblick gibt es nichts Neues.",
        "Nothing new since the last digest.",
    ),
    "digest_day_empty": (
        "Für diesen Tag sind keine Artikel gespeichert.",
        "No articles are stored for that day.",
    ),
    "digest_read_on": (
        "Ganz lesen: /article NUMMER, z. B. /article {id}",
        "Read in full: /article NUMBER, e.g. /article {id}",
    ),
    "unknown_source": ("unbekannte Quelle", "unknown source"),
    "not_a_command": (
        "Befehle beginnen mit / oder !, zum Beispiel /help.",
        "Commands start with / or !, for example /help.",
    ),
    "command_space": (
        "Meintest du {command}? Ein Befehl beginnt ohne Leerzeichen nach dem {sign}.",
        "Did you mean {command}? A command starts with no space after the {sign}.",
    ),
    "console_quit": (
        "/quit oder Strg-D beendet den Konsolen-Chat.",
        "/quit or Ctrl-D ends the console chat.",
    ),
    "search_usage": (
        "Wonach soll ich suchen? Beispiel: /search venezuela russland",
        "What should I search for? Example: /search venezuela russland",
    ),
    "search_none_excluded": (
        "Keine Artikel zu „{query}“: {count} Treffer wegen {without} ausgeschlossen.",
        "No articles for “{query}”: {without} left out every match ({count}).",
    ),
    "search_related": (
        "Nicht alle Suchwörter, aber alle bis auf eines:",
        "Not every word, but all but one:",
    ),
    "search_related_only": (
        "Kein Artikel enthält alle Wörter von „{query}“; diese enthalten alle bis auf eines:",
        "No article has every word of “{query}”; these have all but one:",
    ),
    "search_none": (
        "Keine Artikel zu „{query}“ gefunden.",
        "No articles found for “{query}”.",
    ),
    "search_none_filtered": (
        "Zu „{query}“ gibt es Artikel, aber keinen mit „{filter}“.",
        "There are articles about “{query}”, but none with “{filter}”.",
    ),
    "search_source_unknown": (
        "Die Quelle „{name}“ kenne ich nicht. Zur Wahl: {names}. Beispiel: quelle:{example}",
        "I don't know the source “{name}”. To choose from: {names}. Example: source:{example}",
    ),
    "search_none_filter_only": (
        "Keine Artikel mit „{filter}“.",
        "No articles with “{filter}”.",
    ),
    "search_or": (
        "„{word}“ verknüpft keine Suchwörter: ich suche Artikel, die alle Wörter enthalten. "
        "Such nacheinander, zum Beispiel /search {first} und dann /search {second}",
        "“{word}” does not join search words: I find articles with every word. "
        "Search one after the other, for example /search {first} then /search {second}",
    ),
    "search_tips": (
        "Tipps: jedes Wort muss vorkommen, „in Anführungszeichen“ in dieser Reihenfolge, "
        "-wort schließt aus, seit:2025-11-01, quelle:dpa",
        "Tips: every word must occur, “quoted” ones in that order, -word excludes, "
        "since:2025-11-01, source:dpa",
    ),
    "more_none": (
        "Es gibt keine Suche zum Weiterblättern. Suche zuerst mit /search WÖRTER.",
        "There is no search to page through. Search first with /search WORDS.",
    ),
    "more_stale": (
        "Diese Seite gehört zu einer früheren Suche. Die letzte war „{query}“: /more blättert "
        "darin weiter, eine neue Suche beginnt mit /search WÖRTER.",
        "That page belongs to an earlier search. The last one was “{query}”: /more pages "
        "through it, /search WORDS starts a new one.",
    ),
    "more_nothing_found": (
        "Zu „{query}“ gab es keine Treffer, also auch keine weiteren.",
        "There were no results for “{query}”, so there are no more.",
    ),
    "not_a_page": (
        "„{value}“ ist keine Seitenzahl: Seiten zählen ab 1. Beispiel: {example}",
        "“{value}” is not a page number: pages count from 1. Example: {example}",
    ),
    "not_a_number": (
        "„{value}“ ist keine Nummer. Beispiel: {example}",
        "“{value}” is not a number. Example: {example}",
    ),
    "bad_time": (
        "„{value}“ ist keine Uhrzeit: Stunden 00 bis 23, Minuten 00 bis 59. Beispiel: {example}",
        "“{value}” is not a time of day: hours 00 to 23, minutes 00 to 59. Example: {example}",
    ),
    "bad_zone": (
        "Die Zeitzone „{zone}“ kenne ich nicht. Beispiel: {example}",
        "I don't know the time zone “{zone}”. Example: {example}",
    ),
    "bad_time_or_zone": (
        "„{value}“ ist weder eine Uhrzeit noch eine Zeitzone, die ich kenne. Beispiel: {example}",
        "“{value}” is neither a time of day nor a time zone I know. Example: {example}",
    ),
    "zone_candidates": (
        "„{zone}“ ist nicht eindeutig. Meinst du {candidates}? Beispiel: {example}",
        "“{zone}” is not clear. Do you mean {candidates}? Example: {example}",
    ),
    "extra_args": (
        "Mit „{extra}“ kann ich hier nichts anfangen. Beispiel: {example}",
        "I can't use “{extra}” here. Example: {example}",
    ),
    "subscribe_example": (
        "/subscribe 07:30 Europe/Berlin jetzt",
        "/subscribe 07:30 Europe/Berlin now",
    ),
    "subscribe_zone_example": ("/subscribe 07:30 Europe/Vienna", "/subscribe 07:30 Europe/Vienna"),
    "subscribed_already": (
        "Dein Überblick kommt schon {when} ({zone}).",
        "Your digest already arrives {when} ({zone}).",
    ),
    "settings_head": (
        "Deine Einstellungen (ändern mit dem Befehl darunter):",
        "Your settings (change with the command below each):",
    ),
    "setting_language": ("Sprache", "Language"),
    "setting_time": ("Überblick", "Digest"),
    "setting_zone": ("Zeitzone", "Time zone"),
    "setting_stories": ("Meldungen pro Überblick", "Stories per digest"),
    "setting_sentences": ("Sätze pro Meldung", "Sentences per story"),
    "setting_empty": ("Überblick auch an Tagen ohne Neues", "Digest on days with nothing new"),
    "setting_topics": (
        "Themen des Überblicks (-wort schließt aus)",
        "Digest topics (-word excludes)",
    ),
    "at_time": ("{time} Uhr", "{time}"),
    "topics_all": ("alle", "all"),
    "setting_silent": (
        "Leise (Überblick, Alarme und Eilmeldungen ohne Benachrichtigungston)",
        "Silent (digest, alerts and breaking stories without a notification sound)",
    ),
    "setting_previews": (
        "Linkvorschau in Überblick und Alarmen",
        "Link previews in digests and alerts",
    ),
    "setting_sources": (
        "Quellen (Überblick, Alarme, Eilmeldungen)",
        "Sources (digest, alerts, breaking)",
    ),
    "sources_head": ("Quellen zur Wahl:", "Sources to choose from:"),
    "sources_chosen": (
        "Hier gelesen: {chosen}. Ändern: /settings quellen {example} "
        "(alle: /settings quellen alle)",
        "Read here: {chosen}. To change: /settings sources {example} (all: /settings sources all)",
    ),
    "sources_unknown": (
        "Die Quelle „{name}“ kenne ich nicht. Zur Wahl: {names}. "
        "Beispiel: /settings quellen {example}",
        "I don't know the source “{name}”. To choose from: {names}. "
        "Example: /settings sources {example}",
    ),
    "sources_none_yet": (
        "noch keine (es sind keine Artikel gespeichert)",
        "none yet (no articles are stored)",
    ),
    "id_chat": ("Dieser Chat: {chat}", "This chat: {chat}"),
    "id_user": ("Du: {user}", "You: {user}"),
    "id_hint": (
        "So tragen Betreiber dich in admins oder allowed_users ein (den Chat in allowed_chats).",
        "Operators put this in admins or allowed_users (the chat in allowed_chats).",
    ),
    "on": ("an", "on"),
    "off": ("aus", "off"),
    "yes": ("ja", "yes"),
    "no": ("nein", "no"),
    "settings_unknown": (
        "Eine Einstellung „{name}“ gibt es nicht. Es gibt: {names}. "
        "Beispiel: /settings meldungen 5",
        "There is no setting “{name}”. There are: {names}. Example: /settings stories 5",
    ),
    "settings_no_value": (
        "Welcher Wert für {name}? Beispiel: {example}",
        "Which value for {name}? Example: {example}",
    ),
    "settings_bad_language": (
        "„{value}“ kenne ich nicht. Ich spreche Deutsch (de) und Englisch (en). "
        "Beispiel: /settings sprache en",
        "I don't know “{value}”. I speak German (de) and English (en). "
        "Example: /settings language de",
    ),
    "settings_bad_number": (
        "„{value}“ passt nicht: {name} ist eine Zahl von {low} bis {high}. Beispiel: {example}",
        "“{value}” does not fit: {name} is a number from {low} to {high}. Example: {example}",
    ),
    "settings_bad_yes_no": (
        "„{value}“ passt nicht: bitte ja oder nein. Beispiel: {example}",
        "“{value}” does not fit: please yes or no. Example: {example}",
    ),
    "settings_bad_topics": (
        "„{value}“ taugt nicht als Thema (zu kurz oder zu häufig; höchstens 8 Wörter). "
        "Beispiel: {example}; alle Themen wieder: /settings themen alle",
        "“{value}” does not work as a topic (too short or too common; at most 8 words). "
        "Example: {example}; all topics again: /settings topics all",
    ),
    "alert_too_many": (
        "Ein Alarm hat höchstens {limit} Wörter; du hast {count} genannt. "
        "Beispiel: /alert grönland zölle",
        "An alert has at most {limit} words; you gave {count}. Example: /alert greenland tariffs",
    ),
    "alert_bad_word": (
        "„{word}“ ist zu kurz oder zu häufig für einen Alarm. Beispiel: /alert grönland zölle",
        "“{word}” is too short or too common for an alert. Example: /alert greenland tariffs",
    ),
    "alert_only_excluded": (
        "„{words}“ schließt nur aus; ein Alarm braucht ein Wort, auf das ich achten soll. "
        "Beispiel: /alert bundesliga -werbung",
        "“{words}” only excludes; an alert needs a word to watch for. "
        "Example: /alert bundesliga -advert",
    ),
    "alert_exists": (
        "Diesen Alarm hast du schon: {id} „{words}“ (/alerts zeigt alle).",
        "You already have this alert: {id} “{words}” (/alerts shows them all).",
    ),
    "alert_words": ("„{words}“", "“{words}”"),
    "alert_words_without": ("„{words}“, ohne „{without}“", "“{words}”, without “{without}”"),
    "setting_breaking": (
        "Eilmeldungen (eine Nachricht, wenn viele Medien zugleich berichten)",
        "Breaking stories (one message when many outlets report at once)",
    ),
    "setting_quiet": (
        "Ruhezeit (Alarme und Eilmeldungen kommen danach gesammelt)",
        "Quiet hours (alerts and breaking stories come together afterwards)",
    ),
    "quiet_none": ("keine", "none"),
    "settings_bad_quiet": (
        "„{value}“ passt nicht: bitte von-bis wie 22:00-07:00, oder aus. Beispiel: {example}",
        "“{value}” does not fit: please from-to like 22:00-07:00, or off. Example: {example}",
    ),
    "breaking_head": ("Eilmeldung:", "Breaking:"),
    "breaking_outlets": ("Berichtet von {outlets}", "Reported by {outlets}"),
    "breaking_read_on": ("ganz lesen: /article {id}", "read in full: /article {id}"),
    "quiet_held": (
        "Während deiner Ruhezeit gekommen ({count}):",
        "What came during your quiet hours ({count}):",
    ),
    "archive_none": (
        "Ich habe dir noch keinen täglichen Überblick geschickt. Abonnieren: /subscribe 07:30",
        "I haven't sent you a daily digest yet. To get one: /subscribe 07:30",
    ),
    "archive_none_day": (
        "Am {date} habe ich dir keinen Überblick geschickt. /archiv ohne Datum zeigt den letzten.",
        "I sent you no digest on {date}. /archive with no date shows the latest.",
    ),
    "date_range": (
        "„{value}“ liegt außerhalb der Tage, die ich kenne: vom 1.1.1900 bis zum 31.12.2999.",
        "“{value}” is outside the days I know: from 1900-01-01 to 2999-12-31.",
    ),
    "archive_more": (
        "Seite {page} von {pages} · weiter mit /archiv {day} {next}",
        "Page {page} of {pages} · continue with /archive {day} {next}",
    ),
    "archive_which": (
        "Überblick {n} von {count} an diesem Tag, gesendet um {time} Uhr",
        "Digest {n} of {count} that day, sent at {time}",
    ),
    "archive_last": ("Seite {page} von {pages}", "Page {page} of {pages}"),
    "archive_no_page": (
        "Der Überblick vom {day} hat {pages} Seiten. Beispiel: /archiv {day} 2",
        "The digest of {day} has {pages} pages. Example: /archive {day} 2",
    ),
    "archive_one_page": (
        "Der Überblick vom {day} hat nur eine Seite: /archiv {day}",
        "The digest of {day} has only one page: /archive {day}",
    ),
    "digest_bad_day": (
        "„{value}“ ist kein Tag. Beispiel: /digest gestern oder /digest 2.1.2026",
        "“{value}” is not a day. Example: /digest yesterday or /digest 2026-01-02",
    ),
    "archive_bad_date": (
        "„{value}“ ist kein Datum. Beispiel: /archiv 2.1.2026 oder /archiv gestern",
        "“{value}” is not a date. Example: /archive 2026-01-02 or /archive yesterday",
    ),
}


def t(language: str, key: str, **values: object) -> str:
    """The message `key` in `language` (German when unknown), with values filled in."""
    de, en = MESSAGES[key]
    text = en if language == "en" else de
    return text.format(**values) if values else text
