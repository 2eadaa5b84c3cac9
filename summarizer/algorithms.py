"""Name → summarizer, so ours, Lead-N and sumy's algorithms all run through one call."""

from __future__ import annotations

import re
import warnings
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any

import numpy as np

from summarizer.german import stop_words
from summarizer.sentences import GermanTokenizer, split_sentences

if TYPE_CHECKING:
    from sumy.models.dom import ObjectDocumentModel

# sumy's summarizers by name: "module.Class" under sumy.summarizers, imported on first use (sumy
# brings NLTK, 30 MiB resident, which our own summarizer does not need).
SUMY_ALGORITHMS: dict[str, str] = {
    "lexrank": "lex_rank.LexRankSummarizer",
    "textrank": "text_rank.TextRankSummarizer",
    "lsa": "lsa.LsaSummarizer",
    "luhn": "luhn.LuhnSummarizer",
    "kl": "kl.KLSummarizer",
    "sumbasic": "sum_basic.SumBasicSummarizer",
    "edmundson": "edmundson.EdmundsonSummarizer",
    "reduction": "reduction.ReductionSummarizer",
}

# LexRank, TextRank and Reduction build an N×N similarity matrix and KL rescores every candidate
# against the growing summary; 150 sentences (~2,500 words) keep one article under ~0.2 s.
MAX_SUMY_SENTENCES = 150
# KL rescoring grows faster than quadratic (2.6 s for one 4,000-word article); it gets fewer.
MAX_KL_SENTENCES = 60

EDMUNDSON_BONUS = (
    "sagte",
    "erklärte",
    "teilte",
    "mitgeteilt",
    "bestätigte",
    "laut",
    "erstmals",
    "neue",
)
EDMUNDSON_STIGMA = ("vielleicht", "hoffentlich", "eigentlich", "übrigens", "ich", "du", "klicken")

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@cache
def _sumy_summarizer(name: str) -> Any:
    """One configured sumy summarizer per algorithm, built once and reused."""
    from sumy.nlp.stemmers import Stemmer

    module, _, cls = SUMY_ALGORITHMS[name].rpartition(".")
    summarizer = getattr(import_module(f"sumy.summarizers.{module}"), cls)(Stemmer("german"))
    summarizer.stop_words = stop_words()
    if name == "edmundson":
        # Edmundson raises without cue words; these mark reported facts versus hedges and chatter.
        summarizer.bonus_words = EDMUNDSON_BONUS
        summarizer.stigma_words = EDMUNDSON_STIGMA
        summarizer.null_words = stop_words()
    return summarizer


def to_document(text: str, max_sentences: int = MAX_SUMY_SENTENCES) -> ObjectDocumentModel:
    """sumy document of a body: blank lines separate paragraphs, sentences are exact substrings."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

    tokenizer = GermanTokenizer()
    paragraphs: list[Paragraph] = []
    left = max_sentences
    for block in _PARAGRAPH_BREAK.split(text):
        if left <= 0:
            break
        sentences = split_sentences(block)[:left]
        if sentences:
            paragraphs.append(Paragraph([Sentence(s, tokenizer) for s in sentences]))
            left -= len(sentences)
    return ObjectDocumentModel(paragraphs)


def summarize_with_sumy(name: str, text: str, count: int) -> list[str]:
    """Summary by one of sumy's algorithms on our German document model.

    sumy's algorithms divide by zero or fail to converge on degenerate input (one sentence, no
    words, all sentences alike); then the answer is Lead-N rather than an exception.
    """
    document = to_document(text, MAX_KL_SENTENCES if name == "kl" else MAX_SUMY_SENTENCES)
    if not document.sentences or count <= 0:
        return []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            picked = _sumy_summarizer(name)(document, count)
        except (ArithmeticError, ValueError, IndexError, KeyError, np.linalg.LinAlgError):
            return summarize_lead(text, count)
    return [str(sentence) for sentence in picked]


def summarize_lead(text: str, count: int) -> list[str]:
    """Lead-N: the first N sentences, the classic news baseline."""
    return split_sentences(text)[: max(count, 0)]
