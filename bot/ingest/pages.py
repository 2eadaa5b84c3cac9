"""Article pages (fetched by bot.ingest.fetch) → clean text (trafilatura), with charset care."""

from __future__ import annotations

import asyncio
import codecs
import logging
import queue
import re
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import trafilatura
from trafilatura.settings import set_date_params

from bot.errors import BadInput
from bot.ingest.article import to_article
from bot.ingest.fetch import Fetched, Fetcher, FetchError
from bot.outlets import outlets, registered_domain
from bot.records import NewArticle
from summarizer import DATES_ZONE

log = logging.getLogger(__name__)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
# Characters of HTML past which trafilatura runs without its fallback extractors (readability,
# jusText): on a 4.9 MB page they doubled its memory (bench/memory.py); news pages are far smaller.
LARGE_PAGE = 1_000_000
# The page's date with its time of day (htmldate's default format drops the time).
PAGE_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)


def decode_html(content: bytes, charset: str | None) -> str:
    """HTML bytes → text: the header's charset, else the page's own, else UTF-8, else cp1252.

    Bytes that are UTF-8 beyond ASCII are read as UTF-8 whatever single-byte charset a label
    names: a server's default header or a page's stale meta tag often says ISO-8859-1 for a
    UTF-8 page, and read so, "für" showed as "fÃ¼r"; German text in windows-1252 is never
    valid UTF-8 beyond ASCII."""
    found = _META_CHARSET.search(content[:4096]) or _XML_ENCODING.search(content[:1024])
    for name in (charset, found.group(1).decode("ascii") if found else None):
        if not name:
            continue
        try:
            codec = _browsers_codec(name)
            text = content.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
        if len(text) == len(content) and not content.isascii():  # one byte a character
            try:
                return content.decode("utf-8")
            except UnicodeDecodeError:
                pass
        return text
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _browsers_codec(name: str) -> str:
    """The codec a browser reads a charset label as: Latin-1's labels mean windows-1252
    (WHATWG Encoding), which pages so labelled are; as Latin-1, their „ “ – € were controls."""
    return "cp1252" if codecs.lookup(name).name == "iso8859-1" else name


@dataclass(frozen=True, slots=True)
class PageText:
    """What trafilatura found on a page: title, main text, date, and the address and site name
    the page gives itself (its canonical link, og:site_name)."""

    title: str | None
    text: str
    published: datetime | None
    url: str | None = None
    site: str | None = None


# A page title's last part after a bar or dash set apart by spaces: "… - WELT", "… | MDR.DE".
_TITLE_TAIL = re.compile(r"\s+[-|–—·»]\s+(?P<tail>(?:(?!\s[-|–—·»]\s).){1,60})$")


def without_site_name(title: str, site: str | None) -> str:
    """A page title without the site's name after it ("… - WELT", "… | MDR.DE", "… -
    www.example.de"): the page's own site name, an outlet the table knows by that name, or a
    domain."""
    m = _TITLE_TAIL.search(title)
    if m is None or len(title[: m.start()].split()) < 2:
        return title
    tail = m["tail"].strip()
    own = site is not None and tail.casefold() == site.casefold()
    if own or outlets().display(tail) or _is_domain(tail):
        return title[: m.start()].rstrip()
    return title


def _is_domain(text: str) -> bool:
    """`MDR.DE`, `www.example.de`: a host name, not words."""
    return " " not in text and registered_domain(text) is not None


def extract(html: str) -> PageText | None:
    """The main text of an HTML page without navigation, teasers or comments.

    trafilatura's document is read directly (its JSON output was a second copy of the text);
    past LARGE_PAGE its fallback extractors, each a parse of its own, are skipped.
    """
    fast = len(html) > LARGE_PAGE
    document = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        fast=fast,
        # trafilatura's own date parameters, with the time of day the page gives.
        date_extraction_params=set_date_params(not fast) | {"outputformat": PAGE_DATE_FORMAT},
    )
    if not isinstance(document, trafilatura.settings.Document):
        return None
    title = (document.title or "").strip() or None
    lines = [line.strip() for line in (document.text or "").splitlines() if line.strip()]
    if lines and title and lines[0] == title:
        lines = lines[1:]  # trafilatura repeats the <h1> as the first line
    site = (document.sitename or "").strip() or None
    url = (document.url or "").strip()
    if title:
        title = without_site_name(title, site)
    published = None
    if document.date:
        try:
            published = datetime.fromisoformat(document.date)
        except ValueError:
            published = None
    if published is not None and published.tzinfo is None:
        # htmldate gives the page's own local time; a date alone is that day's midnight in
        # Berlin, as a page dump's date is (summarizer.dates, bot.records.date_only).
        published = published.replace(tzinfo=DATES_ZONE)
    return PageText(
        title,
        "\n\n".join(lines),
        published,
        url if url.startswith(("http://", "https://")) else None,
        site,
    )


@dataclass(frozen=True, slots=True)
class Item:
    """A feed item to turn into an article: its link, the feed's title, date and own text."""

    key: str
    url: str | None
    title: str | None
    source: str
    published: datetime | None
    feed_text: str = ""


def read_page(fetched: Fetched) -> PageText:
    """A fetched page's text (empty when none is found); its bytes and HTML go on return."""
    return extract(decode_html(fetched.content, fetched.charset)) or PageText(None, "", None)


def saved_page_article(
    html: str,
    *,
    origin: str,
    sentences: int,
    given_source: str | None,
    file_name: str,
) -> NewArticle:
    """The article of a web page saved as HTML, read as a feed item's page is: its text, and
    the title, date, address and site name the page gives; raises `BadInput`."""
    page = extract(html)
    if page is None or not page.text:
        raise BadInput("no article text found")
    return to_article(
        page.text,
        origin=origin,
        url=page.url,
        title=page.title,
        source=page.site,
        published=page.published,
        sentences=sentences,
        given_source=given_source,
        file_name=file_name,
    )


def item_article(item: Item, page: PageText | None) -> NewArticle:
    """The article for a feed item: its page's text (`read_page`; None when no page was read),
    else the feed's own; raises `BadInput`."""
    problems: list[str] = []
    if page is not None:
        if page.text:
            try:
                return to_article(
                    page.text,
                    origin=item.key,
                    url=item.url,
                    title=item.title or page.title,
                    source=item.source,
                    published=item.published or page.published,
                )
            except BadInput as exc:
                problems.append(f"page: {exc}")
        else:
            problems.append("page: no article text found")
    if item.feed_text and item.title:
        return to_article(
            item.feed_text,
            origin=item.key,
            url=item.url,
            title=item.title,
            source=item.source,
            published=item.published,
        )
    raise BadInput("; ".join(problems) or "no text in page or feed")


class OnePageAtATime(Executor):
    """One daemon thread that runs what is submitted in order (a poll's pages, one at a time).

    Not a ThreadPoolExecutor: its threads are joined at exit, so a page being read when the bot
    is stopped would hold the exit for as long as the page takes.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Queue `fn(*args, **kwargs)`; its future is done when the thread has run it."""
        future: Future[Any] = Future()
        self._jobs.put((future, partial(fn, *args, **kwargs)))
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="pages", daemon=True)
            self._thread.start()
        return future

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, call = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(call())
            except BaseException as exc:  # the caller's to raise, as a pool would
                future.set_exception(exc)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """End the thread after what is queued (or, with `cancel_futures`, after what runs)."""
        if cancel_futures:
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    job[0].cancel()
        self._jobs.put(None)
        if wait and self._thread is not None:
            self._thread.join()


async def fetch_item(fetcher: Fetcher, item: Item, pages: Executor) -> NewArticle:
    """Fetch an item's page and build its article (falls back to the feed's text).

    Pages are downloaded side by side but turned into articles on `pages`, one thread that
    takes them one at a time: four 4.9 MB pages of one poll, each on a thread (and a malloc
    arena) of its own, kept four pages' memory (bench/memory.py).
    """
    # The fetched page is handed over, not kept here: its bytes and HTML go before its text
    # is parsed and summarized (a 4.9 MB page's two copies were 10 MB of a poll's peak).
    fetched: list[Fetched] = []
    if item.url:
        try:
            fetched.append(await fetcher.get(item.url))
        except FetchError as exc:
            log.warning("event=page_failed url=%s error=%r", item.url, str(exc))

    def build() -> NewArticle:
        return item_article(item, read_page(fetched.pop()) if fetched else None)

    # trafilatura and the summarizer are CPU work; keep them off the event loop.
    return await asyncio.get_running_loop().run_in_executor(pages, build)
