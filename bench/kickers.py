"""`.venv/bin/python bench/kickers.py PAGES.jsonl.gz`: the kickers ingest keeps from page dumps.

The cleaner finds a kicker by its place and shape, and leaves out navigation, calls to the
reader, dates, paywall markers and the last entry of a topic menu that does not name the story
(`summarizer.page`, `summarizer.kickers`); ingest then drops
one that is the site's own name (`bot.outlets.names_outlet`, from the page's URL or masthead).
Prints each kicker with what became of it, then the counts, so the rule can be read against
real pages.
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections import Counter

from bot.ingest.article import shown_kicker
from bot.outlets import masthead_of, outlet_of
from summarizer import parse_page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/kickers.py", description=__doc__)
    parser.add_argument("pages", help="page dumps as JSONL ({'url', 'text'}), .gz allowed")
    args = parser.parse_args(argv)
    opener = gzip.open if args.pages.endswith(".gz") else open
    counts: Counter[str] = Counter()
    with opener(args.pages, "rt", encoding="utf-8") as f:
        for line in f:
            page = json.loads(line)
            url = page["url"] if "://" in page["url"] else None
            found = parse_page(page["text"])
            counts["pages"] += 1
            if not found.kicker:
                continue
            outlet = outlet_of(url=url, masthead=found.source or masthead_of(page["text"]))
            verdict = "kept" if shown_kicker(found.kicker, outlet, url) else "site name"
            counts[verdict] += 1
            print(f"{verdict:10} {found.kicker!r:50} {found.title[:60]!r}")
    found_count = counts["kept"] + counts["site name"]
    print(
        f"{counts['pages']} pages: {found_count} kickers found, {counts['kept']} kept,"
        f" {counts['site name']} the site's name"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
