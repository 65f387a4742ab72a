"""examples/python/train_and_register.py end to end, as its README runs it: a first model goes to
production, a better one (with a changed weight layout: BUMP_TOO_LOW, then major) replaces it, a worse
one stays in staging."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO

from mreg import Registry

EXAMPLE = REPO / "examples" / "python" / "train_and_register.py"


def run_example(project: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO / "python" / "src")}
    proc = subprocess.run([sys.executable, str(EXAMPLE), "--project", str(project), "--rows", "800", *args],
                          capture_output=True, text=True, env=env, cwd=str(project.parent), check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_the_example_trains_registers_and_promotes_only_what_improved(tmp_path: Path) -> None:
    project = tmp_path / "fraud"
    first = run_example(project, "--drop", "merchant_risk")
    assert "data set transactions@0.1.0 (new)" in first
    assert "model fraud@0.1.0 (new" in first and "promoted fraud@0.1.0 to production" in first

    better = run_example(project)
    assert "data set transactions@0.1.0 (unchanged)" in better
    assert "declared patch, but weight tensor 'weight' changed" in better and "registering as major" in better
    assert "(better)" in better and "promoted fraud@1.0.0 to production; 0.1.0 moved to archived" in better

    worse = run_example(project, "--epochs", "1", "--lr", "0.01", "--drop", "account_age", "--drop", "hour")
    assert "(not better)" in worse and "stays in staging; production is fraud@1.0.0" in worse

    reg = Registry(project)
    production = reg.show("fraud@production")
    assert production.version == "1.0.0" and production.metrics["auc"] > 0.9
    assert production.params["features"] == ["amount", "hour", "merchant_risk", "account_age"]
    assert production.params["optimizer"] == {"name": "gd", "batch": "full"}
    assert production.lineage == {"data": [{"name": "transactions", "version": "0.1.0"}]}
    assert reg.show("fraud@staging").version == "2.0.0"
