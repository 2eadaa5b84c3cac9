"""The command core on a real in-memory Store: every command, both languages, admins, alerts."""

from __future__ import annotations

import ast
import re
import string
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.alerts import alert_matches, alert_words
from bot.commands import (
    COMMANDS,
    Context,
    handle,
    reader_language,
    resolve,
)
from bot.commands.admin import finish_addfeed
from bot.commands.news import article_pages
from bot.records import FeedCheck, NewArticle, Reply, Subscription
from bot.render import to_plain
from bot.schedule import fire_times
from bot.store import Storage, Store
from bot.texts import MESSAGES
from tests.chat_changes import ARGS, GERMAN_NAMES, changing_names, message, prepare, spellings
from tests.chat_changes import state as chat_state
from tests.conftest import ROOT
from tests.i18n import foreign_words


@pytest.fixture
def store(any_store: Storage) -> Storage:
    """This module's tests run on SQLite and on PostgreSQL."""
    return any_store


CHAT = "telegram:1"


def say(store: Store, now: datetime, text: str, **ctx: object) -> str:
    """The plain text of the bot's answer to `text`."""
    reply = handle(text, Context(CHAT, now, "telegram:5", **ctx), store)  # type: ignore[arg-type]
    assert isinstance(reply, Reply)
    return to_plain(reply)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("/search venezuela russland", ("search", "venezuela russland")),
        ("/Search@digest_test_bot  venezuela ", ("search", "venezuela")),
        ("!help", ("help", "")),
        ("  /start", ("start", "")),
        ("hallo /start", None),
        ("/", None),
        ("!!", None),
        ("/Überblick morgen", ("überblick", "morgen")),
        ("/2", None),
    ],
)
def test_resolve_reads_name_and_arguments(text: str, parsed: tuple[str, str] | None) -> None:
    resolved = resolve(text)
    assert (resolved and (resolved.name, resolved.args)) == parsed


def test_every_text_exists_in_german_and_english_with_the_same_fields() -> None:
    for key, (de, en) in MESSAGES.items():
        assert de, key
        assert en, key
        fields_de = {f for _, f, _, _ in string.Formatter().parse(de) if f}
        fields_en = {f for _, f, _, _ in string.Formatter().parse(en) if f}
        assert fields_de == fields_en, key
    for command in COMMANDS.values():
        assert command.help_de, command.name
        assert command.help_en, command.name


def test_core_modules_import_no_io_or_platform_library() -> None:
    forbidden = {"telegram", "nio", "aiohttp", "httpx", "sqlite3", "sqlite_utils", "asyncio",
                 "socket", "requests", "bot.store", "bot.transports", "bot.app"}  # fmt: skip
    paths = [
        *(ROOT / "bot" / "commands").glob("*.py"),
        ROOT / "bot/render.py",
        ROOT / "bot/texts.py",
    ]
    assert len(paths) > 3, "the bot/commands package has no modules"
    for path in paths:
        name = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                assert not any(module == f or module.startswith(f + ".") for f in forbidden), (
                    name,
                    module,
                )


def test_help_in_both_languages_lists_admin_commands_only_for_admins(
    store: Store, now: datetime
) -> None:
    german = say(store, now, "/help")
    english = say(store, now, "/help", language="en")
    admin = say(store, now, "/help", is_admin=True)
    assert "/search WÖRTER — Artikel suchen" in german
    assert "/search WORDS — Search articles" in english
    assert "/addfeed" not in german
    assert "/addfeed URL — Feed eintragen" in admin
    for name, command in COMMANDS.items():
        assert (f"/{name}" in german) != command.admin


def test_language_choice_beats_the_platform_hint(store: Store, now: datetime) -> None:
    assert reader_language(None, "en-US") == "en"
    assert reader_language(None, "fr") == "de"
    assert reader_language("de", "en") == "de"
    assert say(store, now, "/start", language="en").startswith("Welcome!")
    assert say(store, now, "/settings sprache de", language="en") == "Gespeichert."
    assert say(store, now, "/start", language="en").startswith("Willkommen!")
    assert say(store, now, "/settings language en") == "Saved."
    assert say(store, now, "/start").startswith("Welcome!")


def test_first_reply_language_is_kept_for_digests(store: Store, now: datetime) -> None:
    say(store, now, "/subscribe 07:30", language="en")
    assert store.chats.chat_language(CHAT) == "en"


def test_settings_show_and_change_everything(store: Store, now: datetime) -> None:
    assert "Überblick: nicht abonniert" in say(store, now, "/settings")
    # Not subscribed yet: the reader's own time, as the command to copy; a wrong time named.
    assert "Abonniere ihn zuerst: /subscribe 20:00" in say(store, now, "/settings zeit 8pm")
    assert "„25:00“ ist keine Uhrzeit" in say(store, now, "/settings zeit 25:00")
    assert "Subscribe first: /subscribe 08:00" in say(store, now, "/settings time 8", language="en")
    say(store, now, "/subscribe 07:30")
    shown = say(store, now, "/settings zeit 6.15")
    assert "Überblick: 06:15 Uhr, jeden Tag" in shown
    assert "Zeitzone: Europe/Vienna" in say(store, now, "/settings zone Europe/Vienna")
    assert "Meldungen pro Überblick: 8" in say(store, now, "/settings meldungen 8")
    assert "Sätze pro Meldung: 3" in say(store, now, "/settings sätze 3")
    assert store.chats.settings(CHAT).stories == 8
    assert store.chats.settings(CHAT).sentences == 3
    assert "von 1 bis 20" in say(store, now, "/settings meldungen 0")
    assert "von 1 bis 3" in say(store, now, "/settings saetze ²")
    assert "Zeitzone „Mars/Olympus“ kenne ich nicht" in say(
        store, now, "/settings zone Mars/Olympus"
    )
    assert "Eine Einstellung „farbe“ gibt es nicht" in say(store, now, "/settings farbe blau")
    assert "Deutsch (de) und Englisch (en)" in say(store, now, "/settings sprache fr")


def test_alerts_are_plain_words_matched_in_any_form(store: Store, now: datetime) -> None:
    assert "„Straße GRÜNEN“" in say(store, now, "/alert Straße GRÜNEN straße der")
    assert "[1] Straße GRÜNEN" in say(store, now, "/alerts")
    [alert] = store.chats.alerts(CHAT)
    assert alert_matches(alert.words, "Die Grünen sperren die Strasse.")
    assert alert_matches(alert.words, "Der Grüne sperrt die Straßen.")
    assert not alert_matches(alert.words, "Die Grünen tagen.")
    assert "Worauf soll ich achten" in say(store, now, "/alert der die das")
    assert "Alarm 1 gelöscht" in say(store, now, "/unalert 1")
    assert say(store, now, "/unalert 1") == "Einen Alarm mit der Nummer 1 hast du nicht."
    assert "Worauf soll ich achten" in say(store, now, "/alert .*+?")


def test_alerts_never_run_user_regular_expressions() -> None:
    evil = alert_words("(a+)+$ " + "a" * 30)
    started = time.perf_counter()
    assert not alert_matches(evil, "a" * 50_000 + "!")
    assert time.perf_counter() - started < 0.5


def test_alert_limit(store: Store, now: datetime) -> None:
    for i in range(20):
        say(store, now, f"/alert wort{i}")
    assert "schon 20 Alarme" in say(store, now, "/alert grönland zölle")


def addfeed(
    store: Store, now: datetime, url: str, check: FeedCheck | None = None, **ctx: object
) -> str:
    """/addfeed as the app runs it: the core asks for one fetch, the fetch's result answers."""
    context = Context(CHAT, now, "telegram:5", is_admin=True, **ctx)  # type: ignore[arg-type]
    reply = handle(f"/addfeed {url}", context, store)
    assert reply is not None
    if reply.fetch is None:
        return to_plain(reply)
    assert reply.fetch == url
    return to_plain(finish_addfeed(check or FeedCheck(url), context, store))


def test_admin_commands(store: Store, now: datetime) -> None:
    assert "dürfen nur die Betreiber" in say(store, now, "/addfeed https://example.org/rss")
    added = addfeed(store, now, "https://example.org/rss")
    assert added.startswith("Feed 1 eingetragen: https://example.org/rss")
    assert "https://example.org/rss" in say(store, now, "/feeds", is_admin=True)
    assert "Welcher Feed?" in say(store, now, "/addfeed javascript:alert(1)", is_admin=True)
    assert "Feed 1 entfernt" in say(store, now, "/removefeed 1", is_admin=True)
    assert "keine Feeds" in say(store, now, "/feeds", is_admin=True)
    assert "Artikel: 0" in say(store, now, "/stats", is_admin=True)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        # German through and through: the English detail is for the log.
        ("http://127.0.0.1:8080/feed.xml", "interne Adresse (127.0.0.1: Loopback, dieser Rechner"),
        ("http://[::ffff:10.0.0.1]/rss", "interne Adresse"),
        ("http://localhost/rss", "interne Adresse"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
    ],
)
def test_addfeed_refuses_internal_addresses_and_says_why(
    store: Store, now: datetime, url: str, says: str
) -> None:
    answer = say(store, now, f"/addfeed {url}", is_admin=True)
    assert "Diesen Feed trage ich nicht ein" in answer
    assert says in answer
    assert not foreign_words(answer, "de"), answer
    assert store.feeds.all() == []


def test_addfeed_takes_an_intranet_feed_the_operator_allowed(store: Store, now: datetime) -> None:
    url = "http://10.1.2.3/rss"
    allowed = addfeed(store, now, url, fetch_allow=("10.1.0.0/16",))
    assert allowed.startswith("Feed 1 eingetragen")


def test_search_pages_are_kept_server_side(store: Store, now: datetime) -> None:
    for i in range(7):
        store.articles.add_article(
            NewArticle(f"Grönland {i}", "dpa", f"Grönland Text {i}.", (), now - timedelta(hours=i)),
            now,
        )
    reply = handle("/search grönland", Context(CHAT, now), store)
    assert reply is not None
    [button] = reply.buttons
    assert button.command.startswith("/more 2 ")
    assert len(button.command.encode()) <= 64
    assert "(Seite 2 von 2)" in say(store, now, button.command)
    assert "Das waren alle Treffer" in say(store, now, "/more")
    assert "(Seite 1 von 2)" in say(store, now, "/more 1")
    assert "1 Treffer" in say(store, now, "/search text 3")
    # A button of an earlier search: said so, and the search /more would page through named.
    assert say(store, now, button.command) == (
        "Diese Seite gehört zu einer früheren Suche. Die letzte war „text 3“: /more blättert "
        "darin weiter, eine neue Suche beginnt mit /search WÖRTER."
    )
    assert say(store, now, button.command, language="en") == (
        "That page belongs to an earlier search. The last one was “text 3”: /more pages "
        "through it, /search WORDS starts a new one."
    )


def test_more_without_a_search(store: Store, now: datetime) -> None:
    assert "Suche zuerst" in say(store, now, "/more")


def test_wrong_arguments_get_usage_not_errors(store: Store, now: datetime) -> None:
    assert "Beispiel: /article 1" in say(store, now, "/article eins")
    assert "Beispiel: /article 1" in say(store, now, "/article ٣")
    assert "„25:00“ ist keine Uhrzeit" in say(store, now, "/subscribe 25:00")
    assert "Mit „extra“ kann ich" in say(store, now, "/subscribe 07:30 Europe/Berlin extra")
    assert "zu lang" in say(store, now, "/search " + "x" * 2000)
    assert "Welchen Alarm?" in say(store, now, "/unalert")
    # Chatter in a group is for people; in a private chat it gets the one hint, from the core.
    assert handle("nur Text", Context(CHAT, now, private=False), store) is None
    hint = handle("nur Text", Context(CHAT, now), store)
    assert hint is not None
    assert "Befehle beginnen mit /" in hint.paragraphs[0][0].text


def test_digest_and_latest(seeded_store: Store, now: datetime) -> None:
    digest = say(seeded_store, now, "/digest")
    assert digest.startswith("Neu seit 09.11.2025 13:00")
    assert "Die neuesten Artikel:" in say(seeded_store, now, "/latest")
    english = say(seeded_store, now, "/digest", language="en")
    assert english.startswith("New since 2025-11-09 13:00")


def test_latest_lists_as_many_as_asked(store: Store, now: datetime) -> None:
    for number in range(1, 26):
        title = f"Meldung Nummer {number} aus dem Landtag"
        body = f"Der Landtag berät die Vorlage {number}. Die Abgeordneten stimmen am Abend ab."
        store.articles.add_article(
            NewArticle(title, "dpa", body, (body,), now - timedelta(minutes=number)), now
        )

    def listed(text: str, **ctx: object) -> list[str]:
        return [line for line in say(store, now, text, **ctx).splitlines() if "Meldung" in line]

    assert len(listed("/latest")) == 10
    assert [line.split(" aus ")[0] for line in listed("/neueste 3")] == [
        "[1] Meldung Nummer 1",
        "[2] Meldung Nummer 2",
        "[3] Meldung Nummer 3",
    ]
    assert len(listed("/latest 20")) == 20
    for wrong in ("0", "21", "drei", "-1"):
        assert say(store, now, f"/neueste {wrong}") == (
            f"„{wrong}“ passt nicht: die Anzahl ist eine Zahl von 1 bis 20. Beispiel: /latest 5"
        )
    assert say(store, now, "/latest 99", language="en").startswith("“99” does not fit")


def test_a_participle_and_its_verb_find_each_other(store: Store, now: datetime) -> None:
    body = "Die Fans haben sich über den Sieg gefreut. Der Trainer war eingeengt von Fragen."
    store.articles.add_article(NewArticle("Pokalsieg", "dpa", body, (body,), now), now)
    assert "1 Treffer" in say(store, now, "/suche freuen")
    assert "1 Treffer" in say(store, now, "/suche einengen")
    assert "1 Treffer" in say(store, now, "/suche gefreut")


@pytest.mark.parametrize(
    ("typed", "reply"),
    [
        ("/ hilfe", "Meintest du /hilfe? Ein Befehl beginnt ohne Leerzeichen nach dem /."),
        ("!  suche venezuela", "Meintest du !suche venezuela? Ein Befehl beginnt ohne"),
        ("/ blabla", "Befehle beginnen mit / oder !"),
        ("/hilfe sprache", "/sprache ist eine Einstellung, kein Befehl."),
        ("/help zeitzone", "/zeitzone ist eine Einstellung, kein Befehl."),
    ],
)
def test_a_command_typed_slightly_wrong_is_answered_with_the_right_form(
    store: Store, now: datetime, typed: str, reply: str
) -> None:
    assert say(store, now, typed).startswith(reply)


def test_and_between_search_words_is_no_word_to_look_for(
    seeded_store: Store, now: datetime
) -> None:
    for typed in ("venezuela AND russland", "venezuela and russland"):
        assert say(seeded_store, now, f"/suche {typed}").startswith(
            "2 Treffer für „venezuela russland“"
        )


def test_command_names_fit_telegram() -> None:
    for command in COMMANDS.values():
        assert command.name.isascii()
        assert command.name.islower()
        assert len(command.name) <= 32  # Telegram's limit for bot command names


def test_new_subscriber_chooses_a_digest_now_or_at_the_next_time(
    store: Store, now: datetime
) -> None:
    later = say(store, now, "/subscribe 07:30")
    assert "nächsten geplanten Zeit" in later
    assert store.deliveries.last_digest_at(CHAT) is None
    at_once = say(store, now, "/subscribe 07:30 Europe/Vienna jetzt")
    # The digest rides on the reply itself; the next one starts from here once it is sent
    # (recorded and archived then, like any digest: test_archive.py sends it).
    assert "\n\nNeu seit " in at_once
    assert store.deliveries.last_digest_at(CHAT) is None
    sub = store.chats.subscription(CHAT)
    assert sub is not None
    assert (sub.time, sub.timezone) == ("07:30", "Europe/Vienna")


def test_search_of_only_common_words_says_so(seeded_store: Store, now: datetime) -> None:
    assert "nur aus ganz häufigen Wörtern" in say(seeded_store, now, "/search die und der")


def test_a_capped_total_is_shown_as_a_lower_bound(store: Store, now: datetime) -> None:
    from bot.store import CANDIDATES

    body = "Die Regierung in Berlin berät über den Haushalt und die Schuldenbremse. " * 3
    for i in range(CANDIDATES + 3):
        article = NewArticle(f"Haushalt {i}", "dpa", f"{body} Nummer {i}.", (), now)
        store.articles.add_article(article, now)
    assert f"{CANDIDATES}+ Treffer" in say(store, now, "/search haushalt")


def test_a_new_chat_gets_the_operators_default_zone(store: Store, now: datetime) -> None:
    reply = say(store, now, "/subscribe 06:45", timezone="Europe/Zurich")
    assert "(Europe/Zurich)" in reply
    sub = store.chats.subscription(CHAT)
    assert sub is not None
    assert sub.timezone == "Europe/Zurich"


def test_digest_shows_only_stories_the_chats_keyword_filter_lets_through(
    seeded_store: Store, now: datetime
) -> None:
    body = "Der Bundestag beschließt den Haushalt für 2026 nach langer Debatte über die Schulden."
    budget = NewArticle("Bundestag beschließt Haushalt", "ZDF", body, (body,), now)
    seeded_store.articles.add_article(budget, now)
    unfiltered = say(seeded_store, now, "/digest")
    assert "Bundestag beschließt Haushalt" in unfiltered
    assert "Venezuela" in unfiltered
    seeded_store.chats.set_digest_keywords(CHAT, ("haushalt",), now)
    only_budget = say(seeded_store, now, "/digest")
    assert "Bundestag beschließt Haushalt" in only_budget
    assert "Venezuela" not in only_budget
    seeded_store.chats.set_digest_keywords(CHAT, ("-haushalt",), now)
    without_budget = say(seeded_store, now, "/digest")
    assert "Haushalt" not in without_budget
    assert "Venezuela" in without_budget


def test_digest_follows_the_chats_story_count(seeded_store: Store, now: datetime) -> None:
    body = "Der Bundestag beschließt den Haushalt für 2026 nach langer Debatte über die Schulden."
    seeded_store.articles.add_article(
        NewArticle("Bundestag beschließt Haushalt", "ZDF", body, (), now), now
    )
    assert len(re.findall(r"^\d+\. ", say(seeded_store, now, "/digest"), re.M)) == 2
    say(seeded_store, now, "/settings meldungen 1")
    assert len(re.findall(r"^\d+\. ", say(seeded_store, now, "/digest"), re.M)) == 1


# 03:00 UTC on 11 November: already the 11th in Berlin, still the 10th in New York.
LATE = datetime(2025, 11, 11, 3, 0, tzinfo=UTC)


def test_a_subscribed_chat_sees_dates_and_times_in_its_own_zone(seeded_store: Store) -> None:
    say(seeded_store, LATE, "/subscribe 07:30 America/New_York")
    digest = say(seeded_store, LATE, "/digest")
    assert digest.startswith("Neu seit 09.11.2025 22:00")  # 24 hours ago, New York time
    # dpa published 08:13 UTC on 2 November; TKP gives only the date 10 November, which stays
    # that date rather than becoming a made-up "09.11.2025 18:00".
    assert "(02.11.2025 03:13)" in digest
    assert "TKP (10.11.2025)" in digest
    latest = say(seeded_store, LATE, "/latest")
    assert "TKP, 10.11.2025" in latest
    assert "18:00" not in latest
    assert "dpa, 02.11.2025 03:13" in latest
    assert "dpa, 02.11.2025 03:13" in say(seeded_store, LATE, "/search kreml")
    assert "TKP, 10.11.2025" in say(seeded_store, LATE, "/article 2")


def test_a_chat_without_subscription_sees_the_default_zone(seeded_store: Store) -> None:
    digest = say(seeded_store, LATE, "/digest")
    assert digest.startswith("Neu seit 10.11.2025 04:00")
    assert "(02.11.2025 09:13)" in digest
    assert "TKP (10.11.2025)" in digest  # midnight in Berlin: the date alone
    assert "dpa, 02.11.2025 09:13" in say(seeded_store, LATE, "/latest")
    operator = say(seeded_store, LATE, "/latest", timezone="America/New_York")
    assert "dpa, 02.11.2025 03:13" in operator


def test_feed_health_reads_the_same_in_feeds_and_stats(store: Store, now: datetime) -> None:
    feed = store.feeds.add_feed("https://example.org/rss", now)
    assert "noch nicht abgerufen" in say(store, now, "/feeds", is_admin=True)
    for _ in range(3):
        store.feeds.feed_failed(feed.id, "HTTP 404", now, now)
    assert "gestört (3× fehlgeschlagen): HTTP 404" in say(store, now, "/feeds", is_admin=True)
    assert "Feeds: 1 (1 gestört)" in say(store, now, "/stats", is_admin=True)
    english = say(store, now, "/feeds", is_admin=True, language="en")
    assert "failing (failed 3×): HTTP 404" in english


def test_huge_numbers_name_nothing_rather_than_confuse(store: Store, now: datetime) -> None:
    huge = "9" * 30
    assert f"Nummer {huge} gibt es nicht" in say(store, now, f"/article {huge}")
    assert f"Nummer {huge} hast du nicht" in say(store, now, f"/unalert {huge}")


def test_subscribe_keeps_what_it_does_not_name(store: Store, now: datetime) -> None:
    say(store, now, "/subscribe 07:30 America/Caracas")
    assert "08:00 Uhr (America/Caracas)" in say(store, now, "/subscribe 08:00")
    assert "08:00 Uhr (Europe/Berlin)" in say(store, now, "/subscribe Berlin")
    assert "schon jeden Tag um 08:00 Uhr (Europe/Berlin)" in say(store, now, "/subscribe jetzt")
    assert "08:00 Uhr (America/New_York)" in say(store, now, "/subscribe new york")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("7:30", "07:30"),
        ("7.30", "07:30"),
        ("0730", "07:30"),
        ("7", "07:00"),
        ("7 Uhr", "07:00"),
        ("19:30 Uhr", "19:30"),
        ("7:30h", "07:30"),
        ("7pm", "19:00"),
        ("12 am", "00:00"),
    ],
)
def test_subscribe_understands_times_as_people_type_them(
    store: Store, now: datetime, typed: str, meant: str
) -> None:
    assert f"{meant} Uhr (Europe/Berlin)" in say(store, now, f"/subscribe {typed} Berlin")
    say(store, now, "/subscribe 06:15")
    say(store, now, f"/settings zeit {typed}")
    subscription = store.chats.subscription(CHAT)
    assert subscription is not None
    assert subscription.time == meant


@pytest.mark.parametrize("typed", ["25:00", "7:60", "24:00", "13pm", "2500"])
def test_subscribe_names_a_time_that_is_none(store: Store, now: datetime, typed: str) -> None:
    assert f"„{typed}“ ist keine Uhrzeit" in say(store, now, f"/subscribe {typed} Berlin")


@pytest.mark.parametrize(
    ("typed", "reply"),
    [
        # No time given: the word may have been either, so the reply names both.
        ("/abo morgen früh", "„morgen früh“ ist weder eine Uhrzeit noch eine Zeitzone"),
        ("/subscribe tomorrow", "“tomorrow” is neither a time of day nor a time zone I know"),
        ("/abo Berlinn", "„Berlinn“ ist weder eine Uhrzeit noch eine Zeitzone"),
        # After a time, or written as a zone is, it can only be a zone.
        ("/abo 7:30 Berlinn", "Die Zeitzone „Berlinn“ kenne ich nicht"),
        ("/abo Europe/Berlinn", "Die Zeitzone „Europe/Berlinn“ kenne ich nicht"),
    ],
)
def test_subscribe_says_what_a_word_it_cannot_read_is_not(
    store: Store, now: datetime, typed: str, reply: str
) -> None:
    answer = say(store, now, typed, language="en" if "neither" in reply else "de")
    assert reply in answer
    assert answer.endswith(": /subscribe 07:30 Europe/Vienna")
    assert store.chats.subscription(CHAT) is None


@pytest.mark.parametrize(
    ("typed", "days", "said"),
    [
        ("/abo 07:30 Mo-Fr", "mon-fri", "montags bis freitags um 07:30 Uhr"),
        ("/abo 07:30 Mo bis Fr", "mon-fri", "montags bis freitags um 07:30 Uhr"),
        ("/abo 07:30 Sa, So", "sat,sun", "samstags und sonntags um 07:30 Uhr"),
        ("/abo 19:00 am Wochenende", "sat,sun", "samstags und sonntags um 19:00 Uhr"),
        ("/abo 07:30 Mo Mi Fr", "mon,wed,fri", "montags, mittwochs und freitags um 07:30 Uhr"),
        ("/abo sonntags 9 Uhr", "sun", "sonntags um 09:00 Uhr"),
        ("/abo 07:30 Fr.–Mo.", "mon,fri-sun", "montags und freitags bis sonntags um 07:30 Uhr"),
        ("/abo 07:30 Mo-So", "", "jeden Tag um 07:30 Uhr"),
        ("/subscribe 7:30 mon-thu", "mon-thu", "Monday to Thursday at 07:30"),
        ("/subscribe 7pm on Saturdays", "sat", "on Saturdays at 19:00"),
        ("/subscribe 7:30 Tue and Thu", "tue,thu", "on Tuesdays and Thursdays at 07:30"),
    ],
)
def test_subscribe_reads_the_days_as_readers_write_them(
    store: Store, now: datetime, typed: str, days: str, said: str
) -> None:
    language = "de" if typed.startswith("/abo") else "en"
    answer = say(store, now, typed, language=language)
    assert said in answer, answer
    assert not foreign_words(answer, language), answer
    subscription = store.chats.subscription(CHAT)
    assert subscription is not None
    assert subscription.days == days
    if days:  # the settings say the days too ("Überblick: 07:30 Uhr, jeden Tag" when every day)
        shown = said.split(" um ")[0].split(" at ")[0]
        assert shown in say(store, now, "/settings", language=language)


@pytest.mark.parametrize(
    ("typed", "reply"),
    [
        ("/abo 18 Uhr Mo bis", "„Mo bis“: von welchem bis zu welchem Tag? Beispiel: /subscribe"),
        ("/abo 7:30 bis Fr", "„bis Fr“: von welchem bis zu welchem Tag?"),
        ("/subscribe 7:30 mon to", "“mon to”: from which day to which? Example: /subscribe"),
    ],
)
def test_subscribe_asks_for_the_other_end_of_a_range_of_days(
    store: Store, now: datetime, typed: str, reply: str
) -> None:
    answer = say(store, now, typed, language="de" if "/abo" in typed else "en")
    assert answer.startswith(reply), answer
    assert store.chats.subscription(CHAT) is None


def test_a_digest_on_chosen_days_comes_on_those_days_only(store: Store, now: datetime) -> None:
    say(store, now, "/abo 07:30 Mo Mi Fr Berlin")
    subscription = store.chats.subscription(CHAT)
    assert subscription is not None
    monday = datetime(2025, 12, 1, tzinfo=UTC)
    fired = fire_times(subscription, monday, monday + timedelta(days=7))
    assert [f.strftime("%a %H:%M") for f in fired] == ["Mon 06:30", "Wed 06:30", "Fri 06:30"]


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("/abo 07:30 Europe/Wien", "Europe/Vienna"),
        ("/abo 07:30 Europa/Berlin", "Europe/Berlin"),
        ("/abo 07:30 Amerika/New York", "America/New_York"),
        ("/abo 07:30 MEZ", "Europe/Berlin"),
    ],
)
def test_subscribe_reads_a_zone_written_in_german(
    store: Store, now: datetime, typed: str, zone: str
) -> None:
    assert f"({zone})" in say(store, now, typed)
    subscription = store.chats.subscription(CHAT)
    assert subscription is not None
    assert subscription.timezone == zone


def test_alert_exclusion_is_honoured(store: Store, now: datetime) -> None:
    say(store, now, "/alert bundesliga -sport")
    [alert] = store.chats.alerts(CHAT)
    assert alert.words == ("bundesliga", "-sport")
    assert alert_matches(alert.words, "Die Bundesliga und die Politik")
    assert not alert_matches(alert.words, "Bundesliga: Sport am Wochenende")


def test_search_finds_both_seeds_by_a_names_genitive(seeded_store: Store, now: datetime) -> None:
    reply = say(seeded_store, now, "/search Venezuelas")
    assert "2 Treffer" in reply
    assert "Kreml fordert friedliche Lösung" in reply
    assert "Russland erwägt Venezuelas Bitte" in reply
    assert "Russland erwägt" in say(seeded_store, now, "/search Luftabwehr")


def test_search_finds_strong_verb_forms_both_ways(store: Store, now: datetime) -> None:
    filler = " Die Sitzung in Berlin dauerte bis zum späten Abend, danach gingen alle nach Hause."
    liked = NewArticle(
        "Plan im Kabinett", "dpa", "Der Plan gefiel den Ministern." + filler, (), now
    )
    pleased = NewArticle(
        "Konzept vor der Wahl", "dpa", "Das Konzept hat den Wählern gefallen." + filler, (), now
    )
    store.articles.add_article(liked, now)
    store.articles.add_article(pleased, now)
    by_base = say(store, now, "/search gefallen")
    assert "Plan im Kabinett" in by_base
    assert "Konzept vor der Wahl" in by_base
    by_past = say(store, now, "/search gefiel")
    assert "Konzept vor der Wahl" in by_past
    assert "Plan im Kabinett" in by_past
    assert "1 Treffer" in say(store, now, "/search Wählern Konzept")


@pytest.mark.parametrize(
    "text",
    [
        "/subscribe 07:30",
        "/unsubscribe",
        "/settings sprache en",
        "/settings themen wahl",
        "/alert grönland",
        "/unalert 1",
    ],
)
def test_a_member_who_may_not_manage_the_chat_cannot_change_it(
    store: Store, now: datetime, text: str
) -> None:
    store.chats.subscribe(Subscription(CHAT, "07:00", "Europe/Berlin", now), now)
    answer = say(store, now, text, may_manage=False, private=False)
    assert answer.startswith("Entschuldige, /" + text.split()[0][1:])
    assert "nur die Administratoren dieser Gruppe" in answer
    sub = store.chats.subscription(CHAT)
    assert sub is not None
    assert sub.time == "07:00"
    assert store.chats.chat_language(CHAT) != "en"
    assert store.chats.digest_keywords(CHAT) == ()
    assert store.chats.alerts(CHAT) == []


@pytest.mark.parametrize("text", ["/settings", "/digest", "/search venezuela", "/help", "/alerts"])
def test_reading_commands_stay_open_to_every_member(
    seeded_store: Store, now: datetime, text: str
) -> None:
    answer = say(seeded_store, now, text, may_manage=False, private=False)
    assert "Entschuldige" not in answer


def test_a_matrix_room_names_the_power_level_in_english(store: Store, now: datetime) -> None:
    answer = say(store, now, "/unsubscribe", may_manage=False, manage_level=50, language="en")
    assert answer.startswith("Sorry, in this room only members with power level 50 or higher")
    assert "/unsubscribe" in answer


def test_resolve_tells_transports_when_to_ask_for_the_role() -> None:
    def changes(text: str) -> bool:
        resolved = resolve(text)
        return resolved is not None and resolved.changes

    assert changes("/subscribe 07:30")
    assert changes("/settings@digest_test_bot sprache en")
    # The German names are the same commands: the same rule (issue 24: they slipped past it).
    assert changes("/abo 07:30")
    assert changes("!abonnieren 07:30")
    assert changes("/abbestellen")
    assert changes("/Einstellungen sprache en")
    assert changes("/alarm grönland")
    assert not changes("/settings")
    assert not changes("/einstellungen")
    assert not changes("/search venezuela")
    assert not changes("/suche venezuela")
    assert not changes("hallo")
    assert not changes("/frobnicate")


def test_every_changing_command_and_the_german_names_are_in_the_permission_tests() -> None:
    assert {key for key, _ in changing_names()} == set(ARGS)
    assert set(GERMAN_NAMES) <= {name for _, name in changing_names()}


@pytest.mark.parametrize(("key", "spelling"), spellings(("/", "!"), bot_suffix=True))
def test_every_changing_command_in_every_spelling_is_refused_to_a_member(
    store: Store, now: datetime, key: str, spelling: str
) -> None:
    text = message(key, spelling)
    prepare(store, CHAT, now)
    before = chat_state(store, CHAT)
    refused = say(store, now, text, may_manage=False, private=False)
    assert refused.startswith("Entschuldige, /"), refused
    assert chat_state(store, CHAT) == before
    done = say(store, now, text, may_manage=True, private=False)
    assert not done.startswith("Entschuldige"), done
    assert chat_state(store, CHAT) != before


def test_buttons_carry_only_reading_commands() -> None:
    """Everyone's buttons carry reading commands; the operators' accept/refuse buttons under a
    chat's feed request carry operator commands, which check the presser like a typist (a
    forged press by anyone else is refused: test_chat_feeds)."""
    carried = {c.name for c in COMMANDS.values() if c.button and not c.admin}
    assert carried == {"more", "article", "archive"}  # the commands news.py puts on buttons
    for name in carried:
        assert COMMANDS[name].changes is None
    operators = {c.name for c in COMMANDS.values() if c.button and c.admin}
    assert operators == {"approvefeed", "refusefeed"}
    assert not any(COMMANDS[name].chat_feeds for name in operators)


def test_every_name_resolves_to_its_own_command_and_no_name_is_shared() -> None:
    seen: dict[str, str] = {}
    for command in COMMANDS.values():
        assert command.names[0] == command.name
        for name in command.names:
            assert seen.setdefault(name, command.name) == command.name, name
            for spelling in (
                f"/{name}",
                f"!{name}",
                f"/{name}@digest_test_bot",
                f"/{name.upper()}",
            ):
                resolved = resolve(spelling)
                assert resolved is not None
                assert resolved.command is command, spelling
    # Umlaut names also in their keyboard spelling, as Telegram carries them.
    digest = resolve("/ueberblick")
    assert digest is not None
    assert digest.command is COMMANDS["digest"]


@pytest.mark.parametrize("command", ["/alerts", "/unsubscribe", "/sources", "/id"])
def test_a_command_without_arguments_names_what_it_cannot_use(
    store: Store, now: datetime, command: str
) -> None:
    reply = say(store, now, f"{command} morgen früh")
    assert reply == f"Mit „morgen früh“ kann ich hier nichts anfangen. Beispiel: {command}"


def test_a_page_past_the_end_names_the_last_page(store: Store, now: datetime) -> None:
    body = "\n\n".join(f"Absatz {i}: " + "Der Rat berät den Haushalt. " * 40 for i in range(60))
    store.articles.add_article(NewArticle("Haushalt", "dpa", body, ("Der Rat.",), now), now)
    last = len(article_pages(body))
    assert last > 1
    assert f"Seite {last} von {last}" in say(store, now, f"/article 1 {last}")
    assert "„0“ ist keine Seitenzahl: Seiten zählen ab 1" in say(store, now, "/article 1 0")
    beyond = say(store, now, f"/article 1 {last + 1}")
    assert beyond == f"Artikel 1 hat nur {last} Seiten. Die letzte: /article 1 {last}"
    english = say(store, now, "/article 1 999", language="en")
    assert english == f"Article 1 has only {last} pages. The last one: /article 1 {last}"


def test_the_chats_zone_needs_no_digest_and_outlives_unsubscribe(seeded_store: Store) -> None:
    store = seeded_store
    assert "dpa, 02.11.2025 09:13" in say(store, LATE, "/latest")  # the operator's Berlin
    assert "Zeitzone: Asia/Tokyo" in say(store, LATE, "/settings zone Tokio")
    assert "dpa, 02.11.2025 17:13" in say(store, LATE, "/latest")
    assert "07:00 Uhr (Asia/Tokyo)" in say(store, LATE, "/subscribe 07:00")
    assert store.chats.subscription(CHAT).timezone == "Asia/Tokyo"  # type: ignore[union-attr]
    say(store, LATE, "/unsubscribe")
    shown = say(store, LATE, "/settings")
    assert "Überblick: nicht abonniert\n  /subscribe 07:30" in shown
    assert "Zeitzone: Asia/Tokyo" in shown
    assert "dpa, 02.11.2025 17:13" in say(store, LATE, "/latest")
    assert "08:00 Uhr (Asia/Tokyo)" in say(store, LATE, "/subscribe 08:00")


def test_german_command_names_answer_like_the_english_ones(seeded_store: Store) -> None:
    pairs = [
        ("/hilfe", "/help"),
        ("/Suche venezuela", "/search venezuela"),
        ("/artikel 2", "/article 2"),
        ("/neueste", "/latest"),
        ("/überblick", "/digest"),
        ("/einstellungen", "/settings"),
        ("/alarme", "/alerts"),
    ]
    for german, english in pairs:
        assert say(seeded_store, LATE, german) == say(seeded_store, LATE, english), german
    assert "Alarm 1 angelegt" in say(seeded_store, LATE, "/alarm kreml")
    assert "07:30 Uhr" in say(seeded_store, LATE, "/abo 7:30")
    assert "abbestellt" in say(seeded_store, LATE, "/abbestellen").casefold()
    assert say(seeded_store, LATE, "/straße") == (
        "Den Befehl /straße kenne ich nicht. /help zeigt, was ich kann."
    )


@pytest.mark.parametrize("spelling", ["/{} ", "!{} ", "/{}@newsbot_test_bot "])
def test_a_setting_typed_as_a_command_is_answered_with_the_settings_line(
    store: Store, spelling: str
) -> None:
    # `/sprache en` is what a reader tries first: the answer shows the form that works.
    assert say(store, LATE, spelling.format("sprache") + "en") == (
        "/sprache ist eine Einstellung, kein Befehl. Ändern kannst du sie so: /settings sprache en"
    )
    assert say(store, LATE, spelling.format("Zeitzone") + "Europe/Berlin") == (
        "/zeitzone ist eine Einstellung, kein Befehl. Ändern kannst du sie so: "
        "/settings zone Europe/Vienna"
    )
    say(store, LATE, "/settings sprache en")
    assert say(store, LATE, spelling.format("timezone") + "UTC") == (
        "/timezone is a setting, not a command. Change it like this: /settings zone Europe/Vienna"
    )
    assert say(store, LATE, spelling.format("straße").strip()).startswith(
        "I don't know the command"
    )


def test_search_since_a_day_as_readers_write_it(seeded_store: Store) -> None:
    assert "1 Treffer" in say(seeded_store, LATE, "/search venezuela seit:gestern")
    assert "2 Treffer" in say(seeded_store, LATE, "/search venezuela seit:1.11.")
    assert "seit:gestern" in say(seeded_store, LATE, "/search venezuela seit:morgen früh")


def test_unalert_takes_several_numbers_or_all(store: Store, now: datetime) -> None:
    for words in ("kreml", "wahl", "streik", "hochwasser"):
        say(store, now, f"/alert {words}")
    assert say(store, now, "/unalert 1, 2") == "Alarme 1, 2 gelöscht."
    assert say(store, now, "/unalert 3 9 8") == (
        "Alarm 3 gelöscht. Alarme mit den Nummern 9, 8 hast du nicht."
    )
    assert say(store, now, "/unalert 4 x") == "„x“ ist keine Nummer. Beispiel: /unalert 1"
    assert say(store, now, "/unalert all") == "Alarm 4 gelöscht."
    assert say(store, now, "/unalert alle").startswith("Du hast keine Alarme.")


def test_unalert_takes_the_alerts_words_in_any_form(store: Store, now: datetime) -> None:
    for words in ("Karibik", "Streik -Bahn", "Hochwasser"):
        say(store, now, f"/alert {words}")
    assert say(store, now, "/unalert karibik") == "Alarm 1 „Karibik“ gelöscht."
    assert say(store, now, "!unalert Streiks -bahn") == "Alarm 2 „Streik -Bahn“ gelöscht."
    assert say(store, now, "/unalert Streik") == (
        "Einen Alarm „Streik“ hast du nicht. Gib die Nummer an, z. B. /unalert 1 "
        "(die Nummern zeigt /alerts)."
    )
    assert [a.words for a in store.chats.alerts()] == [("Hochwasser",)]


def test_subscribe_takes_the_zone_before_the_time(store: Store, now: datetime) -> None:
    assert "09:30 Uhr (Europe/Vienna)" in say(store, now, "/subscribe Wien 9.30 Uhr")
    assert "08:00 Uhr (America/New_York)" in say(store, now, "/subscribe New York 8")
    assert "„25“ ist keine Uhrzeit" in say(store, now, "/subscribe Wien 25")


def test_too_many_alert_or_topic_words_are_refused_not_cut(store: Store, now: datetime) -> None:
    nine = " ".join(f"Thema{i}" for i in range(9))
    assert say(store, now, f"/alert {nine}") == (
        "Ein Alarm hat höchstens 8 Wörter; du hast 9 genannt. Beispiel: /alert grönland zölle"
    )
    assert store.chats.alerts(CHAT) == []
    assert "höchstens 8 Wörter" in say(store, now, f"/settings themen {nine}")
    assert store.chats.digest_keywords(CHAT) == ()
    eight = " ".join(f"Thema{i}" for i in range(8))
    assert "Alarm 1 angelegt" in say(store, now, f"/alert {eight}")
    assert len(store.chats.alerts(CHAT)[0].words) == 8
    assert say(store, now, f"/search {nine}") == (
        "Eine Suche hat höchstens 8 Wörter (kleine wie „der“ zählen nicht mit). "
        "Beispiel: /search venezuela russland"
    )


def test_more_names_the_page_it_cannot_read_when_there_is_a_search(
    store: Store, now: datetime
) -> None:
    store.articles.add_article(
        NewArticle("Grönland verhandelt", "dpa", "Grönland Text.", (), now), now
    )
    assert "1 Treffer" in say(store, now, "/search grönland")
    for typed in ("-1", "1e3", "zwei"):
        assert say(store, now, f"/mehr {typed}") == (
            f"„{typed}“ ist keine Seitenzahl: Seiten zählen ab 1. Beispiel: /more 2"
        )
    assert say(store, now, "!more -1", language="en") == (
        "“-1” is not a page number: pages count from 1. Example: /more 2"
    )


def test_archive_of_a_one_page_digest_shows_its_one_page(store: Store, now: datetime) -> None:
    yesterday = now - timedelta(days=1)
    store.archive.archive_digest(CHAT, yesterday.date(), Reply.text("Kurz und knapp."), yesterday)
    assert say(store, now, "/archiv gestern 2") == (
        "Der Überblick vom 09.11.2025 hat nur eine Seite: /archiv 09.11.2025"
    )
    assert say(store, now, "/archive 2025-11-09 2", language="en") == (
        "The digest of 2025-11-09 has only one page: /archive 2025-11-09"
    )
    assert say(store, now, "/archive 2025-11-09") == "Kurz und knapp."


@pytest.mark.parametrize(
    ("typed", "when"),
    [
        ("um 7", "jeden Tag um 07:00 Uhr (Europe/Berlin)"),
        ("um halb acht", "jeden Tag um 07:30 Uhr (Europe/Berlin)"),
        ("um 19 Uhr Wien", "jeden Tag um 19:00 Uhr (Europe/Vienna)"),
        ("at 7pm", "jeden Tag um 19:00 Uhr (Europe/Berlin)"),
        # The bot's own words back: "jeden Tag um 07:00 und 18:00 Uhr".
        ("07:00 und 18:00 Uhr", "jeden Tag um 07:00 und 18:00 Uhr"),
        ("07:00 and 18:00", "jeden Tag um 07:00 und 18:00 Uhr"),
        ("07:00, 18:00", "jeden Tag um 07:00 und 18:00 Uhr"),
        # Midnight, as German says it; "halb zwölf nachts" is half an hour before.
        ("12 Uhr nachts", "jeden Tag um 00:00 Uhr"),
        ("zwölf uhr nachts", "jeden Tag um 00:00 Uhr"),
        ("halb zwölf nachts", "jeden Tag um 23:30 Uhr"),
    ],
)
def test_subscribe_reads_a_time_as_people_write_it(
    store: Store, now: datetime, typed: str, when: str
) -> None:
    assert f"Abonniert: {when}" in say(store, now, f"/abo {typed}")


def test_settings_time_takes_a_time_said_in_words_like_subscribe(
    store: Store, now: datetime
) -> None:
    say(store, now, "/subscribe 07:00")
    assert say(store, now, "/einstellungen zeit halb acht") == (
        "Gespeichert. Überblick: 07:30 Uhr, jeden Tag"
    )
    assert say(store, now, "/settings zeit um 7 uhr abends") == (
        "Gespeichert. Überblick: 19:00 Uhr, jeden Tag"
    )
    assert say(store, now, "/settings zeit halb zwanzig") == (
        "„halb zwanzig“ ist keine Uhrzeit: Stunden 00 bis 23, Minuten 00 bis 59. "
        "Beispiel: /settings zeit 07:30"
    )
    say(store, now, "/settings language en")
    assert say(store, now, "/settings time at 7pm") == "Saved. Digest: 19:00, every day"
    assert say(store, now, "/settings time halb zwanzig") == (
        "“halb zwanzig” is not a time of day: hours 00 to 23, minutes 00 to 59. "
        "Example: /settings time 07:30"
    )


@pytest.mark.parametrize(
    "spelling", ["/digest {day}", "/überblick {day}", "/ueberblick {day}", "!digest {day}"]
)
def test_digest_of_a_day_brings_that_days_news_as_the_chats_digest_would(
    seeded_store: Store, now: datetime, spelling: str
) -> None:
    """`/digest 2.11.2025` is that calendar day's news in the chat's zone, with its settings;
    `/digest gestern` the day before today; a word that is no day is named."""
    store = seeded_store
    day = say(store, now, spelling.format(day="2.11.2025"))
    assert day.startswith("Nachrichten vom 02.11.2025"), day
    assert "Kreml fordert" in day
    assert "Russland erwägt" not in day  # dated 10.11.2025
    assert "Russland erwägt" in say(store, now, spelling.format(day="heute"))  # 10.11.2025
    nothing = say(store, now, spelling.format(day="gestern"))
    assert nothing == "Nachrichten vom 09.11.2025\n\nFür diesen Tag sind keine Artikel gespeichert."
    assert say(store, now, spelling.format(day="morgenfrüh")) == (
        "„morgenfrüh“ ist kein Tag. Beispiel: /digest gestern oder /digest 2.1.2026"
    )
    english = say(store, now, spelling.format(day="2025-11-02"), language="en")
    assert english.startswith("News of 2025-11-02"), english
