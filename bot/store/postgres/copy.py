"""Moving a SQLite store into an empty PostgreSQL one (`newsbot migrate-store`): every table row
for row, ids kept, the search index rebuilt from the stored terms, then a check that both hold
the same counts and answer a sample of searches alike.

Rows are copied table by table by COPY rather than through the parts' add methods: those stamp
a new `fetched` time and new ids, and several tables (seen inputs, state, sent breaking stories)
have no method that lists them. The search index is built after the rows, from their stored
terms, and its GIN index once at the end (100,000 articles in about a minute); the phrase
index from the articles' words.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from bot.query import parse_query, phrase_text
from bot.records import SearchPage
from bot.store import Store, sqlite_path
from bot.store.migrations import migrations
from bot.store.postgres import PostgresStore
from bot.store.postgres.articles import INGEST_LOCK
from bot.store.postgres.phrases import phrase_rows
from bot.store.postgres.schema import INDEX_GIN, PAIRS_GIN
from bot.store.postgres.terms import index_row, to_tsvector_text

# Rows sent per COPY batch; tables whose rows refer to others come after them.
BATCH = 2000
ORDER = ("articles", "chats")
# Searches compared after the copy: words drawn from stored titles.
SAMPLE = 30


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What was copied (rows per table) and whether the two stores then agreed."""

    rows: dict[str, int]
    searches: int
    problems: tuple[str, ...]


def _tables(source: Store) -> list[str]:
    names = [
        str(r[0])
        for r in source.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not str(r[0]).startswith(("sqlite_", "_sqlite_", "articles_fts"))
    ]
    return [*ORDER, *sorted(set(names) - set(ORDER))]


def copy_store(source: Store, target: PostgresStore, now: datetime) -> CopyReport:
    """Copy every row of `source` into the empty `target` in one transaction, then check."""
    rows: dict[str, int] = {}
    with target.db.atomic() as conn:
        # Articles are written under the ingest lock: a second copy into this database (or
        # an ingest) waits here until this one is in, then finds the database no longer empty.
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [INGEST_LOCK])
        if target.articles.count_articles() or target.chats.subscriptions() or target.feeds.all():
            raise ValueError(
                "the PostgreSQL database already holds a newsbot store; give an empty one"
            )
        # One read transaction over the SQLite file: every table as of one moment, even while
        # a bot still writes to it (WAL readers keep their snapshot).
        source.db.execute("BEGIN")
        for table in _tables(source):
            cursor = source.db.execute(f"SELECT * FROM [{table}]")  # noqa: S608 - from the schema
            columns = [d[0] for d in cursor.description]
            names = ", ".join(columns)
            count = 0
            with conn.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                while batch := cursor.fetchmany(BATCH):
                    for row in batch:
                        copy.write_row(row)
                    count += len(batch)
            rows[table] = count
        _index(source, conn)
        for table in ("articles", "alerts", "feeds", "pushes", "chat_feeds"):
            # Ids continue after the copied ones (table names from the tuple above).
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
                f" coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
            )
    source.db.execute("COMMIT")
    # The planner's statistics of the new tables, before the first searches.
    target.db.execute("ANALYZE")
    return CopyReport(rows, SAMPLE, tuple(_differences(source, target, rows, now)))


def _index(source: Store, conn: psycopg.Connection[Any]) -> None:
    """Build `articles_fts` and its counts from every article's stored terms: rows by COPY
    with the GIN index dropped, then the index built once over all of them (a sorted bulk
    build, instead of each row's terms filed one by one)."""
    terms: Counter[str] = Counter()
    tokens = articles = 0
    conn.execute("DROP INDEX articles_fts_terms_gin")
    read = source.db.execute("SELECT id, title_stems, body_stems FROM articles ORDER BY id")
    with (
        conn.cursor() as write,
        write.copy("COPY articles_fts (id, terms, tokens, counts) FROM STDIN") as copy,
    ):
        for article_id, title, body in read:
            row = index_row(title, body)
            terms.update(row.lexemes)
            tokens += row.size
            articles += 1
            copy.write_row((article_id, to_tsvector_text(row.lexemes), row.size, row.counts))
    # Room to sort the whole index's entries in memory (the default 64 MB spills to disk).
    conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
    conn.execute(INDEX_GIN)
    keys = sorted(terms)
    conn.execute(
        "INSERT INTO articles_fts_terms (term, articles)"
        " SELECT * FROM unnest(%s::text[], %s::bigint[])",
        [keys, [terms[k] for k in keys]],
    )
    conn.execute("UPDATE articles_fts_totals SET articles = %s, tokens = %s", [articles, tokens])
    _phrases(source, conn)


def _phrases(source: Store, conn: psycopg.Connection[Any]) -> None:
    """Build `articles_fts_phrases` from every article's title and body (SQLite's phrase
    index keeps no text to copy), its GIN index once at the end."""
    conn.execute("DROP INDEX articles_fts_phrases_pairs")
    read = source.db.execute("SELECT id, title, body FROM articles ORDER BY id")
    with (
        conn.cursor() as write,
        write.copy("COPY articles_fts_phrases (id, part, words, pairs) FROM STDIN") as copy,
    ):
        for article_id, title, body in read:
            for part, (words, pairs) in enumerate(phrase_rows(phrase_text(title, body))):
                copy.write_row((article_id, part, words, pairs))
    conn.execute(PAIRS_GIN)


def _differences(
    source: Store, target: PostgresStore, rows: dict[str, int], now: datetime
) -> list[str]:
    """Tables whose counts differ, sample chats whose settings, subscription or alerts differ,
    and sample searches whose results differ."""
    problems = []
    for table, count in rows.items():
        copied = int(target.db.execute(f"SELECT count(*) FROM {table}").rows[0][0])  # noqa: S608
        if copied != count:
            problems.append(f"{table}: {count} rows in SQLite, {copied} in PostgreSQL")
    chats = [str(r[0]) for r in source.db.execute("SELECT key FROM chats ORDER BY key")]
    rng = random.Random(29)  # noqa: S311 - a sample to compare, not a secret
    for chat in rng.sample(chats, min(SAMPLE, len(chats))):
        for what, here, there in (
            ("settings", source.chats.settings(chat), target.chats.settings(chat)),
            ("subscription", source.chats.subscription(chat), target.chats.subscription(chat)),
            ("alerts", source.chats.alerts(chat), target.chats.alerts(chat)),
        ):
            if here != there:
                problems.append(f"chat {chat}: {what} {here} in SQLite, {there} in PostgreSQL")
    titles = [str(r[0]) for r in source.db.execute("SELECT title FROM articles")]
    for title in rng.sample(titles, min(SAMPLE, len(titles))):
        words = title.split()
        query = parse_query(" ".join(rng.sample(words, min(2, len(words)))))
        if not query.match:
            continue
        lite = _answer(source.index.search(query, 10, now=now))
        pg = _answer(target.index.search(query, 10, now=now))
        if lite != pg:
            problems.append(f"search {' '.join(query.words)!r}: {lite} vs {pg}")
    return problems


def _answer(page: SearchPage) -> tuple[list[int], list[int], int]:
    """What a search shows: its hits, its related results (by id) and its total."""
    return (
        [h.article.id for h in page.hits],
        [h.article.id for h in page.related],
        page.total,
    )


def move_to_postgres(path: str, url: str, now: datetime) -> CopyReport:
    """Copy the SQLite store at `path` (opened read-only) into the empty database at `url`.

    A file an older release left (the bot stopped, this release installed, no command run
    since) is migrated first, as any command that writes would: its rows are copied as this
    release's schema holds them (alerts' keys, the index's terms), never as they were.
    """
    file = sqlite_path(path)
    source = Store.open_readonly(file)
    if migrations.pending(source.db):
        source.close()
        Store.open(file).close()
        source = Store.open_readonly(file)
    try:
        target = PostgresStore.open(url)
        try:
            return copy_store(source, target, now)
        finally:
            target.close()
    finally:
        source.close()
