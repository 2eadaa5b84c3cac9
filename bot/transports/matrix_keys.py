"""The Matrix device's key store at rest (matrix-nio's DefaultStore): its pickle key and mode.

nio pickles the Olm account and the Megolm sessions with a passphrase that defaults to a public
constant, so anyone who can read the store has the bot's device identity. Each install gets its
own key (MATRIX_PICKLE_KEY, else one generated once into a 0600 file), and a store written under
nio's default is re-pickled under it on first start, not lost.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from pathlib import Path

from nio.store import DefaultStore

log = logging.getLogger(__name__)
# nio's AsyncClientConfig.pickle_key default: a key every nio user knows.
NIO_DEFAULT_KEY = "DEFAULT_KEY"
PICKLE_KEY_FILE = "matrix-pickle-key"


def pickle_key(configured: str | None, key_file: Path) -> str:
    """The configured key, else the one in `key_file` (generated there, 0600, the first time)."""
    if configured:
        return configured
    with contextlib.suppress(FileExistsError):
        fd = os.open(key_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32))
        log.info("event=matrix_pickle_key_created path=%s", key_file)
    return key_file.read_text().strip()


def migrate_pickle_key(store_dir: Path, user_id: str, device_id: str, key: str) -> bool:
    """Re-pickle a device store written under nio's default key with `key`; True if it did.

    A store already under `key` (or none yet) is left alone: loading it with the default key
    fails, which is the test.
    """
    if not device_id or key == NIO_DEFAULT_KEY:
        return False
    if not (store_dir / f"{user_id}_{device_id}.db").exists():
        return False
    store = DefaultStore(user_id, device_id, str(store_dir), NIO_DEFAULT_KEY)
    try:
        try:
            account = store.load_account()
        except Exception:  # olm's "bad account key": not under the default key
            return False
        if account is None:
            return False
        sessions = store.load_sessions()
        groups = store.load_inbound_group_sessions()
        store.pickle_key = key
        store.save_account(account)
        for sender_key, held in sessions.items():
            for session in held:
                store.save_session(sender_key, session)
        for group in groups:
            store.save_inbound_group_session(group)
    finally:
        store.database.close()
    log.warning("event=matrix_store_rekeyed device=%s", device_id)
    return True
