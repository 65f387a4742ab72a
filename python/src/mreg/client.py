"""Registry: one method per mreg operation, each one call of the mreg command line with --json, its
document turned into a dataclass from results.py and its error into MregError.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union, overload

from .errors import BAD_OUTPUT, INVALID_INPUT, NO_EXECUTABLE, USAGE, MregError
from .locate import PathLike, find_executable, find_store
from .results import (
    Bump, ChangeFile, CheckReport, Deploy, Diff, Event, Export, GcReport, Impact, Lineage, ModelSummary, Registered,
    Remote, Rollback, ScanReport, StageChange, Status, Transfer, VerifyReport, Version, VersionSummary,
)
from .values import assignment, plain_map

log = logging.getLogger("mreg")

Paths = Union[PathLike, Sequence[PathLike]]
Refs = Union[str, Sequence[str]]


def _many(value: Union[PathLike, Iterable[Any], None]) -> List[str]:
    """One path or ref, or several, as a list of strings."""
    if value is None:
        return []
    if isinstance(value, (str, os.PathLike)):
        return [os.fspath(value)]
    return [os.fspath(item) for item in value]


def _repeat(flag: str, values: Union[str, Iterable[str], None]) -> List[str]:
    return [part for value in _many(values) for part in (flag, value)]


def _opt(flag: str, value: Any) -> List[str]:
    return [] if value is None or value is False else [flag] if value is True else [flag, str(value)]


def _relative(target: str) -> str:
    if not os.path.isabs(target):
        return target
    try:
        return os.path.relpath(target)
    except ValueError:  # another drive on Windows
        return target


def _no_nan(constant: str) -> Any:
    raise ValueError(f"{constant} is not a number JSON can hold")


class Registry:
    """A model store and the mreg program that works on it.

    ``Registry()`` finds the store like the CLI (``MREG_STORE``, else the nearest ``.modelreg`` walking up
    from the working directory); ``Registry("path/to/project")`` names a project directory (or the store
    directory itself). The program is ``executable`` if given, else ``MREG_BIN`` (a command line:
    ``node /path/to/mreg/bin/mreg.js`` works), else ``mreg`` on PATH, else the ``bin/mreg.js`` of the mreg
    checkout this package or the working directory sits in, run by ``node``. ``env`` adds to (or, with
    None values, removes from) the environment of every call: ``env={"MREG_ACTOR": "ci@example.com"}``.
    """

    def __init__(
        self,
        path: Optional[PathLike] = None,
        *,
        executable: Union[str, Sequence[str], None] = None,
        env: Optional[Mapping[str, Optional[str]]] = None,
    ) -> None:
        self._env = dict(env or {})
        environment = self._environment()
        cwd = Path.cwd()
        self.store: Path = find_store(path, environment, cwd)
        self.executable: List[str] = find_executable(executable, environment, cwd)

    @classmethod
    def init(
        cls,
        path: Optional[PathLike] = None,
        *,
        executable: Union[str, Sequence[str], None] = None,
        env: Optional[Mapping[str, Optional[str]]] = None,
    ) -> "Registry":
        """Create a store in ``path`` (default: the working directory; safe to run again) and open it."""
        directory = Path(path if path is not None else Path.cwd()).resolve()
        directory.mkdir(parents=True, exist_ok=True)
        store = directory if directory.name == ".modelreg" else directory / ".modelreg"
        environment = {k: v for k, v in {**os.environ, **(env or {})}.items() if v is not None}
        argv = find_executable(executable, environment, Path.cwd())
        _call(argv, ["init"], [], store, environment, directory)
        return cls(store, executable=argv, env=env)

    def __repr__(self) -> str:
        return f"Registry({str(self.store)!r})"

    def _environment(self) -> Dict[str, str]:
        merged = {**os.environ, **self._env}
        return {key: value for key, value in merged.items() if value is not None}

    def run(self, *command: str, args: Sequence[str] = (), options: Sequence[str] = ()) -> Any:
        """Any mreg command with --json, for what has no method yet: ``run("changelog", args=["fraud"])``.

        Returns the parsed JSON document; raises MregError for mreg's errors.
        """
        return _call(self.executable, list(command) + list(options), list(args), self.store, self._environment(), Path.cwd())

    # --- store and versions ------------------------------------------------------------------------

    def register(
        self,
        model: str,
        paths: Paths,
        *,
        version: Optional[str] = None,
        change: Optional[str] = None,
        line: Optional[str] = None,
        pre: Optional[str] = None,
        params: Optional[Mapping[str, Any]] = None,
        metrics: Optional[Mapping[str, Any]] = None,
        tags: Optional[Mapping[str, Any]] = None,
        message: Optional[str] = None,
        meta: Union[Mapping[str, Any], PathLike, None] = None,
        parents: Refs = (),
        data: Refs = (),
        features: Refs = (),
        pipeline: Refs = (),
        kind: str = "model",
        actor: Optional[str] = None,
        allow_unsafe: bool = False,
    ) -> Registered:
        """Store files, directories or globs as a new version (``unchanged`` when nothing differs).

        ``params``, ``metrics`` and ``tags`` keep their JSON types (they travel in a --meta JSON file),
        win key by key over ``meta`` (a dict, or a YAML/JSON file path), and refuse NaN and infinities.
        ``line`` ("1" or "1.4") bumps in a maintenance line: from that line's highest version, compared with
        it, consuming the changes declared for it (a 1.x hotfix after 2.0.0 exists). ``warnings`` lists files
        stored with a scan warning.
        """
        options = _opt("--version", version) + _opt("--change", change) + _opt("--line", line) + _opt("--pre", pre)
        options += _opt("--message", message) + (["--kind", kind] if kind != "model" else [])
        options += _repeat("--parent", parents) + _repeat("--data", data) + _repeat("--features", features)
        options += _repeat("--pipeline", pipeline) + _opt("--actor", actor) + _opt("--allow-unsafe", allow_unsafe)
        with _MetaFile(meta, params, metrics, tags) as meta_options:
            doc = self.run("register", options=options + meta_options, args=[model, *_many(paths)])
        return Registered.from_json(doc)

    def bump(
        self,
        model: str,
        paths: Paths = (),
        *,
        change: Optional[str] = None,
        line: Optional[str] = None,
        pre: Optional[str] = None,
        meta: Union[Mapping[str, Any], PathLike, None] = None,
    ) -> Bump:
        """The next version of a model, without writing anything; with files, checks the declared change.

        ``line`` ("1" or "1.4") bumps from that maintenance line's highest version instead of the model's.
        """
        options = _opt("--change", change) + _opt("--line", line) + _opt("--pre", pre)
        with _MetaFile(meta, None, None, None) as meta_options:
            doc = self.run("bump", options=options + meta_options, args=[model, *_many(paths)])
        return Bump.from_json(doc)

    def show(self, ref: str, *, at: Optional[str] = None) -> Version:
        """One version's manifest: ``fraud``, ``fraud@1.2.0``, ``fraud@production``, ``fraud@^1.2``."""
        return Version.from_json(self.run("show", options=_opt("--at", at), args=[ref]))

    @overload
    def ls(self, model: None = None, *, where: Union[str, Sequence[str], None] = None, sort: Optional[str] = None) -> List[ModelSummary]: ...

    @overload
    def ls(self, model: str, *, where: Union[str, Sequence[str], None] = None, sort: Optional[str] = None) -> List[VersionSummary]: ...

    def ls(
        self,
        model: Optional[str] = None,
        *,
        where: Union[str, Sequence[str], None] = None,
        sort: Optional[str] = None,
    ) -> Union[List[ModelSummary], List[VersionSummary]]:
        """Every model with its latest version, or one model's versions (oldest first).

        ``where`` and ``sort`` are passed as ``--where``/``--sort``: they need an mreg whose ls has them.
        """
        options = _repeat("--where", where) + _opt("--sort", sort)
        doc = self.run("ls", options=options, args=[model] if model is not None else [])
        rows = doc if isinstance(doc, list) else []
        if model is None:
            return [ModelSummary.from_json(row) for row in rows]
        return [VersionSummary.from_json(row) for row in rows]

    def diff(self, a: str, b: str) -> Diff:
        """Compare two versions: metrics (with ``improved``), params, tags, artifacts, interface findings."""
        return Diff.from_json(self.run("diff", args=[a, b]))

    def export(self, ref: str, dir: Optional[PathLike] = None, *, force: bool = False) -> Export:
        """Write a version's files to ``dir`` (re-hashing every byte); ``force`` overwrites existing files."""
        return Export.from_json(self.run("export", options=_opt("--force", force), args=[ref, *_many(dir)]))

    def verify(self, *, staged: bool = False, signatures: bool = False) -> VerifyReport:
        """Re-hash every blob and check every manifest and history; a report with ``ok`` False on problems."""
        return VerifyReport.from_json(self.run("verify", options=_opt("--staged", staged) + _opt("--signatures", signatures)))

    def scan(self, targets: Paths) -> ScanReport:
        """Find code that loading files (or registered versions, ``fraud@1.2.0``) would run, without running it."""
        # mreg scan (0.1.0) joins each path to the working directory, so an absolute path goes as a relative one.
        return ScanReport.from_json(self.run("scan", args=[_relative(target) for target in _many(targets)]))

    def gc(self, *, dry_run: bool = False, keep_last: Optional[int] = None) -> GcReport:
        """Prune versions outside the retention policy and delete unreferenced blobs."""
        return GcReport.from_json(self.run("gc", options=_opt("--dry-run", dry_run) + _opt("--keep-last", keep_last)))

    def change_add(self, models: Refs, change: str, message: str, *, line: Optional[str] = None) -> ChangeFile:
        """Declare a change (major, minor or patch) of one or more models in a pending change file; with
        ``line``, for that maintenance line (consumed by a register or bump with the same ``line``)."""
        options = ["--change", change, "--message", message] + _opt("--line", line)
        return ChangeFile.from_json(self.run("change", "add", options=options, args=_many(models)))

    # --- lifecycle ---------------------------------------------------------------------------------

    def promote(self, ref: str, stage: str, *, reason: Optional[str] = None, force: bool = False, actor: Optional[str] = None) -> StageChange:
        """Move a version into a stage under the stage rules of config.yaml (REFUSED when they forbid it)."""
        options = _opt("--reason", reason) + _opt("--force", force) + _opt("--actor", actor)
        return StageChange.from_json(self.run("promote", options=options, args=[ref, stage]))

    def demote(self, ref: str, stage: str, *, reason: Optional[str] = None, actor: Optional[str] = None) -> StageChange:
        """Take a version out of a stage."""
        return StageChange.from_json(self.run("demote", options=_opt("--reason", reason) + _opt("--actor", actor), args=[ref, stage]))

    def check(self, ref: str, *, only: Refs = (), actor: Optional[str] = None) -> CheckReport:
        """Run the configured checks on a version's files and record the results."""
        return CheckReport.from_json(self.run("check", options=_repeat("--only", only) + _opt("--actor", actor), args=[ref]))

    def history(self, model: str, *, stage: Optional[str] = None) -> List[Event]:
        """A model's events, oldest first; with ``stage``, only those that moved a version into or out of it."""
        doc = self.run("history", options=_opt("--stage", stage), args=[model])
        return [Event.from_json(event) for event in (doc if isinstance(doc, list) else [])]

    # --- lineage -----------------------------------------------------------------------------------

    def lineage(self, ref: str, *, up: bool = False, down: bool = False, depth: Optional[int] = None) -> Lineage:
        """What a version was made from (``up``) and what was made from it (``down``); both by default."""
        options = _opt("--up", up) + _opt("--down", down) + _opt("--depth", depth)
        return Lineage.from_json(self.run("lineage", options=options, args=[ref]))

    def impact(self, component: str, *, fail_on_stage: Optional[str] = None) -> Impact:
        """Every version made from a component; with ``fail_on_stage``, ``.ok`` is False when one is in it."""
        return Impact.from_json(self.run("impact", options=_opt("--fail-on-stage", fail_on_stage), args=[component]))

    # --- deploy ------------------------------------------------------------------------------------

    def deploy(self, ref: str, *, target: Optional[str] = None, dry_run: bool = False, force: bool = False, actor: Optional[str] = None) -> Deploy:
        """Deploy through the target's playbook (``target`` may be left out when only one is configured);
        ``ok`` False means a step failed and mreg rolled back."""
        options = _opt("--target", target) + _opt("--dry-run", dry_run) + _opt("--force", force) + _opt("--actor", actor)
        return Deploy.from_json(self.run("deploy", options=options, args=[ref]))

    def rollback(self, model: str, *, target: Optional[str] = None, to: Optional[str] = None, dry_run: bool = False, actor: Optional[str] = None) -> Rollback:
        """Roll a target back to the last version that deployed healthy before the live one (or ``to``)."""
        options = _opt("--target", target) + _opt("--to", to) + _opt("--dry-run", dry_run) + _opt("--actor", actor)
        return Rollback.from_json(self.run("rollback", options=options, args=[model]))

    def status(self, model: str, *, target: Optional[str] = None) -> Status:
        """What a target runs (``target`` may be left out when one target serves the model): the live
        version, when and by whom it was deployed, the last outcome, ``drift`` (its stage holds another
        version; None when they agree) and ``unpushed`` (versions and events the default remote lacks)."""
        return Status.from_json(self.run("status", options=_opt("--target", target), args=[model]))

    # --- remotes -----------------------------------------------------------------------------------

    def remote_add(self, name: str, url: str, *, default: bool = False, endpoint: Optional[str] = None, region: Optional[str] = None) -> Remote:
        """Add a remote: ``s3://bucket/prefix`` or a directory (a shared mount)."""
        options = _opt("--default", default) + _opt("--endpoint", endpoint) + _opt("--region", region)
        return Remote.from_json(self.run("remote", "add", options=options, args=[name, url]))

    def push(self, remote: Optional[str] = None, refs: Refs = ()) -> Transfer:
        """Upload versions (all, or ``refs``), their blobs and history; never overwrites (CONFLICT)."""
        return Transfer.from_json(self.run("push", args=_many(remote) + _many(refs)))

    def pull(self, remote: Optional[str] = None, refs: Refs = (), *, all: bool = False) -> Transfer:
        """Download manifests and history, and the blobs of ``refs`` (of every version with ``all``)."""
        return Transfer.from_json(self.run("pull", options=_opt("--all", all), args=_many(remote) + _many(refs)))


class _MetaFile:
    """The --meta option for params, metrics, tags and metadata: a temporary JSON file, so that every value keeps
    its JSON type (a `--param k=v` flag would turn the string "3" into a number). Removed after the call."""

    def __init__(self, meta: Union[Mapping[str, Any], PathLike, None], params: Any, metrics: Any, tags: Any) -> None:
        self.meta, self.params, self.metrics, self.tags = meta, params, metrics, tags
        self.path: Optional[str] = None

    def __enter__(self) -> List[str]:
        params = plain_map(self.params, "params")
        metrics = plain_map(self.metrics, "metrics")
        tags = plain_map(self.tags, "tags", scalars_only=True)
        meta = self.meta
        if isinstance(meta, (str, os.PathLike)) and Path(meta).suffix.lower() == ".json":
            meta = _read_json(Path(meta))
        if isinstance(meta, (str, os.PathLike)):
            # A YAML file: mreg reads it; the client's values go beside it as flags, when they keep their type that way.
            flags = [("--param", "params", params), ("--metric", "metrics", metrics), ("--tag", "tags", tags)]
            return ["--meta", str(Path(meta).resolve())] + [
                part for flag, option, values in flags for key, value in values.items() for part in (flag, assignment(key, value, option))
            ]
        if meta is not None and not isinstance(meta, Mapping):
            raise MregError(USAGE, f"meta: expected a dict or a file path, not {type(meta).__name__}", data={"option": "meta"})
        doc: Dict[str, Any] = plain_map(meta, "meta") if meta is not None else {}
        for key, values in (("params", params), ("metrics", metrics), ("tags", tags)):
            if values:
                earlier = doc.get(key)
                doc[key] = {**(earlier if isinstance(earlier, dict) else {}), **values}
        if not doc:
            return []
        fd, self.path = tempfile.mkstemp(prefix="mreg-meta-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(doc, out, allow_nan=False, ensure_ascii=False)
        return ["--meta", self.path]

    def __exit__(self, *exc: Any) -> None:
        if self.path is not None:
            try:
                os.unlink(self.path)
            except OSError:
                pass


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_nan)
    except (OSError, ValueError) as err:
        raise MregError(INVALID_INPUT, f"{path}: {err}", data={"option": "meta"}, exit_code=None) from None


def _call(executable: Sequence[str], command: List[str], args: List[str], store: Path, env: Mapping[str, str], cwd: Path) -> Any:
    """Runs ``mreg <command...> --json --store <store> -- <args...>`` and returns its JSON document."""
    # `--` ends the options, so a path or ref that starts with '-' is never taken for a flag.
    argv = [*executable, *command, "--json", "--store", str(store), "--", *args]
    env = {**env, "NO_COLOR": "1"}
    log.debug("running %s", argv)
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(cwd), check=False)
    except OSError as err:
        raise MregError(NO_EXECUTABLE, f"could not run {executable[0]}: {err}", hint="set MREG_BIN to the mreg program") from None
    stderr = proc.stderr.decode("utf-8", "replace").strip()
    if stderr:
        log.info("%s", stderr)
    try:
        doc = json.loads(proc.stdout.decode("utf-8"))
    except ValueError:
        tail = stderr[-2000:] or proc.stdout.decode("utf-8", "replace")[-2000:]
        raise MregError(BAD_OUTPUT, f"`{' '.join(command)}` exited {proc.returncode} without a JSON document: {tail}", exit_code=proc.returncode) from None
    if isinstance(doc, dict) and isinstance(doc.get("error"), dict):
        raise MregError.from_json(doc, proc.returncode)
    if proc.returncode not in (0, 1):
        raise MregError(BAD_OUTPUT, f"`{' '.join(command)}` exited {proc.returncode}: {stderr[-2000:]}", exit_code=proc.returncode)
    return doc
