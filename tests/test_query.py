"""German keyword search: word forms, umlauts, compounds, ranking, filters, snippets, safety;
on SQLite and on PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.stem.snowball import GermanStemmer

import summarizer
from bot import query
from bot.query import HIT_END, HIT_START, parse_query
from bot.records import NewArticle
from bot.store import CANDIDATES, Storage, Store
from tests.fakes.feed_site import german_text

NOW = datetime(2025, 11, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(any_store: Storage) -> Storage:
    """Search runs on SQLite and on PostgreSQL alike."""
    return any_store


def put(store: Storage, title: str, text: str, source: str = "dpa", days_ago: int = 1) -> int:
    article = NewArticle(
        title=title,
        source=source,
        body=text + " " + german_text(random.Random(title), 40),
        summary=(),
        published=NOW - timedelta(days=days_ago),
    )
    status, article_id = store.articles.add_article(article, NOW)
    assert status == "added"
    return article_id


def found(store: Storage, text: str) -> list[int]:
    page = store.index.search(parse_query(text), 20, now=NOW)
    return [hit.article.id for hit in page.hits]


@pytest.fixture
def library(store: Storage) -> dict[str, int]:
    return {
        "russland": put(store, "Gespräche in Moskau", "Russlands Außenminister reiste ab."),
        "rakete": put(store, "Neue Waffe", "Eine Rakete wurde getestet."),
        "strasse": put(store, "Verkehr", "Die Straße bleibt gesperrt."),
        "exact": put(store, "Luftabwehr im Test", "Die Luftabwehr übte."),
        "compound": put(store, "Lieferung", "Moskau lieferte Luftabwehrsysteme."),
        "old": put(store, "Venezuela früher", "Venezuela und Öl.", "Reuters", days_ago=300),
        "new": put(store, "Venezuela heute", "Venezuela und Öl.", "dpa", days_ago=0),
    }


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("Russland", "russland"),
        ("Raketen", "rakete"),
        ("Strasse", "strasse"),
        ("STRASSE", "strasse"),
        ("Straße", "strasse"),
        ("aussenminister", "russland"),
        ("Systeme", "compound"),
    ],
)
def test_search_matches_german_word_forms(
    store: Storage, library: dict[str, int], query: str, key: str
) -> None:
    assert library[key] in found(store, query)


def test_compound_part_ranks_below_exact_word(store: Storage, library: dict[str, int]) -> None:
    ids = found(store, "Luftabwehr")
    assert ids[:2] == [library["exact"], library["compound"]]


def test_newer_article_ranks_first_when_text_is_equal(
    store: Storage, library: dict[str, int]
) -> None:
    assert found(store, "Venezuela Öl")[:2] == [library["new"], library["old"]]


def test_filters_by_date_and_source(store: Storage, library: dict[str, int]) -> None:
    assert found(store, "venezuela quelle:reuters") == [library["old"]]
    assert found(store, "venezuela seit:2025-11-01") == [library["new"]]
    assert found(store, "venezuela quelle:%") == []


def test_snippet_marks_matched_word_forms(store: Storage, library: dict[str, int]) -> None:
    page = store.index.search(parse_query("Raketen"), 5, now=NOW)
    assert f"{HIT_START}Rakete{HIT_END}" in page.hits[0].snippet


def test_paging_counts_all_and_returns_each_hit_once(store: Storage) -> None:
    ids = {
        put(store, f"Bericht {n}", f"Hochwasser Nummer {n} am Rhein.", days_ago=n)
        for n in range(12)
    }
    pages = [
        store.index.search(parse_query("Hochwasser"), 5, offset, now=NOW) for offset in (0, 5, 10)
    ]
    assert [p.total for p in pages] == [12, 12, 12]
    seen = [hit.article.id for p in pages for hit in p.hits]
    assert sorted(seen) == sorted(ids)
    assert store.index.search(parse_query("Hochwasser"), 5, 40, now=NOW).hits == ()


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "AND(",
        "*",
        "NEAR",
        "NEAR(a b)",
        "OR",
        "NOT",
        '"unclosed',
        "a AND",
        "^x",
        "{title}: x",
        "col:umn",
        "Ru*",
        "-",
        "(((",
        "'; DROP TABLE articles; --",
    ],
)
def test_operator_text_is_a_safe_query(store: Storage, library: dict[str, int], text: str) -> None:
    query = parse_query(text)
    page = store.index.search(query, 5, now=NOW)
    assert page.total >= 0
    assert store.articles.count_articles() == len(library)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_any_text_is_a_valid_fts_query(text: str) -> None:
    store = Store.memory()
    try:
        put(store, "Venezuela heute", "Venezuela und Öl.")
        store.index.search(parse_query(text), 5, now=NOW)
    finally:
        store.close()


def test_word_only_in_a_compound_is_found_with_another_word(
    store: Storage, library: dict[str, int]
) -> None:
    assert found(store, "Moskau Systeme") == [library["compound"]]


def test_exact_word_ranks_above_a_newer_compound(store: Storage) -> None:
    exact = put(store, "Verteidigung", "Die Luftabwehr wurde verstärkt.", days_ago=20)
    compound = put(store, "Lieferung", "Neue Luftabwehrraketen kamen an.", days_ago=0)
    assert found(store, "Luftabwehr") == [exact, compound]
    page = store.index.search(parse_query("Luftabwehr"), 5, now=NOW)
    assert f"{HIT_START}Luftabwehrraketen{HIT_END}" in page.hits[1].snippet


def test_word_in_most_articles_still_filters_and_the_rarer_word_ranks(store: Storage) -> None:
    for n in range(8):
        put(store, f"Meldung {n}", "Neues aus dem Tierpark.")
    in_title = put(store, "Giraffe geboren", "Der Tierpark freut sich.", days_ago=3)
    in_body = put(store, "Nachwuchs", "Im Tierpark kam eine Giraffe zur Welt.", days_ago=2)
    put(store, "Im Zoo", "Eine Giraffe wurde geboren.")
    assert found(store, "Tierpark Giraffe") == [in_title, in_body]


def test_more_matches_than_can_be_paged_are_shown_as_capped(store: Storage) -> None:
    batch = [
        NewArticle(f"Meldung {n}", "dpa", f"Streik Nummer {n}.", (), NOW - timedelta(minutes=n))
        for n in range(CANDIDATES + 1)
    ]
    store.articles.add_articles(batch, NOW)
    page = store.index.search(parse_query("Streik"), 5, now=NOW)
    assert (page.total, page.capped) == (CANDIDATES, True)
    assert page.hits[0].article.title == "Meldung 0"
    assert store.index.search(parse_query("Streik"), 5, CANDIDATES, now=NOW).hits == ()
    assert store.index.search(parse_query("Nummer 7"), 5, now=NOW).capped is False


def test_function_words_are_not_searched(store: Storage, library: dict[str, int]) -> None:
    assert found(store, "Die Rakete") == [library["rakete"]]
    page = store.index.search(parse_query("die und das"), 5, now=NOW)
    assert (page.total, page.hits) == (0, ())
    snippet = store.index.search(parse_query("die Rakete"), 5, now=NOW).hits[0].snippet
    assert f"{HIT_START}Rakete{HIT_END}" in snippet
    assert f"{HIT_START}Eine{HIT_END}" not in snippet


STEM_WORDS = [
    "Häuser", "Straße", "straßen", "Luftabwehrsysteme", "bezeichnet", "Überweisungsträger",
    "Bäume", "laufen", "läuft", "Kindern", "Mädchen", "aufeinanderfolgenden", "Königinnen",
    "Zeitungen", "Bauer", "Bayern", "euer", "Ruhe", "Mäuse", "Abc123", "ΣΊΣΥΦΟΣ", "İstanbul",
    "ǅemal", "ﬁnanzen", "Ꭰrmal", "x", "zu", "a" * 41,
]  # fmt: skip


def test_batched_stems_equal_nltks_per_word_stems() -> None:
    nltk = GermanStemmer()
    folded = [w.casefold() for w in STEM_WORDS]
    assert summarizer.stems(folded) == [summarizer.fold(nltk.stem(w)) for w in folded]
    assert [summarizer.stem(w) for w in STEM_WORDS] == [
        summarizer.fold(nltk.stem(w)) for w in folded
    ]


def test_index_terms_drop_function_words_keep_numbers_and_survive_a_full_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = " ".join([*STEM_WORDS, "2025", "Die", "DER"])
    found = summarizer.words(text)
    expected = [() if len(w) > 40 else summarizer.terms([w])[0] for w in found]
    assert expected[-3:] == [("2025",), (), ()]
    assert ("haus",) in expected
    assert query.word_terms(found) == expected
    # A full cache is emptied and refilled, and gives the same terms.
    monkeypatch.setattr(query, "MAX_CACHED_WORDS", 5)
    assert query.word_terms(summarizer.words(text.upper()))[-3:] == [("2025",), (), ()]
    assert query.word_terms(found) == expected
    assert len(query._INDEX_TERMS) <= len(expected)


def test_index_text_of_given_body_words_equals_splitting_the_body() -> None:
    body = german_text(random.Random(9), 120) + " snake_case Straße"
    title = "Luftabwehrsysteme für Kiew"
    given = query.index_text(title, body, summarizer.words(body))
    assert given == query.index_text(title, body)
    assert summarizer.words("a_b c") == ["a", "b", "c"]
    assert summarizer.words("ab c") == ["ab", "c"]


def test_since_takes_a_day_as_archive_does_from_its_start_in_the_readers_zone() -> None:
    now = datetime(2025, 11, 11, 3, tzinfo=UTC)
    berlin = ZoneInfo("Europe/Berlin")
    assert parse_query("x seit:1.11.2025").since == datetime(2025, 11, 1, tzinfo=UTC)
    assert parse_query("x seit:2025-11-01").since == datetime(2025, 11, 1, tzinfo=UTC)
    yesterday = parse_query("x since:yesterday", now, "Europe/Berlin").since
    assert yesterday == datetime(2025, 11, 10, tzinfo=berlin)
    assert parse_query("x seit:1.11.", now).since == datetime(2025, 11, 1, tzinfo=UTC)
    # A day relative to today means nothing without the reader's now.
    assert parse_query("x seit:gestern").problem == "bad-date"
    assert parse_query("x seit:31.2.2025", now).problem == "bad-date"


def test_a_quoted_phrase_must_occur_in_that_order(store: Storage) -> None:
    said = put(store, "Gipfel", "Der Kreml fordert friedliche Lösungen für Venezuela.")
    apart = put(store, "Streit", "Die Lösung wirkt friedlich, sagt der Kreml.")
    title = put(store, "Friedliche Lösung in Sicht", "Die Gespräche gehen weiter.")
    assert sorted(found(store, "friedliche Lösung")) == sorted([said, apart, title])
    assert sorted(found(store, "„friedliche Lösung“")) == sorted([said, title])
    assert found(store, '"Lösung friedlich" Kreml') == []
    assert found(store, '"friedliche Lösung" -Gipfel') == [title]
    # Small words count as written: "nicht" is part of what the phrase says.
    denied = put(store, "Absage", "Die Lösung ist nicht friedlich, sagt der Kreml.")
    assert found(store, '"Lösung ist nicht friedlich"') == [denied]
    assert found(store, '"Lösung ist friedlich"') == []


def test_a_phrase_word_finds_each_form_sharing_a_term_with_it(store: Storage) -> None:
    # "gestoßen" and "stieß" share the lemma's stem; "Chinas" and "China" the name's.
    wall = put(store, "Unfall", "Der Wagen stieß gegen die Mauer.")
    china = put(store, "Handel", "Die Regierung Chinas und die China Regierung.")
    assert found(store, '"gestoßen gegen die Mauer"') == [wall]
    assert found(store, '"gegen eine Mauer"') == []
    assert found(store, '"Chinas Regierung"') == [china]
    # A phrase's word that no article holds: nothing, whatever the other words find.
    assert found(store, '"Regierung Pekings"') == []


def test_a_phrase_is_found_however_many_newer_articles_hold_its_words_apart(
    store: Storage,
) -> None:
    # More newer articles than the candidate cap hold both words, in the other order.
    batch = [
        NewArticle(
            title=f"Bericht {n}",
            source="dpa",
            body=f"Die Bahn deutsche Gründlichkeit, Folge {n}.",
            summary=(),
            published=NOW - timedelta(hours=n),
        )
        for n in range(CANDIDATES + 100)
    ]
    store.articles.add_articles(batch, NOW)
    old = put(store, "Streik", "Die Deutsche Bahn streikt.", days_ago=60)
    page = store.index.search(parse_query('"Deutsche Bahn"'), 20, now=NOW)
    assert ([hit.article.id for hit in page.hits], page.total, page.capped) == ([old], 1, False)
    assert store.index.search(parse_query('"Bahn deutsche"'), 20, now=NOW).total == CANDIDATES


def test_a_phrase_is_found_anywhere_in_a_long_text(store: Storage) -> None:
    # Past 16,383 words and past 255 of one word ("der"), where one PostgreSQL tsvector
    # keeps no more positions: the text is indexed in parts that overlap.
    filler = " ".join(f"der Fall{n % 500} und" for n in range(6000))
    long = put(store, "Chronik", filler + " Am Ende kam der Tag der offenen Tür.")
    assert found(store, '"Tag der offenen Tür"') == [long]
    assert found(store, '"Ende kam der Tag der offenen Tür"') == [long]
    assert found(store, '"Tür der offenen Tag"') == []


def test_more_than_eight_words_are_named_not_cut() -> None:
    assert parse_query("die Lage in der Ukraine und in Russland heute").problem is None
    nine = " ".join(f"Thema{i}" for i in range(9))
    assert parse_query(nine).problem == "many"
    assert parse_query(" ".join(f"Thema{i}" for i in range(8))).problem is None
