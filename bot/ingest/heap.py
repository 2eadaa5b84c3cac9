"""Memory a huge page freed, handed back to the system (glibc keeps freed memory for reuse)."""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from functools import lru_cache

# Characters of page text from which its freed memory is handed back: a normal page is far
# smaller and leaves little; a page of megabytes leaves tens of megabytes that the steps after
# it (the word-form dictionary's first load, storing) would otherwise add to.
HUGE_TEXT = 1_000_000


@lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where there is none (musl, macOS, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def give_back(size: int) -> None:
    """After a page of `size` characters: past HUGE_TEXT, return the freed heap to the system."""
    if size < HUGE_TEXT:
        return
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
