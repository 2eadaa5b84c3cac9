"""Duplicate detection as pure functions: URL keys, content hashes and MinHash signatures."""

from __future__ import annotations

import hashlib
import random
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import dedup
from bot.dedup import (
    BANDS,
    bands,
    content_hash,
    is_near_duplicate,
    normalize_url,
    signature,
    similarity,
)
from summarizer import words
from tests.fakes.feed_site import german_text


@pytest.mark.parametrize(
    "url",
    [
        "https://www.tagesschau.de/inland/a.html",
        "http://tagesschau.de/inland/a.html",
        "https://TAGESSCHAU.de/inland/a.html#kommentare",
        "https://tagesschau.de/inland/a.html/",
        "https://tagesschau.de:443/inland//a.html",
        "https://tagesschau.de/inland/a.html?utm_source=rss&utm_medium=feed",
        "https://tagesschau.de/inland/a.html?fbclid=abc&at_medium=x&wt_mc=y",
        "  https://tagesschau.de/inland/a.html  ",
    ],
)
def test_url_variants_of_one_page_share_a_key(url: str) -> None:
    assert normalize_url(url) == "tagesschau.de/inland/a.html"


def test_url_key_keeps_meaningful_parameters_in_any_order() -> None:
    a = normalize_url("https://example.org/artikel?id=7&seite=2&utm_campaign=x")
    b = normalize_url("https://example.org/artikel?seite=2&id=7")
    assert a == b == "example.org/artikel?id=7&seite=2"
    assert normalize_url("https://example.org/artikel?id=8") != a


def test_url_key_keeps_a_non_default_port_and_the_path_case() -> None:
    assert normalize_url("http://example.org:8080/A") == "example.org:8080/A"
    assert normalize_url("https://example.org/A") != normalize_url("https://example.org/a")


def test_content_hash_ignores_case_and_spacing_only() -> None:
    assert content_hash("Titel", "Ein  Text.\n") == content_hash("TITEL ", "ein text.")
    assert content_hash("Titel", "Ein Text.") != content_hash("Titel", "Ein Test.")
    assert content_hash("Titel A", "Text") != content_hash("Titel B", "Text")


# Whitespace of every kind `str.split` knows (ASCII, separators, NBSP, ideographic), characters
# whose case folding changes their length (ß, İ, ligatures) or depends on nothing around them
# (final sigma), and a zero-width space, which is no whitespace.
_SPACES = " \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2000\u2028\u3000"
_LETTERS = "aZßİΣςﬁ\u200b"


def _reference_hash(title: str, body: str) -> str:
    """The content hash as defined: words of title and body joined by a space, case folded."""
    text = " ".join((title + "\n" + body).split()).casefold()
    return hashlib.sha256(text.encode()).hexdigest()


@given(
    st.text(_SPACES + _LETTERS, max_size=30),
    st.text(_SPACES + _LETTERS, max_size=300),
    st.integers(1, 9),
)
def test_content_hash_read_in_pieces_is_the_hash_of_the_whole_text(
    title: str, body: str, piece: int
) -> None:
    original = dedup.HASH_PIECE
    dedup.HASH_PIECE = piece  # pieces of a few characters: every cut is at a boundary
    try:
        assert content_hash(title, body) == _reference_hash(title, body)
    finally:
        dedup.HASH_PIECE = original


def test_content_hash_of_a_long_body_is_the_hash_of_the_whole_text() -> None:
    rng = random.Random(9)
    body = "".join(
        rng.choice(["Straße ", "ΣΟΦΙΑ\u3000", "Wort\n\n", "İl\xa0", "x\u200b"])
        for _ in range(60_000)
    )
    assert len(body) > 3 * dedup.HASH_PIECE
    assert content_hash("Titel", body) == _reference_hash("Titel", body)


def test_short_bodies_get_no_signature() -> None:
    assert signature("Zu kurz für eine Signatur.") is None


def test_signature_is_deterministic_and_banded() -> None:
    body = german_text(random.Random(1), 120)
    sig = signature(body)
    assert sig is not None
    assert sig == signature(body)
    assert len(bands(sig)) == BANDS
    assert bands(sig) == bands(signature(body) or b"")


def test_same_story_with_an_edited_sentence_is_a_near_duplicate() -> None:
    body = german_text(random.Random(2), 200)
    edited = body.replace(body.split(". ")[3], "Die Agentur ergänzte später eine Stellungnahme")
    a, b = signature(body), signature(edited)
    assert a is not None
    assert b is not None
    assert a != b
    assert is_near_duplicate(a, b)
    assert set(bands(a)) & set(bands(b))


def test_different_stories_are_not_near_duplicates() -> None:
    a = signature(german_text(random.Random(3), 200))
    b = signature(german_text(random.Random(4), 200))
    assert a is not None
    assert b is not None
    assert similarity(a, b) < 0.2
    assert not is_near_duplicate(a, b)


def test_similarity_of_mismatched_signatures_is_zero() -> None:
    assert similarity(b"", b"") == 0.0
    assert similarity(b"\x00" * 8, b"\x00" * 4) == 0.0


def test_signature_of_given_words_equals_splitting_the_body() -> None:
    body = german_text(random.Random(6), 150) + " Straße snake_case"
    assert signature(body, words(body)) == signature(body)
    # Decomposed umlauts: the given words (split at the combining marks) are not used.
    decomposed = unicodedata.normalize("NFD", body)
    assert signature(decomposed, words(decomposed)) == signature(body)
    # Case does not matter, as before.
    assert signature(body.upper(), words(body.upper())) == signature(body)


def test_repeated_shingles_count_once() -> None:
    # 150 words, but only five distinct shingles: too few to tell stories apart.
    assert signature("Die Bahn streikt heute wieder. " * 30) is None
