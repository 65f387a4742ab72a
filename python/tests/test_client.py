"""The Python client against the real mreg, in temporary stores: every method once, the JSON types of
params and metrics, and the errors (mreg's, and those refused before any call)."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
from model_files import write_safetensors

import mreg
from mreg import MregError, Registry
from mreg.results import Diff, Version

PARAMS = {"lr": 0.001, "epochs": 12, "early_stop": True, "seed_text": "3", "optimizer": {"name": "adam", "betas": [0.9, 0.999]}, "empty": None}


def test_register_keeps_types_and_a_rerun_is_unchanged(reg: Registry, tmp_path: Path) -> None:
    model = write_safetensors(tmp_path / "model.safetensors", {"w": [1.0, 2.0], "b": [0.5]})
    v = reg.register("fraud", model, change="minor", params=PARAMS, metrics={"auc": 0.91, "n": 1200},
                     tags={"team": "risk", "gpu": False}, message="first", meta={"framework": {"torch": "2.3"}})
    assert (v.model, v.version, v.unchanged, v.kind) == ("fraud", "0.1.0", False, "model")
    assert v.ref == "fraud@0.1.0" and len(v.hash) == 12
    assert [(a.path, a.size) for a in v.artifacts] == [("model.safetensors", model.stat().st_size)]
    assert v.raw["artifacts"][0]["sha256"] == v.artifacts[0].sha256

    shown = reg.show("fraud")
    assert isinstance(shown, Version) and shown.ref == "fraud@0.1.0" and shown.message == "first"
    assert shown.params == PARAMS  # a string "3" stays a string, a nested dict and a list survive, None too
    assert type(shown.params["epochs"]) is int and type(shown.params["early_stop"]) is bool
    assert shown.metrics == {"auc": 0.91, "n": 1200} and shown.tags == {"team": "risk", "gpu": False}
    assert shown.raw["framework"] == {"torch": "2.3"} and shown.actor == "pytest@example.com"

    again = reg.register("fraud", model, change="minor", params=PARAMS, metrics={"auc": 0.91, "n": 1200},
                         tags={"team": "risk", "gpu": False}, meta={"framework": {"torch": "2.3"}})
    assert (again.version, again.unchanged, again.hash) == ("0.1.0", True, v.hash)

    [row] = reg.ls()
    assert (row.model, row.version, row.versions, row.kind) == ("fraud", "0.1.0", 1, "model")
    [version_row] = reg.ls("fraud")
    assert (version_row.version, version_row.hash, version_row.message) == ("0.1.0", v.hash, "first")


def test_a_patch_that_breaks_the_interface_raises_bump_too_low(reg: Registry, tmp_path: Path) -> None:
    reg.register("fraud", write_safetensors(tmp_path / "v1" / "model.safetensors", {"w": [1.0, 2.0], "b": [0.5]}), change="minor")
    smaller = write_safetensors(tmp_path / "v2" / "model.safetensors", {"w": [1.0, 2.0]})  # a tensor removed
    with pytest.raises(MregError) as caught:
        reg.register("fraud", smaller, change="patch")
    err = caught.value
    assert err.code == mreg.BUMP_TOO_LOW == MregError.BUMP_TOO_LOW
    assert err.exit_code == 1 and "declared patch" in err.message and err.hint
    assert (err.data["declared"], err.data["required"]) == ("patch", "major")
    assert [f["rule"] for f in err.data["findings"]] == ["architecture-changed"]
    assert str(err).startswith("BUMP_TOO_LOW: ")

    planned = reg.bump("fraud", smaller, change="major")
    assert (planned.current, planned.next, planned.required) == ("0.1.0", "1.0.0", "major")
    assert planned.findings[0].rule == "architecture-changed" and planned.findings[0].subject == "b"


def test_promote_demote_history_and_a_refusal(reg: Registry, tmp_path: Path) -> None:
    model = write_safetensors(tmp_path / "model.safetensors", {"w": [1.0]})
    reg.register("fraud", model, version="1.0.0")
    with pytest.raises(MregError) as caught:
        reg.promote("fraud@1.0.0", "production")  # production is reached only from staging
    assert caught.value.code == mreg.REFUSED and caught.value.exit_code == 1

    staged = reg.promote("fraud@1.0.0", "staging", reason="looks good")
    assert (staged.version, staged.stage, staged.stages, staged.unchanged) == ("1.0.0", "staging", ["staging"], False)
    assert staged.event is not None and staged.event.event == "promote" and staged.event.raw["reason"] == "looks good"
    live = reg.promote("fraud@staging", "production")
    assert (live.stages, live.left) == (["production"], ["staging"])
    out = reg.demote("fraud@1.0.0", "production", reason="rollback drill")
    assert out.stages == [] and out.left == ["production"]

    events = reg.history("fraud")
    assert [(e.event, e.stage) for e in events] == [("register", None), ("promote", "staging"), ("promote", "production"), ("demote", "production")]
    assert all(e.actor == "pytest@example.com" and e.version == "1.0.0" for e in events)
    assert [e.event for e in reg.history("fraud", stage="production")] == ["promote", "demote"]


def test_diff_says_which_metric_improved(reg: Registry, tmp_path: Path) -> None:
    reg.register("fraud", write_safetensors(tmp_path / "a" / "m.safetensors", {"w": [1.0]}), version="1.0.0",
                 params={"lr": 0.1}, metrics={"auc": 0.80, "loss": 0.5})
    reg.register("fraud", write_safetensors(tmp_path / "b" / "m.safetensors", {"w": [2.0]}), change="patch",
                 params={"lr": 0.05}, metrics={"auc": 0.90, "loss": 0.4})
    d = reg.diff("fraud@1.0.0", "fraud@1.0.1")
    assert isinstance(d, Diff) and d.a["version"] == "1.0.0" and d.b["version"] == "1.0.1"
    auc = d.metrics["auc"]
    assert (auc.a, auc.b, auc.improved, auc.direction) == (0.8, 0.9, True, "higher")
    assert math.isclose(auc.delta, 0.1)
    assert d.metrics["loss"].improved is True  # a loss improves downwards
    assert d.params["lr"] == {"a": 0.1, "b": 0.05}
    assert [a["path"] for a in d.artifacts["changed"]] == ["m.safetensors"]
    assert d.required == "patch" and d.findings[0].rule == "weights-changed"


def test_lineage_impact_and_export(reg: Registry, tmp_path: Path) -> None:
    data = tmp_path / "train.csv"
    data.write_text("x,y\n1,0\n2,1\n")
    ds = reg.register("transactions", data, kind="dataset", version="2.1.0")
    assert ds.kind == "dataset"
    base = reg.register("base", write_safetensors(tmp_path / "base.safetensors", {"w": [1.0]}), version="1.0.0")
    model = reg.register("fraud", write_safetensors(tmp_path / "fraud.safetensors", {"w": [3.0]}), change="minor",
                         data=["transactions@2.1.0", "s3://raw/tx-2026-03"], parents=base.ref)
    assert model.lineage == {"parents": [{"name": "base", "version": "1.0.0"}],
                             "data": [{"name": "transactions", "version": "2.1.0"}, {"uri": "s3://raw/tx-2026-03"}]}

    graph = reg.lineage(model.ref, up=True)
    assert graph.root == "fraud@0.1.0" and graph.direction == "up"
    assert {(e.from_, e.relation) for e in graph.edges} == {("transactions@2.1.0", "data"), ("base@1.0.0", "parents"), ("s3://raw/tx-2026-03", "data")}
    node = graph.node("transactions@2.1.0")
    assert node is not None and node.kind == "dataset" and node.direction == "up" and node.distance == 1

    hit = reg.impact("transactions@2.1.0")
    assert hit.matched == ["transactions@2.1.0"] and hit.ok
    assert [(a.model, a.version, a.path) for a in hit.affected] == [("fraud", "0.1.0", ["transactions@2.1.0", "fraud@0.1.0"])]

    out = reg.export(model.ref, tmp_path / "out")
    assert Path(out.dir) == tmp_path / "out" and out.version == "0.1.0"
    assert (tmp_path / "out" / "fraud.safetensors").read_bytes() == (tmp_path / "fraud.safetensors").read_bytes()
    with pytest.raises(MregError) as caught:
        reg.export(model.ref, tmp_path / "out")  # the files are there already
    assert caught.value.exit_code in (1, 2)
    assert reg.export(model.ref, tmp_path / "out", force=True).artifacts[0].path == "fraud.safetensors"


def test_values_json_cannot_hold_are_refused_before_any_call(reg: Registry, tmp_path: Path) -> None:
    model = write_safetensors(tmp_path / "m.safetensors", {"w": [1.0]})
    cases = [
        ({"metrics": {"auc": float("nan")}}, "metrics.auc", "NaN"),
        ({"metrics": {"loss": float("inf")}}, "metrics.loss", "inf"),
        ({"params": {"schedule": {"warmup": [0.1, float("-inf")]}}}, "params.schedule.warmup[1]", "-inf"),
        ({"params": {"seed": 2**64}}, "params.seed", "too large"),
        ({"tags": {"owner": {"team": "risk"}}}, "tags.owner", "expected a string"),
        ({"params": {"fn": print}}, "params.fn", "not JSON data"),
    ]
    for kwargs, key, words in cases:
        with pytest.raises(MregError) as caught:
            reg.register("fraud", model, change="minor", **kwargs)
        err = caught.value
        assert (err.code, err.exit_code, err.data["key"]) == (mreg.INVALID_INPUT, None, key)
        assert err.message.startswith(key + ":") and words in err.message
    assert reg.ls() == []  # nothing was registered


def test_errors_from_mreg_carry_code_and_exit_code(reg: Registry, tmp_path: Path) -> None:
    model = write_safetensors(tmp_path / "m.safetensors", {"w": [1.0]})
    expected = [
        (lambda: reg.show("fraud@9.9.9"), mreg.NOT_FOUND, 1),
        (lambda: reg.register("../escape", model, change="minor"), mreg.INVALID_NAME, 2),
        (lambda: reg.register("fraud", model, version="not-semver"), mreg.INVALID_VERSION, 2),
        (lambda: reg.register("fraud", tmp_path / "missing.onnx", change="minor"), None, 2),
        (lambda: reg.register("fraud", model, change="huge"), mreg.USAGE, 2),
        (lambda: reg.status("fraud", target="nowhere"), None, None),
    ]
    for call, code, exit_code in expected:
        with pytest.raises(MregError) as caught:
            call()
        err = caught.value
        assert err.code in mreg.CODES and err.message
        if code is not None:
            assert err.code == code, (err.code, code)
        if exit_code is not None:
            assert err.exit_code == exit_code, (err, exit_code)
        assert err.exit_code in (1, 2)


def test_a_hotfix_in_a_maintenance_line(reg: Registry, tmp_path: Path) -> None:
    v1 = write_safetensors(tmp_path / "v1" / "m.safetensors", {"w": [1.0]})
    v2 = write_safetensors(tmp_path / "v2" / "m.safetensors", {"w": [1.0, 2.0]})
    fix = write_safetensors(tmp_path / "fix" / "m.safetensors", {"w": [3.0]})
    reg.register("vad", v1, version="1.0.0")
    assert reg.register("vad", v2, change="major").version == "2.0.0"
    with pytest.raises(MregError) as caught:  # compared with 2.0.0, whose weight layout differs
        reg.register("vad", fix, change="patch")
    assert caught.value.code == MregError.BUMP_TOO_LOW
    planned = reg.bump("vad", fix, change="patch", line="1")
    assert (planned.line, planned.current, planned.next) == ("1", "1.0.0", "1.0.1")
    declared = reg.change_add(["vad"], "patch", "Fix the 1.x resampler", line="1")
    assert (declared.models, declared.lines) == ({"vad": "patch"}, {"vad": "1"})
    hotfix = reg.register("vad", fix, line="1")
    assert (hotfix.version, hotfix.line, hotfix.warnings) == ("1.0.1", "1", [])
    assert [c.id for c in hotfix.changes] == [declared.id]
    with pytest.raises(MregError) as caught:
        reg.register("vad", fix, change="patch", line="1.x")
    assert (caught.value.code, caught.value.exit_code) == (mreg.USAGE, 2) and "--line" in caught.value.message


def test_where_is_passed_to_the_cli(reg: Registry, tmp_path: Path) -> None:
    try:
        reg.ls(where="metrics.auc>0.5", sort="created_at")
    except MregError as err:
        assert err.code == mreg.USAGE and ("--where" in err.message or "--sort" in err.message)


def test_finding_the_store_and_the_executable(reg: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = tmp_path / "deep" / "er"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert Registry().store == tmp_path / ".modelreg"  # walks up like the CLI
    assert Registry(tmp_path / ".modelreg").store == tmp_path / ".modelreg"

    empty = tmp_path.parent / (tmp_path.name + "-empty")
    empty.mkdir()
    with pytest.raises(MregError) as caught:
        Registry(empty)
    assert caught.value.code == mreg.NO_STORE and "mreg init" in (caught.value.hint or "")
    monkeypatch.setenv("MREG_STORE", str(tmp_path))
    monkeypatch.chdir(empty)
    assert Registry().store == tmp_path / ".modelreg"

    monkeypatch.setenv("MREG_BIN", str(tmp_path / "no-such-mreg"))
    with pytest.raises(MregError) as caught:
        Registry()
    assert caught.value.code == mreg.NO_EXECUTABLE and "MREG_BIN" in caught.value.message
    assert "install" in (caught.value.hint or "") or "MREG_BIN" in (caught.value.hint or "")


def test_a_yaml_meta_file_with_params_beside_it(reg: Registry, tmp_path: Path) -> None:
    model = write_safetensors(tmp_path / "m.safetensors", {"w": [1.0]})
    meta = tmp_path / "meta.yaml"
    meta.write_text("params:\n  layers: [64, 32]\n  lr: 0.1\nmetrics:\n  auc: 0.7\nmessage: from yaml\n")
    with pytest.raises(MregError) as caught:
        reg.register("fraud", model, change="minor", meta=meta, params={"seed": "42"})  # "42" would arrive as 42
    assert caught.value.data["key"] == "params.seed"
    v = reg.register("fraud", model, change="minor", meta=meta, params={"lr": 0.2, "name": "small"}, metrics={"auc": 0.75})
    shown = reg.show(v.ref)
    assert shown.params == {"layers": [64, 32], "lr": 0.2, "name": "small"} and shown.metrics == {"auc": 0.75}
    assert shown.message == "from yaml"


def test_change_files_check_verify_scan_gc(reg: Registry, tmp_path: Path) -> None:
    config = reg.store / "config.yaml"
    config.write_text(config.read_text().replace("checks: {}", "checks:\n  smoke:\n    command: [sh, -c, 'test -s \"$MREG_PATH/m.safetensors\"']\n"))
    added = reg.change_add("fraud", "minor", "first model")
    assert added.models == {"fraud": "minor"} and added.summary == "first model"
    v = reg.register("fraud", write_safetensors(tmp_path / "m.safetensors", {"w": [1.0]}))
    assert v.version == "0.1.0" and [c.id for c in v.changes] == [added.id]

    checked = reg.check(v.ref)
    assert checked.ok and [r["check"] for r in checked.results] == ["smoke"]
    report = reg.verify()
    assert report.ok and report.problems == [] and report.checked["manifests"] == 1
    scanned = reg.scan([tmp_path / "m.safetensors"])
    assert scanned.ok and scanned.files[0].status == "safe"
    assert reg.gc(dry_run=True).dry_run is True


def test_push_and_pull_through_a_directory_remote(reg: Registry, tmp_path: Path) -> None:
    v = reg.register("fraud", write_safetensors(tmp_path / "m.safetensors", {"w": [1.0]}), change="minor")
    (tmp_path / "remote").mkdir()
    remote = reg.remote_add("share", str(tmp_path / "remote"), default=True)
    assert (remote.name, remote.default) == ("share", True)
    pushed = reg.push()
    assert [(x["model"], x["version"], x["pushed"]) for x in pushed.versions] == [("fraud", v.version, True)]
    assert pushed.blobs["uploaded"] == 1
    pulled = reg.pull("share", [v.ref])
    assert pulled.remote == "share" and [x["new"] for x in pulled.versions] == [False]


def test_deploy_status_rollback_on_a_local_target(reg: Registry, tmp_path: Path) -> None:
    config = reg.store / "config.yaml"
    config.write_text(config.read_text() + "\ntargets:\n  box:\n    adapter: local\n    options: {dir: ./deployed}\n    playbook: box.yaml\n")
    (reg.store / "playbooks").mkdir(exist_ok=True)
    (reg.store / "playbooks" / "box.yaml").write_text("deploy:\n  - deploy: {}\n")
    reg.register("fraud", write_safetensors(tmp_path / "a" / "m.safetensors", {"w": [1.0]}), version="1.0.0")
    reg.register("fraud", write_safetensors(tmp_path / "b" / "m.safetensors", {"w": [2.0]}), change="patch")

    plan = reg.deploy("fraud@1.0.0", target="box", dry_run=True)
    assert plan.ok and plan.plan
    first = reg.deploy("fraud@1.0.0", target="box")
    assert (first.ok, first.live, first.previous) == (True, "1.0.0", None)
    second = reg.deploy("fraud@1.0.1", target="box")
    assert (second.ok, second.live, second.previous) == (True, "1.0.1", "1.0.0")
    now = reg.status("fraud", target="box")
    assert (now.live, now.deployed_by, now.drift) == ("1.0.1", "pytest@example.com", None)
    back = reg.rollback("fraud")  # the one target that serves fraud
    assert (back.ok, back.from_, back.to, back.target) == (True, "1.0.1", "1.0.0", "box")
    assert reg.status("fraud").live == "1.0.0"


def test_results_keep_fields_they_do_not_know() -> None:
    doc = {"name": "fraud", "version": "1.0.0", "artifacts": [{"path": "m", "sha256": "ab", "size": 1, "media": "x"}], "future_field": {"a": 1}}
    v = Version.from_json(doc)
    assert v.raw["future_field"] == {"a": 1} and v.artifacts[0].raw["media"] == "x"
    assert v.metrics == {} and v.stages == [] and v.ref == "fraud@1.0.0"
    assert Diff.from_json({}).metrics == {}
