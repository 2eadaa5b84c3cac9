"""Secrets and data at rest: owner-only files whatever the umask, and the Matrix device's keys
pickled under this install's own key (a store under nio's public default is re-pickled)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from nio.crypto import InboundGroupSession, OlmAccount, OutboundGroupSession
from nio.store import DefaultStore

from bot.ops import backup
from bot.store import Store
from bot.transports.matrix import MatrixTransport
from bot.transports.matrix_keys import NIO_DEFAULT_KEY, migrate_pickle_key, pickle_key

NOW = datetime(2025, 11, 10, 12, tzinfo=UTC)
USER, DEVICE = "@newsbot:example.org", "NEWSBOTDEV"


@pytest.fixture
def umask_022() -> Iterator[None]:
    """A normal login shell's umask: new files world-readable unless we say otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("umask_022")
def test_database_wal_shm_backup_and_key_store_are_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "data" / "newsbot.db"
    store = Store.open(db)
    try:
        store.feeds.add_feed("https://example.org/rss", NOW)  # a write: -wal and -shm exist
        for path in (db, db.with_name("newsbot.db-wal"), db.with_name("newsbot.db-shm")):
            assert path.exists(), path
            assert mode(path) == 0o600, (path, oct(mode(path)))
        copy = backup(store, str(db), tmp_path / "backups", NOW)
        assert mode(copy) == 0o600
    finally:
        store.close()
    keys = tmp_path / "data" / "matrix-keys"
    MatrixTransport("http://127.0.0.1:9", USER, password="x", key_store=keys)
    assert mode(keys) == 0o700
    key_file = tmp_path / "data" / "matrix-pickle-key"
    key = pickle_key(None, key_file)
    assert mode(key_file) == 0o600
    assert len(key) >= 32
    assert pickle_key(None, key_file) == key  # generated once, then kept
    assert pickle_key("from-the-environment", key_file) == "from-the-environment"


def _default_store(keys: Path) -> tuple[str, str]:
    """A device store as nio wrote it before: account and a Megolm session, default key."""
    store = DefaultStore(USER, DEVICE, str(keys), NIO_DEFAULT_KEY)
    account = OlmAccount()
    store.save_account(account)
    outbound = OutboundGroupSession()
    inbound = InboundGroupSession(
        outbound.session_key, account.identity_keys["ed25519"],
        account.identity_keys["curve25519"], "!room:example.org",
    )  # fmt: skip
    store.save_inbound_group_session(inbound)
    store.database.close()
    return account.identity_keys["curve25519"], inbound.id


def test_a_store_under_nios_default_key_is_rekeyed_not_lost(tmp_path: Path) -> None:
    keys = tmp_path / "matrix-keys"
    keys.mkdir()
    identity, session_id = _default_store(keys)
    assert migrate_pickle_key(keys, USER, DEVICE, "our-own-key")
    assert not migrate_pickle_key(keys, USER, DEVICE, "our-own-key")  # once only
    ours = DefaultStore(USER, DEVICE, str(keys), "our-own-key")
    try:
        account = ours.load_account()
        assert account is not None
        assert account.identity_keys["curve25519"] == identity  # the same device identity
        assert [s.id for s in ours.load_inbound_group_sessions()] == [session_id]
    finally:
        ours.database.close()
    # The public default no longer opens it.
    public = DefaultStore(USER, DEVICE, str(keys), NIO_DEFAULT_KEY)
    try:
        with pytest.raises(Exception, match=r"(?i)key|pickle|decrypt|mac"):
            public.load_account()
    finally:
        public.database.close()
