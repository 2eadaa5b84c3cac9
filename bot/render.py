"""Reply → text for each platform: plain (console), HTML (Telegram, Matrix), split to limits.

Every user and article string is escaped here and nowhere else. Long replies split between
paragraphs; a paragraph too long for one message splits between spans, and a span between
words, so a cut never falls inside a tag.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from functools import lru_cache
from html import escape
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.outlets import display_name
from bot.records import (
    DEFAULT_ZONE,
    Digest,
    Reply,
    Span,
    date_only,
    known_source,
)
from bot.texts import t
from bot.typed_times import days_of

# Telegram rejects a message over 4096 characters after entity parsing; it counts UTF-16 code
# units, and we measure the HTML itself, which is never shorter than the parsed text.
TELEGRAM_LIMIT = 4096
# Matrix caps an event at 65,536 bytes of JSON. nio writes JSON with ensure_ascii, so one UTF-16
# unit costs up to 6 bytes; HTML and plain body of 4,096 units each stay under 50 KB.
MATRIX_LIMIT = 4096
# A link whose markup alone would take this share of a message is shown as text instead.
_MAX_URL = 2000
# C0/C1 controls (except tab and newline) and lone surrogates: no platform accepts them.
_UNSENDABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean(text: str) -> str:
    """The text without characters no chat platform can carry."""
    return _UNSENDABLE.sub("", text)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    # The codec counts in C; a generator over the characters cost a fifth of a send's CPU.
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def is_web_url(url: str | None) -> bool:
    """True for an http(s) URL short enough to link; anything else is shown as plain text."""
    if not url or len(url) > _MAX_URL or clean(url) != url or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _plain_span(span: Span) -> str:
    text = clean(span.text)
    return f"{text} <{span.url}>" if span.bold and is_web_url(span.url) else text


def _plain(paragraph: tuple[Span, ...]) -> str:
    return "".join(_plain_span(s) for s in paragraph)


def to_plain(reply: Reply) -> str:
    """Plain text: paragraphs separated by blank lines, buttons as the command to type."""
    parts = [_plain(p) for p in _with_button_line(reply)]
    return "\n\n".join(p for p in parts if p.strip())


def plain_reply(reply: Reply) -> Reply:
    """The reply without markup: each paragraph one plain span (links written out), same buttons.

    What is sent when a platform refuses the markup: escaped text alone always parses.
    """
    paragraphs = tuple((Span(_plain(p)),) for p in reply.paragraphs)
    return replace(reply, paragraphs=paragraphs)


def _with_button_line(reply: Reply) -> tuple[tuple[Span, ...], ...]:
    """The paragraphs, plus the buttons as a line of commands for platforms without buttons."""
    if not reply.buttons:
        return reply.paragraphs
    spans: list[Span] = []
    for i, button in enumerate(reply.buttons):
        if i:
            spans.append(Span("  ·  "))
        spans += [Span(button.label + ": "), Span(" ".join(button.command.split()[:2]), bold=True)]
    return (*reply.paragraphs, tuple(spans))


def _html_span(span: Span, newline: str = "\n") -> str:
    text = escape(clean(span.text), quote=False)
    if not text:
        return ""  # an empty <b></b> or <a></a> is markup without anything to read
    if newline != "\n":
        text = text.replace("\n", newline)
    if span.bold:
        text = f"<b>{text}</b>"
    if is_web_url(span.url):
        text = f'<a href="{escape(span.url or "", quote=True)}">{text}</a>'
    return text


def _escaped_units(char: str) -> int:
    if char == "&":
        return 5
    if char in "<>":
        return 4
    if char == "\n":
        return 4  # at most "<br>" in Matrix HTML
    return 2 if ord(char) > 0xFFFF else 1


def _fit(text: str, room: int) -> int:
    """How many characters of `text` fit in `room` units once escaped, cut after a space."""
    used = 0
    end = 0
    for end, char in enumerate(text):  # noqa: B007 - `end` is used after the loop
        used += _escaped_units(char)
        if used > room:
            break
    else:
        return len(text)
    space = text.rfind(" ", 0, end)
    return space + 1 if space > end // 2 else max(end, 1)


def _split_span(span: Span, room: int) -> list[Span]:
    """Cut one span into spans whose HTML fits in `room` units."""
    url = span.url if is_web_url(span.url) else None
    overhead = utf16_len(_html_span(Span("x", span.bold, url))) - 1
    if overhead > room // 2:
        url, overhead = None, utf16_len(_html_span(Span("x", span.bold))) - 1
    pieces: list[Span] = []
    text = clean(span.text)
    while text:
        n = _fit(text, room - overhead)
        pieces.append(Span(text[:n], span.bold, url))
        text = text[n:]
    return pieces


def _pieces(reply: Reply, limit: int) -> list[tuple[Span, ...]]:
    """Paragraphs with visible text, each cut into pieces whose HTML fits in `limit` units."""
    out: list[tuple[Span, ...]] = []
    for paragraph in _with_button_line(reply):
        if not "".join(clean(s.text) for s in paragraph).strip():
            continue
        if utf16_len("".join(_html_span(s, "<br>") for s in paragraph)) <= limit:
            out.append(paragraph)
            continue
        current: list[Span] = []
        size = 0
        for span in paragraph:
            for part in _split_span(span, limit):
                width = utf16_len(_html_span(part, "<br>"))
                if current and size + width > limit:
                    out.append(tuple(current))
                    current, size = [], 0
                current.append(part)
                size += width
        if current:
            out.append(tuple(current))
    return out


def _pack(pieces: list[tuple[Span, ...]], limit: int, sep: int, newline: str) -> list[list[int]]:
    """Group piece indexes into messages of at most `limit` units of HTML."""
    groups: list[list[int]] = []
    size = 0
    for i, piece in enumerate(pieces):
        width = utf16_len("".join(_html_span(s, newline) for s in piece))
        if groups and size + sep + width <= limit:
            groups[-1].append(i)
            size += sep + width
        else:
            groups.append([i])
            size = width
    return groups


def split_reply(reply: Reply, limit: int, *, buttons_as_text: bool = False) -> list[Reply]:
    """The reply as messages whose HTML fits in `limit` units; buttons stay on the last one.

    With `buttons_as_text` (platforms without buttons) they become a line of commands.
    """
    source = reply if buttons_as_text else Reply(reply.paragraphs)
    # Matrix wraps each paragraph in <p>…</p> (7 units); Telegram joins with a blank line (2).
    pieces = _pieces(source, limit - 7)
    groups = _pack(pieces, limit - 7, 7, "<br>")
    # Every part keeps the reply's flags (previews, silent); only the last one has buttons.
    parts = [replace(reply, paragraphs=tuple(pieces[i] for i in g), buttons=()) for g in groups]
    if parts and not buttons_as_text and reply.buttons:
        parts[-1] = replace(parts[-1], buttons=reply.buttons)
    return parts


def telegram_html(reply: Reply) -> str:
    """One message's Telegram HTML: paragraphs separated by a blank line, buttons left out."""
    return "\n\n".join("".join(_html_span(s) for s in p) for p in reply.paragraphs)


def matrix_body(reply: Reply) -> tuple[str, str]:
    """One Matrix message as (plain body, HTML formatted body)."""
    plain = "\n\n".join(_plain(p) for p in reply.paragraphs)
    html = "".join(
        "<p>" + "".join(_html_span(s, "<br>") for s in p) + "</p>" for p in reply.paragraphs
    )
    return plain, html


# How a reader writes a day: 10.11.2025 in German, 2025-11-10 (unambiguous) in English.
_DAY_FORMAT = {"de": "%d.%m.%Y", "en": "%Y-%m-%d"}


def shown_day(day: date, language: str) -> str:
    """A calendar day as the reader's language writes it."""
    return day.strftime(_DAY_FORMAT.get(language, _DAY_FORMAT["de"]))


def shown_time(value: datetime, language: str, zone: str) -> str:
    """A moment as the reader's language writes it, in the chat's zone: day, then HH:MM."""
    local = value.astimezone(ZoneInfo(zone))
    return f"{shown_day(local.date(), language)} {local:%H:%M}"


# A digest burst shows the same sources' dates in thousands of digests: each is worked out once.
@lru_cache(maxsize=8192)
def shown_date(value: datetime | None, language: str, zone: str) -> str:
    """A date and time as the chat reads it, in its own zone; a date without a time stays as is.

    A page that gives only a date ("10. November 2025") is stored as midnight in the zone dates
    are read in (Europe/Berlin); moved to New York it would become a made-up "09.11. 18:00".
    """
    if value is None:
        return t(language, "undated")
    day = date_only(value)
    if day is not None:
        return shown_day(day, language)
    return shown_time(value, language, zone)


def source_name(name: str, language: str) -> str:
    """The source as a reader sees it; an unknown one says so in the reader's language."""
    known = known_source(name)
    return display_name(known) if known else t(language, "unknown_source")


# Between a kicker and its headline on one line: "Bundesliga, 13. Spieltag · Leverkusen dreht …".
KICKER_SEPARATOR = " · "


def _shown_kicker(kicker: str, headline: str) -> str:
    """The kicker, unless the headline already opens with it ("Sturmtief Xenia: Bahn …")."""
    return "" if headline.casefold().startswith(kicker.casefold()) else kicker


def kicker_spans(kicker: str, headline: str) -> tuple[Span, ...]:
    """The label above a headline, set before it on a one-line item (a search hit, a push)."""
    shown = _shown_kicker(kicker, headline)
    return (Span(shown + KICKER_SEPARATOR),) if shown else ()


def kicker_line(kicker: str, headline: str) -> tuple[Span, ...]:
    """The label on its own line above a headline, as the page sets it: in a numbered entry,
    "1. Bundesliga, 13. Spieltag" would read as the first division."""
    shown = _shown_kicker(kicker, headline)
    return (Span(shown + "\n"),) if shown else ()


def render_digest(
    digest: Digest, language: str, zone: str = DEFAULT_ZONE, *, calendar_day: bool = False
) -> Reply:
    """A digest as a reply: what it covers, then each story with summary, sources and a way on.

    A digest covers what is new since its window start ("Neu seit …"); with `calendar_day` it
    is one day's news ("Nachrichten vom …"). Each source keeps its own date, and each entry ends
    with the `/article` command that shows its lead article in full. An entry reported before
    the window (an old article first stored in it) says it is an older report.
    """
    if calendar_day:
        title = t(language, "digest_day_head", date=shown_day(digest.date, language))
    else:
        since = shown_time(digest.since, language, zone)
        title = t(language, "digest_head", since=since)
    head = (Span(title, bold=True),)
    if not digest.stories:
        empty = t(language, "digest_day_empty" if calendar_day else "digest_empty")
        return Reply((head, (Span(empty),)))
    paragraphs: list[tuple[Span, ...]] = [head]
    for number, story in enumerate(digest.stories, 1):
        entry = [
            *kicker_line(story.kicker, story.headline),
            Span(f"{number}. "),
            Span(story.headline, bold=True, url=story.url),
        ]
        if story.older:
            # First stored in the window but reported before it: shown as what it is.
            older = shown_date(story.latest, language, zone)
            entry.append(Span(" (" + t(language, "older_report", date=older) + ")"))
        paragraphs.append(tuple(entry))
        if story.summary:
            paragraphs.append((Span(" ".join(story.summary)),))
        sources: list[Span] = [Span(t(language, "sources") + ": ")]
        for i, link in enumerate(story.links):
            if i:
                sources.append(Span(", "))
            sources.append(Span(source_name(link.name, language), url=link.url))
            # A merged story names each source's own headline, so no report is hidden.
            own = f": {link.title}" if link.title and link.title != story.headline else ""
            sources.append(Span(f"{own} ({shown_date(link.published, language, zone)})"))
        paragraphs.append(tuple(sources))
        if story.article_ids:
            paragraphs.append((Span(f"→ /article {story.article_ids[0]}"),))
    return Reply(tuple(paragraphs))


def _joined(language: str, times: tuple[str, ...]) -> str:
    if len(times) == 1:
        return times[0]
    return t(language, "and").join([", ".join(times[:-1]), times[-1]])


def days_text(language: str, days: str) -> str:
    """`montags bis freitags`, `samstags und sonntags`, `on Mondays and Fridays` ("": every day)."""
    lone, ends = t(language, "day_lone").split(), t(language, "day_end").split()
    runs = days_of(days)
    parts = [
        t(language, "day_range", first=ends[run[0]], last=ends[run[-1]])
        if len(run) > 2
        else _joined(language, tuple(lone[d] for d in run))
        for run in runs
    ]
    text = _joined(language, tuple(parts))
    return text if any(len(run) > 2 for run in runs) else t(language, "days_lone", days=text)


def when_text(language: str, times: tuple[str, ...], days: str) -> str:
    """`jeden Tag um 07:00 und 18:00 Uhr`, `Monday to Friday at 07:00`."""
    at = _joined(language, times)
    if not days:
        return t(language, "days_all", time=at)
    return t(language, "days_at", days=days_text(language, days), time=at)


def times_text(language: str, times: tuple[str, ...], days: str) -> str:
    """The settings' value: `07:00 und 18:00 Uhr, jeden Tag`, `07:30 Uhr, montags bis freitags`."""
    at = t(language, "at_time", time=_joined(language, times))
    return f"{at}, {days_text(language, days) if days else t(language, 'days_every')}"
