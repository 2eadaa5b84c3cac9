"""`python -m tools.facts`: are the headline, date and outlet a reader sees right on real pages?

`build` turns the German, Austrian and Swiss article fixtures of flairNLP/fundus (18da6e53: the
real HTML of news pages beside what fundus's parser for that outlet reads from it) into page
dumps (tools.pagedump, the recipe of the shared dev dumps) with the facts to check: the title
(fundus's, usually the page's og:title, and the page's `h1`s), the publication time and the
page's URL. `score` stores the dumps with `newsbot ingest` into a fresh database, reads them
back with `newsbot export`, and counts per system:
- title: the stored title is the page's `h1` or fundus's title (white space, colons and bars
  aside; the `h1` with its kicker run on, as a copied page shows it, counts; a title with the
  site's name after it, as a page's <title> has it, counts);
- date: the same day in Europe/Berlin as fundus's time (time: within two minutes);
- outlet: on pages of a domain the outlet table knows, the outlet it gives that domain
  (counted by publisher); wrong when another outlet is named, unknown when none is.
With `--htmldate`, the German pages of htmldate's evaluation set (b8952828) are added: their
publication dates were found by hand, their titles are the pages' own og:title or <title>.
The pages are split by outlet (or site) into a half `A` to look into and a half `B` to measure
once.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import shlex
import subprocess
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.etree
import lxml.html

from bot.outlets import outlets, publisher, registered_domain
from tools.heldout import (
    _GERMAN,
    FUNDUS_COUNTRIES,
    GERMAN_SHARE,
    MIN_BODY_WORDS,
    _git_blob,
    _git_files,
    half,
    words,
)
from tools.pagedump import decode, page_dump

FIXTURES = "tests/resources/parser/test_data"
BERLIN = ZoneInfo("Europe/Berlin")
# A fixture's HTML is the one of its outlet's pages that holds this share of the words of its
# title and first paragraphs (fundus names the versions, not the files, in its JSON).
MATCH_SHARE = 0.8
TIME_SLACK_SECONDS = 120
Record = dict[str, object]


def _words(text: str) -> set[str]:
    return set(text.split())


def fixtures(git_dir: Path) -> Iterator[tuple[Record, str, str]]:
    """(facts, page dump, HTML) of every German-language fundus fixture whose HTML is in the
    repo."""
    files = _git_files(git_dir)
    for country in FUNDUS_COUNTRIES:
        folder = f"{FIXTURES}/{country}/"
        meta = json.loads(_git_blob(git_dir, f"{folder}meta.info"))
        pages: dict[str, tuple[str, str]] = {}
        for name in meta:
            if f"{folder}{name}" in files:
                html = decode(gzip.decompress(_git_blob(git_dir, f"{folder}{name}")))
                pages[name] = (html, page_dump(html))
        for name in sorted(f for f in files if f.startswith(folder) and f.endswith(".json")):
            outlet = name[len(folder) : -len(".json")]
            for version, article in json.loads(_git_blob(git_dir, name)).items():
                if not isinstance(article, dict):
                    continue
                sections = (article.get("body") or {}).get("sections") or []
                paragraphs = [p for s in sections for p in s.get("paragraphs", [])]
                probe = _words(" ".join(paragraphs[:3])) | _words(article.get("title") or "")
                found = [
                    (len(probe & _words(dump)) / max(1, len(probe)), file)
                    for file, (_, dump) in pages.items()
                    if file.startswith(f"{outlet}_")
                ]
                if not found or max(found)[0] < MATCH_SHARE:
                    continue
                file = max(found)[1]
                html, dump = pages[file]
                facts: Record = {
                    "id": f"{country}-{outlet}-{version}",
                    "outlet": outlet,
                    "url": meta[file]["url"],
                    "title": article.get("title") or "",
                    "h1": _h1s(html),
                    "published": article.get("publishing_date"),
                }
                yield facts, dump, html


def _h1s(html: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in lxml.html.fromstring(html).iter("h1")]


def _page_title(html: str) -> str:
    """The page's og:title, else its <title>."""
    root = lxml.html.fromstring(html)
    for meta in root.iter("meta"):
        if meta.get("property") == "og:title" and (meta.get("content") or "").strip():
            return " ".join(str(meta.get("content")).split())
    title = root.find(".//title")
    return " ".join(title.text_content().split()) if title is not None else ""


def dated_pages(git_dir: Path) -> Iterator[tuple[Record, str, str]]:
    """(facts, page dump, HTML) of the German pages of htmldate's evaluation set (eval_default.json:
    URL, file and the publication date found by hand), whose title is the page's own."""
    files = set(_git_files(git_dir))
    for url, entry in json.loads(_git_blob(git_dir, "tests/eval_default.json")).items():
        name = next(
            (
                f"tests/{d}/{entry['file']}"
                for d in ("cache", "eval")
                if f"tests/{d}/{entry['file']}" in files
            ),
            None,
        )
        if name is None or not entry.get("date"):
            continue
        html = decode(_git_blob(git_dir, name))
        try:
            dump = page_dump(html)
        except (ValueError, lxml.etree.ParserError):
            continue
        body = words(dump)
        if len(body) < MIN_BODY_WORDS or sum(w in _GERMAN for w in body) < GERMAN_SHARE * len(body):
            continue
        domain = registered_domain(url) or url
        facts: Record = {
            "id": "hd-" + hashlib.sha1(url.encode(), usedforsecurity=False).hexdigest()[:12],
            "outlet": domain,
            "url": url,
            "title": _page_title(html),
            "h1": _h1s(html),
            "published": entry["date"],
        }
        yield facts, dump, html


def build(git_dirs: list[tuple[str, Path]], out: Path) -> None:
    """Write out/pages/ID.txt (the dump), out/pages/ID.html (the page) and out/facts.jsonl."""
    (out / "pages").mkdir(parents=True, exist_ok=True)
    rows = []
    sources = {"fundus": fixtures, "htmldate": dated_pages}
    pages = (page for key, git_dir in git_dirs for page in sources[key](git_dir))
    for facts, dump, html in pages:
        (out / "pages" / f"{facts['id']}.txt").write_text(dump + "\n", encoding="utf-8")
        (out / "pages" / f"{facts['id']}.html").write_text(html, encoding="utf-8")
        rows.append(json.dumps(facts, ensure_ascii=False) + "\n")
    (out / "facts.jsonl").write_text("".join(rows), encoding="utf-8")
    print(f"{out}: {len(rows)} pages")


def _squeezed(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\xad", "").replace("\u200b", "")
    return re.sub(r"[\s:|]", "", text)


def title_right(stored: str, facts: Record) -> bool:
    """The stored title is the page's h1 or its title: whole, or the end under a kicker (after
    its colon), or the start before the site's name."""
    got = _squeezed(stored)
    if not got:
        return False
    h1s = [_squeezed(str(h)) for h in facts["h1"]]  # type: ignore[attr-defined]
    wanted = _squeezed(str(facts["title"]))
    long_enough = len(got) > 12
    return any(
        got == want or (long_enough and (want.endswith(got) or want.startswith(got)))
        for want in (wanted, *h1s)
    )


def stored_facts(command: str, pages: list[Path]) -> dict[str, Record]:
    """The articles `command` (a newsbot command line) stores from the dumps, by page id."""
    env = {**os.environ, "NEWSBOT_LANGUAGE": "en", "NEWSBOT_CONFIG": ""}
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "facts.db")
        base = [*shlex.split(command), "--db", db]
        # Run from the temporary folder: `python -m bot` reads the package from the working
        # folder first, so a system given as PYTHONPATH=… would otherwise run this checkout.
        run = subprocess.run(  # noqa: S603
            [*base, "ingest", *(str(p.resolve()) for p in pages)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp,
        )
        ids = {
            Path(m.group(1)).stem: int(m.group(2))
            for m in re.finditer(
                r"^(?:added|duplicate): (.+?\.(?:txt|html)) [→=] #(\d+)", run.stdout, re.M
            )
        }
        export = subprocess.run(  # noqa: S603
            [*base, "export"], capture_output=True, text=True, env=env, check=True, cwd=tmp
        )
    rows = {int(r["id"]): r for r in map(json.loads, export.stdout.splitlines())}
    return {page: rows[n] for page, n in ids.items() if n in rows}


def score(facts: list[Record], stored: dict[str, Record]) -> Counter[str]:
    """Counts of right, wrong and missing facts over the pages."""
    counts: Counter[str] = Counter(pages=len(facts))
    for f in facts:
        row = stored.get(str(f["id"]))
        if row is None:
            continue
        counts["stored"] += 1
        counts["title"] += title_right(str(row["title"] or ""), f)
        if row["published"] is None:
            counts["undated"] += 1
        elif f["published"]:
            got = datetime.fromisoformat(str(row["published"])).astimezone(BERLIN)
            want = datetime.fromisoformat(str(f["published"])).astimezone(BERLIN)
            counts["date"] += got.date() == want.date()
            if len(str(f["published"])) > len("2026-12-08"):
                counts["time"] += abs((got - want).total_seconds()) <= TIME_SLACK_SECONDS
        expected = outlets().of_url(str(f["url"]))
        source = str(row["source"] or "")
        if expected is None:
            continue
        counts["outlet known"] += 1
        if not source:
            counts["outlet unknown"] += 1
        elif publisher(source) == publisher(expected):
            counts["outlet"] += 1
        else:
            counts["outlet wrong"] += 1
    return counts


def misses(facts: list[Record], stored: dict[str, Record]) -> Iterator[str]:
    """One line per wrong or missing title and date: what to look into (half `A` only)."""
    for f in facts:
        row = stored.get(str(f["id"]))
        if row is None:
            yield f"{f['id']}  not stored"
            continue
        title = str(row["title"] or "")
        if not title_right(title, f):
            yield f"{f['id']}  title {title!r}  want {f['title']!r}"
        if f["published"]:
            want = datetime.fromisoformat(str(f["published"])).astimezone(BERLIN).date()
            got = row["published"]
            day = datetime.fromisoformat(str(got)).astimezone(BERLIN).date() if got else None
            if day != want:
                yield f"{f['id']}  date {day}  want {want}"


COLUMNS = (
    "pages",
    "stored",
    "title",
    "date",
    "time",
    "undated",
    "outlet known",
    "outlet",
    "outlet wrong",
    "outlet unknown",
)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="step", required=True)
    b = sub.add_parser("build", help="page dumps and facts from fundus's fixtures")
    b.add_argument("--fundus", type=Path, help="git dir of flairNLP/fundus at 18da6e53")
    b.add_argument("--htmldate", type=Path, help="git dir of adbar/htmldate at b8952828")
    b.add_argument("--out", type=Path, default=Path("heldout/facts"))
    s = sub.add_parser("score", help="what newsbot stores from the dumps, against the facts")
    s.add_argument("dir", type=Path, help="the folder `build` wrote")
    s.add_argument("--system", action="append", required=True, metavar="NAME=COMMAND")
    s.add_argument("--half", choices=("A", "B", "all"), default="A")
    s.add_argument("--show", action="store_true", help="list each system's misses")
    s.add_argument(
        "--as",
        dest="kind",
        choices=("txt", "html"),
        default="txt",
        help="store the page dumps (default) or the pages as saved HTML",
    )
    args = ap.parse_args(argv)
    if args.step == "build":
        given = [(k, getattr(args, k)) for k in ("fundus", "htmldate") if getattr(args, k)]
        build(given, args.out)
        return
    facts = [json.loads(line) for line in (args.dir / "facts.jsonl").read_text().splitlines()]
    facts = [f for f in facts if args.half == "all" or half(f["outlet"]) == args.half]
    pages = [args.dir / "pages" / f"{f['id']}.{args.kind}" for f in facts]
    print("system".ljust(12) + "".join(c.rjust(len(c) + 2) for c in COLUMNS))
    for system in args.system:
        name, _, command = system.partition("=")
        stored = stored_facts(command, pages)
        counts = score(facts, stored)
        print(name.ljust(12) + "".join(str(counts[c]).rjust(len(c) + 2) for c in COLUMNS))
        for line in misses(facts, stored) if args.show else ():
            print("  " + line)


if __name__ == "__main__":
    main()
