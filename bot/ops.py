"""Operating the bot: the status report, online backups and the JSONL export (over `Storage`)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.cli.texts import say
from bot.records import Article, Feed, Subscription, known_source, to_iso
from bot.render import shown_time, times_text
from bot.schedule import next_digest_at
from bot.store import FailedDelivery, Stats, Storage, is_postgres, show_target, sqlite_path
from bot.texts import t

log = logging.getLogger(__name__)
# Failed deliveries older than this are history, not something to act on.
DELIVERY_WINDOW = timedelta(days=7)
# How many failed deliveries the report lists (it counts them all).
FAILED_SHOWN = 10


@dataclass(frozen=True, slots=True)
class NextDigest:
    """When a subscription's next digest is due, in its zone (None when it cannot fire)."""

    chat: str
    time: str
    timezone: str
    at: datetime | None
    # Every time of day and the days (CronTrigger's day_of_week, "" every day).
    times: tuple[str, ...] = ()
    days: str = ""


@dataclass(frozen=True, slots=True)
class Status:
    """Everything `newsbot status` shows, read in one go."""

    db_path: str
    wal_bytes: int
    stats: Stats
    feed_problems: list[Feed]
    next_digests: list[NextDigest]
    failed_count: int
    failed_deliveries: list[FailedDelivery]


def next_digest(sub: Subscription, now: datetime) -> NextDigest:
    """The subscription's next digest by the scheduler's own trigger (None if it cannot fire)."""
    try:
        at: datetime | None = next_digest_at(sub, now)
    except (ValueError, LookupError) as exc:  # a zone or time the trigger refuses
        log.warning("event=bad_subscription chat=%s error=%r", sub.chat, str(exc))
        at = None
    return NextDigest(sub.chat, sub.time, sub.timezone, at, sub.times, sub.days)


def collect_status(store: Storage, db_path: str, now: datetime) -> Status:
    """Read the status report from the store."""
    # A PostgreSQL URL is shown without its password, and has no WAL file beside it.
    remote = is_postgres(db_path)
    path = sqlite_path(db_path)
    wal = path.with_name(path.name + "-wal")
    subs: list[Subscription] = store.chats.subscriptions()
    return Status(
        db_path=show_target(db_path) if remote else str(path.resolve()),
        wal_bytes=wal.stat().st_size if not remote and wal.exists() else 0,
        stats=store.stats(now),
        feed_problems=store.feeds.feed_problems(),
        next_digests=sorted(
            (next_digest(s, now) for s in subs),
            key=lambda d: (d.at is None, d.at or now, d.chat),
        ),
        failed_count=store.deliveries.failed_delivery_count(now - DELIVERY_WINDOW),
        failed_deliveries=store.deliveries.failed_deliveries(now - DELIVERY_WINDOW, FAILED_SHOWN),
    )


def human_bytes(size: int) -> str:
    """1536 → '1.5 KiB'."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _ago(then: datetime | None, now: datetime, language: str, zone: str = "UTC") -> str:
    if then is None:
        return say(language, "status_never")
    minutes = int((now - then).total_seconds() // 60)
    if minutes < 0:
        span = say(language, "status_future")
    elif minutes < 120:
        span = say(language, "status_minutes_ago", n=minutes)
    elif minutes < 48 * 60:
        span = say(language, "status_hours_ago", n=minutes // 60)
    else:
        span = say(language, "status_days_ago", n=minutes // (24 * 60))
    local = then.astimezone(ZoneInfo(zone))
    return f"{shown_time(then, language, zone)} {local:%Z} ({span})"


def _until(at: datetime, now: datetime, language: str) -> str:
    minutes = int((at - now).total_seconds() // 60)
    if minutes < 120:
        return say(language, "status_in_minutes", n=minutes)
    return say(language, "status_in_hours", n=minutes // 60)


def render_status(status: Status, now: datetime, language: str = "de", zone: str = "UTC") -> str:
    """The status report as plain text for a terminal, in `language`; times in `zone` (the
    configured one), dates written as the language writes them."""
    o, lang = status.stats, language
    rows = [
        ("status_database", status.db_path),
        (
            "status_size",
            say(
                lang,
                "status_size_value",
                size=human_bytes(o.database_bytes),
                wal=human_bytes(status.wal_bytes),
            ),
        ),
        (
            "status_articles",
            say(
                lang,
                "status_articles_value",
                count=o.articles,
                sources=o.sources,
                day=o.articles_24h,
            ),
        ),
        ("status_last_ingest", _ago(o.last_ingest, now, lang, zone)),
        ("status_last_poll", _ago(o.last_feed_poll, now, lang, zone)),
        (
            "status_chats",
            say(
                lang,
                "status_chats_value",
                chats=o.chats,
                subscriptions=o.subscriptions,
                alerts=o.alerts,
            ),
        ),
        ("status_feeds", say(lang, "status_feeds_value", feeds=o.feeds, failing=o.feeds_failing)),
        ("status_pushes", say(lang, "status_pushes_value", dropped=o.pushes_dropped_24h)),
    ]
    labels = {key: say(lang, key) for key, _ in rows}
    labels["status_next"] = say(lang, "status_next")
    width = max(len(label) for label in labels.values()) + 2
    labels["status_failed"] = say(lang, "status_failed", days=DELIVERY_WINDOW.days)

    def line(key: str, value: object) -> str:
        return f"{labels[key]:{width}}{value}"

    lines = [line(key, value) for key, value in rows]
    for feed in status.feed_problems:
        health = t(lang, "feed_" + feed.health, failures=feed.failures)
        error = feed.error or say(lang, "status_no_error")
        lines.append(f"  {feed.url}  {health}: {error}")
    lines.append(line("status_next", len(status.next_digests)))
    for nd in status.next_digests:
        local = nd.at.astimezone(ZoneInfo(nd.timezone)) if nd.at else None
        when = (
            f"{shown_time(local, lang, nd.timezone)} {local:%Z} ({_until(local, now, lang)})"
            if local
            else say(lang, "status_cannot_fire")
        )
        planned = times_text(lang, nd.times or (nd.time,), nd.days)
        lines.append(f"  {nd.chat}  {planned} ({nd.timezone}) → {when}")
    lines.append(f"{labels['status_failed']}  {status.failed_count}")
    for d in status.failed_deliveries:
        state = d.status or say(lang, "status_no_status")
        lines.append(f"  {d.chat}  {d.digest_date}  {state}: {d.note or ''}")
    if status.failed_count > len(status.failed_deliveries):
        more = status.failed_count - len(status.failed_deliveries)
        lines.append("  " + say(lang, "status_more", n=more))
    return "\n".join(line.rstrip() for line in lines)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def status_json(status: Status) -> dict[str, Any]:
    """The status report as a JSON-ready dict, for monitoring scripts."""
    return dict(_jsonable(asdict(status)))


def default_backup_name(now: datetime) -> str:
    """newsbot-20251110T120000Z.db: sorts by time, safe on every file system."""
    return f"newsbot-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.db"


class NotAFile(ValueError):
    """A backup target that exists and is neither a file nor a folder (a device, a pipe)."""


def backup(store: Storage, source: str, target: Path, now: datetime) -> Path:
    """Write a verified online backup to `target` (a file, or a folder for a dated name).

    The copy goes to a `.partial` file first and is renamed only when verified, so `target`
    is never a half-written database, also not when the process is killed.
    """
    if target.is_dir():
        target = target / default_backup_name(now)
    if target.exists() and target.resolve() == sqlite_path(source).resolve():
        raise ValueError(f"backup target {target} is the database itself")
    if target.exists() and not target.is_file():
        # A device or a pipe would be replaced by the copy, not written to (`/dev/full`).
        raise NotAFile(f"backup target {target} is no regular file")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        store.backup_to(partial)
        with partial.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    log.info("event=backup_written path=%s bytes=%d", target, target.stat().st_size)
    return target


def article_json(article: Article) -> dict[str, Any]:
    """One article as a JSON-ready dict: the export's line format."""
    return {
        "id": article.id,
        "title": article.title,
        "kicker": article.kicker,
        "source": known_source(article.source),
        "url": article.url,
        "published": to_iso(article.published),
        "fetched": article.fetched.isoformat(),
        "language": article.language,
        "summary": list(article.summary),
        "body": article.body,
        "content_hash": article.content_hash,
        "links": [
            {
                "source": known_source(link.name),
                "title": link.title,
                "url": link.url,
                "published": to_iso(link.published),
            }
            for link in article.links
        ],
    }


def export_jsonl(articles: Iterable[Article], out: TextIO) -> int:
    """Write one JSON object per article and line; returns how many were written."""
    count = 0
    for article in articles:
        out.write(json.dumps(article_json(article), ensure_ascii=False) + "\n")
        count += 1
    return count
