"""An HTML page as a page dump, the way `../shared/eval/PAGES.md` describes the dev dumps.

Blocks (paragraphs, headings, list items, table cells, `div`s …) are separated by one blank line,
a `<br>` is a line break inside its block, inline text is joined with single spaces, items of
ordered lists start with their number; scripts, styles, hidden elements, form fields and image
alt text are left out. Style sheets are not read, so a `span` a site shows as a line of its own
runs on in its block, as it does when copied from a page without its styles.
"""

from __future__ import annotations

import re

import lxml.html
from lxml.etree import _Element

from bot.ingest.pages import decode_html

_BLOCK_TAGS = """address article aside blockquote body caption dd details dialog div dl dt fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main nav ol p pre
    section summary table tbody td tfoot th thead tr ul"""
_LEFT_OUT_TAGS = """button canvas embed head iframe img input link meta noscript object option
    script select style svg template textarea title"""
BLOCKS = frozenset(_BLOCK_TAGS.split())
LEFT_OUT = frozenset(_LEFT_OUT_TAGS.split())
_BREAK = "\x00"  # a <br> until the block's white space is collapsed
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def decode(html: bytes) -> str:
    """The page's text as the bot decodes a fetched page (`bot.ingest.pages.decode_html`: its
    declared charset, else UTF-8, else Windows-1252), without an XML declaration, which lxml
    refuses in a str."""
    return re.sub(r"^\s*<\?xml[^>]*>", "", decode_html(html, None))


def _hidden(element: _Element) -> bool:
    return (
        element.get("hidden") is not None
        or element.get("aria-hidden") == "true"
        or bool(_HIDDEN_STYLE.search(element.get("style") or ""))
    )


def page_dump(html: str) -> str:
    """The visible text of an HTML page as a page dump: blocks separated by blank lines."""
    root = lxml.html.fromstring(html)
    blocks: list[str] = []
    line: list[str] = []

    def close_block() -> None:
        lines = (" ".join(part.split()) for part in "".join(line).split(_BREAK))
        text = "\n".join(part for part in lines if part)
        if text:
            blocks.append(text)
        line.clear()

    def walk(element: _Element, number: int | None) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if tag and tag not in LEFT_OUT and not _hidden(element):
            if tag == "br":
                line.append(_BREAK)
            else:
                block = tag in BLOCKS
                if block:
                    close_block()
                if number is not None:
                    line.append(f"{number}. ")
                line.append(element.text or "")
                items = 0
                for child in element:
                    is_item = tag == "ol" and isinstance(child.tag, str) and child.tag == "li"
                    items += is_item
                    walk(child, items if is_item else None)
                if block:
                    close_block()
        line.append(element.tail or "")

    body = root.find("body")
    walk(body if body is not None else root, None)
    close_block()
    return "\n\n".join(blocks)
