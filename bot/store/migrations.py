"""The database schema as one sqlite-utils `Migrations` set, applied in order at start."""

from __future__ import annotations

import hashlib
import logging
import re
import time
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from simplemma.strategies import DictionaryLookupStrategy
from simplemma.strategies.dictionaries.stream_dictionary_factory import StreamDictionaryFactory
from sqlite_utils import Database, Migrations

if TYPE_CHECKING:
    from nltk.stem.snowball import GermanStemmer

migrations = Migrations("newsbot")
log = logging.getLogger(__name__)
# Articles re-indexed per statement batch, and how often progress is logged.
REINDEX_BATCH = 1000
REINDEX_LOG_EVERY = 10_000

# Frozen copies of bot/query.py's indexing as of m003 and m005: a migration must mean the same
# thing forever, whatever the live search code becomes. Do not edit; add a new migration.
_FROZEN_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_FROZEN_MAX_WORD_LENGTH = 40
_FROZEN_MIN_COMPOUND = 8
_FROZEN_STOPWORDS = frozenset(
    (  # noqa: SIM905 (a word list reads best as one string)
        "der die das den dem des ein eine einen einem einer eines und oder aber doch sondern "
        "ist sind war waren wird werden wurde wurden hat haben hatte hatten sei "
        "nicht auch noch nur schon so wie als wenn dass daß ob um zu zum zur "
        "im in ins an am auf aus bei mit von vom für über vor nach durch gegen ohne bis "
        "er sie es wir ihr ich sich ihm ihn ihnen ihre ihren ihrem ihrer sein seine seinen "
        "seinem seiner man dies diese dieser dieses diesem diesen"
    ).split()
)


def _frozen_words(text: str) -> list[str]:
    """Frozen copy of `query.words` as of m003; do not edit."""
    return _FROZEN_WORD.findall(text)


@lru_cache(maxsize=1)
def _frozen_stemmer() -> GermanStemmer:
    """NLTK's Snowball stemmer, imported when a migration first needs it (NLTK costs 30 MiB)."""
    from nltk.stem.snowball import GermanStemmer

    return GermanStemmer()


@lru_cache(maxsize=200_000)
def _frozen_stem(word: str) -> str:
    """Frozen copy of `query.stem` as of m003: Snowball stem, casefolded, umlauts folded."""
    stemmed = _frozen_stemmer().stem(word.casefold())
    folded = unicodedata.normalize("NFC", stemmed).casefold()
    return folded.replace("ä", "a").replace("ö", "o").replace("ü", "u")


def _frozen_compound_tails(text: str) -> str:
    """Frozen copy of `query.compound_tails` as of m003: reversed stems of long words."""
    out = {
        _frozen_stem(w)[::-1]
        for w in _frozen_words(text)
        if _FROZEN_MIN_COMPOUND <= len(w) <= _FROZEN_MAX_WORD_LENGTH
    }
    return " ".join(sorted(out))


def _frozen_index_stem(word: str) -> str:
    """Frozen copy of `query._index_stem` as of m005; "" drops the word. Do not edit."""
    if len(word) > _FROZEN_MAX_WORD_LENGTH or word.casefold() in _FROZEN_STOPWORDS:
        return ""
    return word if word.isdecimal() else _frozen_stem(word)


def _frozen_index_text(title: str, body: str) -> tuple[str, str, tuple[str, ...]]:
    """Frozen copy of `query.index_text` as of m005: title stems, body stems, long stems."""
    title_stems = list(filter(None, map(_frozen_index_stem, _frozen_words(title))))
    body_stems = list(filter(None, map(_frozen_index_stem, _frozen_words(body))))
    compounds = {s for s in {*title_stems, *body_stems} if len(s) >= _FROZEN_MIN_COMPOUND}
    return " ".join(title_stems), " ".join(body_stems), tuple(sorted(compounds))


# Frozen copy of summarizer.german's terms and bot/query.py's index_text as of m007: each
# word's stem and its lemma's stem (simplemma), sumy's and our stop words. Do not edit.
_M007_STOPWORDS = _FROZEN_STOPWORDS | frozenset(
    (  # noqa: SIM905 (a word list reads best as one string)
        "aber als am an auch auf aus bei bin bis bist da dadurch daher darum das daß dass dein "
        "deine dem den der des dessen deshalb die dies dieser dieses doch dort du durch ein eine "
        "einem einen einer eines er es euer eure für hatte hatten hattest hattet hier hinter ich "
        "ihr ihre im in ist ja jede jedem jeden jeder jedes jener jenes jetzt kann kannst können "
        "könnt machen mein meine mit muß mußt musst müssen müßt nach nachdem nein nicht nun oder "
        "seid sein seine sich sie sind soll sollen sollst sollt sonst soweit sowie und unser "
        "unsere unter vom von vor wann warum was weiter weitere wenn wer werde werden werdet "
        "weshalb wie wieder wieso wir wird wirst wo woher wohin zu zum zur über"
    ).split()
)


_M007_LEMMAS = DictionaryLookupStrategy()


@lru_cache(maxsize=200_000)
def _m007_terms(word: str) -> tuple[str, ...]:
    """Frozen copy of the index terms of one word as of m007. Do not edit."""
    if len(word) > _FROZEN_MAX_WORD_LENGTH or word.casefold() in _M007_STOPWORDS:
        return ()
    if word.isdecimal():
        return (word,)
    first = _frozen_stem(word)
    second = _frozen_stem(_M007_LEMMAS.get_lemma(word, "de") or word)
    if second == first and len(word) > 4 and word[0].isupper() and word.endswith(("as", "os")):
        second = _frozen_stem(word[:-1])
    return (first,) if second == first else (first, second)


def _m007_index_text(title: str, body: str) -> tuple[str, str, set[str]]:
    """Frozen copy of `query.index_text` as of m007: title terms, body terms, long terms."""
    title_terms = [t for w in _frozen_words(title) for t in _m007_terms(w)]
    body_terms = [t for w in _frozen_words(body) for t in _m007_terms(w)]
    compounds = {t for t in (*title_terms, *body_terms) if len(t) >= _FROZEN_MIN_COMPOUND}
    return " ".join(title_terms), " ".join(body_terms), compounds


# Frozen copy of bot/dedup.py's signature and bands as of m006: stored signatures must keep
# meaning what they meant when stored. Do not edit; add a new migration.
_M006_SHINGLE = 4
_M006_HASHES = 32
_M006_BANDS = 8
_M006_MIN_SHINGLES = 20
_M006_STREAM = np.frombuffer(
    hashlib.shake_128(b"newsbot minhash").digest(16 * _M006_HASHES), dtype="<u8"
)
_M006_XOR = _M006_STREAM[:_M006_HASHES].astype(np.uint64)
_M006_MUL = _M006_STREAM[_M006_HASHES:].astype(np.uint64) | np.uint64(1)
_M006_POLY = 0x9E3779B97F4A7C15


def _m006_signature(body: str) -> bytes | None:
    """Frozen copy of `dedup.signature` as of m006: MinHash of 4-word shingles. Do not edit."""
    words = _FROZEN_WORD.findall(unicodedata.normalize("NFC", body))
    if len(words) < _M006_MIN_SHINGLES + _M006_SHINGLE - 1:
        return None
    text = "\0".join(words).casefold().encode("utf-32-le")
    codes = np.frombuffer(text, dtype="<u4").astype(np.uint64)
    size = len(codes)
    up = np.full(size, np.uint64(_M006_POLY), dtype=np.uint64)
    down = np.full(size, np.uint64(pow(_M006_POLY, -1, 2**64)), dtype=np.uint64)
    up[0] = down[0] = 1
    up, down = np.cumprod(up, dtype=np.uint64), np.cumprod(down, dtype=np.uint64)
    prefix = np.zeros(size + 1, dtype=np.uint64)
    np.cumsum(codes * down, out=prefix[1:])
    gaps = np.flatnonzero(codes == 0)
    starts = np.concatenate(([0], gaps[: 1 - _M006_SHINGLE] + 1))
    ends = np.concatenate((gaps[_M006_SHINGLE - 1 :], [size]))
    shingles = (prefix[ends] - prefix[starts]) * up[ends - 1]
    if len(np.unique(shingles)) < _M006_MIN_SHINGLES:
        return None
    mixed = ((shingles[None, :] ^ _M006_XOR[:, None]) * _M006_MUL[:, None]) >> np.uint64(32)
    mins: npt.NDArray[np.uint32] = mixed.min(axis=1).astype(np.uint32)
    return mins.tobytes()


def _m006_bands(sig: bytes) -> list[int]:
    """Frozen copy of `dedup.bands` as of m006: one locality-sensitive key per band."""
    size = _M006_HASHES // _M006_BANDS * 4
    return [
        (band << 32) | zlib.crc32(sig[band * size : (band + 1) * size])
        for band in range(_M006_BANDS)
    ]


@migrations()
def m001_articles(db: Database) -> None:
    """Articles with an FTS5 index over title, body and a shadow column of German stems."""
    db.table("articles").create(
        {
            "id": int,
            "url": str,
            "url_key": str,
            "source": str,
            "title": str,
            "published": str,
            "fetched": str,
            "language": str,
            "body": str,
            "summary": str,
            "content_hash": str,
            "stems": str,
            "origin": str,
        },
        pk="id",
        not_null={"title", "source", "body", "fetched", "content_hash"},
        defaults={"language": "de", "summary": "[]", "stems": ""},
    )
    db.table("articles").create_index(["content_hash"], unique=True)
    db.table("articles").create_index(["url_key"])
    db.table("articles").create_index(["published"])
    db.table("articles").enable_fts(
        ["title", "body", "stems"],
        fts_version="FTS5",
        tokenize="unicode61 remove_diacritics 2",
        create_triggers=True,
    )
    db.table("article_links").create(
        {"article_id": int, "source": str, "title": str, "url": str, "published": str},
        pk=("article_id", "source", "title"),
        foreign_keys=[("article_id", "articles", "id")],
    )


@migrations()
def m002_chats(db: Database) -> None:
    """Chats with their settings, digest subscriptions, alerts and the delivery log."""
    db.table("chats").create(
        {
            "key": str,
            "language": str,
            "stories": int,
            "sentences": int,
            "send_empty": int,
            "created": str,
        },
        pk="key",
        defaults={"language": "de", "stories": 5, "sentences": 2, "send_empty": 1},
    )
    db.table("subscriptions").create(
        {"chat": str, "time": str, "timezone": str, "created": str},
        pk="chat",
        foreign_keys=[("chat", "chats", "key")],
    )
    db.table("alerts").create(
        {"id": int, "chat": str, "words": str, "created": str},
        pk="id",
        foreign_keys=[("chat", "chats", "key")],
    )
    db.table("alerts").create_index(["chat"])
    db.table("alert_hits").create(
        {"alert_id": int, "article_id": int, "sent": str},
        pk=("alert_id", "article_id"),
    )
    db.table("deliveries").create(
        {"chat": str, "digest_date": str, "sent": str, "status": str, "note": str},
        pk=("chat", "digest_date"),
    )
    db.table("feeds").create(
        {
            "id": int,
            "url": str,
            "title": str,
            "etag": str,
            "last_modified": str,
            "last_fetched": str,
            "next_fetch": str,
            "failures": int,
            "error": str,
            "created": str,
        },
        pk="id",
        defaults={"failures": 0},
    )
    db.table("feeds").create_index(["url"], unique=True)
    db.table("state").create({"key": str, "value": str}, pk="key")


@migrations()
def m003_dedup_and_compounds(db: Database) -> None:
    """Near-duplicate signatures, compound tails in the index, feed backoff and seen items.

    The FTS index gains a `parts` column (reversed stems of long words) so a query for the
    tail of a compound (`Systeme`) finds `Luftabwehrsysteme`; bm25 weights live in the
    index's `rank` setting so `ORDER BY rank` stays inside FTS5.
    """
    articles = db.table("articles")
    articles.add_column("parts", str, not_null_default="")
    articles.add_column("minhash", bytes)
    articles.create_index(["origin"])
    for row in list(db.query("SELECT id, title, body FROM articles")):
        db.execute(
            "UPDATE articles SET parts = ? WHERE id = ?",
            [_frozen_compound_tails(row["title"] + "\n" + row["body"]), row["id"]],
        )
    articles.enable_fts(
        ["title", "body", "stems", "parts"],
        fts_version="FTS5",
        tokenize="unicode61 remove_diacritics 2",
        create_triggers=True,
        replace=True,
    )
    db.execute(
        "INSERT INTO articles_fts(articles_fts, rank) VALUES ('rank', 'bm25(4.0, 1.0, 0.6, 0.3)')"
    )
    db.table("article_bands").create(
        {"band": int, "article_id": int},
        pk=("band", "article_id"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("article_bands").create_index(["article_id"])
    db.table("seen").create(
        {"key": str, "article_id": int, "status": str, "at": str},
        pk="key",
    )


@migrations()
def m004_digest_schedule(db: Database) -> None:
    """Digest keyword filters per chat, delivery attempts, and "send the latest digest now"."""
    db.table("chats").add_column("digest_keywords", str, not_null_default="")
    db.table("deliveries").add_column("scheduled", str)
    db.table("deliveries").create_index(["chat", "sent"])
    db.table("digest_requests").create(
        {"chat": str, "requested": str, "sent": str},
        pk="chat",
    )


@migrations()
def m005_stem_index(db: Database) -> None:
    """The FTS index holds the stems of title and body; compounds are looked up in a table.

    `title_stems` and `body_stems` replace `stems` and `parts`. `compounds` lists every long
    stem with its reversed form, so the compounds that start or end with a query word are one
    B-tree range scan each: the prefix queries this replaces merged every matching term's
    doclist, 20-50 ms per query at 100k articles. The update trigger ignores other columns,
    so storing a summary leaves the index alone.
    """
    articles = db.table("articles")
    articles.disable_fts()
    articles.add_column("title_stems", str, not_null_default="")
    articles.add_column("body_stems", str, not_null_default="")
    db.execute(
        "CREATE TABLE compounds (stem TEXT PRIMARY KEY, tail TEXT NOT NULL,"
        " articles INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID"
    )
    db.execute("CREATE INDEX compounds_tail ON compounds (tail)")
    counts: dict[str, int] = {}
    for row in list(db.query("SELECT id, title, body FROM articles")):
        title_stems, body_stems, compounds = _frozen_index_text(row["title"], row["body"])
        db.execute(
            "UPDATE articles SET title_stems = ?, body_stems = ? WHERE id = ?",
            [title_stems, body_stems, row["id"]],
        )
        for compound in compounds:
            counts[compound] = counts.get(compound, 0) + 1
    db.conn.executemany(
        "INSERT INTO compounds (stem, tail, articles) VALUES (?, ?, ?)",
        [(stem, stem[::-1], n) for stem, n in counts.items()],
    )
    db.execute("ALTER TABLE articles DROP COLUMN stems")
    db.execute("ALTER TABLE articles DROP COLUMN parts")
    db.execute(
        "CREATE VIRTUAL TABLE articles_fts USING fts5(title_stems, body_stems,"
        " content='articles', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    db.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('rank', 'bm25(4.0, 1.0)')")
    # One statement per execute: executescript() would commit the migration's transaction.
    db.execute(
        "CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN"
        " INSERT INTO articles_fts (rowid, title_stems, body_stems)"
        " VALUES (new.id, new.title_stems, new.body_stems); END"
    )
    db.execute(
        "CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN"
        " INSERT INTO articles_fts (articles_fts, rowid, title_stems, body_stems)"
        " VALUES ('delete', old.id, old.title_stems, old.body_stems); END"
    )
    db.execute(
        "CREATE TRIGGER articles_au AFTER UPDATE OF title_stems, body_stems ON articles BEGIN"
        " INSERT INTO articles_fts (articles_fts, rowid, title_stems, body_stems)"
        " VALUES ('delete', old.id, old.title_stems, old.body_stems);"
        " INSERT INTO articles_fts (rowid, title_stems, body_stems)"
        " VALUES (new.id, new.title_stems, new.body_stems); END"
    )
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")


@migrations()
def m006_minhash_v2(db: Database) -> None:
    """Near-duplicate signatures hash shingles from the words' characters in a few array ops.

    The new signatures differ from the old ones, so every stored article gets its new
    signature and band keys: a story stored before is still found when it comes again.
    """
    db.execute("DELETE FROM article_bands")
    last = 0
    while True:
        rows = db.execute(
            "SELECT id, body FROM articles WHERE id > ? ORDER BY id LIMIT 1000", [last]
        ).fetchall()
        if not rows:
            break
        signatures: list[tuple[bytes | None, int]] = []
        keys: list[tuple[int, int]] = []
        for article_id, body in rows:
            sig = _m006_signature(body)
            signatures.append((sig, article_id))
            if sig:
                keys.extend((key, article_id) for key in _m006_bands(sig))
        db.conn.executemany("UPDATE articles SET minhash = ? WHERE id = ?", signatures)
        db.conn.executemany(
            "INSERT OR IGNORE INTO article_bands (band, article_id) VALUES (?, ?)", keys
        )
        last = rows[-1][0]


@migrations()
def m007_lemma_index(db: Database) -> None:
    """The index holds each word's stem and its lemma's stem (`gefiel` finds `gefallen`).

    Progress goes to the log every REINDEX_LOG_EVERY articles.
    """
    total = int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
    started = time.perf_counter()
    counts: dict[str, int] = {}
    done = last = 0
    while True:
        rows = db.execute(
            "SELECT id, title, body FROM articles WHERE id > ? ORDER BY id LIMIT ?",
            [last, REINDEX_BATCH],
        ).fetchall()
        if not rows:
            break
        updates = []
        for article_id, title, body in rows:
            title_terms, body_terms, compounds = _m007_index_text(title, body)
            updates.append((title_terms, body_terms, article_id))
            for compound in compounds:
                counts[compound] = counts.get(compound, 0) + 1
        # The update trigger replaces each article's row in the FTS index.
        db.conn.executemany(
            "UPDATE articles SET title_stems = ?, body_stems = ? WHERE id = ?", updates
        )
        before, done, last = done, done + len(rows), rows[-1][0]
        if done // REINDEX_LOG_EVERY > before // REINDEX_LOG_EVERY or done == total:
            log.info(
                "event=reindex done=%d total=%d seconds=%.1f",
                done,
                total,
                time.perf_counter() - started,
            )
    db.execute("DELETE FROM compounds")
    db.conn.executemany(
        "INSERT INTO compounds (stem, tail, articles) VALUES (?, ?, ?)",
        [(stem, stem[::-1], n) for stem, n in counts.items()],
    )


@migrations()
def m008_breaking_quiet_archive(db: Database) -> None:
    """Breaking stories and quiet hours per chat, what waits for a quiet time to end, the
    breaking stories each chat was told of, and each sent digest as it was sent."""
    chats = db.table("chats")
    chats.add_column("breaking", int, not_null_default=0)
    chats.add_column("quiet", str, not_null_default="")
    db.table("breaking_sent").create(
        {"chat": str, "article_id": int, "story": int, "sent": str},
        pk=("chat", "article_id"),
    )
    db.table("held").create(
        {"id": int, "chat": str, "kind": str, "paragraphs": str, "release": str, "created": str},
        pk="id",
        not_null={"chat", "paragraphs", "release"},
    )
    db.table("held").create_index(["release"])
    db.table("digest_archive").create(
        {"chat": str, "digest_date": str, "sent": str, "reply": str},
        pk=("chat", "digest_date"),
        not_null={"reply", "sent"},
    )
    db.table("digest_archive").create_index(["sent"])


@migrations()
def m009_chat_zone(db: Database) -> None:
    """The zone belongs to the chat, not to its subscription: it outlives `/unsubscribe` and
    can be chosen without a digest. Existing chats take their subscription's zone."""
    db.table("chats").add_column("zone", str)
    db.execute(
        "UPDATE chats SET zone = (SELECT timezone FROM subscriptions WHERE chat = chats.key)"
    )


@migrations()
def m010_push_outbox(db: Database) -> None:
    """Alerts and breaking stories go through an outbox: planned when their article is stored,
    claimed right before their one attempt, so a restart sends what was planned and never tried.
    What waited for a quiet time to end moves in as planned pushes held until then."""
    db.table("pushes").create(
        {
            "id": int,
            "chat": str,
            "kind": str,
            "key": str,
            "reply": str,
            "planned": str,
            "due": str,
            "held": int,
            "status": str,
            "attempted": str,
            "note": str,
        },
        pk="id",
        not_null={"chat", "kind", "key", "reply", "planned", "due", "status"},
        defaults={"held": 0, "status": "planned", "note": ""},
    )
    db.table("pushes").create_index(["chat", "key"], unique=True)
    db.table("pushes").create_index(["status", "due"])
    db.execute(
        "INSERT INTO pushes (chat, kind, key, reply, planned, due, held, status)"
        " SELECT chat, kind, 'held:' || id,"
        " json_object('paragraphs', json(paragraphs), 'buttons', json('[]'),"
        " 'link_previews', json('false'), 'ok', json('true')),"
        " coalesce(created, release), release, 1, 'planned' FROM held"
    )
    db.table("held").drop()


@migrations()
def m011_next_due(db: Database) -> None:
    """Each subscription's next digest time, so the clock reads only what is due (NULL: not
    computed yet; the next tick computes it, and finds what a restart missed)."""
    db.table("subscriptions").add_column("next_due", str)
    db.table("subscriptions").create_index(["next_due"])


@migrations()
def m012_silent_previews(db: Database) -> None:
    """Per chat: pushes without a notification sound, and link previews (both off)."""
    chats = db.table("chats")
    chats.add_column("silent", int, not_null_default=0)
    chats.add_column("previews", int, not_null_default=0)


@migrations()
def m013_digest_times_days(db: Database) -> None:
    """More than one digest a day (`07:00 18:00`) and weekdays only (`mon-fri`)."""
    subscriptions = db.table("subscriptions")
    subscriptions.add_column("more_times", str, not_null_default="")
    subscriptions.add_column("days", str, not_null_default="")


@migrations()
def m014_chat_sources(db: Database) -> None:
    """The outlets a chat (or forum topic) reads, one name a line; empty: every outlet."""
    db.table("chats").add_column("sources", str, not_null_default="")


@migrations()
def m015_archive_several_a_day(db: Database) -> None:
    """The archive keeps each digest of a day (07:00 and 18:00), keyed by the time it was sent."""
    db.table("digest_archive").transform(pk=("chat", "digest_date", "sent"))


@migrations()
def m016_chat_feeds(db: Database) -> None:
    """A chat's own feeds: the requests and links (`chat_feeds`), feeds that only the chats
    that added them read (`feeds.chats_only`), and the chat feed each article came from."""
    db.table("feeds").add_column("chats_only", int, not_null_default=0)
    db.table("articles").add_column("chat_feed", int)
    db.table("articles").create_index(["chat_feed"])
    # AUTOINCREMENT: a number is never given twice, so an operator's old button for a
    # refused request cannot approve a later one (PostgreSQL's identity never reuses either).
    db.execute(
        "CREATE TABLE chat_feeds (id INTEGER PRIMARY KEY AUTOINCREMENT, chat TEXT NOT NULL,"
        " url TEXT NOT NULL, title TEXT, status TEXT NOT NULL, added TEXT NOT NULL,"
        " feed_id INTEGER, asked_by TEXT)"
    )
    db.table("chat_feeds").create_index(["chat", "url"], unique=True)
    db.table("chat_feeds").create_index(["feed_id"])


@migrations()
def m017_article_kicker(db: Database) -> None:
    """The kicker above an article's headline ("Bundesliga, 13. Spieltag") as its own field;
    ingest indexes it ahead of the body, so `/search Bundesliga` finds the match report.
    Articles stored before have none (the cleaner dropped it)."""
    db.table("articles").add_column("kicker", str, not_null_default="")


@migrations()
def m018_feed_leases(db: Database) -> None:
    """Feed leases: the poller that claimed a feed and until when, so several pollers share
    the feeds and a crashed poller's feeds are due again when its lease runs out."""
    feeds = db.table("feeds")
    feeds.add_column("lease_owner", str)
    feeds.add_column("leased_until", str)


@migrations()
def m019_pgsearch_term_counts(db: Database) -> None:
    """PostgreSQL stores each index row's term counts beside its terms (ranking reads no text
    there); FTS5 keeps its own, so SQLite has nothing to change."""


@migrations()
def m020_ops_alert_keys(db: Database) -> None:
    """Commands that any process may answer, twice: an alert's words as its unique key in the
    chat (`words_key`; the same alert stored twice is merged into its first, hits and all),
    and the incoming updates already handled (`updates_seen`, kept a day)."""
    db.table("alerts").add_column("words_key", str, not_null_default="")
    first: dict[tuple[str, str], int] = {}
    for alert_id, chat, words in db.execute("SELECT id, chat, words FROM alerts ORDER BY id"):
        key = _m020_alert_key(str(words or "").split())
        kept = first.setdefault((chat, key), alert_id)
        if kept == alert_id:
            db.execute("UPDATE alerts SET words_key = ? WHERE id = ?", [key, alert_id])
            continue
        db.execute(
            "INSERT OR IGNORE INTO alert_hits (alert_id, article_id, sent)"
            " SELECT ?, article_id, sent FROM alert_hits WHERE alert_id = ?",
            [kept, alert_id],
        )
        db.execute("DELETE FROM alert_hits WHERE alert_id = ?", [alert_id])
        db.execute("DELETE FROM alerts WHERE id = ?", [alert_id])
    db.table("alerts").create_index(["chat", "words_key"], unique=True)
    db.execute("CREATE TABLE updates_seen (key TEXT PRIMARY KEY, at TEXT NOT NULL)")
    db.table("updates_seen").create_index(["at"])


@migrations()
def m021_ops_unplanned_alerts(db: Database) -> None:
    """Articles a poll stored whose alerts are not planned yet, written in the poll's own
    transaction: a process that dies between storing and planning leaves them here, and the
    next sender plans them (none on an upgrade: what was stored before was planned then)."""
    db.execute(
        "CREATE TABLE alerts_unplanned (article_id INTEGER PRIMARY KEY, stored TEXT NOT NULL)"
    )
    db.table("alerts_unplanned").create_index(["stored"])


# Frozen copy of bot/query.py's `phrase_text` as of m022: each word's m007 terms (stop words
# now matched case folded, so `muss` is one) joined by "~", a small word "~" and itself case
# folded, cut at 40 letters. Do not edit.
_M022_STOPWORDS = frozenset(w.casefold() for w in _M007_STOPWORDS)
# The same dictionary as m007's, decoded per lookup (15 MiB resident instead of 101 MiB).
_M022_LEMMAS = DictionaryLookupStrategy(StreamDictionaryFactory())


@lru_cache(maxsize=200_000)
def _m022_form(word: str) -> str:
    """Frozen copy of one word's phrase form as of m022. Do not edit."""
    if len(word) > _FROZEN_MAX_WORD_LENGTH or word.casefold() in _M022_STOPWORDS:
        return "~" + word[:_FROZEN_MAX_WORD_LENGTH].casefold()
    if word.isdecimal():
        return word
    first = _frozen_stem(word)
    second = _frozen_stem(_M022_LEMMAS.get_lemma(word, "de") or word)
    if second == first and len(word) > 4 and word[0].isupper() and word.endswith(("as", "os")):
        second = _frozen_stem(word[:-1])
    return first if second == first else f"{first}~{second}"


def _m022_phrase_text(title: str, body: str) -> str:
    """Frozen copy of `query.phrase_text` as of m022: title then body, one form a word."""
    return " ".join(map(_m022_form, [*_frozen_words(title), *_frozen_words(body)]))


def _m022_forms(phrase: str) -> set[tuple[str, str]]:
    """Frozen copy of each (term, form) a phrase text adds to `articles_fts_forms` as of m022."""
    return {(t, f) for f in set(phrase.split()) if f[0] != "~" for t in f.split("~")}


@migrations()
def m022_phrases_positions(db: Database) -> None:
    """Quoted phrases by position: each article's words in order, one form a word (its terms
    joined by `~`, a small word `~` and itself), in their own FTS5 index, so a phrase query
    checks order and adjacency over every article; `articles_fts_forms` lists the forms each
    term is part of, so a phrase's word is asked as every stored form sharing a term with it.

    The index is contentless (the forms are not stored twice) and tokenized on spaces alone,
    so a form is one token, as written. Articles are never deleted: a contentless index could
    not forget a deleted one's words (SQLite before 3.43 has no `contentless_delete`).
    Progress goes to the log every REINDEX_LOG_EVERY articles.
    """
    db.execute(
        "CREATE VIRTUAL TABLE articles_fts_phrases USING fts5(words, content='',"
        " columnsize=0, tokenize=\"ascii tokenchars '~'\")"
    )
    db.execute(
        "CREATE TABLE articles_fts_forms (term TEXT NOT NULL, form TEXT NOT NULL,"
        " PRIMARY KEY (term, form)) WITHOUT ROWID"
    )
    total = int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
    started = time.perf_counter()
    forms: set[tuple[str, str]] = set()
    done = last = 0
    while rows := db.execute(
        "SELECT id, title, body FROM articles WHERE id > ? ORDER BY id LIMIT ?",
        [last, REINDEX_BATCH],
    ).fetchall():
        phrases = [(i, _m022_phrase_text(title, body)) for i, title, body in rows]
        db.conn.executemany(
            "INSERT INTO articles_fts_phrases (rowid, words) VALUES (?, ?)", phrases
        )
        for _, phrase in phrases:
            forms |= _m022_forms(phrase)
        before, done, last = done, done + len(rows), rows[-1][0]
        if done // REINDEX_LOG_EVERY > before // REINDEX_LOG_EVERY or done == total:
            log.info(
                "event=phrase_index done=%d total=%d seconds=%.1f",
                done,
                total,
                time.perf_counter() - started,
            )
    db.conn.executemany("INSERT INTO articles_fts_forms (term, form) VALUES (?, ?)", sorted(forms))


@migrations()
def m023_search_index_layout(db: Database) -> None:
    """PostgreSQL finds quoted phrases by their adjacent word pairs (a second GIN index) and
    keeps its index rows uncompressed; FTS5 reads positions from its own phrase index and
    keeps its own pages, so SQLite has nothing to change."""


@migrations()
def m024_phrase_pairs(db: Database) -> None:
    """PostgreSQL stores each phrase row's adjacent word pairs as a column the client writes
    (faster ingest than m023's expression index); FTS5's phrase index is unchanged."""


@migrations()
def m025_accents_of_other_scripts(db: Database) -> None:
    """PostgreSQL's index terms keep the accents of letters other than Latin (й, ё, ά), as
    FTS5's `remove_diacritics 2` keeps them; SQLite has nothing to change."""


@migrations()
def m026_articles_by_source(db: Database) -> None:
    """Articles indexed by outlet name: `quelle:` lists the stored names first (every one, to
    match them as search folds words), which scanned every article's row."""
    db.table("articles").create_index(["source"])


@migrations()
def m027_compounds_folded(db: Database) -> None:
    """Compounds are stored as the search index folds its terms (`erdoganregier`, not
    `erdoğanregier`): a query word is looked up folded, so `Erdogan` finds the compound.
    Spellings that fold alike become one row, their article counts added."""
    folded = _m027_folded(
        db.execute("SELECT stem, articles FROM compounds WHERE stem GLOB '*[^ -~]*'").fetchall()
    )
    db.execute("DELETE FROM compounds WHERE stem GLOB '*[^ -~]*'")
    db.conn.executemany(
        "INSERT INTO compounds (stem, tail, articles) VALUES (?, ?, ?)"
        " ON CONFLICT (stem) DO UPDATE SET articles = articles + excluded.articles",
        [(stem, stem[::-1], n) for stem, n in sorted(folded.items())],
    )


def _m027_folded(rows: Iterable[Sequence[Any]]) -> Counter[str]:
    """Compounds (stem, articles) folded, the counts of spellings that fold alike added (m027
    on both backends)."""
    folded: Counter[str] = Counter()
    for stem, articles in rows:
        folded[_frozen_search_fold(str(stem))] += int(articles)
    return folded


def _frozen_search_fold(term: str) -> str:
    """A frozen copy of `bot.query.search_fold` as of m027 for an index term (folded already):
    a Latin letter's diacritics removed (ğ → g), other scripts' letters kept (a test holds
    them equal)."""
    if term.isascii():
        return term
    out = []
    for letter in term:
        decomposed = unicodedata.normalize("NFD", letter)
        latin = unicodedata.name(letter, "").startswith("LATIN")
        plain = latin and len(decomposed) > 1 and decomposed[0].isascii()
        out.append(decomposed[0] if plain else letter)
    return re.sub("[\u0300-\u036f]", "", "".join(out))


def migrate(db: Database) -> None:
    """Apply every pending migration."""
    migrations.apply(db)
    _frozen_stem.cache_clear()
    _m007_terms.cache_clear()  # only migrations use it; don't hold its memory while serving


def _m020_alert_key(words: list[str]) -> str:
    """A frozen copy of `bot.store.table.alert_key` as of m020 (a test holds them equal)."""
    return " ".join(sorted({w.casefold() for w in words}))
    _m022_form.cache_clear()
