"""Real .safetensors files for the tests, written by the format's rules (8-byte header length, JSON
header padded with spaces, little-endian tensor bytes)."""
from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Dict, List


def write_safetensors(path: Path, tensors: Dict[str, List[float]]) -> Path:
    header: Dict[str, object] = {}
    body = b""
    for name, values in tensors.items():
        data = struct.pack(f"<{len(values)}f", *values)
        header[name] = {"dtype": "F32", "shape": [len(values)], "data_offsets": [len(body), len(body) + len(data)]}
        body += data
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(struct.pack("<Q", len(text)) + text + body)
    return path
