"""Outlets, headlines and dates as a reader sees them, from realistic German page dumps."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.commands import Context, handle
from bot.digest import build_digests, plan_day
from bot.ingest.files import ingest_paths
from bot.records import ChatSettings, NewArticle, Reply
from bot.render import render_digest, to_plain
from bot.store import Store
from tests.test_breaking import Bot
from tests.test_breaking import say as ask

PAGES = Path(__file__).parent / "data" / "pages"
NOW = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)


def say(store: Store, text: str) -> str:
    reply = handle(text, Context("telegram:1", NOW, "telegram:5"), store)
    assert isinstance(reply, Reply)
    return to_plain(reply)


def _ingest(store: Store, name: str, source: str | None = None) -> None:
    [result] = ingest_paths(store, [PAGES / name], NOW, workers=0, source=source)
    assert result.status == "added", result


def test_the_masthead_line_names_the_outlet_and_the_date_above_the_headline_is_read(
    store: Store,
) -> None:
    _ingest(store, "bahn-fernverkehr-sturm.txt")
    latest = say(store, "/latest")
    assert "Bahn nimmt Fernverkehr nach Sturmtief wieder auf" in latest
    assert "tagesschau" in latest
    assert "unbekannte Quelle" not in latest
    assert "04.12." in latest  # "Stand: 04.12.2026 13:05 Uhr" above the headline
    assert "Startseite" not in latest
    assert "1 Treffer" in say(store, "/search Fernverkehr quelle:tagesschau")


def test_a_file_named_for_its_outlet_and_a_two_digit_year(store: Store) -> None:
    _ingest(store, "dpa-tarifeinigung-einzelhandel.txt")
    latest = say(store, "/latest")
    assert "dpa" in latest
    assert "06.12." in latest  # the byline's "06.12.26"
    assert "06.12.26" not in say(store, "/article 1")


def test_the_source_option_names_an_outlet_the_page_does_not(store: Store) -> None:
    _ingest(store, "koeln-dom-weihnachtsmarkt.txt", source="ksta")
    latest = say(store, "/latest")
    # The table's display name for "ksta"; "06.12.2026, 12.15 Uhr" read as the time.
    assert "Rekordandrang — Kölner Stadt-Anzeiger, 06.12.2026 12:15" in latest


def test_a_navigation_trail_is_never_the_headline(store: Store) -> None:
    _ingest(store, "wirtschaft-kiel-werft.txt")
    latest = say(store, "/latest")
    assert "Werft in Kiel erhält Großauftrag für Fregatten" in latest
    assert ">" not in latest


def test_a_date_alone_belongs_to_its_own_day_only(store: Store) -> None:
    _ingest(store, "dpa-tarifeinigung-einzelhandel.txt")  # dated 06.12.26, no time
    settings = ChatSettings(language="de")
    day = {
        d: build_digests(store, {"": plan_day(d, "Europe/Berlin", settings)}, NOW)[""]
        for d in (NOW.date() - timedelta(days=1), NOW.date())
    }
    assert day[NOW.date() - timedelta(days=1)].stories == ()
    shown = to_plain(render_digest(day[NOW.date()], "de", calendar_day=True))
    assert "Tarifeinigung im Einzelhandel" in shown


def test_a_date_in_the_future_is_clamped_to_when_it_was_read(store: Store) -> None:
    early = NOW.replace(hour=1, minute=52)
    ahead = NewArticle(
        "Frost in der Nacht: Glätte auf vielen Straßen",
        "NDR",
        "Auf vielen Straßen in Niedersachsen ist es in der Nacht glatt geworden, die Polizei "
        "meldete zahlreiche Unfälle mit Blechschäden.",
        (),
        early.replace(hour=6, minute=15),  # the feed's 06:15, read at 01:52
        "https://www.ndr.de/nachrichten/niedersachsen/glaette-100.html",
    )
    store.articles.add_article(ahead, early)
    [stored] = store.articles.latest(1)
    assert stored.published == early


def test_section_feeds_of_one_publisher_are_one_outlet_and_no_eilmeldung(store: Store) -> None:
    night = datetime(2025, 11, 10, 22, 0, tzinfo=UTC)
    ask(store, "/settings eilmeldungen an", night - timedelta(days=1))
    sections = ("Startseite", "Inland", "Wirtschaft", "Hamburg")
    ids = []
    for n, section in enumerate(sections):
        new = NewArticle(
            f"Hafen Hamburg: Großbrand auf Containerschiff ({section})",
            f"tagesschau.de - {section}",
            "Auf einem Containerschiff im Hamburger Hafen ist ein Großbrand ausgebrochen, die "
            f"Feuerwehr ist mit einem Großaufgebot im Einsatz. Meldung {n} aus {section}.",
            ("Auf einem Containerschiff im Hamburger Hafen ist ein Großbrand ausgebrochen.",),
            night + timedelta(minutes=n),
            f"https://www.tagesschau.de/{section.lower()}/hafen-brand-10{n}.html",
        )
        ids.append(store.articles.add_article(new, night + timedelta(minutes=n))[1])
    bot = Bot(store)
    asyncio.run(bot.poll(night + timedelta(minutes=5), ids))
    assert bot.sent() == []


def test_every_name_in_the_outlet_table_names_one_outlet() -> None:
    """The table is data anyone may extend: a name claimed by two outlets (`SZ` for the
    Süddeutsche and the Saarbrücker Zeitung) would silently go to the first, so none is."""
    table = Path(__file__).resolve().parent.parent / "bot" / "outlets.tsv"
    owner: dict[str, str] = {}
    domains: list[str] = []
    for line in table.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        domain, display, *rest = line.split("\t")
        domains.append(domain)
        for name in {display, domain, *(rest[0].split("|") if rest else [])}:
            key = name.strip().casefold()
            if not key:
                continue
            assert owner.setdefault(key, display) == display, (name, owner[key], display)
    assert len(domains) == len(set(domains)) > 120
