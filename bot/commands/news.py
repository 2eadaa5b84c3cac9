"""The reading commands: /start, /digest, /archive, /search, /more, /latest and /article."""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

from bot.commands.article_lines import _article_line, _marked
from bot.commands.request import (
    LATEST,
    MAX_LATEST,
    PAGE_SIZE,
    IndexPart,
    Request,
    _id_arg,
    is_stored_id,
)
from bot.digest import for_chat
from bot.query import MAX_WORDS, Query, filter_kind, outlet_sources, parse_query
from bot.records import ArchivedDigest, Article, Button, Reply, SearchHit, Span
from bot.render import kicker_line, shown_date, shown_day, source_name
from bot.texts import t
from bot.typed_times import is_known_day, parse_day
from bot.vocabulary import OR_WORDS, PAGE_PREFIXES, SOURCE_PREFIXES

# One page of `/article`: about one Telegram message, so an answer stays within the budget.
ARTICLE_PAGE = 3000
# One page of `/archive`: two Telegram messages' worth, so a page stays within the reply
# budget (three messages) even with the markup and the split's slack.
ARCHIVE_PAGE = 7000

_PAGE = re.compile(rf"(?i)\b(?:{'|'.join(PAGE_PREFIXES)}):(\d{{1,4}})\b")
_MORE = re.compile(r"^(\d{1,4})(?:\s+([0-9a-f]{1,8}))?$")


def search_key(text: str) -> str:
    """A short fingerprint of a search, so a stale "next" button is recognised."""
    return format(zlib.crc32(text.encode("utf-8", "surrogatepass")) & 0xFFFFFF, "x")


def _start(req: Request) -> Reply:
    return Reply.text(t(req.language, "welcome"))


def _digest(req: Request) -> Reply:
    day = parse_day(req.args, req.today) if req.args else None
    if req.args and (day is None or not is_known_day(day)):
        # `/digest gestern` is that day's news, as the chat's digest would bring them.
        key = "digest_bad_day" if day is None else "date_range"
        return Reply.text(t(req.language, key, value=req.args), ok=False)
    chat, now = req.ctx.chat, req.ctx.now
    zone = req.ctx.timezone
    return for_chat(
        req.library, chat, now, default_zone=zone, fresh=True, language=req.language, day=day
    ).reply


def _archive(req: Request) -> Reply:
    """The digest this chat got on a day (else its latest), exactly as it was sent, a page at a
    time (`/archiv 2.1.2026 2`): a digest sent as eight messages does not fit one answer."""
    words = req.args.split()
    page = 1
    if words and words[-1].isascii() and words[-1].isdigit() and len(words[-1]) < 4:
        page, words = int(words[-1]), words[:-1]
    day = _archive_day(words, req)
    if isinstance(day, Reply):
        return day
    kept = req.library.archive.archived_digests(req.ctx.chat, day)
    if day is None and kept:
        # The latest, as its day's last pages: its button and footer name that day's pages.
        kept = req.library.archive.archived_digests(req.ctx.chat, kept[0].date)
        page += sum(len(archive_pages(d.reply)) for d in kept[:-1]) if page >= 1 else 0
    if len(kept) == 1:
        return _archive_page(kept[0].reply, kept[0].date, page, req.language)
    if kept:
        return _archive_day_page(kept, page, req)
    if day is None:
        return Reply.text(t(req.language, "archive_none"), ok=False)
    shown = shown_day(day, req.language)
    return Reply.text(t(req.language, "archive_none_day", date=shown), ok=False)


def _archive_day(words: list[str], req: Request) -> date | Reply | None:
    """The day the reader typed (None when none), or the answer saying what is wrong in it."""
    typed = " ".join(words)
    if not typed:
        return None
    day = parse_day(typed, req.today)
    before = parse_day(" ".join(words[:-1]), req.today) if day is None else None
    if before is not None:
        # A right date and a wrong page (`/archiv 2.1.2026 -1`): the page is what to fix.
        example = f"/archive {before.isoformat()} 2"
        return Reply.text(t(req.language, "not_a_page", value=words[-1], example=example), ok=False)
    if day is None:
        return Reply.text(t(req.language, "archive_bad_date", value=req.args), ok=False)
    if not is_known_day(day):
        return Reply.text(t(req.language, "date_range", value=typed), ok=False)
    return day


def archive_pages(reply: Reply, size: int = ARCHIVE_PAGE) -> list[tuple[tuple[Span, ...], ...]]:
    """The digest's paragraphs in pages of at most about `size` characters, whole paragraphs."""
    pages: list[tuple[tuple[Span, ...], ...]] = []
    current: list[tuple[Span, ...]] = []
    length = 0
    for paragraph in reply.paragraphs:
        chars = sum(len(span.text) for span in paragraph) + 2
        if current and length + chars > size:
            pages.append(tuple(current))
            current, length = [], 0
        current.append(paragraph)
        length += chars
    return [*pages, tuple(current)]


def _archive_page(reply: Reply, day: date, page: int, language: str) -> Reply:
    """One page of an archived digest, with the way to the next (a button where there are)."""
    pages = archive_pages(reply)
    if len(pages) == 1 and page == 1:
        return replace(reply, silent=None)  # an answer to the reader, not a push
    return _paged(pages, day, page, language, reply)


def _archive_day_page(kept: Sequence[ArchivedDigest], page: int, req: Request) -> Reply:
    """One page of a day with several digests (07:00 and 18:00): their pages one after the
    other, each digest's first page headed by which one it is and when it was sent."""
    pages: list[tuple[tuple[Span, ...], ...]] = []
    for number, digest in enumerate(kept, 1):
        sent = f"{digest.sent.astimezone(ZoneInfo(req.zone)):%H:%M}"
        head = t(req.language, "archive_which", n=number, count=len(kept), time=sent)
        first, *rest = archive_pages(digest.reply)
        pages.append(((Span(head, bold=True),), *first))
        pages.extend(rest)
    return _paged(pages, kept[0].date, page, req.language, kept[-1].reply)


def _paged(
    pages: Sequence[tuple[tuple[Span, ...], ...]], day: date, page: int, language: str, last: Reply
) -> Reply:
    """Page `page` of `pages` with its footer: the way on (a button), or that it is the last."""
    at = {"page": page, "pages": len(pages), "day": shown_day(day, language), "next": page + 1}
    if not 1 <= page <= len(pages):
        key = "archive_one_page" if len(pages) == 1 else "archive_no_page"
        return Reply.text(t(language, key, **at), ok=False)
    paragraphs = pages[page - 1]
    if page < len(pages):
        footer = t(language, "archive_more", **at)
        # The button sends a reading command, as a reader could type it.
        button = Button(t(language, "next"), f"/archive {at['day']} {page + 1}")
        return Reply((*paragraphs, (Span(footer),)), (button,), last.link_previews)
    footer = t(language, "archive_last", **at)
    return Reply((*paragraphs, (Span(footer),)), last.buttons, last.link_previews)


def _search(req: Request) -> Reply:
    page_match = _PAGE.search(req.args)
    page = max(1, int(page_match.group(1))) if page_match else 1
    text = _PAGE.sub(" ", req.args).strip()
    return _search_page(req, text, page)


def _since_value(query: Query) -> str:
    """What the reader typed after `seit:`, to quote it back."""
    return next((f.split(":", 1)[1] for f in query.filters if filter_kind(f) == "since"), "")


def _parse(req: Request, text: str) -> Query:
    """The reader's search text, its days taken in the chat's zone; it finds the shared pool's
    articles and those of the chat's own feeds, never another chat's."""
    feeds = req.library.chats.settings(req.ctx.chat).feeds
    return replace(parse_query(text, req.ctx.now, req.zone), feeds=feeds)


def _search_page(req: Request, text: str, page: int, *, paging: bool = False) -> Reply:
    bare = next(
        (
            w
            for w in text.split()
            if w.casefold().rstrip(":") in SOURCE_PREFIXES and w.endswith(":")
        ),
        None,
    )
    if bare is not None:
        # `quelle:` with no outlet after it: ask for one rather than search without it.
        return Reply.text(t(req.language, "search_source_missing", filter=bare), ok=False)
    query = _parse(req, text)
    if query.problem == "bad-date":
        return Reply.text(t(req.language, "search_bad_date"), ok=False)
    if query.problem == "date-range":
        return Reply.text(t(req.language, "date_range", value=_since_value(query)), ok=False)
    if query.problem == "empty":
        tips = t(req.language, "search_tips")
        return Reply.text(t(req.language, "search_usage"), tips, ok=False)
    shown = " ".join(query.words)
    if query.problem == "or":
        first, second = [*query.words, "venezuela", "kreml"][:2]
        word = next(w for w in text.split() if w in OR_WORDS)
        reply = t(req.language, "search_or", word=word, first=first, second=second)
        return Reply.text(reply, ok=False)
    if query.problem == "common":
        return Reply.text(t(req.language, "search_common", query=shown), ok=False)
    if query.problem == "many":
        return Reply.text(t(req.language, "search_many", limit=MAX_WORDS), ok=False)
    result = req.library.index.search(query, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    # Remembered even without hits, so /more speaks of this search, not the one before.
    req.library.chats.remember_search(req.ctx.chat, text, page)
    if result.total == 0 and result.related and not paging:
        head = t(req.language, "search_related_only", query=shown or text)
        return Reply(((Span(head),), *_hit_lines(result.related, req)))
    if result.total == 0:
        if paging:
            return Reply.text(t(req.language, "more_nothing_found", query=shown or text), ok=False)
        return _nothing_found(req, query, shown)
    pages = math.ceil(result.total / PAGE_SIZE)
    if not result.hits:
        return Reply.text(t(req.language, "more_end", query=shown or text), ok=False)
    key = search_key(text)
    total = f"{result.total}+" if result.capped else str(result.total)
    head_key = "search_head_one" if total == "1" else "search_head"
    head = t(req.language, head_key, total=total, query=shown or text, page=page, pages=pages)
    paragraphs: list[tuple[Span, ...]] = [(Span(head),)]
    paragraphs += _hit_lines(result.hits, req)
    if result.related:
        paragraphs.append((Span(t(req.language, "search_related")),))
        paragraphs += _hit_lines(result.related, req)
    buttons: list[Button] = []
    # Buttons carry only a page and a fingerprint (Telegram allows 64 bytes of callback data);
    # the search text itself stays in the store.
    if page > 1:
        buttons.append(Button(t(req.language, "prev"), f"/more {page - 1} {key}"))
    if page < pages:
        buttons.append(Button(t(req.language, "next"), f"/more {page + 1} {key}"))
    return Reply(tuple(paragraphs), buttons=tuple(buttons))


def _hit_lines(hits: Sequence[SearchHit], req: Request) -> list[tuple[Span, ...]]:
    """Each hit as its headline line and its summary (or the snippet around the match)."""
    lines: list[tuple[Span, ...]] = []
    for hit in hits:
        lines.append(_article_line(hit.article, req.language, req.zone))
        summary = " ".join(hit.article.summary[:2])
        lines.append((Span(summary),) if summary else _marked(hit.snippet))
    return lines


def _nothing_found(req: Request, query: Query, shown: str) -> Reply:
    key, values = nothing_found(req.library.index, query, shown, req.library.articles.sources)
    return Reply.text(t(req.language, key, **values), ok=False)


def nothing_found(
    index: IndexPart, query: Query, shown: str, sources: Callable[[], Sequence[str]]
) -> tuple[str, dict[str, str]]:
    """Why a search found nothing, as a message key and its values: an outlet name that names
    none is said with the choice, the filter that emptied the result is named, so nobody thinks
    nothing exists (the chat and `newsbot search`). `sources`: the outlets to choose from."""
    known = sources() if query.source else ()
    if query.source and known and not outlet_sources(query.source, known):
        # An example `quelle:` takes as typed: a name without spaces, or a name's longest word.
        example = min(known, key=lambda name: (" " in name, len(name)))
        return "search_source_unknown", {
            "name": query.source,
            "names": ", ".join(known),
            "example": max(example.split(), key=len).casefold(),
        }
    if query.excluded and query.match:
        kept = replace(query, excluded=(), excluded_words=())
        left_out = index.search(kept, 1).total
        if left_out:
            # Said first: "nothing" would hide that the words themselves were found.
            without = " ".join(f"-{word}" for word in query.excluded_words)
            return "search_none_excluded", {
                "query": shown,
                "count": str(left_out),
                "without": without,
            }
    if not query.filters:
        return "search_none", {"query": shown}
    if not query.match:
        return "search_none_filter_only", {"filter": " ".join(query.filters)}
    unfiltered = replace(query, since=None, source=None, filters=())
    if index.search(unfiltered, 1).total == 0:
        return "search_none", {"query": shown}
    alone = {
        "since": replace(unfiltered, since=query.since),
        "source": replace(unfiltered, source=query.source),
    }
    culprits = [
        typed for typed in query.filters if index.search(alone[filter_kind(typed)], 1).total == 0
    ]
    return "search_none_filtered", {"query": shown, "filter": " ".join(culprits or query.filters)}


def _more(req: Request) -> Reply:
    last = req.library.chats.last_search(req.ctx.chat)
    arg = req.args.strip().lower()
    match = _MORE.match(arg)
    if last is None:
        return Reply.text(t(req.language, "more_none"), ok=False)
    if arg and match is None:
        # There is a search: what is wrong is the page asked for (`/more -1`).
        wrong = t(req.language, "not_a_page", value=req.args.strip(), example="/more 2")
        return Reply.text(wrong, ok=False)
    text, shown = last
    if match is None:
        return _search_page(req, text, shown + 1, paging=True)
    if match.group(2) and match.group(2) != search_key(text):
        return Reply.text(t(req.language, "more_stale", query=text), ok=False)
    return _search_page(req, text, max(1, int(match.group(1))), paging=True)


def _latest(req: Request) -> Reply:
    count = _id_arg(req.args) if req.args.strip() else LATEST
    if count is None or not 1 <= count <= MAX_LATEST:
        text = t(req.language, "latest_bad_count", value=req.args.strip(), high=MAX_LATEST)
        return Reply.text(text, ok=False)
    feeds = req.library.chats.settings(req.ctx.chat).feeds
    articles = req.library.articles.latest(count, feeds)
    if not articles:
        return Reply.text(t(req.language, "latest_none"))
    lines: list[tuple[Span, ...]] = [(Span(t(req.language, "latest_head"), bold=True),)]
    lines += [_article_line(a, req.language, req.zone) for a in articles]
    return Reply(tuple(lines))


def article_pages(body: str, size: int = ARTICLE_PAGE) -> list[str]:
    """The body in pages of at most about `size` characters, cut between paragraphs if it can,
    else between words."""
    pages: list[str] = []
    current = ""
    for paragraph in (p.strip() for p in body.split("\n\n")):
        while len(paragraph) > size:
            cut = paragraph.rfind(" ", size // 2, size)
            cut = cut if cut > 0 else size
            if current:
                pages.append(current)
                current = ""
            pages.append(paragraph[:cut].rstrip())
            paragraph = paragraph[cut:].lstrip()
        if not paragraph:
            continue
        if current and len(current) + 2 + len(paragraph) > size:
            pages.append(current)
            current = ""
        current = f"{current}\n\n{paragraph}" if current else paragraph
    if current:
        pages.append(current)
    return pages or [""]


def _readable(req: Request, article_id: int) -> Article | None:
    """The article, if there is one by that number that this chat may read."""
    article = req.library.articles.article(article_id) if is_stored_id(article_id) else None
    if article is not None and not req.library.chats.settings(req.ctx.chat).may_see(article):
        return None  # another chat's own feed: as if there were no such article
    return article


def _article(req: Request) -> Reply:
    first, _, rest = req.args.strip().partition(" ")
    if not first:
        return Reply.text(t(req.language, "article_usage"), ok=False)
    article_id = _id_arg(first)
    rest = rest.strip()
    page = (
        1 if not rest else int(rest) if rest.isascii() and rest.isdigit() and len(rest) < 7 else 0
    )
    if article_id is None:
        text = t(req.language, "not_a_number", value=first, example="/article 1")
        return Reply.text(text, ok=False)
    if page < 1:
        text = t(req.language, "not_a_page", value=rest, example=f"/article {article_id} 2")
        return Reply.text(text, ok=False)
    article = _readable(req, article_id)
    if article is None:
        return Reply.text(t(req.language, "article_missing", id=article_id), ok=False)
    pages = article_pages(article.body)
    if page > len(pages):
        key = "article_one_page" if len(pages) == 1 else "article_few_pages"
        text = t(req.language, key, id=article_id, pages=len(pages))
        # `/article 5 6` may mean two articles: say how to read the other one.
        if page != article_id and _readable(req, page) is not None:
            text += " " + t(req.language, "article_other", id=page)
        return Reply.text(text, ok=False)
    # Kicker, title, source and date, then the text; the summary is the text's own opening, not
    # repeated. The kicker stands on its own line above the title, as on the page.
    title = Span(article.title, bold=True, url=article.url)
    head = (*kicker_line(article.kicker, article.title), title)
    where = f"{source_name(article.source, req.language)}, "
    where += shown_date(article.published, req.language, req.zone)
    paragraphs: list[tuple[Span, ...]] = [head, (Span(where),)]
    paragraphs += [(Span(p),) for p in pages[page - 1].split("\n\n") if p.strip()]
    buttons: tuple[Button, ...] = ()
    if len(pages) > 1:
        at = {"page": page, "pages": len(pages), "id": article_id, "next": page + 1}
        key = "article_more" if page < len(pages) else "article_last"
        paragraphs.append((Span(t(req.language, key, **at)),))
        if page < len(pages):
            buttons = (Button(t(req.language, "next"), f"/article {article_id} {page + 1}"),)
    return Reply(tuple(paragraphs), buttons=buttons)
