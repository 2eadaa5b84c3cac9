"""German words: one splitting, folding, stop-word list, and search terms that tie word forms."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

import summarizer
from summarizer.german import BLOCK_MODEL_FUNCTION_WORDS


@pytest.mark.parametrize(
    ("form", "base"),
    [
        ("gefiel", "gefallen"),
        ("stieß", "stoßen"),
        ("Häuser", "Haus"),
        ("näherer", "nah"),
        ("Venezuelas", "Venezuela"),
        ("Chinas", "China"),
        ("Maduros", "Maduro"),
        ("maduros", "Maduro"),  # a name typed in lower case
        ("obamas", "Obama"),
        ("Verhandlungen", "Verhandlung"),
        # Participles the dictionary keeps as adjectives of their own, and their verbs.
        ("evakuiert", "evakuieren"),
        ("evakuierten", "evakuieren"),
        ("gefreut", "freuen"),
        ("eingeengt", "einengen"),
        ("zubereitet", "zubereiten"),
        ("begeistert", "begeistern"),
        ("Verzweifelt", "verzweifeln"),
        ("überzeugt", "überzeugen"),
        ("gewährter", "gewähren"),
    ],
)
def test_a_word_form_shares_a_term_with_its_base_form(form: str, base: str) -> None:
    form_terms, base_terms = summarizer.terms([form, base])
    assert set(form_terms) & set(base_terms)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Haus", "hauen"),
        ("Paris", "Pari"),
        ("etwas", "etwa"),
        ("Etwas", "etwa"),
        ("kurios", "Kurio"),
        # Words in -t that are no participle of these verbs.
        ("Markt", "Marken"),
        ("rechte", "Rechen"),
        ("letzter", "letzen"),
        ("Gebiet", "bieten"),
        ("gewährt", "währen"),
    ],
)
def test_unrelated_words_share_no_term(one: str, other: str) -> None:
    one_terms, other_terms = summarizer.terms([one, other])
    assert not set(one_terms) & set(other_terms)


def test_stop_words_have_no_terms_and_numbers_are_their_own() -> None:
    assert summarizer.terms(["Der", "und", "2025", "Luftabwehrsysteme"]) == [
        (),
        (),
        ("2025",),
        ("luftabwehrsystem",),
    ]


def test_words_fold_and_prose_words() -> None:
    text = "US-Präsident Trump zahlt 5.000 Euro für snake_case Straßen."
    assert summarizer.words(text) == [
        "US", "Präsident", "Trump", "zahlt", "5", "000", "Euro", "für", "snake", "case", "Straßen",
    ]  # fmt: skip
    assert summarizer.letter_words("Covid 19 Welle") == ["Covid", "Welle"]
    assert summarizer.prose_words(text)[:2] == ("US-Präsident", "Trump")
    assert summarizer.fold("Äußerung STRASSE") == "ausserung strasse"
    assert summarizer.fold("A\u0308rger") == "arger"  # a decomposed umlaut is composed first
    assert summarizer.is_stop_word("Über")
    assert not summarizer.is_stop_word("Haus")


def test_the_block_models_function_words_are_frozen() -> None:
    """The shipped block model was fitted on shares of exactly these words: editing the list
    without a refit (tools.train_blocks) would feed the model inputs it never saw."""
    listed = " ".join(sorted(BLOCK_MODEL_FUNCTION_WORDS)).encode()
    assert len(BLOCK_MODEL_FUNCTION_WORDS) == 143
    assert hashlib.sha256(listed).hexdigest() == (
        "161130b7cc990d2acd7e786e4ff3210efaa7cfbf912bbf2ca2701d709feb18af"
    )


def test_every_german_word_list_of_the_summarizer_and_grouping_lives_in_german_py() -> None:
    """Nobody else writes a word regex or a word list (sumy's nlp/ idea): the modules that
    used to keep their own now take them from summarizer/german.py."""
    root = Path(__file__).resolve().parent.parent
    own = re.compile(r"re\.compile\(r\"(?:\\w\+|\[\^\\W[^\"]*\]\+)|FUNCTION_WORDS_TEXT|_MONTHS = ")
    for name in ("summarizer/boilerplate.py", "summarizer/blocks.py", "summarizer/dates.py",
                 "bot/stories.py"):  # fmt: skip
        assert not own.search((root / name).read_text()), name


def test_lemmas_are_simplemmas_own_from_the_compact_dictionary() -> None:
    """The dictionary held compactly gives every lemma simplemma's stream map gives: for
    every 500th entry, the first and last, words around them, in either case, and unknowns."""
    from simplemma.strategies import DictionaryLookupStrategy
    from simplemma.strategies.dictionaries.stream_dictionary_factory import (
        StreamDictionaryFactory,
    )

    from summarizer.wordforms import CompactStreamMap

    compact = CompactStreamMap("de")
    keys = list(compact)
    assert len(keys) == len(compact) > 1_000_000
    sample = [*keys[::500], keys[-1], "Häuser", "gefiel", "Venezuelas", "xqzv", "", "Ä", "ÿÿÿ"]
    words = {w for k in sample for w in (k, k.lower(), k.capitalize(), k + "x", k[:-1])}
    theirs = DictionaryLookupStrategy(StreamDictionaryFactory())
    for word in sorted(words):
        assert summarizer.lemma(word) == (theirs.get_lemma(word, "de") or word), word
