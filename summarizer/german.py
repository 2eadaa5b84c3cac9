"""German words in one place: splitting, folding, stop words, Snowball stems and lemmas, month
and weekday names, and the word counts the shipped block model was fitted on (frozen).

Every other module takes its words from here (sumy's `nlp/` idea): the search index, queries,
alerts, story grouping, deduplication, the junk rules, the block model, date finding and the
summarizer all split and normalise alike. Lemmas come from simplemma, whose German dictionary
ships inside the package.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib.resources import files
from itertools import islice
from typing import cast

from simplemma.strategies import DictionaryLookupStrategy

from summarizer.wordforms import CompactDictionaryFactory

# What a letter is, defined once; the three word shapes below are built from it.
_LETTERS = r"[^\W\d_]+"
# Letters and digits: the words search, alerts and deduplication count.
_WORD = re.compile(r"[^\W_]+")
# The same words when the text has no underscore, found faster (a class with a hole is slow).
_WORD_NO_UNDERSCORE = re.compile(r"\w+")
_LETTER_WORD = re.compile(_LETTERS)
# Texts this long (characters) get their words as shared strings (see `words`).
SHARED_WORDS_FROM = 100_000
# Prose words for sentence scoring: hyphenated and elided words stay one ("US-Präsident").
_PROSE_WORD = re.compile(rf"{_LETTERS}(?:[-'’]{_LETTERS})*")

# Our own function words beside sumy's list: the most frequent words of news text, in nearly
# every article, so they can neither narrow a search nor tell sentences apart.
_FUNCTION_WORDS = """
    der die das den dem des ein eine einen einem einer eines und oder aber doch sondern
    ist sind war waren wird werden wurde wurden hat haben hatte hatten sei
    nicht auch noch nur schon so wie als wenn dass daß ob um zu zum zur
    im in ins an am auf aus bei mit von vom für über vor nach durch gegen ohne bis
    er sie es wir ihr ich sich ihm ihn ihnen ihre ihren ihrem ihrer sein seine seinen
    seinem seiner man dies diese dieser dieses diesem diesen
"""

# PyStemmer 3 ships Snowball 3, which also strips "-et" ("bezeichnet" → "bezeichn"); NLTK and
# PyStemmer 2 keep it. The C stemmer is used only when it gives NLTK's stems.
_PROBE = ("bezeichnet", "bezeichnet")
LANGUAGE = "de"


# --- Frozen with the shipped block model -------------------------------------------------------
# summarizer/models/blocks*.json were fitted (tools.train_blocks) on block features counted
# with these: a change alters the model's inputs, so it needs a refit, never an edit alone.

# Prose function words: their share in a block separates running text (about 0.35) from menus
# and teasers. sumy's German list plus frequent ones it lacks, as they were when fitted.
_BLOCK_MODEL_FUNCTION_WORDS_TEXT = """
    aber als am an auch auf aus bei bin bis bist da dadurch daher darum das dass daß dein deine
    dem den der des deshalb dessen die dies diese diesem diesen dieser dieses doch dort du durch
    ein eine einem einen einer eines er es euer eure für hatte hatten hat habe haben hier hinter
    ich ihr ihre ihren ihm ihn im in ist ja jede jedem jeden jeder jedes jetzt kann können man
    mein meine mit muss müssen nach nachdem nicht noch nun nur ob oder schon sehr sei sein seine
    seinen sich sie sind so soll sollen sowie um und uns unser unsere unter viel vom von vor war
    waren was wenn wer werden wie wieder wir wird wurde wurden zu zum zur über gegen seit ohne
    mehr keine kein einen zwei drei beim bereits immer dann denn weil damit also etwa
"""
BLOCK_MODEL_FUNCTION_WORDS = frozenset(_BLOCK_MODEL_FUNCTION_WORDS_TEXT.split())
# A block's words as the model counts them: letters and digits, hyphens and apostrophes inside.
_BLOCK_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
# A line's words as the junk rules count them (their thresholds, 8 and 30 words, were set on it).
_RULE_WORD = re.compile(r"\w+")


def block_words(text: str) -> list[str]:
    """A block's words as the block model counts them (frozen with the model)."""
    return _BLOCK_WORD.findall(text)


def rule_word_count(text: str) -> int:
    """How many words the junk rules see in a line (runs of word characters)."""
    return len(_RULE_WORD.findall(text))


# --- Words for search, alerts, grouping and scoring ------------------------------------------


def words(text: str) -> list[str]:
    """The letter/digit words of a text, in order."""
    pattern = _WORD if "_" in text else _WORD_NO_UNDERSCORE
    if len(text) < SHARED_WORDS_FROM:
        return pattern.findall(text)
    # A long text repeats its words: one string per distinct word (a 4 MB page's 700,000 words
    # took 45 MB as a string each).
    shared: dict[str, str] = {}
    return [shared.setdefault(w, w) for w in map(re.Match.group, pattern.finditer(text))]


def letter_words(text: str) -> list[str]:
    """The runs of letters of a text (numbers dropped): what counts as prose."""
    return _LETTER_WORD.findall(text)


def has_letter_words(text: str, count: int) -> bool:
    """True when the text has at least `count` runs of letters (found one by one: a long text's
    words are never all listed)."""
    return sum(1 for _ in islice(_LETTER_WORD.finditer(text), count)) >= count


def is_letter_word(text: str) -> bool:
    """True when the text is one run of letters (no digit, space or mark)."""
    return _LETTER_WORD.fullmatch(text) is not None


def prose_words(sentence: str) -> tuple[str, ...]:
    """Words of a sentence for scoring, hyphenated words kept whole (as sumy's tokenizer does)."""
    return tuple(_PROSE_WORD.findall(sentence))


# Invisible characters that scraped pages and some keyboards put inside words: soft hyphen,
# zero-width space, non-joiner and joiner, word joiner, byte-order mark. Left in,
# "Bundes\u00adregierung" is no match.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
# Compatibility letters that look like plain ones: fullwidth forms (Ｍünchen) and ligatures (ﬁ).
_COMPATIBLE = re.compile("[\ufb00-\ufb06\uff01-\uff5e]+")


def normalize(text: str) -> str:
    """Text as the bot reads it: NFC (a decomposed umlaut is one letter), invisible marks gone,
    fullwidth letters and ligatures as plain letters (their NFKC form)."""
    text = _COMPATIBLE.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)
    return unicodedata.normalize("NFC", _INVISIBLE.sub("", text))


def fold(text: str) -> str:
    """NFC, case folded, umlauts and ß folded (`Straße` → `strasse`, `Äußerung` → `ausserung`)."""
    text = unicodedata.normalize("NFC", text).casefold()
    return text.replace("ä", "a").replace("ö", "o").replace("ü", "u")


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """German stop words, case folded: sumy's list (read from its package) and our own."""
    shipped = files("sumy").joinpath("data/stopwords/german.txt").read_text(encoding="utf-8")
    return frozenset(w.casefold() for w in (*shipped.split(), *_FUNCTION_WORDS.split()))


def is_stop_word(word: str) -> bool:
    """True for a German function word (any case)."""
    return word.casefold() in stop_words()


@lru_cache(maxsize=1)
def folded_stop_words() -> frozenset[str]:
    """The stop words folded (`über` → `uber`), for matching folded words."""
    return frozenset(fold(w) for w in stop_words())


# Month names and their abbreviations as German pages write them (Austrian `Jänner` too).
MONTHS = {
    "januar": 1, "jan": 1, "jänner": 1, "februar": 2, "feb": 2, "märz": 3, "mär": 3, "maerz": 3,
    "april": 4, "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8,
    "aug": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11,
    "nov": 11, "dezember": 12, "dez": 12,
}  # fmt: skip
# The small words a label (a kicker, "Krieg in der Ukraine") has between its nouns and names.
LABEL_PARTICLES = frozenset(
    {"im", "in", "der", "die", "das", "den", "dem", "des", "von", "vom", "zur", "zum", "am",
     "an", "auf", "für", "mit", "und"}
)  # fmt: skip
# The English month names (beyond those spelled as in German) that blog software writes on
# German pages ("March 5, 2014").
ENGLISH_MONTHS = {
    "january": 1, "february": 2, "march": 3, "mar": 3, "may": 5, "june": 6, "july": 7,
    "october": 10, "oct": 10, "december": 12, "dec": 12,
}  # fmt: skip
# Weekday names and their two-letter abbreviations.
WEEKDAYS = (
    "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag",
    "mo", "di", "mi", "do", "fr", "sa", "so",
)  # fmt: skip


@lru_cache(maxsize=1)
def stemmer() -> Callable[[list[str]], list[str]]:
    """Snowball German stems of a word list: PyStemmer's C code when it matches NLTK, else NLTK."""
    # Both run the same Snowball algorithm (equal on 156,000 distinct words of the evaluation
    # texts); the C one is about seven times faster, which matters because every article is new.
    try:
        from Stemmer import Stemmer  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        pass
    else:
        fast = Stemmer("german")
        # Its own cache costs more than it saves: callers stem each distinct word once.
        fast.maxCacheSize = 0
        if fast.stemWord(_PROBE[0]) == _PROBE[1]:
            return cast(Callable[[list[str]], list[str]], fast.stemWords)
    from nltk.stem.snowball import GermanStemmer  # NLTK costs 30 MiB: only when needed

    slow = GermanStemmer()
    return lambda found: [slow.stem(w) for w in found]


def stems(found: Sequence[str]) -> list[str]:
    """Folded Snowball stems of words, in one stemmer call (`Straßen` → `strass`)."""
    # fold() makes PyStemmer and NLTK agree on the few letters whose lower() and casefold() differ.
    return [fold(s) for s in stemmer()([w.casefold() for w in found])]


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The folded Snowball stem of one word (cached: news vocabulary is Zipfian)."""
    return stems([word])[0]


@lru_cache(maxsize=1)
def _dictionary() -> DictionaryLookupStrategy:
    # simplemma's front-coded stream, decoded per lookup, not its default dict of 1.1 million
    # German entries: 9.6 MiB instead of 101 MiB resident (bench/memory.py), ~40 µs a lookup
    # instead of ~2 µs, which the cache on `lemma` absorbs (news vocabulary is Zipfian).
    return DictionaryLookupStrategy(CompactDictionaryFactory())


@lru_cache(maxsize=65_536)
def lemma(word: str) -> str:
    """The dictionary form of a German word (`gefiel` → `gefallen`, `Häuser` → `Haus`).

    A lookup in simplemma's German dictionary (the word as written, then in the other case);
    a word it does not know is its own lemma. simplemma's further guesses (suffix rules,
    decompositions) raised word-form recall by 0.001 (0.943 → 0.944 on the dev pairs) but
    cost ~3.5 µs more per unknown word, and every ingested article brings new words.
    """
    return dictionary_lemma(word) or word


@lru_cache(maxsize=4096)
def dictionary_lemma(word: str) -> str | None:
    """simplemma's lemma of a word (as written, then in the other case); None when it has none."""
    found: str | None = _dictionary().get_lemma(word, LANGUAGE)
    return found


def is_name_genitive(word: str) -> bool:
    """True for what reads as the genitive of a name ending in a or o: `Chinas`, `Maduros`, and
    `maduros` as a reader types it."""
    # Only -as/-os: German words rarely end in a or o, names often do; -us and -is would tie
    # `Haus` to `hauen` and `Paris` to `Pari`. A word the dictionary knows in lower case is a
    # common word, also capitalised at a sentence start, so `etwas` and `Etwas` stay apart
    # from `etwa` (`chinas` it knows only as `Chinas`).
    if len(word) <= 4 or not word.endswith(("as", "os")):
        return False
    known = dictionary_lemma(word.lower())
    return known is None or not known[:1].islower()


# Separable prefixes a participle's "ge" follows (`an|ge|fragt`, `ein|ge|engt`, `ab|ge|fertigt`).
_SEPARABLE = (
    "ab", "an", "auf", "aus", "bei", "ein", "fest", "her", "hin", "los", "mit", "nach", "vor",
    "weg", "wieder", "zu", "zurück",
)  # fmt: skip
# Prefixes that take no "ge" in the participle (`verzerrt`, `überzeugt`, `erstaunt`).
_INSEPARABLE = (
    "be", "emp", "ent", "er", "ge", "miss", "ver", "zer", "über", "unter", "hinter", "wider",
    "durch", "um", "voll",
)  # fmt: skip
_PREFIXES = _SEPARABLE + _INSEPARABLE


@lru_cache(maxsize=65_536)
def weak_verbs(word: str) -> tuple[str, ...]:
    """The infinitives a participle in -t may come from (`evakuiert`, `gefreut`, `angefragt`,
    `zubereitet`, `begeistert`): the dictionary keeps such participles as adjectives of their
    own, so they shared no term with their verb. Only a participle's shape counts (-iert, or a
    prefix: `ge-`, `be-`, `ver-`, `an-` …; "recht" and "letzt" have none), and a candidate only
    when the dictionary knows it as an infinitive (its own, lower-case lemma); a noun (`Markt`,
    `Gebiet`) has none.
    """
    known = lemma(word)
    if not known[:1].islower():
        return ()
    found: list[str] = []
    for base in dict.fromkeys((word.lower(), known)):
        if len(base) < 5 or not base.endswith("t"):
            continue
        shaped = base.endswith("iert") or any(
            base.startswith(p) and len(base) > len(p) + 3 for p in _PREFIXES
        )
        if not shaped:
            continue
        own = _infinitives(base)
        # Without its "ge" only when the word has no verb of its own ("gewährt": gewähren,
        # not währen); a root of four letters is as often a word of its own ("gesamt": samt).
        stripped = [p + base[len(p) + 2 :] for p in ("", *_SEPARABLE) if base.startswith(p + "ge")]
        found += own or [v for root in stripped if len(root) >= 5 for v in _infinitives(root)]
    return tuple(dict.fromkeys(found))


def _infinitives(root: str) -> list[str]:
    """The infinitives the dictionary knows for a root in -t (`evakuier|t`, `zubereit|et`)."""
    stem_ = root[:-1]
    verbs = [stem_ + "en"]  # evakuier|t, freu|t
    if stem_.endswith(("er", "el")):
        verbs.append(stem_ + "n")  # begeister|t, verzweifel|t
    if stem_.endswith("e"):
        verbs.append(stem_[:-1] + "en")  # zubereit|et, meld|et
    return [v for v in verbs if len(v) > 4 and dictionary_lemma(v) == v]


def terms(found: Sequence[str]) -> list[tuple[str, ...]]:
    """Search terms of each word: its stem and its lemma's stem (once if equal); stop words none.

    Two forms of one word share a term when Snowball ties them (`Verhandlungen`, `Verhandlung`)
    or the lemmatizer does (`gefiel`, `gefallen`; `Häuser`, `Haus`); a name's genitive also
    gets the stem without its `-s`, and a participle in -t its infinitive's (`weak_verbs`).
    Numbers are their own term.
    """
    stop = stop_words()
    content = [w for w in dict.fromkeys(found) if not w.isdecimal() and w.casefold() not in stop]
    # One stemmer call for the words and their lemmas.
    stemmed = stems([*content, *map(lemma, content)])
    size = len(content)
    known: dict[str, tuple[str, ...]] = {}
    for i, word in enumerate(content):
        first, second = stemmed[i], stemmed[size + i]
        if second == first and is_name_genitive(word):
            second = stem(word[:-1])
        verbs = (stem(verb) for verb in weak_verbs(word))
        known[word] = tuple(dict.fromkeys((first, second, *verbs)))
    return [(w,) if w.isdecimal() else known.get(w, ()) for w in found]
