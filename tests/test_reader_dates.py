"""Dates as a reader reads them: "Neu seit" by an article's own date, a date alone on its own
day in any zone, an old report first stored today shown as what it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.commands import Context, handle
from bot.digest import build_digests, plan_recent
from bot.records import ChatSettings, NewArticle, Reply
from bot.render import render_digest, to_plain
from bot.store import Storage
from tests.conftest import newsbot

NOW = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)

NEWS = NewArticle(
    "Bundestag beschließt Rentenpaket",
    "dpa",
    "Der Bundestag hat das Rentenpaket der Bundesregierung beschlossen. Das Rentenniveau "
    "soll bis 2031 bei 48 Prozent gehalten werden.",
    (),
    NOW - timedelta(hours=2),
    "https://www.example.org/rentenpaket",
)
# Reported five days ago, first stored now (a folder or feed added today).
OLD = NewArticle(
    "Hamburger Hafen: Containerumschlag sinkt im dritten Quartal",
    "NDR",
    "Der Containerumschlag im Hamburger Hafen ist im dritten Quartal gesunken. Die "
    "Hafenwirtschaft verweist auf die schwache Weltkonjunktur.",
    (),
    datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
    "https://www.ndr.de/nachrichten/hamburg/hafen-100.html",
)
OLD_TOO = NewArticle(
    "Containerumschlag im Hamburger Hafen sinkt",
    "Hamburger Abendblatt",
    "Im Hamburger Hafen sind im dritten Quartal weniger Container umgeschlagen worden, "
    "meldet die Hafenwirtschaft und nennt die schwache Weltkonjunktur.",
    (),
    datetime(2026, 12, 1, 11, 0, tzinfo=UTC),
    "https://www.abendblatt.de/hamburg/hafen.html",
)


@pytest.fixture
def store(any_store: Storage) -> Storage:
    """The date rules hold on SQLite and on PostgreSQL."""
    return any_store


def say(store: Storage, text: str) -> str:
    reply = handle(text, Context("telegram:1", NOW, "telegram:5"), store)
    assert isinstance(reply, Reply)
    return to_plain(reply)


def test_an_old_report_first_stored_today_is_shown_as_older_not_as_news(store: Storage) -> None:
    for article in (OLD, NEWS):
        store.articles.add_article(article, NOW)
    digest = say(store, "/digest")
    assert digest.index("Bundestag beschließt Rentenpaket") < digest.index("Hamburger Hafen")
    older = next(line for line in digest.splitlines() if "Hamburger Hafen" in line)
    assert "älterer Bericht vom 01.12.2026" in older
    fresh = next(line for line in digest.splitlines() if "Rentenpaket" in line)
    assert "älterer Bericht" not in fresh
    latest = say(store, "/latest")
    assert latest.index("Rentenpaket") < latest.index("Hamburger Hafen")
    assert "01.12.2026" in latest


def test_an_old_report_takes_no_place_of_the_news(store: Storage) -> None:
    """Two outlets' old reports would outrank one outlet's news; they are not news."""
    for article in (OLD, OLD_TOO, NEWS):
        store.articles.add_article(article, NOW)
    plan = plan_recent(NOW, "Europe/Berlin", ChatSettings(language="de", stories=1))
    digest = build_digests(store, {"": plan}, NOW)[""]
    shown = to_plain(render_digest(digest, "de"))
    assert "Rentenpaket" in shown
    assert "Hamburger Hafen" not in shown
    everything = build_digests(store, {"": plan_recent(NOW, "UTC")}, NOW)[""]
    english = to_plain(render_digest(everything, "en", "UTC")).splitlines()
    assert "Bundestag" in english[2]
    assert english[8].endswith("(older report of 2026-12-01 11:00)"), english


PAGE = """Hafenfest in Cuxhaven: Tausende feiern an der Alten Liebe

14.03.25

Tausende Besucher haben am Wochenende in Cuxhaven das Hafenfest an der Alten Liebe gefeiert.
Die Veranstalter zählten mehr Gäste als im Vorjahr, das Wetter spielte mit.

Auf den Bühnen am Hafen spielten Bands aus der Region, Fischkutter luden zu Rundfahrten ein.
Die Stadt will das Fest im kommenden Jahr um einen Tag verlängern.
"""


def test_digest_date_puts_a_date_alone_on_its_day_in_the_operators_zone(
    db_path: Path, tmp_path: Path
) -> None:
    page = tmp_path / "ndr-hafenfest-cuxhaven.txt"
    page.write_text(PAGE, encoding="utf-8")
    zone = {"NEWSBOT_TIMEZONE": "America/New_York"}
    assert newsbot("ingest", str(page), db=db_path, env=zone).returncode == 0
    headline = "Hafenfest in Cuxhaven"
    for day, shown in (("2025-03-13", False), ("2025-03-14", True), ("2025-03-15", False)):
        result = newsbot("digest", "--date", day, db=db_path, env=zone)
        assert (headline in result.stdout) is shown, (day, result.stdout)
    on_the_day = newsbot("digest", "--date", "2025-03-14", db=db_path, env=zone).stdout
    assert "14.03.2025" in on_the_day
    assert "älterer Bericht" not in on_the_day


def test_a_date_ahead_of_the_clock_is_clamped_to_when_it_was_read(store: Storage) -> None:
    """A feed's 06:15 read at 01:52 (its zone mistaken) is not news from the future."""
    early = NOW.replace(hour=1, minute=52)
    ahead = NewArticle(
        "Frost in der Nacht: Glätte auf vielen Straßen",
        "NDR",
        "Auf vielen Straßen in Niedersachsen ist es in der Nacht glatt geworden.",
        (),
        NOW.replace(hour=6, minute=15),
        "https://www.ndr.de/nachrichten/niedersachsen/glaette-100.html",
    )
    store.articles.add_article(ahead, early)
    store.articles.add_article(NEWS, NOW)
    latest = say(store, "/latest")
    assert latest.index("Rentenpaket") < latest.index("Glätte")
    assert "06.12.2026 02:52" in latest  # 01:52 UTC read in Berlin
    assert "07:15" not in latest


def test_a_date_alone_is_older_or_news_by_the_chat_s_own_zone(store: Storage) -> None:
    """At 03:00 UTC on the 7th, a digest of the last 24 hours began on the 6th in Berlin but on
    the 5th (22:00) in New York: a report dated the 5th, first stored now, is an older report
    to the Berlin reader and news to the New York reader (it may be from that evening)."""
    now = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    fifth = NewArticle(
        "Kältewelle in Kanada: Schulen bleiben geschlossen",
        "dpa",
        "In weiten Teilen Kanadas bleiben die Schulen wegen der Kältewelle geschlossen.",
        (),
        datetime(2026, 12, 5, tzinfo=ZoneInfo("Europe/Berlin")),  # "05.12.2026", no time
        "https://www.example.org/kaeltewelle",
    )
    store.articles.add_article(fifth, now)
    store.chats.update_settings("telegram:2", now, zone="America/New_York")
    shown = {}
    for chat in ("telegram:1", "telegram:2"):
        reply = handle("/digest", Context(chat, now, "telegram:5"), store)
        assert isinstance(reply, Reply)
        shown[chat] = next(line for line in to_plain(reply).splitlines() if "Kältewelle" in line)
    assert "älterer Bericht vom 05.12.2026)" in shown["telegram:1"]
    assert "älterer Bericht" not in shown["telegram:2"]


def test_a_story_sorted_as_news_is_not_labelled_an_older_report(store: Storage) -> None:
    """A report dated the window's first day without a time may be from after the window's
    start: the story is news, and its entry says nothing of an older report, though the
    other outlet's report of that story came in the morning before the window began."""
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 10:00 in Berlin; /digest from the 6th, 10:00
    morning = NewArticle(
        "Sturmflut an der Nordsee: Fähren nach Helgoland fallen aus",
        "NDR",
        "Wegen der Sturmflut an der Nordsee fallen die Fähren nach Helgoland aus. Das Wasser "
        "stieg in Cuxhaven am Morgen über die Kaimauer.",
        (),
        datetime(2026, 12, 6, 7, 0, tzinfo=UTC),  # 08:00 in Berlin, before the window
        "https://www.ndr.de/nachrichten/niedersachsen/sturmflut-100.html",
    )
    day_only = NewArticle(
        "Sturmflut an der Nordsee: Helgoland ohne Fähren",
        "Hamburger Abendblatt",
        "Die Sturmflut an der Nordsee hat den Fährverkehr nach Helgoland gestoppt. In Cuxhaven "
        "stieg das Wasser über die Kaimauer.",
        (),
        datetime(2026, 12, 6, tzinfo=ZoneInfo("Europe/Berlin")),  # "06.12.2026", no time
        "https://www.abendblatt.de/region/sturmflut-helgoland.html",
    )
    for article in (morning, day_only):
        store.articles.add_article(article, now)
    reply = handle("/digest", Context("telegram:1", now, "telegram:5"), store)
    assert isinstance(reply, Reply)
    shown = to_plain(reply)
    entry = next(line for line in shown.splitlines() if "Helgoland" in line)
    assert entry.startswith("1. "), shown
    assert "älterer Bericht" not in entry, shown
