"""Runs every test against the repository's own built mreg (bin/mreg.js through node), in temporary
stores, whatever the user's environment says (MREG_STORE cleared, a fixed actor)."""
from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "python" / "src"))  # the source, even when another mreg is installed

from mreg import Registry  # noqa: E402


def pytest_sessionstart(session: pytest.Session) -> None:
    if not (REPO / "dist" / "cli" / "main.js").is_file():
        raise pytest.UsageError(f"mreg is not built: run `npm run build` in {REPO} first (npm test does)")


@pytest.fixture(autouse=True)
def mreg_env(monkeypatch: pytest.MonkeyPatch) -> str:
    node = shutil.which("node")
    assert node is not None, "node must be on PATH"
    command = f"{shlex.quote(node)} {shlex.quote(str(REPO / 'bin' / 'mreg.js'))}"
    monkeypatch.setenv("MREG_BIN", command)
    monkeypatch.setenv("MREG_ACTOR", "pytest@example.com")
    monkeypatch.setenv("NO_COLOR", "1")
    for name in ("MREG_STORE", "MREG_DEBUG", "CI"):
        monkeypatch.delenv(name, raising=False)
    return command


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One store made by Registry.init (mreg init), copied for each test: a run of mreg saved per test."""
    project = tmp_path_factory.mktemp("template")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MREG_BIN", f"{shlex.quote(shutil.which('node') or 'node')} {shlex.quote(str(REPO / 'bin' / 'mreg.js'))}")
        patch.delenv("MREG_STORE", raising=False)
        made = Registry.init(project)
    assert made.store == project / ".modelreg" and (made.store / "config.yaml").is_file()
    return made.store


@pytest.fixture
def reg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, empty_store: Path) -> Registry:
    """A new store in a temporary project directory, which is also the working directory."""
    shutil.copytree(empty_store, tmp_path / ".modelreg", symlinks=True)
    monkeypatch.chdir(tmp_path)
    return Registry(tmp_path)
