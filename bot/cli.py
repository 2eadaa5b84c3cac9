"""`newsbot` command line: demo, ingest, summarize, search, digest, run."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import build_transports, serve, utc_now
from bot.commands import PAGE_SIZE, render_digest
from bot.config import Config, load_config
from bot.digest import build_digest
from bot.digest import to_json as digest_json
from bot.errors import BadInput, ConfigError, NewsbotError
from bot.ingest.feeds import PollReport, poll_feeds
from bot.ingest.files import ingest_paths, read_dump
from bot.ingest.opml import is_opml, parse_opml, to_opml
from bot.ingest.pages import make_client
from bot.logs import setup_logging
from bot.ops import backup, collect_status, export_jsonl, human_bytes, render_status, status_json
from bot.query import parse_query
from bot.records import ChatSettings, Digest
from bot.render import to_plain
from bot.schedule import chat_digest
from bot.store import Store
from bot.transports.console import ConsoleTransport
from summarizer import parse_page, summarize

log = logging.getLogger("newsbot")
EXIT_OK, EXIT_EMPTY, EXIT_USAGE = 0, 1, 2

DESCRIPTION = """\
newsbot: German news digests for Telegram, Matrix and the console.

Start here:
  newsbot demo                       ingest the sample articles, print today's digest,
                                     then chat with the bot in this terminal
  newsbot ingest FOLDER              store page dumps (.txt files)
  newsbot search venezuela russland  search stored articles
  newsbot run                        serve Telegram/Matrix as configured

The database is ./newsbot.db unless --db or NEWSBOT_DB says otherwise.
"""


def seeds_dir() -> Path:
    """The sample corpus: inside the installed package, or the checkout's `seeds/`."""
    packaged = Path(str(files("bot"))) / "seeds"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "seeds"


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
            title = obj.get("title")
            out = {"id": ident, **_summary_record(text, sentences, title if title else None)}
        except (ValueError, TypeError) as exc:
            out = {"id": ident, "error": f"line {number}: {exc}"}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return EXIT_OK


def _open_store(config: Config) -> Store:
    return Store.open(config.db)


def _feed_inputs(store: Store, args: list[str], now: datetime) -> tuple[list[Path], list[int]]:
    """Split ingest arguments: feed URLs and OPML files become feeds, the rest are paths."""
    paths: list[Path] = []
    feed_ids: list[int] = []
    for arg in args:
        if arg.startswith(("http://", "https://")):
            feed_ids.append(store.add_feed(arg, now).id)
            continue
        path = Path(arg)
        is_list = path.is_file() and path.suffix.lower() in (".opml", ".xml")
        if is_list and is_opml(path.read_bytes()):
            for outline in parse_opml(path.read_bytes()):
                feed_ids.append(store.add_feed(outline.url, now, outline.title).id)
            continue
        paths.append(path)
    return paths, feed_ids


def _progress(done: int, total: int) -> None:
    """A progress bar on a terminal; a log line every 500 files otherwise."""
    if sys.stderr.isatty():
        filled = int(30 * done / max(total, 1))
        print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total}", end="", file=sys.stderr)
        if done == total:
            print(file=sys.stderr)
    elif done % 500 == 0 or done == total:
        log.warning("event=ingest_progress done=%d total=%d", done, total)


def cmd_ingest(args: argparse.Namespace, config: Config) -> int:
    store = _open_store(config)
    counts = {"added": 0, "duplicate": 0, "skipped": 0}
    now = utc_now()
    try:
        try:
            paths, feed_ids = _feed_inputs(store, args.paths, now)
        except BadInput as exc:
            print(f"newsbot ingest: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if feed_ids:
            report = asyncio.run(_poll(store, feed_ids, now))
            counts["added"] += len(report.added)
            counts["duplicate"] += report.duplicates
            counts["skipped"] += report.skipped
            for feed_id, error in report.failed:
                print(f"failed    feed {feed_id}: {error}")
        for result in ingest_paths(store, paths, now, progress=_progress):
            counts[result.status] += 1
            label = {"added": "added", "duplicate": "duplicate", "skipped": "skipped"}
            detail = f"#{result.article_id} {result.title}" if result.article_id else result.reason
            print(f"{label[result.status]:9} {result.path}: {detail}")
    finally:
        store.close()
    print(f"{counts['added']} added, {counts['duplicate']} duplicates, {counts['skipped']} skipped")
    return EXIT_OK if counts["added"] or counts["duplicate"] else EXIT_EMPTY


async def _poll(store: Store, feed_ids: list[int], now: datetime) -> PollReport:
    feeds = [f for f in store.feeds() if f.id in feed_ids]
    async with make_client() as client:
        return await poll_feeds(store, client, now, feeds)


def cmd_feeds(args: argparse.Namespace, config: Config) -> int:
    store = _open_store(config)
    try:
        if args.action == "add":
            for url in args.urls:
                feed = store.add_feed(url, utc_now())
                print(f"{feed.id:4} {feed.url}")
        elif args.action == "remove":
            for feed_id in args.ids:
                if not store.remove_feed(feed_id):
                    print(f"newsbot feeds remove: no feed {feed_id}", file=sys.stderr)
                    return EXIT_EMPTY
        elif args.action == "export":
            print(to_opml(store.feeds(), utc_now()), end="")
        else:
            for feed in store.feeds():
                state = f"FEHLER ({feed.failures}x): {feed.error}" if feed.is_failing else "ok"
                print(f"{feed.id:4} {feed.url}  {feed.title or ''}  {state}")
    finally:
        store.close()
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
    store = _open_store(config)
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
        when = a.published.date().isoformat() if a.published else "ohne Datum"
        print(f"[{a.id}] {a.title} — {a.source}, {when}")
        for sentence in a.summary[:2]:
            print(f"    {sentence}")
        print()
    return EXIT_OK


def day_digest(store: Store, config: Config, day: date | None, now: datetime) -> Digest:
    """A calendar day's digest in the configured zone, or the last 24 hours when no day."""
    zone = ZoneInfo(config.timezone)
    until: datetime | None
    if day is None:
        since, until = now - timedelta(hours=24), None
        day = now.astimezone(zone).date()
    else:
        since = datetime.combine(day, time(0), zone)
        until = since + timedelta(days=1)
    settings = ChatSettings()
    articles = store.articles_since(since, until)
    return build_digest(
        articles, day=day, since=since, stories=settings.stories, sentences=settings.sentences
    )


def cmd_digest(args: argparse.Namespace, config: Config) -> int:
    store = _open_store(config)
    now = utc_now()
    try:
        if args.chat:
            digest = chat_digest(store, args.chat, now)
            language = store.settings(args.chat).language
        else:
            digest = day_digest(store, config, args.date, now)
            language = "de"
    finally:
        store.close()
    if args.json:
        print(json.dumps(digest_json(digest), ensure_ascii=False, indent=2))
    else:
        print(to_plain(render_digest(digest, language)))
    return EXIT_OK if digest.stories else EXIT_EMPTY


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    store = _open_store(config)
    now = utc_now()
    print(f"Datenbank: {Path(config.db).resolve()}")
    for result in ingest_paths(store, [seeds_dir()], now):
        detail = f"#{result.article_id} {result.title}" if result.article_id else result.reason
        print(f"  {result.status:9} {Path(result.path).name}: {detail}")
    print()
    print(to_plain(render_digest(day_digest(store, config, None, now), "de")))
    if args.no_console:
        store.close()
        return EXIT_OK
    print()
    print("Konsolen-Chat: tippe Befehle wie im Telegram-Chat, z. B. /search venezuela.")
    print("/help zeigt alle Befehle, /quit oder Strg-D beendet.")
    print()
    try:
        asyncio.run(_console(config, store))
    finally:
        store.close()
    return EXIT_OK


async def _console(config: Config, store: Store) -> None:
    console = ConsoleTransport()
    await serve(config, store, [console], until=console.closed, schedule=True)


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    if not (config.telegram_enabled or config.matrix_enabled or config.console):
        print(
            "newsbot run: no transport is configured. Set TELEGRAM_BOT_TOKEN for Telegram, or\n"
            "MATRIX_HOMESERVER, MATRIX_USER_ID and MATRIX_PASSWORD (or MATRIX_ACCESS_TOKEN)\n"
            "for Matrix. To try the bot without any account, run: newsbot demo",
            file=sys.stderr,
        )
        return EXIT_USAGE
    # PTB 22 warns that RetryAfter.retry_after becomes a timedelta; opt in now.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    store = _open_store(config)
    try:
        asyncio.run(_run(config, store))
    except NewsbotError as exc:
        print(f"newsbot run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        store.close()
    return EXIT_OK


async def _run(config: Config, store: Store) -> None:
    """Serve every configured transport in one event loop until SIGTERM or SIGINT."""
    transports = build_transports(config, store)
    console: ConsoleTransport | None = None
    if config.console:
        console = ConsoleTransport()
        transports.append(console)
    await serve(config, store, transports, schedule=True, until=console.closed if console else None)


def _open_existing(config: Config, command: str) -> Store | None:
    """Open the database read-only for an operator command; None (and a message) if it can't."""
    try:
        return Store.open_readonly(config.db)
    except (OSError, sqlite3.Error) as exc:
        print(f"newsbot {command}: cannot open the database: {exc}", file=sys.stderr)
        return None


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    """Print the operator's view of the database; --check is the container's health check."""
    store = _open_existing(config, "status")
    if store is None:
        return EXIT_EMPTY
    try:
        if args.check:
            print(f"ok: {store.check()} articles in {config.db}")
            return EXIT_OK
        now = utc_now()
        status = collect_status(store, config.db, now)
    except sqlite3.Error as exc:
        print(f"newsbot status: cannot read the database {config.db}: {exc}", file=sys.stderr)
        return EXIT_EMPTY
    finally:
        store.close()
    if args.json:
        print(json.dumps(status_json(status), ensure_ascii=False, indent=2))
    else:
        print(render_status(status, now))
    return EXIT_OK


def cmd_backup(args: argparse.Namespace, config: Config) -> int:
    """Copy the database with SQLite's online backup API; safe while the bot runs."""
    store = _open_existing(config, "backup")
    if store is None:
        return EXIT_EMPTY
    try:
        if args.path.endswith(("/", os.sep)):  # a folder the user means, even if it is new
            Path(args.path).mkdir(parents=True, exist_ok=True)
        target = backup(store, config.db, Path(args.path), utc_now())
    except (OSError, ValueError, sqlite3.Error) as exc:
        print(f"newsbot backup: {exc}", file=sys.stderr)
        return EXIT_EMPTY
    finally:
        store.close()
    print(f"backup written: {target} ({human_bytes(target.stat().st_size)})")
    return EXIT_OK


def cmd_export(args: argparse.Namespace, config: Config) -> int:
    """Print every article (or those stored since --since) as JSON lines."""
    store = _open_existing(config, "export")
    if store is None:
        return EXIT_EMPTY
    since = datetime.combine(args.since, time(0), ZoneInfo(config.timezone)) if args.since else None
    try:
        if args.output:
            with Path(args.output).open("w", encoding="utf-8") as out:
                count = export_jsonl(store.iter_articles(since), out)
            print(f"{count} articles written to {args.output}", file=sys.stderr)
        else:
            export_jsonl(store.iter_articles(since), sys.stdout)
            sys.stdout.flush()
    except BrokenPipeError:
        # `newsbot export | head`: the reader has enough; silence the flush at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, sqlite3.Error) as exc:
        print(f"newsbot export: {exc}", file=sys.stderr)
        return EXIT_EMPTY
    finally:
        store.close()
    return EXIT_OK


def _date_arg(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand and its help."""
    parser = argparse.ArgumentParser(
        prog="newsbot", description=DESCRIPTION, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--db", help="SQLite database file (default ./newsbot.db, or NEWSBOT_DB)")
    parser.add_argument("--config", type=Path, help="TOML config file (or NEWSBOT_CONFIG)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("demo", help="ingest seeds/, print today's digest, open the console chat")
    p.add_argument("--no-console", action="store_true", help="print the digest and exit")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("ingest", help="store page dumps (files, folders), feed URLs and OPML files")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("feeds", help="the feed list: feeds add URL… | list | remove ID… | export")
    feeds_sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    feeds_sub.add_parser("list", help="every feed with its state")
    feeds_sub.add_parser("export", help="print the feed list as OPML")
    fp = feeds_sub.add_parser("add", help="add feeds by URL")
    fp.add_argument("urls", nargs="+", metavar="URL")
    fp = feeds_sub.add_parser("remove", help="remove feeds by id")
    fp.add_argument("ids", nargs="+", type=int, metavar="ID")
    p.set_defaults(func=cmd_feeds)

    p = sub.add_parser("summarize", help="clean and summarize one page dump (or JSONL on stdin)")
    p.add_argument("file", nargs="?", metavar="FILE")
    p.add_argument("-n", "--sentences", type=int, default=3, help="summary length (default 3)")
    p.add_argument("--json", action="store_true", help="print title, date, source, body, summary")
    p.add_argument(
        "--jsonl",
        action="store_true",
        help='batch: read {"id","text"[,"title"]} lines on stdin, print one JSON line each',
    )
    p.set_defaults(func=cmd_summarize)

    p = sub.add_parser("search", help="search stored articles (exit 1 when nothing is found)")
    p.add_argument("words", nargs="+", metavar="WORD")
    p.add_argument("--limit", type=int, default=0, help="results to show (default 5)")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("digest", help="print the digest of the last 24 hours or of --date")
    p.add_argument("--date", type=_date_arg, help="a calendar day, YYYY-MM-DD")
    p.add_argument("--chat", metavar="ID", help="what this chat would get now (its settings)")
    p.add_argument("--dry-run", action="store_true", help="only show; nothing is sent or logged")
    p.add_argument("--json", action="store_true", help="print the digest as JSON data")
    p.set_defaults(func=cmd_digest)

    p = sub.add_parser("run", help="serve the configured transports (Telegram, Matrix)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "status", help="last ingest, feed errors, next digests, failed deliveries, database size"
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--check", action="store_true", help="health check: exit 1 unless the database reads"
    )
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("backup", help="copy the database safely while the bot runs")
    p.add_argument("path", metavar="PATH", help="backup file, or a folder for a dated file name")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("export", help="print stored articles as JSON lines")
    p.add_argument("--since", type=_date_arg, help="only articles stored since YYYY-MM-DD")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(func=cmd_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, build the Config once, run one subcommand; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"newsbot: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.db:
        config = Config(**{**config.__dict__, "db": args.db})
    # `run` logs at the configured level; one-shot commands talk on stdout and log warnings only.
    level = int(logging.getLevelName(config.log_level))
    if args.command != "run":
        level = max(level, logging.WARNING)
    setup_logging(config, level=min(level, logging.INFO) if args.verbose else level)
    try:
        return int(args.func(args, config))
    except KeyboardInterrupt:
        return 130
