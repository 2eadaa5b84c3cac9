"""German sentence splitting, and the tokenizer object sumy gets instead of NLTK punkt."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sentencex import segment

from summarizer.german import prose_words

_LINE_BREAK = re.compile(r"\s*\n\s*")
# sentencex ends a sentence after "des 2." or "am 19." before a capitalised noun ("Weltkrieg",
# "Lebensjahr"); German sentences almost never end on a bare one- or two-digit number.
# So does a rank glued to a compound after an article ("Der Weltranglisten-19. Thomaz Bellucci"),
# where a disease or model name without one may end a sentence ("an Covid-19.").
_ORDINAL_END = re.compile(r"(?:^|[\s(])\d{1,2}\.$")
_RANK_END = re.compile(
    r"(?:^|\s)(?i:der|die|das|den|dem|des|ein|eine|einem|einen|einer)\s+[\w-]+-\d{1,3}\.$"
)
# Abbreviations sentencex does not know that stand inside a sentence, before a capitalised noun
# or name, and never end one: "inkl. Mehrwertsteuer", "eff. Jahreszins", "gem. Paragraf 12",
# "die Fa. Müller", "20 Tsd. Euro", "in der Hauptstr. 5".
_ABBREVIATION_END = re.compile(
    r"(?:^|[\s(])(?:inkl|exkl|zzgl|gem|eff|bspw|ggü|Fa|Tsd|Abt|Anm|Abb|Kap|Bd|Jh|\w+str)\.$"
)
# sentencex also ends a sentence inside a compound whose first part is an abbreviation: "K.-o." |
# "-Tropfen". No sentence starts with a hyphen glued to a word, so such a piece continues the one
# before it when nothing stands between them.
_GLUED_HYPHEN = re.compile(r"-\w")


def split_sentences(text: str) -> list[str]:
    """Split German text into sentences; a line break always ends a sentence."""
    return list(iter_sentences(text))


def iter_sentences(text: str) -> Iterator[str]:
    """The sentences of `split_sentences`, a line at a time: a reader that needs only the first
    ones does not split (and hold) a long text's all."""
    for line in _lines(text):
        if not line.strip():
            continue
        held = ""  # a finished sentence, given out once the next piece does not continue it
        pending = ""
        for piece in segment("de", line):
            if held and not pending and not held[-1].isspace() and _GLUED_HYPHEN.match(piece):
                held, pending = "", held
            pending += piece
            tail = pending.rstrip()[-48:]
            if (
                _ORDINAL_END.search(tail[-4:])
                or _ABBREVIATION_END.search(tail[-24:])
                or _RANK_END.search(tail)
            ):
                continue
            if pending.strip():
                if held.strip():
                    yield held.strip()
                held = pending
            pending = ""
        for rest in (held, pending):
            if rest.strip():
                yield rest.strip()


def _lines(text: str) -> Iterator[str]:
    """The pieces of `_LINE_BREAK.split(text)`, one at a time."""
    start = 0
    for match in _LINE_BREAK.finditer(text):
        yield text[start : match.start()]
        start = match.end()
    yield text[start:]


class GermanTokenizer:
    """What sumy's parsers need from a tokenizer, backed by sentencex so nothing downloads."""

    language = "german"

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        """Sentences of one paragraph."""
        return tuple(split_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        """Words of one sentence."""
        return prose_words(sentence)
