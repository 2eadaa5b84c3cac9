"""The PostgreSQL store (psycopg 3 with a connection pool): the same parts as the SQLite store,
each its own module, on one database named by a `postgresql://` URL.

Layout: the tables are SQLite's, column for column (`schema.py`); search keeps our own terms
as a tsvector under GIN in `articles_fts`, each row with its size and the counts of the terms
it has more than once or in its title, and per-term article counts beside it, so ranking is
FTS5's bm25 without reading the articles' text (`terms.py`, `search.py`). Several processes
may open one database: the schema is migrated once under an advisory lock, and adding
articles takes turns under another.

Importing this package is cheap: `PostgresStore` (`store.py`: the pool and every part) and
`display_url` (`connection.py`: psycopg alone) load on first use (PEP 562 `__getattr__`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.store.lazy import lazy_names

if TYPE_CHECKING:
    from bot.store.postgres.connection import display_url
    from bot.store.postgres.store import PostgresStore

__all__ = ["PostgresStore", "display_url"]

# The names loaded on first use, and the module each comes from.
_LAZY = {
    "PostgresStore": "bot.store.postgres.store",
    "display_url": "bot.store.postgres.connection",
}


__getattr__ = lazy_names(__name__, globals(), _LAZY)
