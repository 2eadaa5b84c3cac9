"""The reading subcommands: summarize a page dump, search articles, print a digest."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.cli.opening import EXIT_EMPTY, EXIT_OK, EXIT_USAGE, open_existing, open_store
from bot.cli.texts import reason, say
from bot.clock import utc_now
from bot.commands import PAGE_SIZE, nothing_found
from bot.config import Config
from bot.digest import build_digests, for_chat, plan_day, plan_recent
from bot.digest import to_json as digest_json
from bot.errors import BadInput
from bot.ingest.files import HTML_SUFFIXES, parse_file, read_dump
from bot.query import MAX_WORDS, filter_kind, parse_query, text_terms
from bot.records import ChatSettings, Digest, date_only
from bot.render import kicker_spans, render_digest, shown_day, source_name, to_plain
from bot.store import Storage
from bot.texts import t
from summarizer import read_article, split_sentences, summarize


def _record(
    title: str | None, published: datetime | None, source: str | None, body: str, summary: list[str]
) -> dict[str, Any]:
    """What `newsbot summarize` prints of one page: title, date, source, body and summary."""
    return {
        "title": title,
        "published": published.isoformat() if published else None,
        "source": source,
        "body": body,
        "summary": summary,
    }


def _summary_record(text: str, sentences: int, title: str | None = None) -> dict[str, Any]:
    """Title, date, source, cleaned body and summary of one page (`summarizer.read_article`)."""
    page = read_article(text, title)
    summary = summarize(page.body, sentences, title=page.title or None)
    return _record(page.title, page.published, page.source, page.body, summary)


def _file_record(path: Path, sentences: int) -> dict[str, Any]:
    """A page dump's record, or a saved web page's as `newsbot ingest` reads it."""
    if path.suffix.lower() not in HTML_SUFFIXES:
        return _summary_record(read_dump(path), sentences)
    article = parse_file(path, sentences)
    if isinstance(article, str):  # no article in it: said as for a page dump without one
        return _record(None, None, None, "", [])
    summary = list(article.summary)
    return _record(article.title, article.published, article.source or None, article.body, summary)


def _no_summary(record: dict[str, Any], language: str, path: str) -> str | None:
    """Why a record has no summary, for the user (None when it has one)."""
    if record["summary"]:
        return None
    if not record["body"].strip():
        return say(language, "summary_no_text", path=path)
    count = len(split_sentences(record["body"]))
    return say(language, "summary_empty", path=path, count=count)


def cmd_summarize(args: argparse.Namespace, config: Config) -> int:
    """Summarize one page dump; exit 0 with a summary, 1 without one, 2 on a usage error."""
    language = config.language
    if args.jsonl:
        source = args.file or "-"
        if source == "-":
            return _summarize_jsonl(sys.stdin, args.sentences, language)
        try:
            with Path(source).open(encoding="utf-8") as lines:
                return _summarize_jsonl(lines, args.sentences, language)
        except OSError as exc:
            print(f"newsbot summarize: {_file_problem(source, exc, language)}", file=sys.stderr)
            return EXIT_USAGE
    if not args.file:
        print(f"newsbot summarize: {say(language, 'summarize_usage')}", file=sys.stderr)
        return EXIT_USAGE
    try:
        record = _file_record(Path(args.file), args.sentences)
    except OSError as exc:
        print(f"newsbot summarize: {_file_problem(args.file, exc, language)}", file=sys.stderr)
        return EXIT_USAGE
    except BadInput as exc:
        print(f"newsbot summarize: {args.file}: {reason(language, str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    notice = _no_summary(record, language, args.file)
    if notice:
        print(f"newsbot summarize: {notice}", file=sys.stderr)
    if args.json:
        print(json.dumps(record, ensure_ascii=False, indent=2))
    elif not notice:
        if record["title"]:
            print(record["title"])
        meta = " · ".join(x for x in (record["published"], record["source"]) if x)
        if meta:
            print(meta)
        print()
        for sentence in record["summary"]:
            print(f"- {sentence}")
    return EXIT_EMPTY if notice else EXIT_OK


def _file_problem(path: str, exc: OSError, language: str) -> str:
    """A file that cannot be read, said plainly (no bare [Errno 2])."""
    if isinstance(exc, FileNotFoundError):
        return say(language, "no_such_file", path=path)
    if isinstance(exc, IsADirectoryError):
        return say(language, "not_a_file", path=path)
    return f"{path}: {reason(language, str(exc))}"


def _summarize_jsonl(lines: Iterable[str], sentences: int, language: str) -> int:
    """One JSON object in, one out, per line; a bad line gets an `error` and the run goes on.

    A line whose text yields no summary gets a `notice` saying why.
    """

    def one(text: str, obj: dict[str, Any]) -> dict[str, Any]:
        title = obj.get("title")
        if title is not None and not isinstance(title, str):
            raise ValueError("'title' must be a string")
        out = _summary_record(text, sentences, title)
        if not out["summary"]:
            out["notice"] = say(language, "summary_line_empty")
        return out

    return _each_jsonl(lines, one)


def _each_jsonl(
    lines: Iterable[str], answer: Callable[[str, dict[str, Any]], dict[str, Any]]
) -> int:
    """Read `{"id","text",…}` lines, print `{"id",…answer}` or `{"id","error"}` for each."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        ident: Any = None
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("expected a JSON object")
            ident = obj.get("id")
            text = obj.get("text")
            if not isinstance(text, str):
                raise ValueError("missing string field 'text'")
            out = {"id": ident, **answer(text, obj)}
        except (ValueError, TypeError) as exc:
            out = {"id": ident, "error": f"line {number}: {exc}"}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return EXIT_OK


def cmd_terms(args: argparse.Namespace, config: Config) -> int:
    """The terms search indexes for a text and looks up for it as a query."""
    if args.jsonl:
        return _each_jsonl(sys.stdin, lambda text, _: {"terms": text_terms(text)})
    if not args.words:
        print(f"newsbot terms: {say(config.language, 'terms_usage')}", file=sys.stderr)
        return EXIT_USAGE
    print(" ".join(text_terms(" ".join(args.words))))
    return EXIT_OK


def _search_jsonl(store: Storage, lines: Iterable[str], limit: int, config: Config) -> int:
    """`{"id","query"}` lines in, `{"id","results"}` out, each ranked as /search ranks it."""
    now = utc_now()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        ident: Any = None
        out: dict[str, Any]
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("expected a JSON object")
            ident = obj.get("id")
            text = obj.get("query")
            if not isinstance(text, str):
                raise ValueError("missing string field 'query'")
            query = parse_query(text, now, config.timezone)
            if query.problem:
                raise ValueError(f"query refused ({query.problem})")
            page = store.index.search(query, limit, now=now)
            results = [
                {
                    "url": hit.article.url,
                    "title": hit.article.title,
                    "source": hit.article.source,
                    "published": hit.article.published.isoformat()
                    if hit.article.published
                    else None,
                }
                for hit in (*page.hits, *page.related)
            ]
            out = {"id": ident, "results": results}
        except (ValueError, TypeError) as exc:
            out = {"id": ident, "results": [], "error": f"line {number}: {exc}"}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return EXIT_OK


def cmd_search(args: argparse.Namespace, config: Config) -> int:
    language = config.language
    if args.jsonl or not args.words:
        if args.words or not args.jsonl:
            print(f"newsbot search: {say(language, 'search_usage')}", file=sys.stderr)
            return EXIT_USAGE
        store = open_existing(config, "search")
        if store is None:
            return EXIT_USAGE
        try:
            return _search_jsonl(store, sys.stdin, args.limit or PAGE_SIZE, config)
        finally:
            store.close()
    text = " ".join(args.words)
    query = parse_query(text, utc_now(), config.timezone)
    if query.problem:
        keys = {"bad-date": "search_bad_date", "common": "search_common", "many": "search_many"}
        keys["date-range"] = "date_range"
        since = next((f for f in query.filters if filter_kind(f) == "since"), "")
        hint = say(language, keys.get(query.problem, "search_usage"), limit=MAX_WORDS, value=since)
        print(f"newsbot search: {hint}", file=sys.stderr)
        return EXIT_USAGE
    store = open_existing(config, "search")
    if store is None:
        return EXIT_USAGE
    words = " ".join(query.words)
    try:
        page = store.index.search(query, args.limit or PAGE_SIZE)
        if not page.hits and not page.related:
            key, values = nothing_found(store.index, query, words, store.articles.sources)
            print(t(language, key, **values))
            return EXIT_EMPTY
    finally:
        store.close()
    if page.hits:
        total = f"{page.total}+" if page.capped else str(page.total)
        head = "search_head_one" if total == "1" else "search_head"
        print(say(language, head, total=total, query=words) + "\n")
    else:
        print(t(language, "search_related_only", query=words) + "\n")
    for number, hit in enumerate((*page.hits, *page.related)):
        if page.hits and number == len(page.hits):
            print(t(language, "search_related") + "\n")
        a = hit.article
        shown = t(language, "undated")
        if a.published is not None:
            # A date alone stays that date; a time is dated in the configured zone.
            day = date_only(a.published) or a.published.astimezone(ZoneInfo(config.timezone)).date()
            shown = shown_day(day, language)
        kicker = "".join(s.text for s in kicker_spans(a.kicker, a.title))
        print(f"[{a.id}] {kicker}{a.title} — {source_name(a.source, language)}, {shown}")
        for sentence in a.summary[:2]:
            print(f"    {sentence}")
        print()
    return EXIT_OK


def default_digest(store: Storage, config: Config, day: date | None, now: datetime) -> Digest:
    """A calendar day's digest in the configured zone, or the last 24 hours when no day."""
    settings = ChatSettings(language=config.language)
    plan = (
        plan_recent(now, config.timezone, settings)
        if day is None
        else plan_day(day, config.timezone, settings)
    )
    return build_digests(store, {"": plan}, now)[""]


def _print_sent(store: Storage, args: argparse.Namespace, language: str) -> int:
    """`digest --chat ID --date D --sent`: the day's archived digests as sent, or why not."""
    if not args.chat or args.date is None or args.json:
        print(f"newsbot digest: {say(language, 'digest_sent_usage')}", file=sys.stderr)
        return EXIT_USAGE
    kept = store.archive.archived_digests(args.chat, args.date)
    if not kept:
        message = say(language, "digest_none_sent", chat=args.chat, day=args.date.isoformat())
        print(f"newsbot digest: {message}", file=sys.stderr)
        return EXIT_EMPTY
    # Two digest times (07:00 18:00): each as sent, in order, a blank line apart.
    print("\n\n".join(to_plain(k.reply) for k in kept))
    return EXIT_OK


def cmd_digest(args: argparse.Namespace, config: Config) -> int:
    store = open_store(config)
    now = utc_now()
    try:
        if (
            args.chat
            and store.chats.subscription(args.chat) is None
            and not store.chats.has_chat(args.chat)
        ):
            message = say(config.language, "digest_no_chat", chat=repr(args.chat), db=config.db)
            print(f"newsbot digest: {message}", file=sys.stderr)
            return EXIT_USAGE
        if args.sent:
            return _print_sent(store, args, config.language)
        if args.chat:
            # The chat's digest as its schedule would send it now, through the one door.
            chosen = for_chat(store, args.chat, now, default_zone=config.timezone)
            digest, reply = chosen.digest, chosen.reply
        else:
            digest = default_digest(store, config, args.date, now)
            reply = render_digest(
                digest, config.language, config.timezone, calendar_day=args.date is not None
            )
    finally:
        store.close()
    if args.json:
        print(json.dumps(digest_json(digest), ensure_ascii=False, indent=2))
    else:
        print(to_plain(reply))
    return EXIT_OK if digest.stories else EXIT_EMPTY
