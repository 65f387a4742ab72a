"""mreg for Python: register, compare, promote and deploy model versions from a training script.

    from mreg import Registry, MregError
    reg = Registry()                       # the nearest .modelreg, like the mreg command line
    v = reg.register("fraud", ["model.safetensors"], change="minor", metrics={"auc": 0.91})
    reg.promote(v.ref, "staging")

Each method runs the mreg command line once with --json (docs/python.md); mreg itself is a Node.js
program (MREG_BIN, `mreg` on PATH, or a checkout's bin/mreg.js).
"""
from .client import Registry
from .errors import (  # the stable error codes, as constants
    BAD_OUTPUT, BUMP_TOO_LOW, CHANGED_WHILE_READING, CODES, CONFLICT, CORRUPT_BLOB, CORRUPT_MANIFEST, INTERNAL, INVALID_HEADER,
    INVALID_INPUT, INVALID_NAME, INVALID_VERSION, IO, LOCKED, NO_EXECUTABLE, NO_STORE, NOT_FOUND, PRUNED, REFUSED, REMOTE,
    STORE_UNREADABLE, UNSAFE_ARTIFACT, USAGE, VERIFY_FAILED, VERSION_EXISTS, MregError,
)
from .results import (
    Affected, Artifact, Bump, Change, ChangeFile, CheckReport, Deploy, Diff, Event, Export, Finding, GcReport, Impact,
    Lineage, LineageEdge, LineageNode, MetricDiff, ModelSummary, Registered, Remote, Rollback, ScannedFile, ScanReport,
    StageChange, Status, Transfer, VerifyReport, Version, VersionSummary,
)

__version__ = "0.1.0"

__all__ = [
    "Registry", "MregError", "CODES",
    "Affected", "Artifact", "Bump", "Change", "ChangeFile", "CheckReport", "Deploy", "Diff", "Event", "Export", "Finding",
    "GcReport", "Impact", "Lineage", "LineageEdge", "LineageNode", "MetricDiff", "ModelSummary", "Registered", "Remote",
    "Rollback", "ScannedFile", "ScanReport", "StageChange", "Status", "Transfer", "VerifyReport", "Version",
    "VersionSummary",
    "BAD_OUTPUT", "BUMP_TOO_LOW", "CHANGED_WHILE_READING", "CONFLICT", "CORRUPT_BLOB", "CORRUPT_MANIFEST", "INTERNAL",
    "INVALID_HEADER", "INVALID_INPUT", "INVALID_NAME", "INVALID_VERSION", "IO", "LOCKED", "NO_EXECUTABLE", "NO_STORE",
    "NOT_FOUND", "PRUNED", "REFUSED", "REMOTE", "STORE_UNREADABLE", "UNSAFE_ARTIFACT", "USAGE", "VERIFY_FAILED",
    "VERSION_EXISTS",
]
