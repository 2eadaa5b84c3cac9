"""simplemma's word-form dictionary held compactly: its front-coded stream and a packed index.

simplemma's own stream map keeps, per block of 32 entries, a bytes key and a tuple of a
resume seed (about 200 bytes of objects each, 8 MB for German) and reads the stream through
a list of chunks joined at the end (the stream twice over while it loads). Here the seeds are
packed into three buffers and the stream is read straight into one: 9.6 MiB resident instead
of 15, a load peak of 13 MiB instead of 19 (bench/memory.py); the lemmas are the same.
"""

from __future__ import annotations

import io
import lzma
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Mapping

from simplemma.strategies.dictionaries import frontcode
from simplemma.strategies.dictionaries.dictionary_factory import (
    DATA_FOLDER,
    SUPPORTED_LANGUAGES,
    CachingDictionaryFactory,
    DecodedStrMapping,
)

# Entries per block of the index: simplemma's own choice (a lookup decodes at most this many).
BLOCK = 32
_READ = 1 << 16


class Packed:
    """A growing list of byte strings in one buffer: an item is read back as a copy."""

    __slots__ = ("_blob", "_ends")

    def __init__(self) -> None:
        self._blob = bytearray()
        self._ends = array("Q", [0])

    def append(self, item: bytes) -> None:
        self._blob += item
        self._ends.append(len(self._blob))

    def __len__(self) -> int:
        return len(self._ends) - 1

    def __getitem__(self, i: int) -> bytes:
        return bytes(self._blob[self._ends[i] : self._ends[i + 1]])


def decompressed(language: str) -> bytes:
    """The shipped dictionary stream of `language`, read into one buffer as it is decoded."""
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"Unsupported language: {language}")
    out = io.BytesIO()
    with lzma.open(DATA_FOLDER / f"{language}.plzma", "rb") as stream:
        while chunk := stream.read(_READ):
            out.write(chunk)
    return out.getvalue()  # the buffer itself, not a copy


class CompactStreamMap(DecodedStrMapping):
    """Read-only word → lemma view of one language's front-coded stream, decoded on lookup."""

    __slots__ = ("_count", "_data", "_firsts", "_keys", "_offsets", "_reverse", "_start", "_values")

    def __init__(self, language: str) -> None:
        self._data = decompressed(language)
        self._reverse, self._count, self._start = frontcode._read_header(self._data)
        # Per block: its first key (bisected), and where and from which key and value the
        # front coding of its first entry resumes.
        self._firsts, self._keys, self._values = Packed(), Packed(), Packed()
        self._offsets = array("Q")
        key, value = b"", b""
        index = -1
        for index, (offset, stored_key, stored_value) in enumerate(
            frontcode._iter_records(self._data, self._start)
        ):
            if index % BLOCK == 0:
                self._firsts.append(stored_key)
                self._offsets.append(offset)
                self._keys.append(key)
                self._values.append(value)
            key, value = stored_key, stored_value
        if index + 1 != self._count:
            raise ValueError(frontcode._CORRUPT_STREAM_MSG)

    def _lookup(self, key: str) -> str | None:
        target = key.encode()
        if self._reverse:
            target = target[::-1]
        block = bisect_right(self._firsts, target) - 1
        if block < 0:
            return None
        records = frontcode._iter_records(
            self._data, self._offsets[block], self._keys[block], self._values[block]
        )
        for _, stored_key, stored_value in records:
            if stored_key == target:
                return (stored_value[::-1] if self._reverse else stored_value).decode()
            if stored_key > target:  # keys are sorted
                return None
        return None

    def __iter__(self) -> Iterator[str]:
        for _, stored_key, _ in frontcode._iter_records(self._data, self._start):
            yield (stored_key[::-1] if self._reverse else stored_key).decode()

    def __len__(self) -> int:
        return self._count


class CompactDictionaryFactory(CachingDictionaryFactory):
    """simplemma's dictionary factory protocol, giving CompactStreamMap views."""

    __slots__ = ()

    def _get_dictionary_uncached(self, lang: str) -> Mapping[str, str]:
        return CompactStreamMap(lang)
