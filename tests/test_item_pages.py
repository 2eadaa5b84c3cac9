"""A feed item's page is cleaned as `newsbot summarize --jsonl` cleans it: the page's standfirst
leads the stored summary, the kicker above the headline is kept as the kicker (not as body), and
the stored summary equals what the measured command prints for the same page text."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from aiohttp import web

from bot.allowed_urls import Allowed
from bot.ingest.feeds import poll_feeds
from bot.ingest.fetch import Fetcher, FetchOptions
from bot.ingest.pages import extract
from bot.store import Store
from tests.conftest import newsbot

pytestmark = pytest.mark.integration
T0 = datetime(2026, 12, 6, 13, 0, tzinfo=UTC)
TITLE = "Bahn nimmt Fernverkehr nach dem Streik wieder auf"
STANDFIRST = (
    "Nach drei Tagen Stillstand fahren die ersten ICE wieder, doch bis zum Wochenende bleiben "
    "Verspätungen und Zugausfälle im ganzen Land"
)
# A regional paper's item page: navigation, the kicker, the headline, a standfirst without its
# full stop, a date line, the agency report opening with its dateline, comments, the footer.
PAGE = f"""<!doctype html><html lang="de"><head><meta charset="utf-8">
<title>{TITLE} | Neue Rheinzeitung</title></head><body>
<nav><a href="/">Startseite</a> <a href="/politik">Politik</a> <a href="/wirtschaft">Wirtschaft</a>
</nav><main><article>
<p class="kicker">Bahnstreik</p>
<h1>{TITLE}</h1>
<p class="intro">{STANDFIRST}</p>
<p class="date">06.12.2026, 12.15 Uhr</p>
<p>Berlin (dpa) - Die Deutsche Bahn hat den Fernverkehr am Samstagmorgen wieder aufgenommen. Ein
Sprecher sagte, rund die Hälfte der Verbindungen werde bereits am Vormittag bedient. Die
Gewerkschaft hatte den Streik in der Nacht beendet.</p>
<p>Reisende müssen sich nach Angaben des Konzerns noch bis Montag auf Einschränkungen einstellen.
Viele Züge stünden nicht dort, wo sie gebraucht würden, und Personal müsse erst wieder eingeteilt
werden. Fahrkarten für die Streiktage behalten ihre Gültigkeit.</p>
<p>Im Regionalverkehr lief der Betrieb in den meisten Ländern schon in der Nacht wieder an. In
Bayern und Sachsen fielen am Morgen noch einzelne S-Bahnen aus, weil Stellwerke nicht besetzt
waren. Die Tarifparteien wollen am Dienstag weiter verhandeln.</p>
<p>Der Fahrgastverband Pro Bahn forderte eine Entschädigung für Pendler, die an den Streiktagen
auf das Auto oder Fernbusse ausweichen mussten. Die Bahn lehnte das ab und verwies auf die
geltenden Fahrgastrechte.</p>
</article></main>
<section class="comments"><h2>Kommentare</h2>
<p>Leserbrief: Endlich wieder Züge, aber die Preise sind viel zu hoch.</p></section>
<footer>Impressum Datenschutz</footer></body></html>"""


def _feed(base: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Neue Rheinzeitung</title><link>{base}/</link>"
        "<description>Nachrichten</description>"
        f"<item><title>{TITLE}</title><link>{base}/bahn.html</link><guid>{base}/bahn.html</guid>"
        "<pubDate>Sun, 06 Dec 2026 11:15:00 GMT</pubDate>"
        "<description>Die Bahn fährt wieder.</description></item></channel></rss>"
    )


@pytest_asyncio.fixture
async def site() -> AsyncIterator[str]:
    base: list[str] = []

    async def feed(request: web.Request) -> web.Response:
        return web.Response(text=_feed(base[0]), content_type="application/rss+xml")

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_get("/feed.xml", feed)
    app.router.add_get("/bahn.html", page)
    runner = web.AppRunner(app)
    await runner.setup()
    server = web.TCPSite(runner, "127.0.0.1", 0)
    await server.start()
    port = runner.addresses[0][1]
    base.append(f"http://127.0.0.1:{port}")
    yield base[0]
    await runner.cleanup()


async def test_an_item_page_is_stored_as_summarize_reads_it(store: Store, site: str) -> None:
    store.feeds.add_feed(f"{site}/feed.xml", T0)
    async with Fetcher(FetchOptions(deadline=5.0, allowed=Allowed.parse(["127.0.0.1"]))) as c:
        report = await poll_feeds(store, c, T0)
    assert len(report.added) == 1
    article = store.articles.article(report.added[0])
    assert article is not None
    assert article.title == TITLE
    # The standfirst is the publisher's own summary: it leads, given its full stop.
    assert article.summary[0] == STANDFIRST + "."
    assert article.kicker == "Bahnstreik"
    assert not article.body.startswith("Bahnstreik")  # the kicker is no paragraph of the body
    assert "Leserbrief" not in article.body
    assert "(dpa)" not in " ".join(article.summary)
    # What `newsbot summarize --jsonl` (the measured path) prints for the same page text.
    page = extract(PAGE)
    assert page is not None
    line = json.dumps({"id": "1", "title": TITLE, "text": page.text}, ensure_ascii=False)
    result = newsbot("summarize", "--jsonl", stdin=line + "\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"] == list(article.summary)
