"""The tree is the data flow: the pure core imports no I/O or platform library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = [
    "bot/records.py",
    "bot/alerts.py",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "bot" / "commands").glob("*.py")),
    "bot/digest.py",
    "bot/query.py",
    "bot/render.py",
    "bot/texts.py",
    "bot/vocabulary.py",
    "bot/errors.py",
    "bot/stories.py",
    "bot/dedup.py",
    "bot/breaking.py",
    "bot/quiet.py",
    "bot/inline.py",
]
FORBIDDEN = {
    "asyncio",
    "sqlite3",
    "sqlite_utils",
    "httpx",
    "aiohttp",
    "telegram",
    "nio",
    "apscheduler",
    "feedparser",
    "trafilatura",
    "socket",
    "subprocess",
    "bot.store",
    "bot.transports",
    "bot.ingest",
    "bot.app",
    "bot.cli",
}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


PURE = [
    *CORE,
    *sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "summarizer").glob("*.py")
        if p.name != "evaluate.py"
    ),
]


@pytest.mark.parametrize("module", [m for m in PURE if (ROOT / m).exists()])
def test_pure_module_imports_no_io(module: str) -> None:
    """The command core and the summarizer (but its evaluation script) do no I/O themselves."""
    forbidden = FORBIDDEN | {"bot"} if module.startswith("summarizer/") else FORBIDDEN
    bad = {
        name
        for name in imports(ROOT / module)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    }
    assert not bad, f"{module} imports {bad}"


def test_bot_uses_only_the_summarizer_package_api() -> None:
    """bot reaches the summarizer through `summarizer/__init__.py`, never its inner modules."""
    inner = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / "bot").rglob("*.py"))
        for name in imports(path)
        if name.startswith("summarizer.")
    }
    assert not inner
