"""Web pages saved as HTML ("Seite speichern unter") are stored as a feed item's page is read:
the page's text, and the headline, date, address and site name the page gives itself."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from bot.ingest.files import ingest_paths
from bot.store import Store
from tests.test_outlets_dates import NOW, PAGES, say

SAVED = Path(__file__).parent / "data" / "saved"


def test_a_saved_page_has_its_headline_outlet_date_and_address(store: Store) -> None:
    [result] = ingest_paths(store, [SAVED / "sturmflut-hamburg.html"], NOW, workers=0)
    assert result.status == "added", result
    latest = say(store, "/latest")
    assert "Sturmflut: Hamburger Fischmarkt erneut überflutet" in latest
    assert "tagesschau" in latest
    assert "05.12.2026 17:06" in latest  # article:published_time, with its time of day
    article = say(store, "/article 1")
    assert "https://www.tagesschau.de/inland/regional/hamburg/sturmflut-fischmarkt-100.html" in (
        article
    )
    for furniture in ("Startseite", "Mehr zum Thema", "Impressum", "dataLayer"):
        assert furniture not in article


def test_a_folder_of_saved_pages_and_dumps_is_read_whole(store: Store, tmp_path: Path) -> None:
    for page in (SAVED / "sturmflut-hamburg.html", SAVED / "shop-startseite.html"):
        shutil.copy(page, tmp_path)
    shutil.copy(PAGES / "elbvertiefung-schlick.txt", tmp_path)
    results = {Path(r.path).name: r for r in ingest_paths(store, [tmp_path], NOW, workers=0)}
    assert results["sturmflut-hamburg.html"].status == "added"
    assert results["elbvertiefung-schlick.txt"].status == "added"
    # A shop's start page is no article: skipped with the reason, nothing stored.
    assert results["shop-startseite.html"].status == "skipped"
    assert "2 Treffer" not in say(store, "/search Espresso")
    assert "Keine Artikel" in say(store, "/search Espresso")


def test_a_page_dated_by_day_alone_shows_that_day_without_a_time(store: Store) -> None:
    [result] = ingest_paths(store, [SAVED / "sturmflut-vortag.html"], NOW, workers=0)
    assert result.status == "added", result
    latest = say(store, "/latest")
    assert "04.12.2026" in latest
    assert "01:00" not in latest  # a date alone was midnight UTC, 01:00 in Berlin


def test_a_date_alone_from_a_page_is_a_date_alone_to_the_digest() -> None:
    """The page reader's zone for a date alone (summarizer.DATES_ZONE) is the one the digest
    takes a date alone in (bot.records keeps its own copy, to start without the summarizer)."""
    from datetime import date

    from bot.records import date_only
    from summarizer import DATES_ZONE

    assert date_only(datetime(2026, 12, 4, tzinfo=DATES_ZONE)) == date(2026, 12, 4)
    assert date_only(datetime(2026, 12, 4, tzinfo=UTC)) is None


def test_a_page_that_is_no_html_is_skipped_in_one_line(tmp_path: Path) -> None:
    from tests.conftest import newsbot

    (tmp_path / "kaputt.html").write_bytes(b"\x00\x01\x02 keine Seite")
    result = newsbot("ingest", str(tmp_path / "kaputt.html"), db=tmp_path / "news.db")
    assert result.returncode == 1
    assert "kaputt.html (kein Artikeltext gefunden)" in result.stdout
    # The extractor's own "empty HTML tree" errors are not the operator's to read.
    assert "trafilatura" not in result.stderr
    assert "level=error" not in result.stderr


def test_summarize_reads_a_saved_page_as_ingest_does(tmp_path: Path) -> None:
    from tests.conftest import newsbot

    result = newsbot("summarize", str(SAVED / "sturmflut-hamburg.html"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Sturmflut: Hamburger Fischmarkt erneut überflutet\n")
    assert "tagesschau" in result.stdout
    assert "<" not in result.stdout  # no markup read as text
    (tmp_path / "kaputt.html").write_bytes(b"\x00\x01 keine Seite")
    empty = newsbot("summarize", str(tmp_path / "kaputt.html"))
    assert empty.returncode == 1
    assert "kein Artikeltext gefunden" in empty.stderr


def test_a_saved_pages_title_loses_the_site_name_after_it(store: Store, tmp_path: Path) -> None:
    """A page's og:title often ends in the site's name ("… | MDR.DE", "… - WELT", "… -
    www.example.de"); the headline shown is the title without it."""
    page = (SAVED / "sturmflut-hamburg.html").read_text(encoding="utf-8")
    headline = "Sturmflut: Hamburger Fischmarkt erneut überflutet"
    cases = {
        "mdr.html": ("… | MDR.DE", "MDR.DE"),
        "welt.html": ("… - WELT", "welt.de"),
        "blog.html": ("… - www.beispiel-blog.de", "Beispiel-Blog"),
    }
    for name, (tail, site) in cases.items():
        title = tail.replace("…", headline)
        saved = page.replace(f'og:title" content="{headline}"', f'og:title" content="{title}"')
        saved = saved.replace(
            f"<title>{headline} | tagesschau.de</title>", f"<title>{title}</title>"
        )
        saved = saved.replace('content="tagesschau.de"', f'content="{site}"')
        (tmp_path / name).write_text(saved, encoding="utf-8")
    for result in ingest_paths(store, sorted(tmp_path.iterdir()), NOW, workers=0):
        shown = say(store, f"/article {result.article_id}")
        head = shown.split("\n", 1)[0].split(" <https://", 1)[0]  # the title, then its link
        assert head.endswith(headline), (result.path, head)
