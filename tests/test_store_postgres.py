"""The PostgreSQL store against a real server: the same schema as SQLite, migrated once however
many processes start, errors named in one line without the password, and search that returns
the same articles in the same order as SQLite's."""

from __future__ import annotations

import itertools
import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg
import pytest

from bench.search import Corpus
from bot.cli import main
from bot.errors import StoreError
from bot.ingest.files import ingest_paths
from bot.query import parse_query
from bot.records import NewArticle, Reply, Span, Subscription
from bot.store import (
    Storage,
    Store,
    is_postgres,
    local_folder,
    open_store,
    show_target,
    sqlite_path,
)
from bot.store.postgres import PostgresStore, terms
from bot.store.postgres.phrases import (
    pair_numbers,
    phrase_match,
    phrase_tsquery,
    phrase_where,
)
from bot.store.postgres.schema import INDEX_TABLES, PHRASES_GIN, STEPS
from bot.store.postgres.terms import julianday
from bot.store.table import _paragraphs_json
from tests.conftest import ROOT, SEEDS, newsbot_process, old_sqlite_file
from tests.fakes.postgres import Cluster

pytestmark = pytest.mark.integration

NOW = datetime(2025, 11, 10, 12, 0, tzinfo=UTC)


def sqlite_columns(store: Store) -> dict[str, set[str]]:
    names = [
        r[0]
        for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not r[0].startswith(("sqlite_", "_sqlite_", "articles_fts"))
    ]
    return {n: {c[1] for c in store.db.execute(f"PRAGMA table_info([{n}])")} for n in names}


def postgres_columns(url: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    with psycopg.connect(url) as conn:
        for table, column in conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public'"
        ):
            if table not in INDEX_TABLES and table != "newsbot_migrations":
                out.setdefault(table, set()).add(column)
    return out


def test_schema_has_the_same_tables_and_columns_as_sqlite(postgres_url: str) -> None:
    open_store(postgres_url).close()
    sqlite = Store.memory()
    try:
        assert postgres_columns(postgres_url) == sqlite_columns(sqlite)
    finally:
        sqlite.close()


def test_processes_starting_together_migrate_once(postgres_url: str) -> None:
    start = threading.Barrier(6)
    stores: list[PostgresStore] = []
    errors: list[BaseException] = []

    def opening() -> None:
        start.wait()
        try:
            stores.append(PostgresStore.open(postgres_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=opening) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    assert errors == []
    with psycopg.connect(postgres_url) as conn:
        applied = [r[0] for r in conn.execute("SELECT name FROM newsbot_migrations")]
    assert applied == [name for name, _ in STEPS]


def test_messages_held_before_the_outbox_move_into_it_as_held_pushes(postgres_url: str) -> None:
    paragraphs = ((Span("Eilmeldung: ", bold=True), Span("Flut", url="https://x.example")),)
    release = NOW + timedelta(hours=2)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        # A database from before m010, holding one message through a quiet time.
        conn.execute(
            "CREATE TABLE newsbot_migrations"
            ' (name text COLLATE "C" PRIMARY KEY, applied_at text NOT NULL)'
        )
        name, first = STEPS[0]
        first(conn)
        conn.execute("INSERT INTO newsbot_migrations VALUES (%s, %s)", [name, NOW.isoformat()])
        conn.execute(
            "INSERT INTO held (chat, kind, paragraphs, release, created)"
            " VALUES ('tg:1', 'alert', %s, %s, %s)",
            [json.dumps(_paragraphs_json(paragraphs)), release.isoformat(), NOW.isoformat()],
        )
    store = PostgresStore.open(postgres_url)
    try:
        assert store.pushes.due(release - timedelta(minutes=1)) == []
        [push] = store.pushes.due(release)
        assert (push.chat, push.kind, push.key, push.due, push.held) == (
            "tg:1",
            "alert",
            "held:1",
            release,
            True,
        )
        assert push.reply == Reply(paragraphs)
        assert store.pushes.claim([push.id], release) is True
    finally:
        store.close()


def test_m022_to_m024_index_stored_articles_for_quoted_phrases(postgres_url: str) -> None:
    names = [name for name, _ in STEPS]
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        # A database from before m022, holding two articles.
        conn.execute(
            "CREATE TABLE newsbot_migrations"
            ' (name text COLLATE "C" PRIMARY KEY, applied_at text NOT NULL)'
        )
        for name, step in STEPS[: names.index("m022_phrases_positions")]:
            with conn.transaction():  # as the migrator runs each step
                step(conn)
                conn.execute(
                    "INSERT INTO newsbot_migrations VALUES (%s, %s)", [name, NOW.isoformat()]
                )
        for n, body in enumerate(
            ["Die Deutsche Bahn streikt.", "Die Bahn deutsche Gründlichkeit."]
        ):
            conn.execute(
                "INSERT INTO articles (title, source, body, fetched, content_hash)"
                " VALUES (%s, 'dpa', %s, %s, %s)",
                [f"Bericht {n}", body, NOW.isoformat(), str(n)],
            )
    store = PostgresStore.open(postgres_url)
    try:
        rows = store.db.execute("SELECT id, part FROM articles_fts_phrases ORDER BY id").rows
        assert rows == [(1, 0), (2, 0)]
        phrases = parse_query('"Deutsche Bahn"').phrases
        matched = store.db.execute(
            "SELECT id FROM articles_fts_phrases WHERE words @@ %s::tsquery",
            [phrase_tsquery(phrases)],
        ).rows
        assert matched == [(1,)]
        # m023, m024: the same article by its adjacent word pairs, from their GIN index.
        held, args = phrase_where(phrase_match(phrases))
        sql = f"SELECT id FROM articles_fts_phrases WHERE {held}"  # noqa: S608
        with store.db.atomic():
            store.db.execute("SET LOCAL enable_seqscan = off")
            plan = " ".join(str(r[0]) for r in store.db.execute("EXPLAIN " + sql, args).rows)
            assert "articles_fts_phrases_pairs" in plan
            assert store.db.execute(sql, args).rows == [(1,)]
    finally:
        store.close()


def test_stores_planning_and_claiming_at_once_plan_and_claim_each_push_once(
    postgres_url: str,
) -> None:
    stores = [PostgresStore.open(postgres_url) for _ in range(4)]
    reply = Reply(((Span("Eilmeldung"),),))
    start = threading.Barrier(len(stores))
    planned: list[bool] = []
    claimed: list[bool] = []
    errors: list[BaseException] = []

    def each(store: PostgresStore, n: int) -> None:
        try:
            start.wait()
            # Overlapping groupings of one story, and one alert for one article.
            planned.append(store.pushes.plan_breaking("tg:1", [1, 2 + n], n, reply, NOW, NOW))
            planned.append(store.pushes.plan_alert("tg:2", [7, 8], 10, reply, NOW, NOW))
            start.wait()
            ids = [p.id for p in store.pushes.due(NOW)]
            start.wait()
            claimed.append(store.pushes.claim(ids, NOW))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=each, args=(s, n)) for n, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert planned.count(True) == 2
        assert claimed.count(True) == 1
        assert stores[0].pushes.due(NOW) == []
        # Both pushes were claimed, by one store: each is `sending` once.
        left = stores[0].pushes.abandon_unfinished(NOW)
        assert sorted(p.chat for p in left) == ["tg:1", "tg:2"]
    finally:
        for store in stores:
            store.close()


def test_reopening_keeps_the_data_and_migrates_nothing(postgres_url: str) -> None:
    store = open_store(postgres_url)
    list(ingest_paths(store, [SEEDS], NOW))
    store.close()
    store = open_store(postgres_url)
    try:
        assert store.articles.count_articles() == 2
        assert store.index.search(parse_query("Venezuela"), 5, now=NOW).total == 2
    finally:
        store.close()


def test_open_errors_name_the_server_the_password_and_the_database(
    postgres_cluster: Cluster, postgres_url: str
) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE ROLE reader LOGIN PASSWORD 'right-horse-battery'")
    socket = postgres_cluster.folder
    cases = {
        f"postgresql://reader:wrong-staple@/postgres?host={socket}": "wrong password for user",
        f"postgresql://postgres@/nowhere?host={socket}": "database nowhere does not exist",
        "postgresql://reader:wrong-staple@/x?host=/nonexistent": "cannot reach the PostgreSQL",
    }
    for url, expected in cases.items():
        with pytest.raises(StoreError) as caught:
            open_store(url)
        message = str(caught.value)
        assert expected in message
        assert "wrong-staple" not in message
        assert "\n" not in message
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP ROLE reader")


@pytest.mark.parametrize("command", [["search", "Venezuela"], ["status"]])
def test_cli_names_a_wrong_password_in_one_line_without_it(
    postgres_cluster: Cluster,
    postgres_url: str,
    command: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE ROLE cli_reader LOGIN PASSWORD 'right-horse-battery'")
    try:
        url = f"postgresql://cli_reader:wrong-staple@/postgres?host={postgres_cluster.folder}"
        monkeypatch.setenv("NEWSBOT_DB", url)
        monkeypatch.setenv("NEWSBOT_CONFIG", "")
        assert main(command) != 0
        captured = capsys.readouterr()
        assert "wrong password for user cli_reader" in captured.err
        assert "wrong-staple" not in captured.err + captured.out
        assert len(captured.err.strip().splitlines()) == 1
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute("DROP ROLE cli_reader")


def test_julianday_equals_sqlites() -> None:
    rng = random.Random(4)
    conn = sqlite3.connect(":memory:")
    for _ in range(300):
        moment = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(
            seconds=rng.uniform(0, 2e8), microseconds=rng.choice([0, rng.randint(0, 999_999)])
        )
        text = moment.isoformat()
        assert julianday(text) == conn.execute("SELECT julianday(?)", [text]).fetchone()[0]
    conn.close()


def corpus_articles(count: int) -> list[NewArticle]:
    """German-like articles with inflected forms and compounds, spread over three weeks."""
    corpus = Corpus(29, lemmas=1500)
    articles = []
    for n in range(count):
        article = corpus.article(n, NOW)
        published = NOW - timedelta(minutes=n * 71 + n % 7)
        articles.append(
            NewArticle(
                title=article.title,
                # Some under the outlet table's display name, which `quelle:sz` finds.
                source="Süddeutsche Zeitung" if n % 10 == 3 else article.source,
                body=article.body,
                summary=(),
                published=published if n % 9 else None,
                url=article.url,
            )
        )
    return articles


def queries(articles: list[NewArticle], count: int) -> list[str]:
    """Searches of every kind: 1-3 words, quoted phrases from the texts, `-word`, filters."""
    corpus = Corpus(29, lemmas=1500)
    corpus.rng = np.random.default_rng(11)
    rng = random.Random(3)
    out = []
    for i in range(count):
        kind = i % 6
        if kind < 3:
            out.append(" ".join(corpus.draw(kind + 1, top=400)))
        elif kind == 3:
            words = rng.choice(articles).body.split()
            at = rng.randrange(len(words) - 3)
            out.append('"' + " ".join(words[at : at + rng.choice([2, 3])]).strip(".") + '"')
        elif kind == 4:
            a, b = corpus.draw(2, top=200)
            out.append(f"{a} -{b}")
        else:
            word = corpus.draw(1, top=300)[0]
            out.append(rng.choice([f"{word} quelle:dpa", f"{word} seit:5.11.2025"]))
    # Compound parts: the head or tail of a long stored word.
    for word in corpus.draw(60, top=1500):
        if len(word) >= 10:
            out.append(word[: len(word) // 2 + 1] if len(out) % 2 else word[len(word) // 2 - 1 :])
    # Few full matches, so articles with all words but one follow as related results.
    for _ in range(40):
        out.append(" ".join(corpus.draw(2, top=1500) + corpus.draw(rng.choice([0, 1]), top=300)))
    # Outlet names the source column does not contain: `sz` is "Süddeutsche Zeitung", `ARD`
    # is "tagesschau" in the outlet table.
    for word in corpus.draw(20, top=300):
        out.append(f"{word} quelle:{rng.choice(['sz', 'ARD', 'sueddeutsche.de'])}")
    return out


def ranking(store: Storage, text: str) -> tuple[list[int], list[int], int, bool]:
    """The ids of a first page of 20 and of its related results, the total and the cap."""
    page = store.index.search(parse_query(text, NOW, "Europe/Berlin"), 20, now=NOW)
    hits = [hit.article.id for hit in page.hits]
    return hits, [hit.article.id for hit in page.related], page.total, page.capped


def test_search_returns_the_same_articles_in_the_same_order_on_both(postgres_url: str) -> None:
    articles = corpus_articles(400)
    sqlite = Store.memory()
    postgres = open_store(postgres_url)
    try:
        for start in range(0, len(articles), 200):
            batch = articles[start : start + 200]
            assert sqlite.articles.add_articles(batch, NOW) == postgres.articles.add_articles(
                batch, NOW
            )
        texts = queries(articles, 300)
        assert len(texts) > 300
        both = {t: (ranking(sqlite, t), ranking(postgres, t)) for t in texts}
        assert [t for t, (lite, pg) in both.items() if lite != pg] == []
        found = [t for t, (lite, _) in both.items() if lite[2] > 1]
        # The queries are worth comparing: most find several articles to order, some offer
        # related results, and `quelle:` finds articles by the outlet table's names.
        assert len(found) > len(texts) // 2
        assert len([t for t, (lite, _) in both.items() if len(lite[1]) > 1]) >= 10
        outlet = [t for t in texts if "quelle:sz" in t or "quelle:ARD" in t]
        assert len([t for t in outlet if both[t][0][2] > 0]) >= 5
    finally:
        sqlite.close()
        postgres.close()


def test_a_store_indexed_before_term_counts_gets_them_and_ranks_as_sqlite(
    postgres_url: str,
) -> None:
    # Articles indexed before m019 had no term counts: the migration fills them from the
    # stored terms, the same as ingest writes them, and searches still rank as on SQLite.
    articles = corpus_articles(150)
    sqlite = Store.memory()
    sqlite.articles.add_articles(articles, NOW)
    postgres = open_store(postgres_url)
    postgres.articles.add_articles(articles, NOW)
    written = "SELECT id, counts FROM articles_fts ORDER BY id"
    ingested = postgres.db.execute(written).rows
    postgres.db.execute("ALTER TABLE articles_fts DROP COLUMN counts")
    postgres.db.execute("DELETE FROM newsbot_migrations WHERE name = 'm019_pgsearch_term_counts'")
    postgres.close()
    postgres = open_store(postgres_url)
    try:
        assert postgres.db.execute(written).rows == ingested
        assert any(counts for _, counts in ingested)
        texts = queries(articles, 60)
        assert [t for t in texts if ranking(sqlite, t) != ranking(postgres, t)] == []
    finally:
        sqlite.close()
        postgres.close()


def test_m023_and_m024_rewrite_the_index_rows_and_still_rank_as_sqlite(
    postgres_url: str,
) -> None:
    # Before m023 an index row over 2 KB was compressed, and testing its terms decompressed
    # it: m023 writes the rows again whole. Before m024 the phrase rows had no pairs column
    # (m023 hashed them in an expression index): m024 makes them from the stored words, the
    # same pairs ingest writes, also for a text split into parts. Searches still rank as on
    # SQLite.
    articles = corpus_articles(150)
    articles[7] = replace(articles[7], body=" ".join(Corpus(5).text(900) for _ in range(2)))
    articles[9] = replace(articles[9], body=Corpus(6, lemmas=300).text(17_000))
    sqlite = Store.memory()
    sqlite.articles.add_articles(articles, NOW)
    postgres = open_store(postgres_url)
    postgres.articles.add_articles(articles, NOW)
    compressed = "SELECT count(*) FROM articles_fts WHERE pg_column_compression(terms) IS NOT NULL"
    assert postgres.db.execute(compressed).rows == [(0,)]
    pairs = "SELECT id, part, pairs::text FROM articles_fts_phrases ORDER BY id, part"
    ingested = postgres.db.execute(pairs).rows
    assert len([row for row in ingested if row[0] == 10]) > 1
    postgres.db.execute("ALTER TABLE articles_fts RESET (toast_tuple_target)")
    postgres.db.execute("UPDATE articles_fts SET terms = terms || ''::tsvector")
    assert postgres.db.execute(compressed).rows[0][0] > 0
    postgres.db.execute("DROP INDEX articles_fts_phrases_pairs")
    postgres.db.execute("ALTER TABLE articles_fts_phrases DROP COLUMN pairs")
    postgres.db.execute(PHRASES_GIN)
    postgres.db.execute(
        "DELETE FROM newsbot_migrations"
        " WHERE name IN ('m023_search_index_layout', 'm024_phrase_pairs')"
    )
    postgres.close()
    postgres = open_store(postgres_url)
    try:
        assert postgres.db.execute(compressed).rows == [(0,)]
        assert postgres.db.execute(pairs).rows == ingested
        texts = queries(articles, 60)
        assert [t for t in texts if ranking(sqlite, t) != ranking(postgres, t)] == []
    finally:
        sqlite.close()
        postgres.close()


def m024_fold(term: str) -> str:
    """`terms.fold` before m025: lower case, every combining mark removed (any script)."""
    decomposed = unicodedata.normalize("NFD", term.lower())
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    )


def test_m025_gives_other_scripts_their_accents_back_and_ranks_as_sqlite(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before m025 PostgreSQL folded й, ё and ά to и, е and α, which FTS5 keeps apart: the
    # migration writes those articles' index rows and term counts as ingest now writes them.
    articles = corpus_articles(40)
    for n, (word, greek) in enumerate([("Зеленский", "Αθήνα"), ("ёлка", "Μητσοτάκης")] * 3):
        articles[n] = replace(articles[n], body=f"{articles[n].body} {word} und {greek}.")
    articles[7] = replace(articles[7], body=f"{articles[7].body} Зеленскии.")
    sqlite = Store.memory()
    sqlite.articles.add_articles(articles, NOW)
    postgres = open_store(postgres_url)
    postgres.articles.add_articles(articles, NOW)
    index = "SELECT id, terms::text, counts::text, tokens FROM articles_fts ORDER BY id"
    counted = "SELECT term, articles FROM articles_fts_terms ORDER BY term"
    ingested = postgres.db.execute(index).rows, postgres.db.execute(counted).rows
    # The index as m024's ingest wrote it.
    monkeypatch.setattr(terms, "search_fold", m024_fold)
    for article_id, title, body in postgres.db.execute(
        "SELECT id, title_stems, body_stems FROM articles"
    ).rows:
        row = terms.index_row(title, body)
        postgres.db.execute(
            "UPDATE articles_fts SET terms = %s::tsvector, counts = %s WHERE id = %s",
            [terms.to_tsvector_text(row.lexemes), row.counts, article_id],
        )
    monkeypatch.undo()
    postgres.db.execute("DELETE FROM articles_fts_terms")
    postgres.db.execute(
        "INSERT INTO articles_fts_terms (term, articles)"
        " SELECT lexeme, count(*) FROM articles_fts, unnest(terms) GROUP BY lexeme"
    )
    assert (postgres.db.execute(index).rows, postgres.db.execute(counted).rows) != ingested
    postgres.db.execute(
        "DELETE FROM newsbot_migrations WHERE name = 'm025_accents_of_other_scripts'"
    )
    postgres.close()
    postgres = open_store(postgres_url)
    try:
        assert (postgres.db.execute(index).rows, postgres.db.execute(counted).rows) == ingested
        texts = ["Зеленский", "зеленскии", "Αθήνα", "αθηνα", "ёлка", "елка", "Μητσοτάκης"]
        texts += queries(articles, 30)
        assert [t for t in texts if ranking(sqlite, t) != ranking(postgres, t)] == []
        assert len(ranking(postgres, "Зеленский")[0]) == 3
    finally:
        sqlite.close()
        postgres.close()


def test_long_texts_are_compressed_with_lz4_where_the_server_has_it(postgres_url: str) -> None:
    store = open_store(postgres_url)
    try:
        has_lz4 = store.db.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression'"
            " AND 'lz4' = ANY(enumvals)"
        ).rows
        store.articles.add_articles(corpus_articles(3), NOW)
        found = store.db.execute(
            "SELECT DISTINCT pg_column_compression(body) FROM articles"
            " UNION SELECT DISTINCT pg_column_compression(words) FROM articles_fts_phrases"
        ).rows
        assert found == ([("lz4",)] if has_lz4 else [("pglz",)])
    finally:
        store.close()


def colliding_phrases() -> tuple[str, str]:
    """Two quoted two-word phrases of made-up words whose pairs have the same number."""
    syllables = ["ka", "lo", "mi", "ru", "sen", "tor", "vel", "dra", "pu", "nix"]
    seen: dict[int, str] = {}
    for n in itertools.count():
        first = "".join(syllables[int(d)] for d in f"{n:04d}")
        text = f"{first.capitalize()} Bergwerk"
        numbers = pair_numbers(parse_query(f'"{text}"').phrases[0])
        if len(numbers) != 1:
            continue
        number = numbers[0]
        if number in seen:
            return seen[number], text
        seen[number] = text
    raise AssertionError  # pragma: no cover - the loop returns


def test_a_phrase_sharing_its_pairs_number_with_another_finds_only_its_own(
    postgres_url: str,
) -> None:
    # Pairs are found by a number of 20 bits, so two pairs may share one: the row holding the
    # one is a candidate for the other, and the words' positions decide, as on SQLite.
    held, other = colliding_phrases()
    words = other.split()
    body = f"Heute {held} und {words[0]} sowie ein {words[1]} dort."
    article = NewArticle("Bericht", "dpa", body, (), NOW, "https://example.org/1")
    articles = [article]
    sqlite = Store.memory()
    postgres = open_store(postgres_url)
    try:
        sqlite.articles.add_articles(articles, NOW)
        postgres.articles.add_articles(articles, NOW)
        for text, found in ((f'"{held}"', [1]), (f'"{other}"', []), (other, [1])):
            assert ranking(postgres, text)[0] == found
            assert ranking(postgres, text) == ranking(sqlite, text)
    finally:
        sqlite.close()
        postgres.close()


def test_newest_matches_are_the_same_however_postgresql_finds_them(postgres_url: str) -> None:
    # More articles than the candidate cap, a word in each, so the newest ids are tried in
    # windows; filters leave too few in the first window, so wider ones follow.
    corpus = Corpus(31, lemmas=300)
    articles = [
        replace(corpus.article(n, NOW), title=f"Bericht {corpus.article(n, NOW).title}")
        for n in range(1300)
    ]
    sqlite = Store.memory()
    postgres = PostgresStore.open(postgres_url)
    try:
        for start in range(0, len(articles), 500):
            sqlite.articles.add_articles(articles[start : start + 500], NOW)
            postgres.articles.add_articles(articles[start : start + 500], NOW)
        texts = [
            "Bericht",
            "Bericht quelle:dpa",
            "Bericht seit:9.11.2025",
            "Bericht -" + (corpus.draw(1, top=20)[0]),
        ] + [" ".join(corpus.draw(n, top=40)) for n in (1, 2, 3) for _ in range(6)]
        texts += [f"{t} quelle:Reuters" for t in texts[4:10]]
        expected = {t: ranking(sqlite, t) for t in texts}
        assert expected["Bericht"][2:] == (500, True)
        assert 100 < expected["Bericht quelle:dpa"][2] < 500
        ways = {"GIN only": (10**9, 2.0), "windows, walking": (0, 0.0), "windows, GIN": (0, 2.0)}
        for way, (window_from, walk_from) in ways.items():
            postgres.index.window_from, postgres.index.walk_from = window_from, walk_from
            found = {t: ranking(postgres, t) for t in texts}
            assert [t for t in texts if found[t] != expected[t]] == [], way
    finally:
        sqlite.close()
        postgres.close()


def test_migrate_store_moves_everything_and_checks_it(
    postgres_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "newsbot.db"
    monkeypatch.setenv("NEWSBOT_DB", str(path))
    monkeypatch.setenv("NEWSBOT_CONFIG", "")
    monkeypatch.setenv("NEWSBOT_LANGUAGE", "en")
    # The demo's database (the sample articles), then chats, alerts, a feed and more articles.
    assert main(["demo", "--no-console"]) == 0
    sqlite = Store.open(path)
    sqlite.articles.add_articles(corpus_articles(120), NOW)
    sqlite.chats.subscribe(Subscription("tg:1", "07:30", "Europe/Berlin"), NOW)
    sqlite.chats.update_settings("tg:1", NOW, stories=3, quiet="22:00-06:00")
    sqlite.chats.subscribe(Subscription("mx:!room", "18:00", "America/New_York"), NOW)
    sqlite.chats.update_settings("mx:!room", NOW, language="en", sentences=1, breaking=True)
    sqlite.chats.add_alert("mx:!room", ("hochwasser", "rhein"), NOW)
    alert = sqlite.chats.add_alert("tg:1", ("venezuela",), NOW)
    sqlite.deliveries.record_delivery("tg:1", NOW.date(), status="sent", at=NOW)
    sqlite.archive.archive_digest("tg:1", NOW.date(), Reply(((Span("Guten Morgen"),),)), NOW)
    sqlite.feeds.add_feed("https://example.org/feed", NOW, "Beispiel")
    own, _ = sqlite.chat_feeds.add(
        "tg:1", "https://lokal.example/rss", NOW, title=None, user="", active=True
    )
    held = Reply(((Span("Eilmeldung"),),))
    sqlite.pushes.plan_alert("tg:1", [alert], 1, held, NOW + timedelta(hours=1), NOW)
    settings = {chat: sqlite.chats.settings(chat) for chat in ("tg:1", "mx:!room")}
    sqlite.close()
    capsys.readouterr()
    assert main(["migrate-store", "--to", postgres_url]) == 0
    out = capsys.readouterr().out
    assert "articles: 122 rows copied" in out
    assert "30 searches compared: equal" in out
    postgres = open_store(postgres_url)
    try:
        assert postgres.articles.count_articles() == 122
        assert {chat: postgres.chats.settings(chat) for chat in settings} == settings
        assert postgres.chats.settings("tg:1").stories == 3
        assert [a.words for a in postgres.chats.alerts("mx:!room")] == [("hochwasser", "rhein")]
        assert postgres.chats.subscription("tg:1") is not None
        assert [a.id for a in postgres.chats.alerts("tg:1")] == [alert]
        assert postgres.deliveries.delivery_status("tg:1", NOW.date()) == "sent"
        assert postgres.archive.archived_digest("tg:1") is not None
        assert [f.title for f in postgres.feeds.all()] == ["Beispiel", None]
        # A chat's own feed moves with its chat, and new requests get new numbers.
        assert postgres.chats.settings("tg:1").feeds == (own.feed_id,)
        later, _ = postgres.chat_feeds.add(
            "tg:2", "https://zwei.example/rss", NOW, title=None, user="", active=False
        )
        assert later.id == own.id + 1
        [push] = postgres.pushes.due(NOW + timedelta(hours=1))
        assert (push.id, push.key, push.reply, push.held) == (1, "alert:1", held, True)
        assert postgres.index.search(parse_query("Venezuela"), 5, now=NOW).total == 2
        # New rows get new ids after the copied ones.
        assert postgres.chats.add_alert("tg:1", ("kreml",), NOW) == alert + 1
        added = postgres.articles.add_article(corpus_articles(121)[-1], NOW)
        assert added == ("added", 123)
        assert postgres.pushes.plan_alert("tg:1", [alert], 2, held, NOW, NOW) is True
        assert [p.id for p in postgres.pushes.due(NOW)] == [2]
    finally:
        postgres.close()
    # A second run refuses: the database is no longer empty.
    assert main(["migrate-store", "--to", postgres_url]) == 1
    assert "already holds a newsbot store" in capsys.readouterr().err


@pytest.mark.parametrize("stop_before", ["m003_dedup_and_compounds", "m020_ops_alert_keys"])
def test_migrate_store_copies_a_file_an_older_release_left_as_this_one_reads_it(
    postgres_url: str, tmp_path: Path, stop_before: str
) -> None:
    """The bot stopped, the new release installed, then `migrate-store` (before any command of
    the new release opened the file): the copy holds what a migrated file holds."""
    path = tmp_path / "old.db"
    old_sqlite_file(path, stop_before)
    moved = newsbot_process(
        "migrate-store", "--to", postgres_url, db=path, env={"NEWSBOT_LANGUAGE": "en"}
    )
    assert moved.returncode == 0, moved.stderr
    assert moved.stderr == ""
    postgres = open_store(postgres_url)
    try:
        # Each alert with its key (m020), so the same alert asked again is the one stored.
        assert [(a.id, a.words) for a in postgres.chats.alerts("tg:1")] == [
            (1, ("Zoll",)),
            (2, ("Hochwasser", "Rhein")),
        ]
        assert postgres.chats.add_alert("tg:1", ("Zoll",), NOW) == 1
        assert len(postgres.chats.alerts("tg:1")) == 2
        # The article under this release's index: `kommen` finds `kamen` (m007's lemmas).
        for words in ("kommen", "Luftabwehrsysteme", '"über die Straße"'):
            assert postgres.index.search(parse_query(words), 5, now=NOW).total == 1, words
    finally:
        postgres.close()


@pytest.mark.slow
def test_a_second_migrate_store_into_the_same_database_refuses_in_one_line(
    postgres_url: str, tmp_path: Path
) -> None:
    """Two operators (or a retry) start `migrate-store` into one database: the second one,
    started while the first copies, finds the database taken, as it does once the copy is in."""
    path = tmp_path / "newsbot.db"
    sqlite = Store.open(path)
    sqlite.articles.add_articles(corpus_articles(3000), NOW)
    sqlite.close()
    env = {
        **os.environ,
        "NEWSBOT_CONFIG": "",
        "NEWSBOT_DB": str(path),
        "NEWSBOT_LANGUAGE": "en",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "bot", "migrate-store", "--to", postgres_url]

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    started = [start()]
    first = started[0]
    try:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            deadline = time.monotonic() + 60
            while not conn.execute(  # the first one's copy has begun writing articles
                "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                " WHERE c.relname = 'articles' AND l.mode = 'RowExclusiveLock'"
            ).fetchone():
                assert first.poll() is None, "the first copy ended before it was seen"
                assert time.monotonic() < deadline, "no copy seen"
                time.sleep(0.01)
        started.append(second := start())
        _, refused = second.communicate(timeout=300)
        _, errors = first.communicate(timeout=300)
    finally:
        for proc in started:
            if proc.poll() is None:  # hung: end it rather than leave it behind
                proc.kill()
                proc.wait()
    assert first.returncode == 0, errors
    assert second.returncode == 1
    assert refused.strip().splitlines() == [
        "newsbot migrate-store: the PostgreSQL database already holds a newsbot store;"
        " give an empty one"
    ]
    postgres = open_store(postgres_url)
    try:
        assert postgres.articles.count_articles() == 3000
    finally:
        postgres.close()


def copying_articles(url: str) -> bool:
    """Whether a transaction is writing rows into the articles table of the database at `url`."""
    with psycopg.connect(url, autocommit=True) as conn:
        return bool(
            conn.execute(
                "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                " WHERE c.relname = 'articles' AND l.mode = 'RowExclusiveLock'"
            ).fetchone()
        )


@pytest.mark.slow
def test_a_migrate_store_killed_mid_copy_leaves_an_empty_store_and_a_rerun_copies_all(
    postgres_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "newsbot.db"
    sqlite = Store.open(path)
    sqlite.articles.add_articles(corpus_articles(300), NOW)
    sqlite.close()
    env = {"NEWSBOT_LANGUAGE": "en", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "bot", "migrate-store", "--to", postgres_url]
    proc = subprocess.Popen(command, env={**os.environ, **env, "NEWSBOT_CONFIG": "",
                            "NEWSBOT_DB": str(path)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not copying_articles(postgres_url):
            assert proc.poll() is None, "the copy ended before it was seen"
            assert time.monotonic() < deadline, "no copy seen"
            time.sleep(0.01)
    finally:
        proc.kill()
        proc.wait()
    # Killed while its transaction writes (it holds the articles' lock to its commit): the
    # target holds nothing of the copy, and says so.
    status = newsbot_process("status", "--json", env={**env, "NEWSBOT_DB": postgres_url})
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["stats"]["articles"] == 0
    rerun = newsbot_process("migrate-store", "--to", postgres_url, db=path, env=env)
    assert rerun.returncode == 0, rerun.stderr
    assert "rows counted and 30 searches compared: equal" in rerun.stdout
    postgres = open_store(postgres_url)
    try:
        assert postgres.articles.count_articles() == 300
    finally:
        postgres.close()


@pytest.mark.slow
def test_an_ingest_killed_midway_on_postgresql_resumes_and_stores_each_article_once(
    postgres_url: str, tmp_path: Path
) -> None:
    from tests.test_ingest import write_dumps

    folder = tmp_path / "dumps"
    write_dumps(folder, 1000)
    env = {**os.environ, "NEWSBOT_DB": postgres_url, "NEWSBOT_CONFIG": "", "NEWSBOT_LANGUAGE": "de"}
    command = [sys.executable, "-m", "bot", "ingest", str(folder)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stored = 0
    try:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            deadline = time.monotonic() + 60
            while stored < 200:  # the first batches are in, the next under way
                assert proc.poll() is None, "ingest finished before it could be killed"
                assert time.monotonic() < deadline, "no batch stored"
                time.sleep(0.02)
                if conn.execute("SELECT to_regclass('articles')").fetchone() != (None,):
                    stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        proc.kill()
        proc.wait()
    assert stored < 1000
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{1000 - stored} neu, {stored} Duplikate" in rerun.stdout
    store = open_store(postgres_url)
    try:
        assert store.articles.count_articles() == 1000
        rows = store.db.execute(
            "SELECT (SELECT count(DISTINCT origin) FROM articles), (SELECT count(*) FROM"
            " articles_fts), (SELECT articles FROM articles_fts_totals)"
        ).rows
        assert tuple(rows[0]) == (1000, 1000, 1000)
        for n in (0, stored - 1, stored, 999):  # either side of the kill
            hits = store.index.search(parse_query(f"Meldung {n}"), 5).hits
            assert [hit.article.title.split(":")[0] for hit in hits][:1] == [f"Meldung {n}"]
    finally:
        store.close()


def test_db_setting_is_a_sqlite_file_or_a_postgresql_url_shown_without_its_password() -> None:
    url = "postgresql://newsbot:s3cret-pw@db.example:5433/news"
    assert is_postgres(url)
    assert is_postgres("postgres://db.example/news")
    assert not is_postgres("sqlite:///var/lib/newsbot.db")
    assert sqlite_path("sqlite:///data/newsbot.db") == Path("data/newsbot.db")
    assert sqlite_path("sqlite:////var/lib/newsbot.db") == Path("/var/lib/newsbot.db")
    assert sqlite_path("newsbot.db") == Path("newsbot.db")
    assert show_target(url) == "postgresql://newsbot@db.example:5433/news"
    # Matrix keys of a PostgreSQL store live in the working directory, never in a folder
    # named after the URL (which would hold the password).
    assert local_folder(url) == Path.cwd()
    assert local_folder("sqlite:////var/lib/newsbot/newsbot.db") == Path("/var/lib/newsbot")
