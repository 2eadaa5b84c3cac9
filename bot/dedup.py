"""Duplicate detection, pure: URL normalisation, content hash, MinHash near-duplicate signature.

An article is the same as a stored one when its normalized URL, its content hash, or (for the
same wire story republished under a new headline) its body's MinHash signature matches.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
import numpy.typing as npt

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
_WORD = re.compile(r"[^\W_]+")
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
_rng = np.random.default_rng(20251110)
_XOR = _rng.integers(0, 2**63, size=HASHES, dtype=np.uint64)
_MUL = _rng.integers(0, 2**63, size=HASHES, dtype=np.uint64) | np.uint64(1)


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


def _folded_words(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text).casefold()
    return _WORD.findall(text)


def content_hash(title: str, body: str) -> str:
    """A hash of the normalized text, so the same article stored twice is one row."""
    text = " ".join((title + "\n" + body).split()).casefold()
    return hashlib.sha256(text.encode()).hexdigest()


def signature(body: str) -> bytes | None:
    """The MinHash signature of a body's 4-word shingles; None when the body is too short."""
    words = _folded_words(body)
    shingles = {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    if len(shingles) < MIN_SHINGLES:
        return None
    values = np.fromiter(
        (zlib.crc32(s.encode()) for s in shingles), dtype=np.uint64, count=len(shingles)
    )
    # One cheap universal-style hash per row: xor, multiply (wrapping mod 2**64), keep high bits.
    mixed = ((values[None, :] ^ _XOR[:, None]) * _MUL[:, None]) >> np.uint64(32)
    mins: npt.NDArray[np.uint32] = mixed.min(axis=1).astype(np.uint32)
    return mins.tobytes()


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
