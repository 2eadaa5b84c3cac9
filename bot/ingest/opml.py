"""OPML import and export of the feed list (the standard library's expat parser)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from bot.errors import BadInput
from bot.records import Feed

# Python's bundled expat (≥ 2.4.1) refuses entity-expansion bombs and never fetches external
# entities, so parsing an untrusted OPML file with ElementTree is safe here.
MAX_OPML_BYTES = 5_000_000


@dataclass(frozen=True, slots=True)
class Outline:
    """One feed named in an OPML file."""

    url: str
    title: str | None


def is_opml(data: bytes) -> bool:
    """True when the bytes look like an OPML document."""
    return b"<opml" in data[:2048].lower()


def parse_opml(data: bytes) -> list[Outline]:
    """Every feed (`xmlUrl`) in an OPML document, nested folders included, each URL once."""
    if len(data) > MAX_OPML_BYTES:
        raise BadInput("OPML file too large")
    try:
        root = ET.fromstring(data)  # noqa: S314 (expat is safe here, see above)
    except ET.ParseError as exc:
        raise BadInput(f"not valid OPML: {exc}") from exc
    if root.tag.lower() != "opml":
        raise BadInput("not an OPML document")
    seen: set[str] = set()
    out: list[Outline] = []
    for node in root.iter("outline"):
        url = (node.get("xmlUrl") or node.get("xmlurl") or "").strip()
        if not url.startswith(("http://", "https://")) or url in seen:
            continue
        seen.add(url)
        title = (node.get("title") or node.get("text") or "").strip() or None
        out.append(Outline(url, title))
    return out


def to_opml(feeds: Sequence[Feed], now: datetime, title: str = "newsbot feeds") -> str:
    """The feed list as an OPML 2.0 document other readers can import."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now)
    body = ET.SubElement(root, "body")
    for feed in feeds:
        name = feed.title or feed.url
        ET.SubElement(body, "outline", type="rss", text=name, title=name, xmlUrl=feed.url)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
