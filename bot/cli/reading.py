"""The reading subcommands: summarize a page dump, search articles, print a digest."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import utc_now
from bot.cli.base import EXIT_EMPTY, EXIT_OK, EXIT_USAGE, open_existing, open_store
from bot.commands import PAGE_SIZE
from bot.config import Config
from bot.digest import DigestPlan, build_digests, plan_chat, plan_day, plan_recent
from bot.digest import to_json as digest_json
from bot.errors import BadInput
from bot.ingest.files import read_dump
from bot.query import parse_query, text_terms
from bot.records import Digest, date_only
from bot.render import render_digest, source_name, to_plain
from bot.store import Store
from bot.texts import t
from summarizer import parse_page, summarize


def _summary_record(text: str, sentences: int, title: str | None = None) -> dict[str, Any]:
    page = parse_page(text, title=title)
    return {
        "title": page.title,
        "published": page.published.isoformat() if page.published else None,
        "source": page.source,
        "body": page.body,
        "summary": summarize(page.body, sentences, title=page.title or None),
    }


def cmd_summarize(args: argparse.Namespace, config: Config) -> int:
    if args.jsonl:
        return _summarize_jsonl(args.sentences)
    if not args.file:
        print("newsbot summarize: give a FILE or --jsonl", file=sys.stderr)
        return EXIT_USAGE
    try:
        record = _summary_record(read_dump(Path(args.file)), args.sentences)
    except (BadInput, OSError) as exc:
        print(f"newsbot summarize: {args.file}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(record["title"])
    print(" · ".join(x for x in (record["published"], record["source"]) if x))
    print()
    for sentence in record["summary"]:
        print(f"- {sentence}")
    return EXIT_OK if record["summary"] else EXIT_EMPTY


def _summarize_jsonl(sentences: int) -> int:
    """One JSON object in, one out, per line; a bad line gets an `error` and the run goes on."""

    def one(text: str, obj: dict[str, Any]) -> dict[str, Any]:
        title = obj.get("title")
        return _summary_record(text, sentences, title if title else None)

    return _each_jsonl(one)


def _each_jsonl(answer: Callable[[str, dict[str, Any]], dict[str, Any]]) -> int:
    """Read `{"id","text",…}` lines on stdin, print `{"id",…answer}` or `{"id","error"}` each."""
    for number, line in enumerate(sys.stdin, 1):
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
        return _each_jsonl(lambda text, _: {"terms": text_terms(text)})
    if not args.words:
        print("newsbot terms: give words, or --jsonl", file=sys.stderr)
        return EXIT_USAGE
    print(" ".join(text_terms(" ".join(args.words))))
    return EXIT_OK


def cmd_search(args: argparse.Namespace, config: Config) -> int:
    text = " ".join(args.words)
    query = parse_query(text)
    if query.problem:
        problems = {
            "bad-date": "the date after seit: must be YYYY-MM-DD, e.g. seit:2025-11-01",
            "common": "only very common words; search for a keyword, e.g. venezuela",
        }
        hint = problems.get(query.problem, "give at least one word, e.g. newsbot search venezuela")
        print(f"newsbot search: {hint}", file=sys.stderr)
        return EXIT_USAGE
    store = open_existing(config, "search")
    if store is None:
        return EXIT_USAGE
    try:
        page = store.search(query, args.limit or PAGE_SIZE)
    finally:
        store.close()
    if not page.hits:
        print(f"Keine Artikel zu „{' '.join(query.words)}“ gefunden.")
        return EXIT_EMPTY
    total = f"{page.total}+" if page.capped else str(page.total)
    print(f"{total} Treffer für „{' '.join(query.words)}“:\n")
    for hit in page.hits:
        a = hit.article
        shown = t("de", "undated")
        if a.published is not None:
            # A date alone stays that date; a time is dated in the configured zone.
            day = date_only(a.published) or a.published.astimezone(ZoneInfo(config.timezone)).date()
            shown = day.isoformat()
        print(f"[{a.id}] {a.title} — {source_name(a.source, 'de')}, {shown}")
        for sentence in a.summary[:2]:
            print(f"    {sentence}")
        print()
    return EXIT_OK


def default_digest(store: Store, config: Config, day: date | None, now: datetime) -> Digest:
    """A calendar day's digest in the configured zone, or the last 24 hours when no day."""
    plan = plan_recent(now, config.timezone) if day is None else plan_day(day, config.timezone)
    return build_digests(store, {"": plan}, now)[""]


def _print_sent(store: Store, args: argparse.Namespace) -> int:
    """`digest --chat ID --date D --sent`: the archived digest as it was sent, or why not."""
    if not args.chat or args.date is None or args.json:
        print("newsbot digest: --sent needs --chat and --date (and no --json)", file=sys.stderr)
        return EXIT_USAGE
    kept = store.archived_digest(args.chat, args.date)
    if kept is None:
        print(f"no digest was sent to {args.chat} on {args.date.isoformat()}", file=sys.stderr)
        return EXIT_EMPTY
    print(to_plain(kept.reply))
    return EXIT_OK


def cmd_digest(args: argparse.Namespace, config: Config) -> int:
    store = open_store(config)
    now = utc_now()
    try:
        if args.chat and store.subscription(args.chat) is None and not store.has_chat(args.chat):
            print(
                f"newsbot digest: no chat {args.chat!r} in {config.db}; chat ids look like "
                "telegram:123456789, matrix:!room:server or console:local",
                file=sys.stderr,
            )
            return EXIT_USAGE
        if args.sent:
            return _print_sent(store, args)
        plan: DigestPlan
        if args.chat:
            plan = plan_chat(store, args.chat, now, default_zone=config.timezone)
        elif args.date:
            plan = plan_day(args.date, config.timezone)
        else:
            plan = plan_recent(now, config.timezone)
        digest = build_digests(store, {"": plan}, now)[""]
        language, zone = plan.settings.language, plan.zone
    finally:
        store.close()
    if args.json:
        print(json.dumps(digest_json(digest), ensure_ascii=False, indent=2))
    else:
        day = args.date is not None and not args.chat
        print(to_plain(render_digest(digest, language, zone, calendar_day=day)))
    return EXIT_OK if digest.stories else EXIT_EMPTY
