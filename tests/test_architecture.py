"""The tree is the data flow: the pure core imports no I/O or platform library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = [
    "bot/records.py",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "bot" / "commands").glob("*.py")),
    "bot/digest.py",
    "bot/query.py",
    "bot/render.py",
    "bot/texts.py",
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


@pytest.mark.parametrize("module", [m for m in CORE if (ROOT / m).exists()])
def test_core_module_imports_no_io(module: str) -> None:
    bad = {
        name
        for name in imports(ROOT / module)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    }
    assert not bad, f"{module} imports {bad}"


def test_summarizer_never_imports_bot_or_io() -> None:
    for path in (ROOT / "summarizer").glob("*.py"):
        if path.name == "evaluate.py":
            continue
        names = imports(path)
        assert not {n for n in names if n == "bot" or n.startswith("bot.")}, path
        assert not names & {"sqlite3", "httpx", "socket", "subprocess"}, path
