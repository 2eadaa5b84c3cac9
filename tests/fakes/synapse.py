"""A real Synapse homeserver on 127.0.0.1 for the Matrix tests (test tool only: AGPL).

Synapse lives in its own venv, `.synapse-venv/` at the repo root, made by
`tests/fakes/install_synapse.sh`. SQLite, no federation, presence or URL previews; users are
registered with the shared secret. Without the venv the tests skip, unless
NEWSBOT_REQUIRE_SYNAPSE=1 (CI), where a missing homeserver is a failure. One homeserver serves
the whole test session (conftest's `homeserver`); its signing key is written here instead of by
a second Synapse start, and passwords are hashed with bcrypt's cheapest cost.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.fakes.ports import free_port

ROOT = Path(__file__).resolve().parent.parent.parent
VENV = ROOT / ".synapse-venv"
PYTHON = VENV / "bin" / "python"
INSTALL = "tests/fakes/install_synapse.sh"
SERVER_NAME = "localhost"

CONFIG = """\
server_name: "{server_name}"
pid_file: "{data}/homeserver.pid"
public_baseurl: "{url}/"
listeners:
  - port: {port}
    bind_addresses: ["127.0.0.1"]
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args: {{database: "{data}/homeserver.db"}}
log_config: "{data}/log.yaml"
media_store_path: "{data}/media_store"
signing_key_path: "{data}/{server_name}.signing.key"
registration_shared_secret: "{secret}"
macaroon_secret_key: "{macaroon}"
form_secret: "{form}"
enable_registration: false
# bcrypt's lowest cost (Synapse's default is 12): every registration and login hashes a password,
# and a test account needs no protection.
bcrypt_rounds: 4
report_stats: false
enable_metrics: false
trusted_key_servers: []
suppress_key_server_warning: true
federation_domain_whitelist: []
presence: {{enabled: false}}
url_preview_enabled: false
rc_message: {{per_second: 1000, burst_count: 1000}}
rc_registration: {{per_second: 1000, burst_count: 1000}}
rc_login:
  address: {{per_second: 1000, burst_count: 1000}}
  account: {{per_second: 1000, burst_count: 1000}}
  failed_attempts: {{per_second: 1000, burst_count: 1000}}
rc_joins: {{local: {{per_second: 1000, burst_count: 1000}}}}
rc_invites:
  per_room: {{per_second: 1000, burst_count: 1000}}
  per_user: {{per_second: 1000, burst_count: 1000}}
"""

LOG_CONFIG = """\
version: 1
formatters:
  precise: {{format: "%(asctime)s %(name)s %(levelname)s %(message)s"}}
handlers:
  file: {{class: logging.FileHandler, formatter: precise, filename: "{data}/homeserver.log"}}
root: {{level: WARNING, handlers: [file]}}
disable_existing_loggers: false
"""


def is_installed() -> bool:
    """True when `.synapse-venv/` holds an importable Synapse."""
    if not PYTHON.exists():
        return False
    probe = subprocess.run([str(PYTHON), "-c", "import synapse"], capture_output=True, check=False)
    return probe.returncode == 0


def skip_or_fail_without_synapse() -> None:
    """Skip with the reason (or fail on CI, NEWSBOT_REQUIRE_SYNAPSE=1) when Synapse is absent."""
    if is_installed():
        return
    reason = f"Synapse is not installed in {VENV}; run {INSTALL} (about 15-40 s, needs PyPI)"
    if os.environ.get("NEWSBOT_REQUIRE_SYNAPSE") == "1":
        pytest.fail(f"NEWSBOT_REQUIRE_SYNAPSE=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def signing_key() -> str:
    """A fresh ed25519 signing key in Synapse's file format: algorithm, version, the 32-byte seed
    in unpadded base64 (what `--generate-keys` writes, without starting Synapse for it)."""
    seed = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    return f"ed25519 a_{secrets.token_hex(2)} {seed}\n"


class Homeserver:
    """One Synapse process with its data folder; `register` makes users by shared secret."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.secret = secrets.token_hex(16)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> Homeserver:
        """Write the config, make the signing key, start Synapse and wait until it answers."""
        self.data.mkdir(parents=True, exist_ok=True)
        config = self.data / "homeserver.yaml"
        config.write_text(
            CONFIG.format(
                server_name=SERVER_NAME,
                data=self.data,
                url=self.url,
                port=self.port,
                secret=self.secret,
                macaroon=secrets.token_hex(16),
                form=secrets.token_hex(16),
            )
        )
        (self.data / "log.yaml").write_text(LOG_CONFIG.format(data=self.data))
        (self.data / f"{SERVER_NAME}.signing.key").write_text(signing_key())
        module = ["-m", "synapse.app.homeserver", "-c", str(config)]
        with (self.data / "stderr.log").open("wb") as stderr:
            self.process = subprocess.Popen(
                [str(PYTHON), *module], cwd=self.data, stdout=subprocess.DEVNULL, stderr=stderr
            )
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"synapse exited: {(self.data / 'stderr.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_matrix/client/versions", timeout=2):  # noqa: S310
                    return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.stop()  # not left running (and unreaped) behind a failed start
        raise RuntimeError("synapse did not start in time")

    def stop(self) -> None:
        """Terminate Synapse (it exits cleanly on SIGTERM)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def register(self, user: str, password: str, admin: bool = False) -> str:
        """Create a user with the shared-secret admin API; returns the full user id."""
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        # Plain http on 127.0.0.1 only: the URL is built here, never taken from input.
        with urllib.request.urlopen(endpoint, timeout=10) as response:  # noqa: S310
            nonce = json.load(response)["nonce"]
        mac = hmac.new(self.secret.encode(), digestmod=hashlib.sha1)
        mac.update(
            b"\x00".join(
                [
                    nonce.encode(),
                    user.encode(),
                    password.encode(),
                    b"admin" if admin else b"notadmin",
                ]
            )
        )
        body = {
            "nonce": nonce,
            "username": user,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
        }
        request = urllib.request.Request(  # noqa: S310
            endpoint, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return str(json.load(response)["user_id"])
