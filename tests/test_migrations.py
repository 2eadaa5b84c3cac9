"""Migrations are frozen: they import no live bot code and turn old rows into fixed values."""

from __future__ import annotations

import ast
import random
import re
import unicodedata
import zlib
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlite_utils import Database

from bot.dedup import bands, signature
from bot.query import index_text, parse_query, phrase_text, search_fold, text_terms
from bot.records import NewArticle, Reply, Span
from bot.store import Store
from bot.store.migrations import (
    _frozen_search_fold,
    _m006_bands,
    _m006_signature,
    _m007_index_text,
    _m022_phrase_text,
    migrate,
    migrations,
)
from bot.store.table import _reply_json
from summarizer import words
from tests.fakes.feed_site import german_text

MIGRATIONS = Path(__file__).resolve().parent.parent / "bot" / "store" / "migrations.py"


def old_database(db: Database) -> Database:
    """`db` as the first release left it, holding one article stored back then."""
    migrations.apply(db, stop_before="m003_dedup_and_compounds")
    db.table("articles").insert(
        {
            "title": "Neue Luftabwehrsysteme für Kiew",
            "source": "dpa",
            "body": "Die Raketen kamen 2025 über die Straße zum Überweisungsträger.",
            "fetched": "2025-11-10T12:00:00+00:00",
            "content_hash": "x",
        }
    )
    return db


def test_migrations_import_no_bot_or_summarizer_code() -> None:
    imported: set[str] = set()
    for node in ast.walk(ast.parse(MIGRATIONS.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import in bot/store/migrations.py"
            imported.add(node.module or "")
    ours = {n for n in imported if n.split(".")[0] in ("bot", "summarizer")}
    assert not ours, f"bot/store/migrations.py imports live code: {ours}"


def test_m003_fills_the_compound_tail_column_of_old_articles(memory_db: Database) -> None:
    db = old_database(memory_db)
    migrations.apply(db, stop_before="m004_digest_schedule")
    assert db.execute("SELECT parts FROM articles").fetchall() == [
        ("gartsgnusiewrebu metsysrhewbatful",)
    ]


def test_m005_indexes_old_articles_as_stems_and_lists_their_compounds(
    memory_db: Database,
) -> None:
    db = old_database(memory_db)
    migrations.apply(db, stop_before="m006_minhash_v2")
    assert db.execute("SELECT title_stems, body_stems FROM articles").fetchall() == [
        ("neu luftabwehrsystem kiew", "raket kam 2025 strass uberweisungstrag")
    ]
    assert db.execute("SELECT stem, tail, articles FROM compounds ORDER BY stem").fetchall() == [
        ("luftabwehrsystem", "metsysrhewbatful", 1),
        ("uberweisungstrag", "gartsgnusiewrebu", 1),
    ]
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


def m005_signature(body: str) -> bytes | None:
    """`dedup.signature` as stored before m006: crc32 of joined shingles, seeded numpy rows."""
    text = unicodedata.normalize("NFC", body).casefold()
    found = re.findall(r"[^\W_]+", text)
    shingles = {" ".join(found[i : i + 4]) for i in range(len(found) - 3)}
    if len(shingles) < 20:
        return None
    rng = np.random.default_rng(20251110)
    xor = rng.integers(0, 2**63, size=32, dtype=np.uint64)
    mul = rng.integers(0, 2**63, size=32, dtype=np.uint64) | np.uint64(1)
    values = np.array([zlib.crc32(s.encode()) for s in shingles], dtype=np.uint64)
    mixed = ((values[None, :] ^ xor[:, None]) * mul[:, None]) >> np.uint64(32)
    return bytes(mixed.min(axis=1).astype(np.uint32).tobytes())


def test_m006_gives_stored_articles_the_new_signature_so_a_repeat_is_found(
    memory_db: Database,
) -> None:
    db = memory_db
    migrations.apply(db, stop_before="m006_minhash_v2")
    body = german_text(random.Random(5), 150)
    short = "Zu kurz für eine Signatur."
    for n, text in enumerate((body, short)):
        old = m005_signature(text)
        article_id = (
            db.table("articles")
            .insert(
                {
                    "title": f"Kanzler reist nach Paris {n}",
                    "source": "dpa",
                    "body": text,
                    "fetched": "2025-11-10T12:00:00+00:00",
                    "content_hash": f"h{n}",
                    "minhash": old,
                }
            )
            .last_pk
        )
        for key in bands(old) if old else []:
            db.table("article_bands").insert({"band": key, "article_id": article_id})
    assert m005_signature(body) != signature(body)
    migrate(db)
    assert db.execute("SELECT minhash FROM articles ORDER BY id").fetchall() == [
        (signature(body),),
        (None,),
    ]
    assert db.execute("SELECT band, article_id FROM article_bands ORDER BY band").fetchall() == [
        (key, 1) for key in sorted(bands(signature(body) or b""))
    ]
    # The same wire story under a new headline, after the upgrade: one article, two sources.
    store = Store(db)
    edited = ". ".join([*body.split(". ")[:-2], "Die Agentur ergänzte eine Stellungnahme"])
    again = store.articles.add_article(
        NewArticle(
            title="Scholz in Paris eingetroffen",
            source="Reuters",
            body=edited,
            summary=(),
            published=None,
            url="https://r.example/1",
        ),
        datetime(2025, 11, 10, 13, 0, tzinfo=UTC),
    )
    assert again == ("duplicate", 1)
    stored = store.articles.article(1)
    assert stored is not None
    assert [link.name for link in stored.links] == ["Reuters"]
    assert store.articles.count_articles() == 2


@pytest.mark.parametrize("seed", range(6))
def test_m006_frozen_signature_equals_the_live_one(seed: int) -> None:
    rng = random.Random(seed)
    body = german_text(rng, rng.randint(10, 400))
    if seed % 3 == 1:
        body = unicodedata.normalize("NFD", body.upper()) + " İstanbul ﬁnanzen snake_case ß"
    assert _m006_signature(body) == signature(body) == signature(body, words(body))
    sig = signature(body)
    assert _m006_bands(sig or b"") == bands(sig or b"")


def test_m007_reindexes_old_articles_with_lemmas_as_search_indexes_new_ones(
    caplog: pytest.LogCaptureFixture, memory_db: Database
) -> None:
    db = old_database(memory_db)
    with caplog.at_level("INFO", logger="bot.store.migrations"):
        migrate(db)
    title, body = (
        "Neue Luftabwehrsysteme für Kiew",
        ("Die Raketen kamen 2025 über die Straße zum Überweisungsträger."),
    )
    live = index_text(title, body)
    assert db.execute("SELECT title_stems, body_stems FROM articles").fetchall() == [
        (live.title, live.body)
    ]
    assert live.body == "raket kam komm 2025 strass uberweisungstrag"
    assert "event=reindex done=1 total=1" in caplog.text
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


def test_m007_terms_equal_the_live_index_terms() -> None:
    """The frozen copy means what the live index meant when m007 was written."""
    text = german_text(random.Random(7), 400) + " gefiel Häuser Venezuelas stieß Maduros 2025"
    frozen = _m007_index_text("Venezuelas Häuser", text)
    live = index_text("Venezuelas Häuser", text)
    assert frozen == (live.title, live.body, set(live.compounds))


def test_m027_fold_equals_the_live_search_fold_of_index_terms() -> None:
    """The frozen copy folds an index term as search folds it when m027 was written."""
    text = "Erdoğanregierung Łódź Škoda Ærø Zürich Straße Καθημερινή Зеленский ёлка Nguyễn Øresund"
    terms = text_terms(text + " " + german_text(random.Random(27), 200))
    assert [_frozen_search_fold(t) for t in terms] == [search_fold(t) for t in terms]


def test_m022_indexes_stored_articles_for_quoted_phrases(
    caplog: pytest.LogCaptureFixture, memory_db: Database
) -> None:
    migrations.apply(memory_db, stop_before="m022_phrases_positions")
    for n, (title, body) in enumerate(
        [
            ("Streik", "Die Deutsche Bahn streikt, der Tag der offenen Tür fällt aus."),
            ("Bericht", "Die Bahn deutsche Gründlichkeit, der Tag einer offenen Tür."),
        ]
    ):
        index = index_text(title, body)
        memory_db.table("articles").insert(
            {
                "title": title,
                "source": "dpa",
                "body": body,
                "fetched": "2025-11-10T12:00:00+00:00",
                "content_hash": str(n),
                "title_stems": index.title,
                "body_stems": index.body,
            }
        )
    with caplog.at_level("INFO", logger="bot.store.migrations"):
        migrate(memory_db)
    assert "event=phrase_index done=2 total=2" in caplog.text
    store = Store(memory_db)
    found = {
        text: [hit.article.title for hit in store.index.search(parse_query(text), 5).hits]
        for text in ('"Deutsche Bahn"', '"Bahn deutsche"', '"Tag der offenen Tür"', '"Tür fällt"')
    }
    assert found == {
        '"Deutsche Bahn"': ["Streik"],
        '"Bahn deutsche"': ["Bericht"],
        '"Tag der offenen Tür"': ["Streik"],
        '"Tür fällt"': ["Streik"],
    }


def test_m022_phrase_forms_equal_the_live_ones() -> None:
    """The frozen copy means what the live phrase index meant when m022 was written."""
    text = (
        german_text(random.Random(19), 400) + " gefiel muss Muß Venezuelas stieß 2025 " + "x" * 50
    )
    assert _m022_phrase_text("Venezuelas Häuser", text) == phrase_text("Venezuelas Häuser", text)


def test_m009_gives_each_subscribed_chat_its_subscriptions_zone(memory_db: Database) -> None:
    migrations.apply(memory_db, stop_before="m009_chat_zone")
    for chat in ("telegram:1", "telegram:2"):
        memory_db.table("chats").insert({"key": chat, "created": "2025-11-10T12:00:00+00:00"})
    memory_db.table("subscriptions").insert(
        {"chat": "telegram:1", "time": "07:00", "timezone": "America/New_York", "created": ""}
    )
    migrate(memory_db)
    zones = dict(memory_db.execute("SELECT key, zone FROM chats").fetchall())
    assert zones == {"telegram:1": "America/New_York", "telegram:2": None}


def test_m015_keeps_an_archived_digest_and_lets_a_day_keep_a_second(memory_db: Database) -> None:
    migrations.apply(memory_db, stop_before="m015_archive_several_a_day")
    morning = {
        "chat": "telegram:1",
        "digest_date": "2025-12-03",
        "sent": "2025-12-03T06:00:01+00:00",
        "reply": _reply_json(Reply(((Span("Morgen"),),))),
    }
    memory_db.table("digest_archive").insert(morning)
    migrate(memory_db)
    store = Store(memory_db)
    evening = datetime(2025, 12, 3, 17, 0, 1, tzinfo=UTC)
    store.archive.archive_digest("telegram:1", evening.date(), Reply(((Span("Abend"),),)), evening)
    kept = store.archive.archived_digests("telegram:1", evening.date())
    assert [k.sent.hour for k in kept] == [6, 17]
    assert [k.reply.paragraphs[0][0].text for k in kept] == ["Morgen", "Abend"]
    # Articles stored before chats had feeds of their own are the shared pool's.
    assert "chat_feed" in memory_db.table("articles").columns_dict
