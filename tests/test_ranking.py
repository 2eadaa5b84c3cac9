"""Our scorer: candidate filter, redundancy removal, length budget."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from nltk.stem.snowball import GermanStemmer

from summarizer.german import prose_words as to_words
from summarizer.ranking import (
    DEFAULT_WEIGHTS,
    addresses_reader,
    is_candidate,
    join_quote_intros,
    prepare,
    rank,
    select,
    stemmer,
    to_term_ids,
    word_budget,
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


def test_a_demonstrative_opening_only_follows_what_it_points_to() -> None:
    text = (
        "Dieses einfache Rezept für Bananenkuchen gelingt auch Anfängern ohne jede Mühe. "
        "Der Kuchen braucht nur reife Bananen, Mehl, Zucker und etwas Backpulver. "
        "Man kann ihn mit Nüssen, Schokolade oder Zimt nach eigenem Geschmack verfeinern. "
        "Wer es eilig hat, backt den Teig einfach in kleinen Muffinformen. "
        "Diese Optionen machen den Bananenkuchen zu einem Rezept für jede Gelegenheit."
    )
    summary = rank(text, 2, title="Ein Rezept für jede Gelegenheit")
    assert summary[0].startswith("Dieses einfache Rezept")  # the headline is shown above it
    assert not any(s.startswith("Diese Optionen") for s in summary)


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


MIETEN = (
    "Die Mieten in Berlin sind im vergangenen Jahr um fast zehn Prozent gestiegen. "
    "Besonders teuer wurden kleine Wohnungen in der Innenstadt und am Stadtrand. "
    "Der Senat will nun mit einem neuen Wohnungsbauprogramm gegensteuern."
)


def test_article_may_open_with_the_question_it_answers() -> None:
    text = f"Warum steigen die Mieten in Berlin seit Jahren so stark? {MIETEN}"
    summary = rank(text, 3, title="Mieten in Berlin steigen stark")
    assert summary[0] == "Warum steigen die Mieten in Berlin seit Jahren so stark?"


@pytest.mark.parametrize(
    "question",
    [
        "Kennen Sie das Gefühl, wenn die Miete in Berlin schon wieder steigt?",
        "Hast du dich auch schon über die Mieten in Berlin geärgert?",
        "Wisst ihr, warum die Mieten in Berlin so stark steigen?",
    ],
)
def test_question_to_the_reader_is_never_picked(question: str) -> None:
    assert question not in rank(f"{question} {MIETEN}", 4, title="Mieten in Berlin")


def test_question_later_in_the_text_is_never_picked() -> None:
    text = f"{MIETEN} Warum steigen die Mieten in Berlin seit Jahren so stark?"
    assert not any(s.endswith("?") for s in rank(text, 4, title="Mieten in Berlin"))


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Was bedeutet das für Sie persönlich?", True),
        ("Habt ihr das schon gewusst?", True),
        ("Was verdient eine Pflegerin und wie hoch ist ihr Lohn?", False),
        ("Sie sagte, ihr Mann sei krank.", True),  # sentence-initial Sie may be the reader
        ("Warum sinken die Preise für Strom?", False),
    ],
)
def test_addresses_reader(sentence: str, expected: bool) -> None:
    assert addresses_reader(to_words(sentence)) is expected


def test_budget_grows_with_the_length_of_long_texts() -> None:
    short, long = " ".join(["Wort"] * 800), " ".join(["Wort"] * 4000)
    assert word_budget(short) == DEFAULT_WEIGHTS.budget_words
    assert word_budget(long) == 2 * DEFAULT_WEIGHTS.budget_words
    names = ["".join(p).capitalize() for p in itertools.product(*[["ka", "lo", "mi", "ru"]] * 5)]
    sentence = (
        "Der Verband {} fordert vom Land {} nach einer langen Debatte im Landtag am Montag "
        "mehr Geld für die Stadt {} und den Kreis {}."
    )
    text = " ".join(sentence.format(*names[i : i + 4]) for i in range(0, 240 * 4, 4))
    words = sum(len(s.split()) for s in rank(text, 3))
    assert DEFAULT_WEIGHTS.budget_words < words <= word_budget(text)


@pytest.mark.parametrize(
    ("opening", "expected"),
    [
        ("Wien – Die Regierung hat am Montag ein neues Budget für Schulen vorgelegt.", "Die"),
        ("Köln/Wien - Die Regierung hat am Montag ein neues Budget für Schulen vorgelegt.", "Die"),
        (
            "Berlin (dpa) - Die Regierung hat am Montag ein neues Budget für Schulen vorgelegt.",
            "Die",
        ),
        ("Die Regierung hat am Montag – überraschend – ein neues Budget vorgelegt.", "Die"),
        (
            "Putin-Freund Orban hat am Montag ein neues Budget für Schulen vorgelegt.",
            "Putin-Freund",
        ),
    ],
)
def test_summary_drops_the_dateline_of_the_first_sentence(opening: str, expected: str) -> None:
    text = f"{opening} Es soll Lehrer entlasten und mehr Geld für Schulbauten bringen."
    summary = rank(text, 2)
    assert summary[0].split()[0] == expected
    assert summary[0] in text


def test_a_summary_reads_on_from_a_picked_sentence_when_told_to() -> None:
    text = " ".join(
        [
            "Der Stadtrat hat am Montag den neuen Haushalt für das kommende Jahr beschlossen.",
            "Er sieht höhere Ausgaben für Schulen, Kindergärten und den Nahverkehr vor.",
            "Die Opposition kritisierte die geplanten Kredite als zu hoch für die Stadt.",
            "Im Winter hatte der Stadtrat bereits über neue Radwege in der Innenstadt beraten.",
        ]
    )
    prepared = prepare(text)
    scores = np.array([3.0, 1.0, 1.0, 1.2])
    assert select(prepared, scores, 2, 0.0, 100.0) == [0, 3]
    assert select(prepared, scores, 2, 0.0, 100.0, continuation=0.3) == [0, 1]
