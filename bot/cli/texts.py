"""Every string the `newsbot` command line prints, in German (default) and English.

The rule: what a subcommand says follows the configured `language`; `--help`, argument errors
and configuration errors are English, like the options and keys they name. Log lines are English.
"""

from __future__ import annotations

import re

CLI_MESSAGES: dict[str, tuple[str, str]] = {
    # ingest and demo: one line per input, then the summary line.
    "ingest_added": ("neu: {path} → #{id} „{title}“", "added: {path} → #{id} “{title}”"),
    "ingest_duplicate": (
        "Duplikat: {path} = #{id} „{title}“ ({reason})",
        "duplicate: {path} = #{id} “{title}” ({reason})",
    ),
    "ingest_usage": (
        "Ordner, Dateien oder Feed-URLs angeben, oder --jsonl mit JSON-Zeilen auf stdin"
        " (nicht beides), z. B. `newsbot ingest seiten/`"
        " oder `newsbot ingest --jsonl < items.jsonl`",
        "give folders, files or feed URLs, or --jsonl with JSON lines on stdin (not both),"
        " e.g. `newsbot ingest pages/` or `newsbot ingest --jsonl < items.jsonl`",
    ),
    "ingest_skipped": ("übersprungen: {path} ({reason})", "skipped: {path} ({reason})"),
    "ingest_feed": (
        "Feed {url}: {added} neu, {duplicates} Duplikate, {skipped} übersprungen",
        "feed {url}: {added} added, {duplicates} duplicates, {skipped} skipped",
    ),
    "ingest_feed_unchanged": (
        "Feed {url}: unverändert seit dem letzten Abruf",
        "feed {url}: unchanged since the last fetch",
    ),
    "ingest_feed_failed": (
        "fehlgeschlagen: Feed {url} ({reason}){dropped}",
        "failed: feed {url} ({reason}){dropped}",
    ),
    "ingest_feed_dropped": (
        "; nicht in die Feed-Liste aufgenommen",
        "; not added to the feed list",
    ),
    "ingest_summary": (
        "{added} neu, {duplicates} Duplikate, {skipped} übersprungen, {failed} fehlgeschlagen",
        "{added} added, {duplicates} duplicates, {skipped} skipped, {failed} failed",
    ),
    "ingest_refused_feed": (
        "Feed {url} abgelehnt: {reason}",
        "refused feed {url}: {reason}",
    ),
    "ingest_file_url": (
        "{url}: eine file://-Adresse nennt eine Datei auf diesem Rechner, "
        "z. B. file:///home/ich/seiten/",
        "{url}: a file:// URL names a file on this machine, e.g. file:///home/me/pages/",
    ),
    "duplicate_seen": ("schon eingelesen", "read before"),
    "duplicate_same": ("gleicher Inhalt", "same content"),
    "duplicate_near": ("fast gleicher Text", "nearly the same text"),
    # Why a page dump is skipped (bot.ingest raises these in English; see REASONS below).
    "reason_missing": ("Datei oder Ordner gibt es nicht", "no such file or folder"),
    "reason_binary": ("Binärdatei, keine Textseite", "binary file, not a page dump"),
    "reason_large": ("Datei zu groß ({size} Bytes)", "file too large ({size} bytes)"),
    "reason_encoding": (
        "weder UTF-8- noch Windows-1252-Text",
        "neither UTF-8 nor Windows-1252 text",
    ),
    "reason_not_german": ("kein deutscher Artikel", "not a German article"),
    "reason_no_text": ("kein Artikeltext gefunden", "no article text found"),
    "reason_too_short": ("Artikeltext zu kurz", "article text too short"),
    "reason_no_title": ("kein Titel gefunden", "no title found"),
    "reason_unreadable": ("keine Leserechte", "permission denied"),
    # feeds
    "feeds_refused": ("{url} abgelehnt: {reason}", "refused {url}: {reason}"),
    "feeds_not_url": (
        "„{url}“ abgelehnt: das ist keine URL ({reason}) Beispiel: "
        "https://www.tagesschau.de/xml/rss2",
        "refused “{url}”: that is not a URL ({reason}) Example: https://www.tagesschau.de/xml/rss2",
    ),
    "backup_is_database": (
        "{path} ist die Datenbank selbst; die Sicherung braucht eine andere Datei",
        "{path} is the database itself; a backup needs another file",
    ),
    "backup_failed": (
        "Sicherung nach {path} nicht geschrieben: {why}",
        "backup to {path} not written: {why}",
    ),
    "backup_not_a_file": (
        "{path} ist keine gewöhnliche Datei (ein Gerät, eine Pipe …); die Sicherung braucht "
        "eine Datei oder einen Ordner",
        "{path} is no regular file (a device, a pipe, …); a backup needs a file or a folder",
    ),
    "backup_why_permission": ("keine Schreibrechte dort", "permission denied there"),
    "backup_why_full": ("kein Platz mehr auf dem Datenträger", "no space left on the device"),
    "why_read_only": ("das Dateisystem ist nur lesbar", "the file system is read-only"),
    "not_written": ("Schreiben fehlgeschlagen: {why}{where}", "could not write: {why}{where}"),
    "feeds_list_empty": (
        "Keine Feeds eingetragen. Neu: newsbot feeds add https://www.tagesschau.de/xml/rss2",
        "No feeds yet. To add one: newsbot feeds add https://www.tagesschau.de/xml/rss2",
    ),
    "feeds_missing": ("einen Feed {id} gibt es nicht", "there is no feed {id}"),
    # summarize
    "summarize_usage": (
        "Datei fehlt: newsbot summarize DATEI, oder --jsonl für JSON-Zeilen",
        "give a FILE, or --jsonl for JSON lines",
    ),
    "no_such_file": ("Datei gibt es nicht: {path}", "no such file: {path}"),
    "not_a_file": ("{path} ist keine Datei", "{path} is not a file"),
    "summary_no_text": (
        "{path}: kein Artikeltext gefunden (nur eine Überschrift?), also keine Zusammenfassung",
        "{path}: no article text found (only a headline?), so no summary",
    ),
    "summary_empty": (
        "{path}: keine Zusammenfassung, denn kein Satz des Textes ist lang genug (Sätze: {count})",
        "{path}: no summary, as no sentence of the text is long enough (sentences: {count})",
    ),
    "summary_line_empty": (
        "keine Zusammenfassung: kein Satz ist lang genug",
        "no summary: no sentence is long enough",
    ),
    # terms and search
    "terms_usage": (
        "Wörter fehlen, z. B. newsbot terms Häuser gefiel, oder --jsonl",
        "give words, e.g. newsbot terms Häuser gefiel, or --jsonl",
    ),
    "search_head": ("{total} Treffer für „{query}“:", "{total} results for “{query}”:"),
    "search_head_one": ("1 Treffer für „{query}“:", "1 result for “{query}”:"),
    "date_range": (
        "{value} liegt außerhalb der Tage, die ich kenne: 1900-01-01 bis 2999-12-31",
        "{value} is outside the days I know: 1900-01-01 to 2999-12-31",
    ),
    "search_bad_date": (
        "das Datum nach seit: verstehe ich nicht; z. B. seit:2025-11-01, seit:1.11. oder "
        "seit:gestern",
        "the date after since: is not one I understand; e.g. since:2025-11-01, since:1.11. or "
        "since:yesterday",
    ),
    "search_many": (
        "eine Suche hat höchstens {limit} Wörter (kleine wie „der“ zählen nicht mit)",
        "a search has at most {limit} words (small ones like “the” don't count)",
    ),
    "search_common": (
        "nur ganz häufige Wörter; such nach einem Stichwort, z. B. venezuela",
        "only very common words; search for a keyword, e.g. venezuela",
    ),
    "search_usage": (
        "gib mindestens ein Suchwort an, z. B. newsbot search venezuela",
        "give at least one word, e.g. newsbot search venezuela",
    ),
    # digest
    "digest_sent_usage": (
        "--sent braucht --chat und --date (und kein --json)",
        "--sent needs --chat and --date (and no --json)",
    ),
    "digest_none_sent": (
        "an {chat} wurde am {day} kein Überblick geschickt",
        "no digest was sent to {chat} on {day}",
    ),
    "digest_no_chat": (
        "einen Chat {chat} gibt es in {db} nicht; Chat-Kennungen sehen so aus: "
        "telegram:123456789, matrix:!raum:server oder console:local",
        "no chat {chat} in {db}; chat ids look like telegram:123456789, matrix:!room:server "
        "or console:local",
    ),
    # demo and run
    "demo_database": ("Datenbank: {path}", "Database: {path}"),
    "demo_console": (
        "Konsolen-Chat: tippe Befehle wie im Telegram-Chat, z. B. /search venezuela.\n"
        "/help zeigt alle Befehle, /quit oder Strg-D beendet.",
        "Console chat: type commands as in a Telegram chat, e.g. /search venezuela.\n"
        "/help lists every command, /quit or Ctrl-D ends it.",
    ),
    "run_no_transport": (
        "kein Zugang eingerichtet. Für Telegram setze TELEGRAM_BOT_TOKEN; für Matrix "
        "MATRIX_HOMESERVER, MATRIX_USER_ID und MATRIX_PASSWORD (oder MATRIX_ACCESS_TOKEN); "
        "NEWSBOT_CONSOLE=true chattet in diesem Terminal. Ganz ohne Konto: newsbot demo",
        "no transport is configured. Set TELEGRAM_BOT_TOKEN for Telegram, or "
        "MATRIX_HOMESERVER, MATRIX_USER_ID and MATRIX_PASSWORD (or MATRIX_ACCESS_TOKEN) for "
        "Matrix, or NEWSBOT_CONSOLE=true to chat in this terminal. To try the bot without any "
        "account, run: newsbot demo",
    ),
    # database, backup, export, errors
    "older_database": (
        "die Datenbank {db} ist von einer älteren Version ({pending} Schritte offen); "
        "`newsbot run` bringt sie beim Start auf den Stand (vorher sichern: `newsbot backup`)",
        "the database {db} is from an older release ({pending} steps to go); `newsbot run` "
        "brings it up to date as it starts (back it up first: `newsbot backup`)",
    ),
    "no_database": (
        "keine Datenbank unter {db}: erst `newsbot ingest ORDNER` oder `newsbot demo`, "
        "oder --db DATEI angeben",
        "no database at {db}: run `newsbot ingest FOLDER` or `newsbot demo` first, "
        "or give --db FILE",
    ),
    "cannot_open": (
        "kann die Datenbank {db} nicht öffnen: {error}",
        "cannot open the database {db}: {error}",
    ),
    "cannot_read": (
        "kann die Datenbank {db} nicht lesen: {error}",
        "cannot read the database {db}: {error}",
    ),
    "unexpected": ("unerwarteter Fehler: {error}", "unexpected error: {error}"),
    "migrate_copied": (
        "{table}: {rows} Zeilen kopiert",
        "{table}: {rows} rows copied",
    ),
    "migrate_done": (
        "{db} ist nach {to} kopiert; Zeilen gezählt und {searches} Suchen verglichen: gleich."
        " Jetzt db = {to} setzen.",
        "{db} is copied to {to}; rows counted and {searches} searches compared: equal."
        " Now set db = {to}.",
    ),
    "migrate_differs": (
        "nach dem Kopieren weichen die Datenbanken ab: {problem}",
        "after copying, the databases differ: {problem}",
    ),
    "migrate_needs_sqlite": (
        "die Quelle muss eine SQLite-Datei sein (db oder --db), nicht {db}",
        "the source must be a SQLite file (db or --db), not {db}",
    ),
    "migrate_needs_postgres": (
        "--to braucht eine PostgreSQL-URL (postgresql://…), nicht {to}",
        "--to needs a PostgreSQL URL (postgresql://…), not {to}",
    ),
    "backup_written": ("Sicherung geschrieben: {path} ({size})", "backup written: {path} ({size})"),
    "no_folder": ("den Ordner {path} gibt es nicht", "no such folder: {path}"),
    "export_failed": (
        "Export nach {path} nicht geschrieben: {why}",
        "export to {path} not written: {why}",
    ),
    "export_written": (
        "{count} Artikel nach {path} geschrieben",
        "{count} articles written to {path}",
    ),
    "export_written_one": (
        "1 Artikel nach {path} geschrieben",
        "1 article written to {path}",
    ),
    # status
    "status_check": ("ok: {count} Artikel in {db}", "ok: {count} articles in {db}"),
    "status_alive": (
        "ok: {count} Artikel in {db}; der Bot lebt"
        " (lebende Prozesse: {live}, letzter Takt vor {age} s)",
        "ok: {count} articles in {db}; the bot is alive"
        " (live processes: {live}, last tick {age} s ago)",
    ),
    "status_silent": (
        "der Bot schweigt: {parts} (erlaubt: {stale} s, Herzschlag in {db})",
        "the bot is silent: {parts} (allowed: {stale} s, heartbeat in {db})",
    ),
    "status_database": ("Datenbank", "database"),
    "status_size": ("Größe", "size"),
    "status_articles": ("Artikel", "articles"),
    "status_last_ingest": ("zuletzt eingelesen", "last ingest"),
    "status_last_poll": ("zuletzt abgerufen", "last poll"),
    "status_chats": ("Chats", "chats"),
    "status_feeds": ("Feeds", "feeds"),
    "status_next": ("nächste Überblicke", "next digests"),
    "status_failed": (
        "Zustellfehler (letzte {days} Tage)",
        "failed deliveries (last {days} days)",
    ),
    "status_size_value": ("{size} (+ {wal} WAL)", "{size} (+ {wal} WAL)"),
    "status_articles_value": (
        "{count} aus {sources} Quellen, {day} in den letzten 24 Std.",
        "{count} from {sources} sources, {day} in the last 24 h",
    ),
    "status_chats_value": (
        "{chats}, {subscriptions} Abonnements, {alerts} Alarme",
        "{chats}, {subscriptions} subscriptions, {alerts} alerts",
    ),
    "status_pushes": ("Push-Meldungen", "pushes"),
    "status_pushes_value": (
        "{dropped} zu alt verworfen (24 Std.)",
        "{dropped} dropped as too old (24 h)",
    ),
    "status_feeds_value": ("{feeds}, {failing} gestört", "{feeds}, {failing} failing"),
    "status_never": ("nie", "never"),
    "status_future": ("in der Zukunft", "in the future"),
    "status_minutes_ago": ("vor {n} Min.", "{n} min ago"),
    "status_hours_ago": ("vor {n} Std.", "{n} h ago"),
    "status_days_ago": ("vor {n} Tagen", "{n} days ago"),
    "status_in_minutes": ("in {n} Min.", "in {n} min"),
    "status_in_hours": ("in {n} Std.", "in {n} h"),
    "status_cannot_fire": ("wird nie fällig", "cannot fire"),
    "status_no_error": ("Fehler unbekannt", "unknown error"),
    "status_no_status": ("ohne Status", "no status"),
    "status_more": ("… und {n} weitere", "… and {n} more"),
}

# The English reasons bot.ingest gives (BadInput, OSError), matched to their messages above.
REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^no such file or folder$"), "reason_missing"),
    (re.compile(r"^binary file, not a page dump$"), "reason_binary"),
    (re.compile(r"^file too large \((?P<size>\d+) bytes\)$"), "reason_large"),
    (re.compile(r"^neither UTF-8 nor Windows-1252 text$"), "reason_encoding"),
    (re.compile(r"^not a German article$"), "reason_not_german"),
    (re.compile(r"^no article text found$"), "reason_no_text"),
    (re.compile(r"^article text too short$"), "reason_too_short"),
    (re.compile(r"^no title found$"), "reason_no_title"),
    (re.compile(r"^\[Errno 13\] "), "reason_unreadable"),
    (re.compile(r"^\[Errno 2\] "), "reason_missing"),
    (re.compile(r"^read before$"), "duplicate_seen"),
    (re.compile(r"^same content$"), "duplicate_same"),
    (re.compile(r"^nearly the same text$"), "duplicate_near"),
)


def say(language: str, key: str, **values: object) -> str:
    """The CLI message `key` in `language` (German when unknown), with values filled in."""
    de, en = CLI_MESSAGES[key]
    text = en if language == "en" else de
    return text.format(**values) if values else text


def reason(language: str, text: str) -> str:
    """A skip reason from bot.ingest in `language`; an unknown one as it came."""
    for pattern, key in REASONS:
        match = pattern.search(text)
        if match:
            return say(language, key, **match.groupdict())
    return text
