"""German sentence splitting and the tokenizer object sumy gets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer import split_sentences
from summarizer.german import prose_words as to_words
from summarizer.sentences import GermanTokenizer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Am 10. November 2025 kam er. Dann ging er.",
            ["Am 10. November 2025 kam er.", "Dann ging er."],
        ),
        ("Sie kam am 02.11.2025 an. Er nicht.", ["Sie kam am 02.11.2025 an.", "Er nicht."]),
        ("Das ist z. B. gut. Ja.", ["Das ist z. B. gut.", "Ja."]),
        (
            "Dr. Meier kam u. a. mit Frau Prof. Schmidt. Gut.",
            ["Dr. Meier kam u. a. mit Frau Prof. Schmidt.", "Gut."],
        ),
        (
            "Er zahlte ca. 5.000 Euro bzw. 2,6 Mio. Dollar. Dann ging er.",
            ["Er zahlte ca. 5.000 Euro bzw. 2,6 Mio. Dollar.", "Dann ging er."],
        ),
        (
            "Im Zuge des 2. Weltkrieges kam es dazu. Danach nicht.",
            ["Im Zuge des 2. Weltkrieges kam es dazu.", "Danach nicht."],
        ),
        (
            "J. R. R. Tolkien schrieb es. Wir lasen es.",
            ["J. R. R. Tolkien schrieb es.", "Wir lasen es."],
        ),
        (
            "«So ist es», sagte er. »Gut«, sagte sie.",
            ["«So ist es», sagte er.", "»Gut«, sagte sie."],
        ),
        ("Er sagte: „Wir kommen.“ Dann kam er.", ["Er sagte: „Wir kommen.“", "Dann kam er."]),
        ("Was nun? Weiter!", ["Was nun?", "Weiter!"]),
        ("Zeile eins\nZeile zwei", ["Zeile eins", "Zeile zwei"]),
        ("", []),
        ("   \n\n ", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_words_keep_umlauts_and_drop_numbers() -> None:
    assert to_words("Die Straße in Köln kostet 5.000 Euro, sagt US-Präsident Trump.") == (
        "Die",
        "Straße",
        "in",
        "Köln",
        "kostet",
        "Euro",
        "sagt",
        "US-Präsident",
        "Trump",
    )


def test_tokenizer_speaks_sumy() -> None:
    tokenizer = GermanTokenizer()
    assert tokenizer.language == "german"
    assert tokenizer.to_sentences("Eins ist gut. Zwei auch.") == ("Eins ist gut.", "Zwei auch.")
    assert tokenizer.to_words("Zwei auch.") == ("Zwei", "auch")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_sentences_are_substrings(text: str) -> None:
    for sentence in split_sentences(text):
        assert sentence
        assert sentence == sentence.strip()
        assert sentence in text
