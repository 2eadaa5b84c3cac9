"""Deployment files: Dockerfile, compose, systemd units, example settings, and their README."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from bot.cli import build_parser
from bot.config import ENV, KEYS, Config, load_config

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
VENV_BIN = Path(sys.executable).parent
UNITS = ["newsbot.service", "newsbot-backup.service", "newsbot-backup.timer"]
# Where the image and the unit install newsbot, and the test's own installation.
IMAGE_BIN, UNIT_PREFIX = "/opt/newsbot/bin", "/opt/newsbot/venv"
# The Pythons people run the bot on (3.12: Ubuntu 24.04, 3.13: Debian 13); one lock serves all.
SUPPORTED_PYTHONS = ("3.11", "3.12", "3.13")


@dataclass
class Stage:
    """The final stage of a Dockerfile: its instructions by name, ENV as a dict."""

    instructions: dict[str, list[str]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


def dockerfile() -> Stage:
    """Parse deploy/Dockerfile's final stage (continuation lines joined)."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    stage = Stage()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, rest = line.partition(" ")
        name = name.upper()
        if name == "FROM":
            stage = Stage()
        stage.instructions.setdefault(name, []).append(rest.strip())
        if name == "ENV":
            for token in shlex.split(rest):
                key, _, value = token.partition("=")
                stage.env[key] = value
    return stage


def exec_form(value: str) -> list[str]:
    """A JSON-array instruction argument (exec form), as a list."""
    parsed = json.loads(value)
    assert isinstance(parsed, list)
    return [str(v) for v in parsed]


def container_env(db: Path) -> dict[str, str]:
    """The image's environment with the test's installation and a database in place of /data."""
    env = dict(dockerfile().env)
    env["PATH"] = env["PATH"].replace(IMAGE_BIN, str(VENV_BIN)).replace("$PATH", os.environ["PATH"])
    env["HOME"] = str(db.parent)
    env["NEWSBOT_DB"] = str(db)
    return env


def test_dockerfile_is_slim_non_root_locked_and_checked() -> None:
    stage = dockerfile()
    text = (DEPLOY / "Dockerfile").read_text()
    assert "-slim" in text
    assert "pip install --require-hashes -r /tmp/requirements.lock" in text
    assert "pip install --no-deps /src" in text
    (user,) = stage.instructions["USER"]
    assert user.split(":")[0] not in ("root", "0")
    (health,) = stage.instructions["HEALTHCHECK"]
    assert health.split("CMD", 1)[1].strip() == '["newsbot", "status", "--check"]'
    assert exec_form(stage.instructions["ENTRYPOINT"][0]) == ["newsbot"]
    assert exec_form(stage.instructions["CMD"][0]) == ["run"]
    assert stage.env["NEWSBOT_DB"] == "/data/newsbot.db"
    assert stage.instructions["VOLUME"] == ['["/data"]']


def test_the_image_base_is_pinned_by_digest() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    [default] = re.findall(r"^ARG PYTHON_IMAGE=(\S+)$", text, flags=re.MULTILINE)
    assert re.fullmatch(r"python:3\.\d+-slim-\w+@sha256:[0-9a-f]{64}", default)
    froms = re.findall(r"^FROM (\S+)", text, flags=re.MULTILINE)
    assert froms == ["${PYTHON_IMAGE}"] * 2  # the build stage and the final one


def test_the_build_stage_slims_the_venv_and_checks_german_lookups_in_it() -> None:
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    build = text.split("\nFROM ", 2)[1]  # the build stage
    runs = [line for line in build.splitlines() if line.startswith("RUN ")]
    assert runs[-1] == "RUN sh /tmp/slim-venv.sh /opt/newsbot"  # after every install
    script = (DEPLOY / "slim-venv.sh").read_text()
    assert subprocess.run(["sh", "-n", str(DEPLOY / "slim-venv.sh")], check=False).returncode == 0
    assert "! -name '*_de.msgpack.gz' -delete" in script  # wordfreq keeps German
    assert "! -name 'de.plzma' -delete" in script  # simplemma keeps German
    assert "pip uninstall --quiet --yes pip setuptools" in script
    assert 'lemma(w) for w in ("Häuser", "gefiel", "Venezuelas")' in script
    assert "demo --no-console" in script


def test_docker_context_sends_only_what_the_image_copies() -> None:
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    copied = set()
    for line in (DEPLOY / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            copied.update(Path(p).as_posix() for p in line.split()[1:-1])
    assert copied == allowed
    for path in copied:
        assert (ROOT / path).exists(), path


@pytest.mark.integration
def test_container_health_check_runs_directly(tmp_path: Path) -> None:
    """The HEALTHCHECK command fails before the database exists and passes once it does."""
    db = tmp_path / "data" / "newsbot.db"
    env = container_env(db)
    (health,) = dockerfile().instructions["HEALTHCHECK"]
    argv = exec_form(health.split("CMD", 1)[1].strip())

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)

    assert check().returncode == 1
    assert not db.exists()
    ingest = subprocess.run(
        ["newsbot", "ingest", str(ROOT / "seeds")], env=env, capture_output=True, timeout=120
    )
    assert ingest.returncode == 0
    result = check()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 2 Artikel in")


@pytest.mark.integration
def test_compose_file_validates_with_docker() -> None:
    if shutil.which("docker") is None:
        pytest.skip("docker is not installed")
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
    if probe.returncode != 0:
        pytest.skip("the docker compose plugin is not installed")
    env = {**os.environ, "SYNAPSE_SERVER_NAME": "example.org"}
    for profile in ([], ["--profile", "matrix"], ["--profile", "postgres"]):
        result = subprocess.run(
            ["docker", "compose", "--env-file", str(ROOT / ".env.example"),
             "-f", str(DEPLOY / "compose.yaml"), *profile, "config", "--quiet"],
            capture_output=True, text=True, env=env, timeout=60, cwd=ROOT,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr


def test_compose_file_structure() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed (not a dev dependency)")
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    bot, synapse = compose["services"]["bot"], compose["services"]["synapse"]
    assert "profiles" not in bot
    assert synapse["profiles"] == ["matrix"]
    assert bot["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert "newsbot-data:/data" in bot["volumes"]
    assert compose_with({})["services"]["bot"]["environment"]["NEWSBOT_DB"] == "/data/newsbot.db"
    assert bot["depends_on"]["synapse"]["required"] is False
    assert set(compose["volumes"]) == {"newsbot-data", "synapse-data", "postgres-data"}


def test_compose_postgres_profile_gives_the_bot_its_database() -> None:
    url = "postgresql://newsbot:pw@postgres:5432/newsbot"
    compose = compose_with({"NEWSBOT_DB": url, "POSTGRES_PASSWORD": "pw"})
    bot, postgres = compose["services"]["bot"], compose["services"]["postgres"]
    assert postgres["profiles"] == ["postgres"]
    assert postgres["environment"] == {
        "POSTGRES_USER": "newsbot",
        "POSTGRES_DB": "newsbot",
        "POSTGRES_PASSWORD": "pw",
    }
    assert "postgres-data:/var/lib/postgresql/data" in postgres["volumes"]
    assert "ports" not in postgres  # not published unless the operator says so
    assert bot["depends_on"]["postgres"] == {"condition": "service_healthy", "required": False}
    config = load_config(None, {"TELEGRAM_BOT_TOKEN": "1:x", **bot["environment"]})
    assert config.db == url


def compose_with(env: dict[str, str]) -> Any:
    """deploy/compose.yaml as Compose reads it with `env`: `${VAR:-default}` values filled in."""
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed (not a dev dependency)")

    def fill(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, str):
            value = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: env.get(m[1]) or m[2], value)
            assert "$" not in value, f"a substitution this test does not understand: {value}"
        return value

    return fill(yaml.safe_load((DEPLOY / "compose.yaml").read_text()))


@pytest.mark.parametrize("port", [None, "8081"])
def test_compose_publishes_the_webhook_port_the_bot_listens_on(port: str | None) -> None:
    dotenv = {"TELEGRAM_WEBHOOK_PORT": port} if port else {}
    expected = int(port) if port else Config().telegram_webhook_port
    bot = compose_with(dotenv)["services"]["bot"]
    assert bot["ports"] == [f"127.0.0.1:{expected}:{expected}"]
    # The container's environment wins over the env_file (.env) in Compose.
    webhook = {
        "TELEGRAM_BOT_TOKEN": "123456:AAH-very-secret-token-value-0123456789",
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/newsbot/telegram",
        "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
    }
    config = load_config(None, {**dotenv, **webhook, **bot["environment"]})
    assert config.telegram_webhook_port == expected
    assert ipaddress.ip_address(config.telegram_webhook_listen).is_unspecified


def _verify_unit_copies(tmp_path: Path) -> list[Path]:
    """The units with the install prefix pointed at this test's installation."""
    copies = []
    for name in UNITS:
        text = (DEPLOY / name).read_text().replace(UNIT_PREFIX, sys.prefix)
        copy = tmp_path / name
        copy.write_text(text)
        copies.append(copy)
    return copies


@pytest.mark.integration
def test_systemd_units_verify(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    result = subprocess.run(
        ["systemd-analyze", "verify", *map(str, _verify_unit_copies(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    # verify exits 0 on unknown keys and only warns, so any output is a failure too.
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


def test_systemd_unit_restarts_and_is_hardened() -> None:
    text = (DEPLOY / "newsbot.service").read_text()
    settings = dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and line[0].isalpha()
    )
    assert settings["ExecStart"] == f"{UNIT_PREFIX}/bin/newsbot run"
    assert settings["Restart"] == "on-failure"
    assert settings["User"] == "newsbot"
    for key in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp"):
        assert key in settings
    assert settings["ProtectSystem"] == "strict"
    assert settings["StateDirectory"] == "newsbot"


def test_example_toml_loads_and_names_every_key() -> None:
    path = DEPLOY / "newsbot.example.toml"
    config = load_config(path, {})
    assert config.db == "/var/lib/newsbot/newsbot.db"
    assert not config.telegram_enabled
    text = path.read_text()
    for key in KEYS:
        assert re.search(rf"^#? ?{key} = ", text, re.MULTILINE), key
        assert ENV[key] in text, ENV[key]


def env_file(path: Path) -> dict[str, str]:
    """KEY=value lines as systemd's EnvironmentFile= and compose's env_file read them."""
    pairs = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def test_env_example_is_valid_and_complete() -> None:
    path = ROOT / ".env.example"
    values = env_file(path)
    assert all(not values[v] for v in ("TELEGRAM_BOT_TOKEN", "MATRIX_PASSWORD"))
    load_config(None, values)  # the example as shipped is a valid (empty) configuration
    text = path.read_text()
    for var in ENV.values():
        assert var in text, var
    known = set(ENV.values()) | {"NEWSBOT_CONFIG", "SYNAPSE_SERVER_NAME", "POSTGRES_PASSWORD"}
    mentioned = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))
    assert mentioned <= known


def test_no_secrets_or_package_index_addresses_in_deploy_files() -> None:
    files = [*DEPLOY.iterdir(), ROOT / ".env.example"]
    index_hosts = re.compile(r"pypi\.org|pythonhosted|index-url|extra-index|trusted-host")
    token_like = re.compile(r"\d{6,}:[A-Za-z0-9_-]{30,}|syt_[A-Za-z0-9_]{10,}")
    for path in files:
        text = path.read_text()
        assert not index_hosts.search(text), path
        assert not token_like.search(text), path


def test_readme_commands_exist() -> None:
    readme = (DEPLOY / "README.md").read_text()
    commands = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    code = "\n".join(re.findall(r"```sh\n(.*?)```", readme, re.DOTALL))
    code += "\n".join(re.findall(r"`([^`\n]*newsbot [^`\n]*)`", readme))
    # A command starts a line, follows a path's bin/, or follows `exec bot`.
    command = r"(?:^|bin/|exec bot )newsbot (?:--[a-z]+ \S+ )*([a-z]+)\b"
    used = set(re.findall(command, code, re.MULTILINE))
    assert {"run", "status", "backup", "export"} <= used
    assert used <= commands | {"newsbot"}, used - commands
    for name in [*UNITS, "compose.yaml", "Dockerfile", "newsbot.example.toml", ".env.example"]:
        assert name in readme, name


def lock_pins(path: Path) -> list[tuple[Requirement, list[str]]]:
    """Each pin of a uv-compiled lock file with its hashes (continuation lines joined)."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    pins = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            spec, *hashes = line.split(" --hash=")
            pins.append((Requirement(spec.strip()), hashes))
    return pins


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_lock_pins_each_package_once_with_hashes_on_every_supported_python(lock: str) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    direct = {canonicalize_name(Requirement(dep).name) for dep in project["dependencies"]}
    assert "://" not in (ROOT / lock).read_text()
    pins = lock_pins(ROOT / lock)
    assert all(hashes and str(req.specifier).startswith("==") for req, hashes in pins)
    for version in SUPPORTED_PYTHONS:
        assert SpecifierSet(project["requires-python"]).contains(version + ".0")
        linux = {
            "python_version": version,
            "python_full_version": version + ".0",
            "sys_platform": "linux",
            "platform_system": "Linux",
            "platform_python_implementation": "CPython",
            "implementation_name": "cpython",
        }
        names = [
            canonicalize_name(req.name)
            for req, _ in pins
            if req.marker is None or req.marker.evaluate(linux)
        ]
        assert len(names) == len(set(names)), version
        assert direct <= set(names), (version, direct - set(names))
