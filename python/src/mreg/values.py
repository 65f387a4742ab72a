"""Checking params, metrics, tags and metadata before they leave Python, so their JSON types survive.

mreg reads them as JSON (a --meta file the client writes), which has no NaN or infinity and, read by
JavaScript, no integers beyond 2**53: such values are refused here, naming the key, rather than
arriving changed. NumPy-style scalars (anything with .item()) are turned into plain Python values.
"""
from __future__ import annotations

import math
import re
from typing import Any, Dict, Mapping

from .errors import INVALID_INPUT, USAGE, MregError

MAX_SAFE_INTEGER = 2**53 - 1

# How the CLI types a `--param key=value` string (src/core/manifest/metadata.ts typedValue).
_NUMBER = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")


def _refuse(option: str, path: str, why: str) -> MregError:
    return MregError(INVALID_INPUT, f"{path}: {why}", data={"option": option, "key": path})


def plain(value: Any, option: str, path: str, scalars_only: bool = False) -> Any:
    """``value`` as plain JSON data, or an MregError naming ``path`` (``metrics.auc``, ``params.layers[2]``)."""
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, (str, bytes, dict, list, tuple)):
        try:
            value = value.item()  # numpy.float32(0.9), torch.tensor(3).item(), ...
        except (TypeError, ValueError):
            pass
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise _refuse(option, path, f"{value} is too large to keep exactly in JSON (more than 2**53 - 1); pass it as a string")
        return value
    if isinstance(value, float):
        if math.isnan(value):
            raise _refuse(option, path, "NaN is not a number JSON can hold; leave the key out or record it as a string")
        if math.isinf(value):
            raise _refuse(option, path, f"{value} is not a number JSON can hold; leave the key out or record it as a string")
        return value
    if scalars_only:
        raise _refuse(option, path, f"expected a string, number or boolean, not {type(value).__name__}")
    if isinstance(value, Mapping):
        out: Dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _refuse(option, f"{path}.{key!r}", "keys must be strings")
            out[key] = plain(item, option, f"{path}.{key}")
        return out
    if isinstance(value, (list, tuple)):
        return [plain(item, option, f"{path}[{i}]") for i, item in enumerate(value)]
    raise _refuse(option, path, f"{type(value).__name__} is not JSON data (use str, int, float, bool, None, dict or list)")


def plain_map(values: Any, option: str, scalars_only: bool = False) -> Dict[str, Any]:
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise MregError(USAGE, f"{option}: expected a dict, not {type(values).__name__}", data={"option": option})
    return {str(key): plain(value, option, f"{option}.{key}", scalars_only) for key, value in values.items()}


def assignment(key: str, value: Any, option: str) -> str:
    """``key=value`` as the CLI's --param flag reads it, refused when the CLI would read it as another type."""
    path = f"{option}.{key}"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = repr(value)
        if not _NUMBER.match(text) or (isinstance(value, float) and value.is_integer()):
            raise _refuse(option, path, f"{text} would not keep its type as a command-line flag; pass meta as a dict or a JSON file")
    elif isinstance(value, str):
        text = value
        if text in ("true", "false") or _NUMBER.match(text):
            raise _refuse(option, path, f"the string {text!r} would be read as a {'boolean' if text in ('true', 'false') else 'number'} beside a YAML meta file; pass meta as a dict or a JSON file")
    else:
        raise _refuse(option, path, "nested values need meta as a dict or a JSON file, not a YAML file")
    return f"{key}={text}"
