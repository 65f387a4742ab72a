"""Typed results: one dataclass per JSON shape of docs/design.md ("JSON output contract").

Every result keeps the whole document it was built from in ``.raw``: a field a newer mreg adds is
there even before this client knows its name, and a field an older mreg lacks takes its default.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Dict, List, Optional, Type, TypeVar

T = TypeVar("T")

JsonDict = Dict[str, Any]


def _raw() -> Any:
    return field(default_factory=dict, repr=False, compare=False)


def _build(cls: Type[T], doc: Any, **converted: Any) -> T:
    """The fields of ``cls`` taken by name from ``doc`` (missing ones keep their defaults), plus ``converted``."""
    doc = doc if isinstance(doc, dict) else {}
    names = {f.name for f in fields(cls)} - {"raw"}  # type: ignore[arg-type]
    kwargs = {name: doc[name] for name in names if name in doc}
    kwargs.update(converted)
    return cls(raw=doc, **kwargs)  # type: ignore[call-arg]


def _list(cls: Any, items: Any) -> List[Any]:
    return [cls.from_json(item) for item in items] if isinstance(items, list) else []


class _Result:
    """A result built from one of mreg's JSON documents; unknown fields stay in ``raw``."""

    @classmethod
    def from_json(cls: Type[T], doc: Any) -> T:
        return _build(cls, doc)


@dataclass
class Artifact(_Result):
    """A stored file: its path inside the version, sha256 and size in bytes."""

    path: str = ""
    sha256: str = ""
    size: int = 0
    raw: JsonDict = _raw()



@dataclass
class Finding(_Result):
    """One interface difference and the semver bump it requires (``rule`` is a stable id)."""

    rule: str = ""
    bump: str = ""
    subject: str = ""
    message: str = ""
    file: Optional[str] = None
    before: Any = None
    after: Any = None
    raw: JsonDict = _raw()



@dataclass
class Change(_Result):
    """A declared change (a change file) consumed or pending."""

    id: str = ""
    type: str = ""
    summary: str = ""
    raw: JsonDict = _raw()



@dataclass
class Registered(_Result):
    """What ``register`` did: the version it wrote, or the one that already held these files (``unchanged``)."""

    model: str = ""
    version: str = ""
    hash: str = ""
    unchanged: bool = False
    artifacts: List[Artifact] = field(default_factory=list)
    bytes_stored: int = 0
    changes: List[Change] = field(default_factory=list)
    findings: List[Finding] = field(default_factory=list)
    kind: str = "model"
    lineage: Optional[JsonDict] = None
    line: Optional[str] = None
    warnings: List[JsonDict] = field(default_factory=list)
    raw: JsonDict = _raw()

    @property
    def ref(self) -> str:
        return f"{self.model}@{self.version}"

    @classmethod
    def from_json(cls, doc: Any) -> "Registered":
        return _build(cls, doc, artifacts=_list(Artifact, doc.get("artifacts")), changes=_list(Change, doc.get("changes")),
                      findings=_list(Finding, doc.get("findings")))


@dataclass
class Version(_Result):
    """One version's manifest, as ``show`` prints it, with the stages it is in."""

    name: str = ""
    version: str = ""
    kind: str = "model"
    hash: str = ""
    digest: str = ""
    created_at: str = ""
    actor: str = ""
    message: Optional[str] = None
    artifacts: List[Artifact] = field(default_factory=list)
    params: JsonDict = field(default_factory=dict)
    metrics: JsonDict = field(default_factory=dict)
    tags: JsonDict = field(default_factory=dict)
    lineage: Optional[JsonDict] = None
    schema: Optional[JsonDict] = None
    git: Optional[JsonDict] = None
    stages: List[str] = field(default_factory=list)
    raw: JsonDict = _raw()

    @property
    def model(self) -> str:
        return self.name

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    @classmethod
    def from_json(cls, doc: Any) -> "Version":
        return _build(cls, doc, artifacts=_list(Artifact, doc.get("artifacts")))


@dataclass
class ModelSummary(_Result):
    """A row of ``ls``: a model (or data set, ...) with its latest version and its stages."""

    model: str = ""
    kind: str = "model"
    version: str = ""
    versions: int = 0
    stages: List[str] = field(default_factory=list)
    by_stage: Dict[str, List[str]] = field(default_factory=dict)
    raw: JsonDict = _raw()



@dataclass
class VersionSummary(_Result):
    """A row of ``ls(model)``: one version, oldest first."""

    model: str = ""
    kind: str = "model"
    version: str = ""
    hash: str = ""
    created_at: str = ""
    actor: str = ""
    message: Optional[str] = None
    stages: List[str] = field(default_factory=list)
    raw: JsonDict = _raw()



@dataclass
class Bump(_Result):
    """What ``bump`` computed: the next version, the declared type and what the interface requires."""

    model: str = ""
    line: Optional[str] = None
    current: Optional[str] = None
    next: str = ""
    type: Optional[str] = None
    required: Optional[str] = None
    findings: List[Finding] = field(default_factory=list)
    changes: List[Change] = field(default_factory=list)
    raw: JsonDict = _raw()

    @classmethod
    def from_json(cls, doc: Any) -> "Bump":
        return _build(cls, doc, findings=_list(Finding, doc.get("findings")), changes=_list(Change, doc.get("changes")))


@dataclass
class MetricDiff(_Result):
    """One metric in both versions; ``improved`` follows the metric's direction (None when one side lacks it)."""

    a: Any = None
    b: Any = None
    delta: Optional[float] = None
    relative: Optional[float] = None
    direction: Optional[str] = None
    improved: Optional[bool] = None
    raw: JsonDict = _raw()



@dataclass
class Diff(_Result):
    """``diff a b``: metrics, params, tags, artifacts and the interface findings with the bump they require."""

    a: JsonDict = field(default_factory=dict)
    b: JsonDict = field(default_factory=dict)
    metrics: Dict[str, MetricDiff] = field(default_factory=dict)
    params: Dict[str, JsonDict] = field(default_factory=dict)
    tags: Dict[str, JsonDict] = field(default_factory=dict)
    artifacts: JsonDict = field(default_factory=dict)
    findings: List[Finding] = field(default_factory=list)
    required: Optional[str] = None
    raw: JsonDict = _raw()

    @classmethod
    def from_json(cls, doc: Any) -> "Diff":
        metrics = doc.get("metrics") if isinstance(doc.get("metrics"), dict) else {}
        return _build(cls, doc, metrics={k: MetricDiff.from_json(v) for k, v in metrics.items()},
                      findings=_list(Finding, doc.get("findings")))


@dataclass
class Event(_Result):
    """One history event (register, promote, demote, check, deploy, ...); other keys are in ``raw``."""

    id: str = ""
    time: str = ""
    event: str = ""
    model: str = ""
    version: Optional[str] = None
    actor: Optional[str] = None
    stage: Optional[str] = None
    raw: JsonDict = _raw()



@dataclass
class StageChange(_Result):
    """What ``promote`` or ``demote`` did: the version's stages now, the stages it left, the versions displaced."""

    model: str = ""
    version: str = ""
    stage: str = ""
    unchanged: bool = False
    forced: bool = False
    left: List[str] = field(default_factory=list)
    displaced: List[JsonDict] = field(default_factory=list)
    stages: List[str] = field(default_factory=list)
    event: Optional[Event] = None
    raw: JsonDict = _raw()

    @classmethod
    def from_json(cls, doc: Any) -> "StageChange":
        event = doc.get("event")
        return _build(cls, doc, event=Event.from_json(event) if isinstance(event, dict) else None)


@dataclass
class LineageNode(_Result):
    """A node of the lineage graph: ``kind`` is model, dataset, features, pipeline, external or missing."""

    id: str = ""
    kind: str = ""
    name: Optional[str] = None
    version: Optional[str] = None
    uri: Optional[str] = None
    sha256: Optional[str] = None
    direction: Optional[str] = None
    distance: int = 0
    truncated: Optional[bool] = None
    stages: Optional[List[str]] = None
    raw: JsonDict = _raw()



@dataclass
class LineageEdge(_Result):
    """An edge from what was used to the version made from it; ``relation`` is parents, data, features or pipeline."""

    from_: str = ""
    to: str = ""
    relation: str = ""
    raw: JsonDict = _raw()

    @classmethod
    def from_json(cls, doc: Any) -> "LineageEdge":
        return _build(cls, doc, **({"from_": doc["from"]} if isinstance(doc, dict) and "from" in doc else {}))


@dataclass
class Lineage(_Result):
    """``lineage ref``: the graph around a version, upstream and/or downstream."""

    root: str = ""
    direction: str = "both"
    depth: Optional[int] = None
    nodes: List[LineageNode] = field(default_factory=list)
    edges: List[LineageEdge] = field(default_factory=list)
    raw: JsonDict = _raw()

    def node(self, id: str) -> Optional[LineageNode]:
        return next((n for n in self.nodes if n.id == id), None)

    @classmethod
    def from_json(cls, doc: Any) -> "Lineage":
        return _build(cls, doc, nodes=_list(LineageNode, doc.get("nodes")), edges=_list(LineageEdge, doc.get("edges")))


@dataclass
class Affected(_Result):
    """A version made (transitively) from the component, with the path that leads to it."""

    model: str = ""
    version: str = ""
    kind: str = "model"
    path: List[str] = field(default_factory=list)
    stages: List[str] = field(default_factory=list)
    pruned: Optional[bool] = None
    raw: JsonDict = _raw()



@dataclass
class Impact(_Result):
    """``impact component``: every version made from it; ``gate`` when ``fail_on_stage`` was given."""

    component: str = ""
    matched: List[str] = field(default_factory=list)
    affected: List[Affected] = field(default_factory=list)
    gate: Optional[JsonDict] = None
    raw: JsonDict = _raw()

    @property
    def ok(self) -> bool:
        """False when the gate found an affected version in its stage."""
        return bool(self.gate.get("ok", True)) if isinstance(self.gate, dict) else True

    @classmethod
    def from_json(cls, doc: Any) -> "Impact":
        return _build(cls, doc, affected=_list(Affected, doc.get("affected")))


@dataclass
class Export(_Result):
    """``export``: where the version's files were written (every byte re-hashed on the way)."""

    model: str = ""
    version: str = ""
    hash: str = ""
    dir: str = ""
    artifacts: List[Artifact] = field(default_factory=list)
    raw: JsonDict = _raw()

    @classmethod
    def from_json(cls, doc: Any) -> "Export":
        return _build(cls, doc, artifacts=_list(Artifact, doc.get("artifacts")))


@dataclass
class Deploy(_Result):
    """``deploy``: ``ok`` False means a step failed and mreg rolled back (``rolled_back_to``, ``rollback_ok``)."""

    ok: bool = False
    model: str = ""
    version: str = ""
    target: str = ""
    previous: Optional[str] = None
    live: Optional[str] = None
    steps: List[JsonDict] = field(default_factory=list)
    failed_step: Optional[JsonDict] = None
    rolled_back_to: Optional[str] = None
    rollback_ok: Optional[bool] = None
    promoted: Optional[JsonDict] = None
    dry_run: Optional[bool] = None
    plan: Optional[List[JsonDict]] = None
    raw: JsonDict = _raw()



@dataclass
class Rollback(_Result):
    """``rollback``: from the live version (``from_``) to the one below it (``to``)."""

    ok: bool = False
    model: str = ""
    target: str = ""
    from_: Optional[str] = None
    to: Optional[str] = None
    resumed: bool = False
    steps: List[JsonDict] = field(default_factory=list)
    failed_step: Optional[JsonDict] = None
    raw: JsonDict = _raw()

    @classmethod
    def from_json(cls, doc: Any) -> "Rollback":
        return _build(cls, doc, **({"from_": doc["from"]} if isinstance(doc, dict) and "from" in doc else {}))


@dataclass
class Status(_Result):
    """``status``: what a target runs, since when, deployed by whom, and the last outcome."""

    model: str = ""
    target: str = ""
    live: Optional[str] = None
    deployed_at: Optional[str] = None
    deployed_by: Optional[str] = None
    via: Optional[str] = None
    interrupted: Any = None
    last: Optional[JsonDict] = None
    adapter_live: Any = None
    adapter_health: Any = None
    routing: Any = None
    drift: Optional[JsonDict] = None
    unpushed: Optional[int] = None
    raw: JsonDict = _raw()



@dataclass
class VerifyReport(_Result):
    """``verify``: ``ok`` False lists the ``problems`` (each with a ``code`` and ``message``)."""

    ok: bool = False
    problems: List[JsonDict] = field(default_factory=list)
    warnings: List[JsonDict] = field(default_factory=list)
    checked: JsonDict = field(default_factory=dict)
    raw: JsonDict = _raw()



@dataclass
class ScannedFile(_Result):
    """One scanned file: ``status`` is safe, warning or unsafe; ``globals`` what loading it would import."""

    path: str = ""
    status: str = ""
    globals: List[str] = field(default_factory=list)
    findings: List[JsonDict] = field(default_factory=list)
    raw: JsonDict = _raw()



@dataclass
class ScanReport(_Result):
    """``scan``: ``ok`` False when a file would run code when loaded."""

    ok: bool = False
    files: List[ScannedFile] = field(default_factory=list)
    raw: JsonDict = _raw()

    @classmethod
    def from_json(cls, doc: Any) -> "ScanReport":
        return _build(cls, doc, files=_list(ScannedFile, doc.get("files")))


@dataclass
class Transfer(_Result):
    """``push`` or ``pull``: the versions moved (``pushed``/``new`` per version), blob counts and events."""

    remote: str = ""
    url: str = ""
    versions: List[JsonDict] = field(default_factory=list)
    blobs: JsonDict = field(default_factory=dict)
    events: int = 0
    skipped_events: Optional[int] = None
    raw: JsonDict = _raw()



@dataclass
class CheckReport(_Result):
    """``check``: each configured check's outcome on a version's files."""

    model: str = ""
    version: str = ""
    ok: bool = False
    results: List[JsonDict] = field(default_factory=list)
    raw: JsonDict = _raw()



@dataclass
class GcReport(_Result):
    """``gc``: the versions pruned and the blobs deleted (or, with ``dry_run``, what would be)."""

    dry_run: bool = False
    pruned: List[JsonDict] = field(default_factory=list)
    blobs_deleted: int = 0
    bytes_reclaimed: int = 0
    temp_files_removed: int = 0
    blobs_in_grace: int = 0
    raw: JsonDict = _raw()



@dataclass
class ChangeFile(_Result):
    """``change_add``: the change file written under .modelreg/changes/ and the models it declares."""

    id: str = ""
    path: str = ""
    models: Dict[str, str] = field(default_factory=dict)
    lines: Dict[str, str] = field(default_factory=dict)
    summary: str = ""
    raw: JsonDict = _raw()



@dataclass
class Remote(_Result):
    """A remote of the store's config (``remote_add``)."""

    name: str = ""
    url: str = ""
    endpoint: Optional[str] = None
    region: Optional[str] = None
    default: bool = False
    raw: JsonDict = _raw()

