"""Page text → a clean, summarized `NewArticle` via the summarizer; refuses empty or non-German."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from bot.errors import BadInput
from bot.ingest.heap import give_back
from bot.outlets import masthead_of, names_outlet, outlet_of
from bot.records import NewArticle
from summarizer import (
    has_letter_words,
    is_kicker_text,
    is_stop_word,
    letter_words,
    normalize,
    read_article,
    split_sentences,
    summarize,
)

# German stop words are 24-60 % (median 42 %) of the words of the evaluation web pages; English
# licence texts have 2.7 % (`in`, `an`, `so`), so a share of 8 % tells them apart.
GERMAN_SHARE = 0.08
MIN_BODY_WORDS = 15
SUMMARY_SENTENCES = 3
# The longest body stored, in characters: a page's text past this is cut at a paragraph. The
# longest evaluation texts (Wikipedia articles) have 160,000; a page of millions is a dump of
# a forum, a log or a book, and storing, indexing and summarizing all of it took about 7 bytes
# of memory per character (bench/memory.py) for text no reader scrolls to.
MAX_BODY_CHARS = 1_000_000
# C0/C1 controls but tab and line breaks: feeds carry them raw or as `&#0;`; PostgreSQL refuses
# NUL in text (the feed's whole poll failed), and no reader can see any of them.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def is_german(text: str) -> bool:
    """True when the text reads as German (share of common German function words)."""
    words = letter_words(text[:20_000])
    if len(words) < MIN_BODY_WORDS:
        return False
    hits = sum(1 for w in words if is_stop_word(w))
    return hits / len(words) >= GERMAN_SHARE


def to_article(
    text: str,
    *,
    origin: str | None,
    url: str | None = None,
    title: str | None = None,
    source: str | None = None,
    published: datetime | None = None,
    sentences: int = SUMMARY_SENTENCES,
    teaser: bool = False,
    given_source: str | None = None,
    file_name: str | None = None,
    kicker: str | None = None,
) -> NewArticle:
    """Clean, check and summarize one page; raises `BadInput` with a reason a user can read.

    `sentences=0` stores no summary (bulk loads that summarize later, benchmarks). `teaser=True`
    takes a feed item's own short text (title and a sentence or two) as the whole article, with
    the `kicker` the item names (a page's own is read from the page).
    The outlet is the one `given_source` names, else the URL's, the feed's (`source`), the
    page's masthead or the file name's (`bot.outlets.outlet_of`).
    """
    source, given_source = outlet_text(source), outlet_text(given_source)
    if teaser:
        outlet = outlet_of(given=given_source, url=url, named=source, file_name=file_name)
        article = _teaser_article(
            text, origin=origin, url=url, title=title, source=outlet, published=published
        )
        return replace(article, kicker=shown_kicker(kicker, article.source, url))
    # The one place page text enters from files and feeds: decomposed umlauts become letters,
    # soft hyphens and zero-width characters go. Pages are read as `newsbot summarize` reads
    # them (`summarizer.read_article`), a given title or not, so what is measured is stored.
    text = normalize(text)
    page = read_article(text, title)
    body = page.body.strip()
    if not body:
        # The cleaner reads German prose; a page in another language usually leaves nothing.
        long_enough = has_letter_words(text, MIN_BODY_WORDS)
        raise BadInput(
            "not a German article"
            if long_enough and not is_german(text)
            else "no article text found"
        )
    # The page and its text are done with: a huge page's copies go before summarizing.
    size = len(text)
    masthead = page.source or masthead_of(text)
    del text
    found_title, kicker = page.title, page.kicker
    published = published or page.published
    del page
    if not has_letter_words(body, MIN_BODY_WORDS):
        raise BadInput("article text too short")
    if not is_german(body):
        raise BadInput("not a German article")
    if not found_title:
        raise BadInput("no title found")
    body = cap_body(body)
    give_back(size)
    summary = summarize(body, sentences, title=found_title) if sentences > 0 else []
    give_back(size)
    outlet = outlet_of(
        given=given_source, url=url, named=source, masthead=masthead, file_name=file_name
    )
    return NewArticle(
        title=found_title,
        source=outlet,
        body=body,
        summary=tuple(summary),
        published=published,
        url=url,
        origin=origin,
        kicker=shown_kicker(kicker, outlet, url),
    )


def visible(text: str) -> str:
    """Text without control characters (see _CONTROLS)."""
    return _CONTROLS.sub("", text)


def outlet_text(name: str | None) -> str | None:
    """An outlet's name in one form whatever way it came (a decomposed umlaut, a
    stray control or zero-width character), so one outlet is stored under one name."""
    return visible(normalize(name)) if name else name


def shown_kicker(kicker: str | None, outlet: str, url: str | None) -> str:
    """The kicker an article keeps: a label that is no navigation and not the site's name."""
    text = " ".join(normalize(kicker or "").split())
    if not is_kicker_text(text) or names_outlet(text, outlet, url):
        return ""
    return text


def cap_body(body: str, limit: int = MAX_BODY_CHARS) -> str:
    """The body, or its first `limit` characters cut after the last whole paragraph (else the
    last whole word): what a huge page keeps."""
    if len(body) <= limit:
        return body
    for mark in ("\n\n", " "):
        cut = body.rfind(mark, 0, limit + 1)
        if cut > 0:
            return body[:cut].rstrip()
    return body[:limit]


def _teaser_article(
    text: str,
    *,
    origin: str | None,
    url: str | None,
    title: str | None,
    source: str | None,
    published: datetime | None,
) -> NewArticle:
    """A headline with its teaser (a front-page or feed item): the teaser is body and summary.

    A teaser is too short for the page cleaner and the language share, so only what can be
    told from so few words is checked: a title, and German when there are enough words.
    """
    title = normalize(title or "").strip()
    body = normalize(text).strip()
    if not title:
        raise BadInput("no title found")
    both = f"{title}\n\n{body}"
    if len(letter_words(both)) >= MIN_BODY_WORDS and not is_german(both):
        raise BadInput("not a German article")
    sentences = split_sentences(body) if body else []
    return NewArticle(
        title=title,
        source=source or "",
        body=body or title,
        summary=tuple(sentences[:SUMMARY_SENTENCES]),
        published=published,
        url=url,
        origin=origin,
    )
