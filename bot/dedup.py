"""Duplicate detection, pure: URL normalisation, content hash, MinHash near-duplicate signature.

An article is the same as a stored one when its normalized URL, its content hash, or (for the
same wire story republished under a new headline) its body's MinHash signature matches.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Iterator, Sequence
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
import numpy.typing as npt

from summarizer import words as split_words

# Query parameters that say who sent the reader, not what the page is.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
        "ref", "ref_src", "referrer", "source", "cmp", "wt_mc", "wt.mc_id", "ns_mchannel",
        "ns_source", "ns_campaign", "ns_linkname", "icid", "xtor", "at_medium",
        "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4", "_ga",
        "share", "smid", "s_cid", "spm", "feature", "rss", "from",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_", "oly_", "hsa_")
SHINGLE = 4
HASHES = 32
BANDS = 8
ROWS = HASHES // BANDS
# Estimated Jaccard similarity of 4-word shingles above which two bodies are one story; a wire
# story with a new headline and a changed sentence or two scores 0.8-1.0, different stories
# on the same topic stay below 0.2.
NEAR_DUPLICATE = 0.6
# Shorter bodies share too many shingles by chance to be called near-duplicates.
MIN_SHINGLES = 20
# Constants of the row hashes, from a fixed byte stream (a seeded numpy Generator's stream may
# change between numpy versions; stored signatures must not).
_STREAM = np.frombuffer(hashlib.shake_128(b"newsbot minhash").digest(16 * HASHES), dtype="<u8")
_XOR = _STREAM[:HASHES].astype(np.uint64)
_MUL = _STREAM[HASHES:].astype(np.uint64) | np.uint64(1)
# A shingle's hash is a polynomial in its characters: Σ c_i·P^(n-1-i) mod 2**64, for every
# shingle at once from prefix sums of c_i·P^-i (P is odd, so it has an inverse mod 2**64).
_POLY = 0x9E3779B97F4A7C15
_UP = np.uint64(_POLY)
_DOWN = np.uint64(pow(_POLY, -1, 2**64))
_HIGH = np.uint64(32)
# Words hashed at a time, and shingles mixed at a time, in a signature: under 1 MB of arrays.
# At 4,096 words a chunk's text stays within the cached powers (_CACHED_POWERS characters), and
# its arrays under glibc's mmap threshold: 16,384 left 7 MB of freed heap resident after a 1 MB
# body, and was slower. 2,048 shingles (32 rows of them, 0.5 MB) left 5 MB where 8,192 left
# 10, in the same time.
CHUNK_WORDS = 4_096
CHUNK_SHINGLES = 2_048


def normalize_url(url: str) -> str:
    """A key for a URL that ignores scheme, `www.`, fragment, tracking parameters and order.

    `https://www.tagesschau.de/a.html?utm_source=x#top` and `http://tagesschau.de/a.html` give
    the same key.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port if parts.port not in (None, 80, 443) else None
    netloc = f"{host}:{port}" if port else host
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    )
    return urlunsplit(("", netloc, path, urlencode(query), "")).removeprefix("//")


# Characters of a body normalized at a time for its content hash.
HASH_PIECE = 65_536
_SPACE = re.compile(r"\s")


def content_hash(title: str, body: str) -> str:
    """A hash of the normalized text, so the same article stored twice is one row.

    The text is title and body, words joined by one space, case folded. A long body is read in
    pieces cut at whitespace: the same hash, without the normalized text ever held whole (a
    4 MB page's word list and copies took 25 MB here).
    """
    digest = hashlib.sha256()
    gap = b""
    for text in (title, body):
        for piece in _pieces(text, HASH_PIECE):
            found = piece.split()
            if found:
                digest.update(gap + " ".join(found).casefold().encode())
                gap = b" "
    return digest.hexdigest()


def _pieces(text: str, size: int) -> Iterator[str]:
    """`text` in consecutive pieces of about `size` characters, each ending where whitespace
    starts (or at the end), so no word is split: case folding maps each character alone, and
    `str.split` and `\\s` agree on what whitespace is."""
    start = 0
    while len(text) - start > size:
        space = _SPACE.search(text, start + size)
        if space is None:
            break
        yield text[start : space.start()]
        start = space.start()
    yield text[start:] if start else text


# Powers for bodies up to this many characters are kept (1 MiB at most); a longer body's are
# computed for it alone, so one huge page does not pin hundreds of megabytes.
_CACHED_POWERS = 1 << 16


def _compute_powers(size: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """P^i and P^-i mod 2**64 for i < size."""
    up = np.full(size, _UP, dtype=np.uint64)
    down = np.full(size, _DOWN, dtype=np.uint64)
    up[0] = down[0] = 1
    return np.cumprod(up, dtype=np.uint64), np.cumprod(down, dtype=np.uint64)


_cached_powers = lru_cache(maxsize=8)(_compute_powers)


def _powers(size: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    return _cached_powers(size) if size <= _CACHED_POWERS else _compute_powers(size)


def signature(body: str, words: Sequence[str] | None = None) -> bytes | None:
    """The MinHash signature of a body's 4-word shingles; None when the body is too short.

    Words are those of the NFC-normalized body, case folded. `words`, when given, must be the
    body's words as `summarizer.words` finds them, so a caller that split the body already saves
    doing it again (they are used when the body is NFC-normalized, as nearly all text is).
    """
    if words is None or not unicodedata.is_normalized("NFC", body):
        words = split_words(unicodedata.normalize("NFC", body))
    if len(words) < MIN_SHINGLES + SHINGLE - 1:
        return None
    # A long body is hashed CHUNK_WORDS words at a time (chunks overlap by a shingle less one
    # word, so every shingle is in one) and its minima taken CHUNK_SHINGLES at a time: a shingle's
    # hash does not depend on where it stands, so the signature is the same, and a 4.8 MB page
    # took 450 MB here at once (powers, prefix sums and the rows × shingles matrix).
    step = CHUNK_WORDS - (SHINGLE - 1)
    shingles = _distinct(
        np.concatenate(
            [
                _shingles(words[i : i + CHUNK_WORDS])
                for i in range(0, len(words) - SHINGLE + 1, step)
            ]
        )
    )
    if len(shingles) < MIN_SHINGLES:
        return None
    # One cheap universal-style hash per row: xor, multiply (wrapping mod 2**64), high 32 bits;
    # the high bits of the smallest product are the smallest high bits.
    smallest = np.full(HASHES, np.iinfo(np.uint64).max, dtype=np.uint64)
    for i in range(0, len(shingles), CHUNK_SHINGLES):
        part = shingles[i : i + CHUNK_SHINGLES]
        mixed = part[None, :] ^ _XOR[:, None]
        mixed *= _MUL[:, None]
        np.minimum(smallest, mixed.min(axis=1), out=smallest)
    mins: npt.NDArray[np.uint32] = (smallest >> _HIGH).astype(np.uint32)
    return mins.tobytes()


def _distinct(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """The distinct values, sorted (as `np.unique`, whose hash table and first use of
    `numpy.ma` kept 6-16 MB resident after a long body)."""
    values.sort()
    first = np.empty(len(values), dtype=bool)
    first[:1] = True
    np.not_equal(values[1:], values[:-1], out=first[1:])
    distinct: npt.NDArray[np.uint64] = values[first]
    return distinct


def _shingles(words: Sequence[str]) -> npt.NDArray[np.uint64]:
    """The hashes of the 4-word shingles of at least SHINGLE words (repeats included)."""
    # The casefolded words, NUL between them, as code points: one array op per step, however
    # many words; casefolding maps each character alone, so the words stay the words.
    text = "\0".join(words).casefold().encode("utf-32-le")
    codes = np.frombuffer(text, dtype="<u4").astype(np.uint64)
    size = len(codes)
    up, down = _powers(1 << max(12, size.bit_length()))
    prefix = np.zeros(size + 1, dtype=np.uint64)
    np.cumsum(codes * down[:size], out=prefix[1:])
    gaps = np.flatnonzero(codes == 0)
    starts = np.concatenate(([0], gaps[: 1 - SHINGLE] + 1))
    ends = np.concatenate((gaps[SHINGLE - 1 :], [size]))
    # The hash of characters [start, end) is (prefix[end] - prefix[start]) * P^(end - 1).
    shingles: npt.NDArray[np.uint64] = (prefix[ends] - prefix[starts]) * up[ends - 1]
    return shingles


def bands(sig: bytes) -> list[int]:
    """Locality-sensitive keys: bodies sharing one key are candidates for near-duplicates."""
    size = ROWS * 4
    return [
        (band << 32) | zlib.crc32(sig[band * size : (band + 1) * size]) for band in range(BANDS)
    ]


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures (share of equal MinHash rows)."""
    if len(a) != len(b) or not a:
        return 0.0
    x = np.frombuffer(a, dtype=np.uint32)
    y = np.frombuffer(b, dtype=np.uint32)
    return float(np.count_nonzero(x == y)) / len(x)


def is_near_duplicate(a: bytes, b: bytes) -> bool:
    """True when two signatures belong to the same story."""
    return similarity(a, b) >= NEAR_DUPLICATE
