"""Our scorer: candidate filter, redundancy removal, length budget."""

from __future__ import annotations

import pytest
from nltk.stem.snowball import GermanStemmer

from summarizer.ranking import (
    DEFAULT_WEIGHTS,
    is_candidate,
    join_quote_intros,
    rank,
    stemmer,
    to_term_ids,
)

# Words whose stems differ between Snowball versions or exercise umlauts, ß and the u/y rules.
STEM_WORDS = [
    "bezeichnet", "gegründet", "aktuelle", "kilometer", "system", "goebbels", "moers", "inseln",
    "regeln", "michael", "israel", "zuerst", "eröffnete", "häuser", "straße", "bauer", "feuer",
    "äußerst", "heizungsgesetz", "bundesverfassungsgericht", "verwendeten", "getötet", "",
]  # fmt: skip


@pytest.mark.parametrize(
    "sentence",
    [
        "Was bedeutet das für die Bürger?",
        "Lesen Sie auch:",
        "Foto",
        "und dann ging er nach Hause, ohne ein Wort zu sagen.",
        "Wenn wir Gehaltserhöhungen bekommen oder einen neuen Lippenstift tragen.",
    ],
)
def test_not_candidates(sentence: str) -> None:
    assert not is_candidate(sentence)


def test_candidate() -> None:
    assert is_candidate("Der Bundestag hat am Donnerstag das Heizungsgesetz beschlossen.")


def test_near_duplicates_are_not_both_picked() -> None:
    text = (
        "Der Bundestag hat am Donnerstag das umstrittene Heizungsgesetz beschlossen. "
        "Der Bundestag hat am Donnerstag das umstrittene Heizungsgesetz endgültig beschlossen. "
        "Die Opposition kündigte eine Klage vor dem Bundesverfassungsgericht in Karlsruhe an."
    )
    summary = rank(text, 2)
    assert len(summary) == 2
    assert "Opposition" in summary[1]


def test_order_is_article_order() -> None:
    sentences = [
        f"Satz Nummer {w} erzählt etwas Neues über das Thema {w} heute." for w in "ABCDEFG"
    ]
    summary = rank(" ".join(sentences), 3, title="Thema G")
    assert summary == sorted(summary, key=sentences.index)


def test_word_budget_caps_length() -> None:
    long = " ".join(["Wort"] * 40)
    text = (
        f"Der erste Satz hat genau acht Wörter im Text. Dann {long} am Ende. "
        "Noch ein kurzer Satz folgt hier."
    )
    words = sum(len(s.split()) for s in rank(text, 3))
    assert words <= max(DEFAULT_WEIGHTS.budget_words, 9)


def test_stems_are_nltks_german_snowball_stems() -> None:
    assert stemmer()(STEM_WORDS) == [GermanStemmer().stem(w) for w in STEM_WORDS]


def test_term_ids_share_stems_and_drop_stop_words() -> None:
    ids, size = to_term_ids([("Die", "Häuser", "brennen"), ("das", "Haus"), ()])
    assert size == 2
    assert ids[0][0] == ids[1][0]
    assert ids[2] == []


def test_sentence_that_points_back_only_follows_its_predecessor() -> None:
    text = (
        "Der Bundestag hat am Donnerstag das umstrittene Heizungsgesetz beschlossen. "
        "Die Opposition kündigte eine Klage vor dem Bundesverfassungsgericht in Karlsruhe an. "
        "Die Abstimmung im Parlament dauerte bis spät in die Nacht hinein. "
        "Doch das Heizungsgesetz im Bundestag bleibt umstritten, sagen die Verbände."
    )
    assert not any(s.startswith("Doch") for s in rank(text, 3))
    assert rank(text, 4)[-1].startswith("Doch")


def test_quote_introduction_is_joined_to_its_quote() -> None:
    sentences = [
        "Anna Beispiel, Vorsitzende des Verbands, zum neuen Gesetz:",
        "„Jetzt kann es endlich losgehen.",
        "Die Fristen sind lang:",
        "Zwei Jahre bleiben den Firmen.",
    ]
    assert join_quote_intros(sentences) == [
        f"{sentences[0]} {sentences[1]}",
        "Die Fristen sind lang:",
        "Zwei Jahre bleiben den Firmen.",
    ]
    rule = "Die Regeln gelten ab dem nächsten Jahr für alle Betriebe."
    body = "\n\n".join([*sentences[:2], rule])
    assert rank(body, 1)[0].startswith("Anna Beispiel")
