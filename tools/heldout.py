"""`python -m tools.heldout`: summary sets the summarizer was never tuned on, for an estimate.

The dev sets overshot unseen data more than once, so this builds more documents of the same
kinds from the same public sources, leaving out every dev document:
- `web`: German pages of the trafilatura (e90b0ef5) and htmldate (b8952828) test sets, the text
  as trafilatura extracts it, the reference the page's own description, kept as the dev set was
  (description of 12+ words, not cut off, not a copy of the text's opening; body of 120+ words),
  one page per description;
- `news`: derStandard articles of 10kGNAD's test.csv, the lead split from the body at the
  dateline as in the dev set (which this split reproduces for 183 of its 194 articles);
- `fundus`: the German, Austrian and Swiss article fixtures of flairNLP/fundus (18da6e53) whose
  headline and teaser no dev article has, with their headline: the body's paragraphs, the
  teaser the reference, as in the dev set. Too few to halve, so it is measured once, whole.

Each set is split in two halves, by site for web pages and by article for news (a stable hash):
`A` to look into, `B` to be measured once, with what is to be compared fixed beforehand. Give
the sources as git directories (bare or not) at those commits; the files are written to --out.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import itertools
import json
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from tools.train import SUMMARY_SETS, read_jsonl

Record = dict[str, str]

# Words that mark a German text: at least this share of its words are among them.
_GERMAN_TEXT = """
    der die das und ist nicht mit sich auf für dem den des ein eine einer zu von im in wird sind
    auch es als bei
"""
_GERMAN = frozenset(_GERMAN_TEXT.split())
GERMAN_SHARE = 0.12
MIN_REFERENCE_WORDS = 12
MIN_BODY_WORDS = 120
MIN_NEWS_LEAD_WORDS = 8
MIN_NEWS_BODY_WORDS = 100
# A reference is a copy of the opening when this share of its word pairs stands in the text's
# first words (twice the reference's length); the dev sets stay under it but for one document.
COPY_SHARE = 0.6
WEB_SOURCES = {
    "trafilatura": ("adbar/trafilatura@e90b0ef51a", ("tests/cache/", "tests/eval/")),
    "htmldate": ("adbar/htmldate@b895282832", ("tests/cache/", "tests/eval/", "tests/test_set/")),
}
GNAD_REPO, FUNDUS_REPO = "tblock/10kGNAD", "flairNLP/fundus"
GNAD = f"{GNAD_REPO}@da845fe4a1"
FUNDUS = f"{FUNDUS_REPO}@18da6e53"
FUNDUS_COUNTRIES = ("de", "at", "ch")
# "… Lead. Wien – Body", "… Lead. Santiago de Chile – Body", "… Lead. Berlin (APA) – Body".
_DATELINE = re.compile(
    r"(?<=[.!?\"“”])\s+(?=(?:[A-ZÄÖÜ][\w./-]*(?:\s(?:am|an|de|del|der|im|bei|la|le|in)\s|\s|/)?)"
    r"{1,4}[A-ZÄÖÜ]?[\w./-]*\s(?:\([^)]{1,30}\)\s)?–\s)"
)


def words(text: str) -> list[str]:
    """Lower-case words of a text."""
    return re.findall(r"\w+", text.lower())


def copy_share(reference: str, text: str) -> float:
    """Share of the reference's word pairs found in the text's first 2×len(reference) words."""
    ref = words(reference)
    opening = words(text)[: 2 * len(ref)]
    pairs = set(itertools.pairwise(ref))
    return len(pairs & set(itertools.pairwise(opening))) / max(1, len(pairs))


def half(key: str) -> str:
    """`A` or `B`, by a stable hash of the key (a site or an article id)."""
    digest = hashlib.md5(key.encode(), usedforsecurity=False).digest()
    return "A" if int.from_bytes(digest, "big") % 2 == 0 else "B"


def _git(git_dir: Path, *args: str) -> bytes:
    """Output of a git command in the given repository (the git on PATH, arguments ours)."""
    command = ["git", "--git-dir", str(git_dir), *args]
    return subprocess.run(command, capture_output=True, check=True).stdout  # noqa: S603


def _git_files(git_dir: Path) -> list[str]:
    return _git(git_dir, "ls-tree", "-r", "--name-only", "HEAD").decode().splitlines()


def _git_blob(git_dir: Path, name: str) -> bytes:
    return _git(git_dir, "show", f"HEAD:{name}")


def web_pages(sources: dict[str, Path], counts: Counter[str]) -> Iterator[Record]:
    """German pages of the test sets with a usable description, dev pages left out."""
    import trafilatura  # only this command needs it at import

    dev = read_jsonl(SUMMARY_SETS["web"])
    dev_paths = {str(r["source"]).split(":", 1)[1] for r in dev}
    dev_urls = {str(r["url"]) for r in dev}
    dev_refs = {" ".join(words(str(r["summary"]))) for r in dev}
    seen: set[str] = set()
    for key, git_dir in sources.items():
        tag, folders = WEB_SOURCES[key]
        for name in _git_files(git_dir):
            if not name.startswith(folders) or not name.endswith((".html", ".htm")):
                continue
            if name in dev_paths:
                counts["dev"] += 1
                continue
            raw = _git_blob(git_dir, name)
            try:
                html = raw.decode("utf-8")
            except UnicodeDecodeError:
                html = raw.decode("latin-1")
            text = trafilatura.extract(html) or ""
            body = words(text)
            if len(body) < MIN_BODY_WORDS or sum(w in _GERMAN for w in body) < GERMAN_SHARE * len(
                body
            ):
                counts["not German or short"] += 1
                continue
            meta = trafilatura.extract_metadata(html)
            reference = (meta.description or "").strip() if meta else ""
            ref_key = " ".join(words(reference))
            if len(reference.split()) < MIN_REFERENCE_WORDS or reference.endswith(("...", "…")):
                counts["no description"] += 1
                continue
            if copy_share(reference, text) >= COPY_SHARE:
                counts["copy of the opening"] += 1
                continue
            if ref_key in seen or ref_key in dev_refs or (meta and meta.url in dev_urls):
                counts["same description again"] += 1
                continue
            seen.add(ref_key)
            counts["kept"] += 1
            yield {
                "id": "ext-" + hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:12],
                "source": f"{tag}:{name}",
                "url": (meta.url or "") if meta else "",
                "site": (meta.hostname or "") if meta else "",
                "title": (meta.title or "") if meta else "",
                "text": text,
                "summary": reference,
            }


def split_lead(article: str) -> tuple[str, str] | None:
    """A derStandard article's lead and its body from the dateline on, or None."""
    match = _DATELINE.search(article)
    if not match:
        return None
    return article[: match.start()].strip().removesuffix("."), article[match.end() :].strip()


def news_articles(git_dir: Path, counts: Counter[str]) -> Iterator[Record]:
    """10kGNAD test articles with a lead and a body, dev articles left out."""
    dev_rows = {
        int(str(r["source"]).split("#row")[1])
        for r in read_jsonl(SUMMARY_SETS["news"])
        if str(r["source"]).startswith(GNAD_REPO)
    }
    table = _git_blob(git_dir, "test.csv").decode("utf-8")
    for row, (category, article) in enumerate(
        csv.reader(io.StringIO(table), delimiter=";", quotechar="'"), start=1
    ):
        split = None if row in dev_rows else split_lead(article)
        if split is None:
            counts["dev or no dateline"] += 1
            continue
        lead, body = split
        if len(lead.split()) < MIN_NEWS_LEAD_WORDS or len(body.split()) < MIN_NEWS_BODY_WORDS:
            counts["short"] += 1
            continue
        if copy_share(lead, body) >= COPY_SHARE:
            counts["copy of the opening"] += 1
            continue
        counts["kept"] += 1
        yield {
            "id": f"gnad-{row}",
            "source": f"{GNAD}:test.csv#row{row}",
            "title": "",
            "text": body,
            "summary": lead,
            "category": category,
        }


def fundus_articles(git_dir: Path, counts: Counter[str]) -> Iterator[Record]:
    """fundus fixtures of German-language outlets with a teaser, dev articles left out."""
    dev = [r for r in read_jsonl(SUMMARY_SETS["news"]) if str(r["source"]).startswith(FUNDUS_REPO)]
    dev_titles = {str(r["title"]) for r in dev}
    dev_refs = {str(r["summary"]) for r in dev}
    for name in _git_files(git_dir):
        parts = name.split("/")
        if "test_data" not in parts or parts[-2] not in FUNDUS_COUNTRIES:
            continue
        if not name.endswith(".json"):
            continue
        fixture = json.loads(_git_blob(git_dir, name))
        for version, article in fixture.items():
            if not isinstance(article, dict) or "body" not in article:
                continue
            body = article["body"]
            title = str(article.get("title") or "").strip()
            reference = " ".join(body.get("summary") or []).strip()
            text = "\n\n".join(p for section in body["sections"] for p in section["paragraphs"])
            if title in dev_titles or reference in dev_refs:
                counts["dev"] += 1
                continue
            if len(reference.split()) < MIN_NEWS_LEAD_WORDS:
                counts["no teaser"] += 1
                continue
            if len(text.split()) < MIN_NEWS_BODY_WORDS:
                counts["short"] += 1
                continue
            if copy_share(reference, text) >= COPY_SHARE:
                counts["copy of the opening"] += 1
                continue
            counts["kept"] += 1
            outlet = parts[-1].removesuffix(".json")
            yield {
                "id": f"fundus-{outlet}-{version}",
                "source": f"{FUNDUS}:{name}#{version}",
                "title": title,
                "text": text,
                "summary": reference,
            }


def write_set(path: Path, rows: list[Record]) -> None:
    """Write the records as JSONL (as the dev sets are) and say how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    print(f"{path}: {len(rows)} documents")


def write_halves(records: Iterator[Record], out: Path, name: str, key: str) -> None:
    """Write NAME_xA.jsonl and NAME_xB.jsonl, each record to the half its key hashes to."""
    halves: dict[str, list[Record]] = {"A": [], "B": []}
    for record in records:
        halves[half(record[key])].append(record)
    for side, rows in halves.items():
        write_set(out / f"{name}_x{side}.jsonl", rows)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="set", required=True)
    web = sub.add_parser("web", help="pages of the trafilatura and htmldate test sets")
    web.add_argument("--trafilatura", type=Path, required=True, help="git dir at e90b0ef5")
    web.add_argument("--htmldate", type=Path, required=True, help="git dir at b8952828")
    news = sub.add_parser("news", help="derStandard articles of 10kGNAD's test.csv")
    news.add_argument("--gnad", type=Path, required=True, help="git dir at da845fe4")
    fundus = sub.add_parser("fundus", help="German-language article fixtures of fundus")
    fundus.add_argument("--fundus", type=Path, required=True, help="git dir at 18da6e53")
    for p in (web, news, fundus):
        p.add_argument("--out", type=Path, default=Path("heldout"), help="output folder")
    args = ap.parse_args(argv)
    counts: Counter[str] = Counter()
    if args.set == "web":
        sources = {"trafilatura": args.trafilatura, "htmldate": args.htmldate}
        write_halves(web_pages(sources, counts), args.out, "web", "site")
    elif args.set == "news":
        write_halves(news_articles(args.gnad, counts), args.out, "news", "id")
    else:
        write_set(args.out / "fundus_x.jsonl", list(fundus_articles(args.fundus, counts)))
    print(", ".join(f"{k} {v}" for k, v in counts.most_common()))


if __name__ == "__main__":
    main()
