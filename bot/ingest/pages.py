"""Article pages over HTTP (httpx) → clean text (trafilatura), with size caps and charset care."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import trafilatura

from bot.errors import BadInput, NewsbotError
from bot.ingest.article import to_article
from bot.records import NewArticle

log = logging.getLogger(__name__)
USER_AGENT = "newsbot/0.1 (German news digest bot; polls each feed at most every 30 minutes)"
# A news page is well under 2 MB of HTML and a feed under 5 MB; a larger answer is a mistake or
# an attack, and is refused while streaming, before it is held in memory.
MAX_PAGE_BYTES = 5_000_000
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)


class FetchError(NewsbotError):
    """A URL could not be fetched: HTTP error status, timeout, refused, or too large."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """One HTTP answer: final URL, status, the headers we use, and the body bytes."""

    url: str
    status: int
    content: bytes
    content_type: str = ""
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    permanent_redirect: bool = False


def make_client(timeout: httpx.Timeout = TIMEOUT) -> httpx.AsyncClient:
    """The HTTP client for feeds and pages: timeouts, a polite User-Agent, redirects followed."""
    return httpx.AsyncClient(
        timeout=timeout,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
        limits=httpx.Limits(max_connections=8, max_keepalive_connections=4),
    )


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str] | None = None,
    max_bytes: int = MAX_PAGE_BYTES,
) -> Fetched:
    """GET a URL, refusing error statuses and bodies over `max_bytes`; raises `FetchError`."""
    merged = {"User-Agent": USER_AGENT, **(headers or {})}
    try:
        async with client.stream("GET", url, headers=merged, follow_redirects=True) as resp:
            if resp.status_code >= 400:
                raise FetchError(f"HTTP {resp.status_code}")
            declared = resp.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"response too large ({declared} bytes)")
            chunks: list[bytes] = []
            size = 0
            # Decoded bytes are counted, so a small gzip bomb is refused as well.
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"response too large (over {max_bytes} bytes)")
                chunks.append(chunk)
            body = b"".join(chunks)
            return Fetched(
                url=str(resp.url),
                status=resp.status_code,
                content=body,
                content_type=resp.headers.get("content-type", ""),
                charset=resp.charset_encoding,
                etag=resp.headers.get("etag"),
                last_modified=resp.headers.get("last-modified"),
                permanent_redirect=any(r.status_code in (301, 308) for r in resp.history),
            )
    except httpx.TimeoutException as exc:
        raise FetchError(f"timeout ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}") from exc


def decode_html(content: bytes, charset: str | None) -> str:
    """HTML bytes → text: the header's charset, else the page's own, else UTF-8, else cp1252."""
    found = _META_CHARSET.search(content[:4096]) or _XML_ENCODING.search(content[:1024])
    for name in (charset, found.group(1).decode("ascii") if found else None):
        if not name:
            continue
        try:
            return content.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


@dataclass(frozen=True, slots=True)
class PageText:
    """What trafilatura found on a page: title, main text, date."""

    title: str | None
    text: str
    published: datetime | None


def extract(html: str) -> PageText | None:
    """The main text of an HTML page without navigation, teasers or comments."""
    raw = trafilatura.extract(
        html,
        output_format="json",
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
    )
    if not raw:
        return None
    data = json.loads(raw)
    title = (data.get("title") or "").strip() or None
    lines = [line.strip() for line in (data.get("text") or "").splitlines() if line.strip()]
    if lines and title and lines[0] == title:
        lines = lines[1:]  # trafilatura repeats the <h1> as the first line
    published = None
    if data.get("date"):
        try:
            published = datetime.fromisoformat(data["date"]).replace(tzinfo=UTC)
        except ValueError:
            published = None
    return PageText(title, "\n\n".join(lines), published)


@dataclass(frozen=True, slots=True)
class Item:
    """A feed item to turn into an article: its link, the feed's title, date and own text."""

    key: str
    url: str | None
    title: str | None
    source: str
    published: datetime | None
    feed_text: str = ""


def item_article(item: Item, html: str | None) -> NewArticle:
    """The article for a feed item: the page's text, else the feed's own; raises `BadInput`."""
    problems: list[str] = []
    if html is not None:
        page = extract(html)
        if page and page.text:
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


async def fetch_item(client: httpx.AsyncClient, item: Item) -> NewArticle:
    """Fetch an item's page and build its article (falls back to the feed's text)."""
    html: str | None = None
    if item.url:
        try:
            fetched = await fetch(client, item.url)
            html = decode_html(fetched.content, fetched.charset)
        except FetchError as exc:
            log.warning("event=page_failed url=%s error=%r", item.url, str(exc))
    # trafilatura and the summarizer are CPU work; keep them off the event loop.
    return await asyncio.to_thread(item_article, item, html)
