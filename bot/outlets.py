"""Outlet identity: which publisher an article comes from, under a name a reader knows.

The names come from `outlets.tsv` (registered domain → display name, and the other names feeds,
mastheads, file names and datelines use), so teaching newsbot an outlet is a line of data.
Section feeds of one publisher ("tagesschau.de - Inland", "… - Wirtschaft") are one outlet.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from urllib.parse import urlsplit

from summarizer import is_junk

# Second-level labels under which a country's domains are registered (bbc.co.uk).
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gv", "ac", "or"})
# Where a feed title or masthead names a section after the publisher: "tagesschau.de - Inland",
# "SPIEGEL ONLINE | Politik", "FAZ: Wirtschaft".
_SECTION = re.compile(r"\s+[-–—|:·»]\s+|\s*:\s+")
# A file named for its outlet: dpa-kreml-venezuela-2025-11-02.txt, tkp_russland….txt
_FILE_PREFIX = re.compile(r"^([A-Za-zÄÖÜäöü0-9.]+)[-_]")


@dataclass(frozen=True, slots=True)
class Outlets:
    """The outlet table: display name by registered domain and by any of its names."""

    by_domain: dict[str, str]
    by_name: dict[str, str]
    shown: frozenset[str]  # the display names as written

    def display(self, name: str) -> str | None:
        """The display name of an outlet called `name` (whole, or before its section)."""
        key = name.strip().casefold()
        if not key:
            return None
        found = self.by_name.get(key) or self.by_domain.get(registered_domain(key) or "")
        if found:
            return found
        head = _SECTION.split(name.strip(), maxsplit=1)[0].casefold()
        return self.by_name.get(head) or self.by_domain.get(registered_domain(head) or "")

    def of_url(self, url: str | None) -> str | None:
        """The display name of the outlet a URL belongs to, when the table knows its domain."""
        domain = registered_domain(url or "")
        return self.by_domain.get(domain) if domain else None


@lru_cache(maxsize=1)
def outlets() -> Outlets:
    """The table shipped as `bot/outlets.tsv` (read once)."""
    text = files("bot").joinpath("outlets.tsv").read_text(encoding="utf-8")
    by_domain: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        domain, display, *rest = line.split("\t")
        by_domain[domain.casefold()] = display
        names = [display, domain, *(rest[0].split("|") if rest else [])]
        for name in names:
            if name.strip():
                by_name.setdefault(name.strip().casefold(), display)
    return Outlets(by_domain, by_name, frozenset(by_domain.values()))


def registered_domain(text: str) -> str | None:
    """`https://www.tagesschau.de/inland/…` or `www.tagesschau.de` → `tagesschau.de`."""
    text = text.strip()
    host = urlsplit(text).hostname if "://" in text else text.split("/", 1)[0]
    if not host or "." not in host or " " in host:
        return None
    labels = host.casefold().rstrip(".").split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def outlet_of(
    *,
    given: str | None = None,
    url: str | None = None,
    named: str | None = None,
    masthead: str | None = None,
    file_name: str | None = None,
) -> str:
    """An article's outlet under its display name; "" when nothing says.

    In order: a name given by the user (`ingest --source`), the URL's registered domain when the
    table knows it, the name a feed or item gives, the page's masthead or agency line, a file
    named for its outlet (`dpa-…`), then the URL's registered domain as it stands.
    """
    table = outlets()
    if given and given.strip():
        return table.display(given) or given.strip()
    by_url = table.of_url(url)
    if by_url:
        return by_url
    for name in (named, masthead):
        if name and name.strip():
            return table.display(name) or name.strip()
    prefix = _FILE_PREFIX.match(file_name or "")
    if prefix and table.display(prefix.group(1)):
        return table.display(prefix.group(1)) or ""
    return registered_domain(url or "") or ""


_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _letters(text: str) -> str:
    """`Columbus entdeckt` and `columbus-entdeckt.de` alike: lower case, umlauts spelled out,
    letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", text.casefold().translate(_SPELLED))


def names_outlet(label: str, outlet: str, url: str | None) -> bool:
    """True when a label (a kicker line) is the site's own name: the outlet's, or its domain's
    (`Literaturgefluester` on literaturgefluester.wordpress.com). A site's name is no kicker."""
    key = _letters(label)
    if not key:
        return False
    try:
        host = (urlsplit(url).hostname or "") if url and "://" in url else ""
    except ValueError:  # not a URL one can read ("http://[::1")
        host = ""
    names = [outlet, *host.split(".")]
    return any(key == _letters(name) for name in names if name)


# Lines at a page's foot or in its share bar that name the outlet: "© DER SPIEGEL 2026",
# "Copyright © 2026 heise online", "Quelle: dpa", "(dpa)", "Folgen Sie der SZ auf Instagram".
_OWNER_LINE = re.compile(
    r"^(?:(?:copyright\s*)?(?:©|\(c\))\s*(?:\d{4}\s*)?(?P<owner>.+?)"
    r"(?:\s+(?:gmbh|ag|verlag)\b.*|\s+\d{4}.*|[,.].*)?"
    r"|quelle:\s*(?P<quelle>[^,;]+?)|\((?P<agency>[^()]{2,30})\)"
    r"|folgen\s+sie\s+(?:der|dem|den)?\s*(?P<follow>.+?)\s+auf\s+\w+)\s*$",
    re.IGNORECASE,
)
# How far from a page's top its masthead stands, and from its foot its copyright line (a page's
# foot holds its menus and link lists again, so the copyright line may stand dozens of blocks up).
_MASTHEAD_BLOCKS = 2
_END_CHARS = 20_000  # how much of each end is read: a huge page is not split whole
_FOOT_BLOCKS = 40
# A block this short that is an outlet's domain ("braunschweiger-zeitung.de", "SZ.de") is the
# site naming itself: in its logo's text, its share bar or its foot.
_DOMAIN_BLOCK_CHARS = 40
_NAMED_TIMES = 2


def masthead_of(text: str) -> str | None:
    """The outlet a page dump names where publishers name themselves: its masthead (a first line
    that is an outlet's display name or domain, "Süddeutsche Zeitung", "tagesschau.de"), a
    copyright, source or follow line ("© DER SPIEGEL 2026", "Quelle: dpa"), or its own domain
    on a line of its own, the most often named one. Only names the outlet table knows count,
    and a masthead only as the table writes it (a menu's "Presse" is no "Die Presse"), so a
    menu word is never taken for a publisher."""
    table = outlets()
    head = [" ".join(b.split()) for b in text[:_END_CHARS].split("\n\n") if b.strip()]
    for block in head[:_MASTHEAD_BLOCKS]:
        key = block.casefold()
        found = table.by_domain.get(key) or table.by_name.get(key)
        if found and (key in table.by_domain or key == found.casefold()):
            return found
    foot = [" ".join(b.split()) for b in text[-_END_CHARS:].rsplit("\n\n", 2 * _FOOT_BLOCKS)]
    for block in reversed([b for b in foot if b][-_FOOT_BLOCKS:]):
        m = _OWNER_LINE.match(block) if len(block) <= 80 else None
        name = next((g for g in m.groups() if g), None) if m else None
        if name and table.display(name):
            return table.display(name)
    # Each block once: the two ends overlap on a page shorter than both.
    ends = text if len(text) <= 2 * _END_CHARS else f"{text[:_END_CHARS]}\n\n{text[-_END_CHARS:]}"
    named = Counter(n for n in map(_names_self, ends.split("\n\n")) if n)
    # The site's own domain names it; a display name said once may be a sister paper's or a
    # partner's link ("Handelsblatt" in a stern page's foot), so it must be said again.
    ranked = sorted(named.items(), key=lambda item: (not item[0][1], -item[1]))
    for (name, is_domain), count in ranked:
        if is_domain or count >= _NAMED_TIMES:
            return name
    return None


def _names_self(block: str) -> tuple[str, bool] | None:
    """The outlet a short block is the name of, and whether as its domain: its display name as
    the table writes it ("heise online", "Hamburger Abendblatt"; an agency's name alone is a
    photo credit) or its domain ("braunschweiger-zeitung.de", "SZ.de")."""
    block = " ".join(block.split())
    if not block or len(block) > _DOMAIN_BLOCK_CHARS:
        return None
    table = outlets()
    if block in table.shown:
        return None if is_junk(block) else (block, False)
    if "." not in block or " " in block:
        return None
    found = table.by_domain.get(registered_domain(block) or "")
    return (found, True) if found else None


def display_name(name: str) -> str:
    """The outlet's display name (`sz` → "Süddeutsche Zeitung"); the name as given when the
    table does not know it."""
    return outlets().display(name) or name


def publisher(name: str) -> str:
    """The key outlets are counted by: one per publisher, whatever section or spelling."""
    shown = outlets().display(name)
    if shown:
        return shown.casefold()
    return _SECTION.split(name.strip(), maxsplit=1)[0].casefold()
