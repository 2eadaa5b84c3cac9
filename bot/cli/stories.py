"""The `stories --jsonl` subcommand: group a batch of items into stories as the digest does."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from bot.cli.ingesting import item_published
from bot.cli.opening import EXIT_OK
from bot.clock import utc_now
from bot.config import Config
from bot.records import Article
from bot.stories import group_stories
from summarizer import split_sentences, summarize

# Texts up to this many sentences are a feed's teaser: they are the summary as they stand.
TEASER_SENTENCES = 3


def _article(number: int, obj: Any, now: datetime) -> Article:
    """One input line's article; raises ValueError with a reason for a bad line."""
    if not isinstance(obj, dict):
        raise ValueError("expected a JSON object")
    title, text = obj.get("title"), obj.get("text") or ""
    if not isinstance(title, str) or not title.strip():
        raise ValueError("missing string field 'title'")
    if not isinstance(text, str):
        raise ValueError("'text' must be a string")
    source, url, kicker = obj.get("source") or "unbekannt", obj.get("url"), obj.get("kicker")
    if not isinstance(source, str) or not all(
        v is None or isinstance(v, str) for v in (url, kicker)
    ):
        raise ValueError("'source', 'url' and 'kicker' must be strings")
    sentences = split_sentences(text)
    summary = sentences if len(sentences) <= TEASER_SENTENCES else summarize(text, title=title)
    published = item_published(obj.get("published"))
    return Article(
        number,
        title.strip(),
        source,
        text,
        tuple(summary),
        published,
        now,
        url=url,
        kicker=" ".join((kicker or "").split()),
    )


def cmd_stories(args: argparse.Namespace, config: Config) -> int:
    """Read items as JSONL, group them as one window, print `{"id","story"}` per line."""
    now = utc_now()
    rows: list[dict[str, Any]] = []
    articles: list[Article] = []
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        ident: Any = None
        try:
            obj = json.loads(line)
            ident = obj.get("id") if isinstance(obj, dict) else None
            articles.append(_article(number, obj, now))
            rows.append({"id": ident, "line": number})
        except (ValueError, TypeError) as exc:
            rows.append({"id": ident, "error": f"line {number}: {exc}"})
    story_of: dict[int, str] = {}
    for group in group_stories(articles):
        label = f"s{min(a.id for a in group)}"
        story_of.update((a.id, label) for a in group)
    for row in rows:
        out = (
            {"id": row["id"], "error": row["error"]}
            if "error" in row
            else {
                "id": row["id"],
                "story": story_of[row["line"]],
            }
        )
        print(json.dumps(out, ensure_ascii=False))
    return EXIT_OK
