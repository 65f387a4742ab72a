"""The one error the client raises, MregError, and the stable error codes of mreg as constants.

The codes are those of docs/design.md ("Error codes"); the client adds two of its own for what it
finds before any call (NO_EXECUTABLE) or what it cannot read back (BAD_OUTPUT).
"""
from __future__ import annotations

from typing import Any, Dict, Optional

# Exit 2: bad usage or input.
USAGE = "USAGE"
INVALID_NAME = "INVALID_NAME"
INVALID_VERSION = "INVALID_VERSION"
INVALID_INPUT = "INVALID_INPUT"
INVALID_HEADER = "INVALID_HEADER"
NO_STORE = "NO_STORE"
STORE_UNREADABLE = "STORE_UNREADABLE"
# Exit 1: the operation or a check failed.
NOT_FOUND = "NOT_FOUND"
VERSION_EXISTS = "VERSION_EXISTS"
CORRUPT_BLOB = "CORRUPT_BLOB"
CORRUPT_MANIFEST = "CORRUPT_MANIFEST"
VERIFY_FAILED = "VERIFY_FAILED"
CONFLICT = "CONFLICT"
REFUSED = "REFUSED"
BUMP_TOO_LOW = "BUMP_TOO_LOW"
PRUNED = "PRUNED"
UNSAFE_ARTIFACT = "UNSAFE_ARTIFACT"
REMOTE = "REMOTE"
LOCKED = "LOCKED"
CHANGED_WHILE_READING = "CHANGED_WHILE_READING"
IO = "IO"
INTERNAL = "INTERNAL"
# The client's own: no mreg executable could be found (nothing was run), or its output was not the
# JSON document the contract promises (an mreg too old for a flag, a crash before it could answer).
NO_EXECUTABLE = "NO_EXECUTABLE"
BAD_OUTPUT = "BAD_OUTPUT"

CODES = (
    USAGE, INVALID_NAME, INVALID_VERSION, INVALID_INPUT, INVALID_HEADER, NO_STORE, STORE_UNREADABLE,
    NOT_FOUND, VERSION_EXISTS, CORRUPT_BLOB, CORRUPT_MANIFEST, VERIFY_FAILED, CONFLICT, REFUSED,
    BUMP_TOO_LOW, PRUNED, UNSAFE_ARTIFACT, REMOTE, LOCKED, CHANGED_WHILE_READING, IO, INTERNAL,
    NO_EXECUTABLE, BAD_OUTPUT,
)


class MregError(Exception):
    """An mreg failure: the stable ``code``, the ``message``, an optional ``hint`` and ``data``.

    ``exit_code`` is the CLI's exit code (1: the operation failed, 2: bad usage or input), or None when
    the client refused before running anything (a NaN metric, no executable, no store).
    """

    code: str
    message: str
    hint: Optional[str]
    exit_code: Optional[int]
    data: Dict[str, Any]

    def __init__(
        self,
        code: str,
        message: str,
        hint: Optional[str] = None,
        exit_code: Optional[int] = None,
        data: Optional[Dict[str, Any]] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.exit_code = exit_code
        self.data = dict(data) if data else {}

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text

    def __repr__(self) -> str:
        return f"MregError({self.code!r}, {self.message!r}, hint={self.hint!r}, exit_code={self.exit_code!r})"

    @classmethod
    def from_json(cls, doc: Dict[str, Any], exit_code: Optional[int]) -> "MregError":
        """The error document mreg prints with --json: ``{"error": {"code", "message", "hint"?, "data"?}}``."""
        found = doc.get("error")
        err: Dict[str, Any] = found if isinstance(found, dict) else {}
        data = err.get("data")
        return cls(
            str(err.get("code", INTERNAL)),
            str(err.get("message", "mreg failed without a message")),
            err.get("hint") if isinstance(err.get("hint"), str) else None,
            exit_code,
            data if isinstance(data, dict) else ({"value": data} if data is not None else None),
        )


# The codes also as attributes of the class: `except MregError as e: if e.code == MregError.CONFLICT`.
for _code in CODES:
    setattr(MregError, _code, _code)
del _code
