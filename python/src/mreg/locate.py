"""Finding the two things a Registry needs: the store (like the CLI: an explicit path, MREG_STORE, or
the nearest .modelreg walking up) and the mreg executable (MREG_BIN, mreg on PATH, or a clone's
bin/mreg.js run by node). Each failure says what to set, install or run.
"""
from __future__ import annotations

import json
import os
import shlex
import shutil
from pathlib import Path
from typing import List, Mapping, Optional, Sequence, Union

from .errors import NO_EXECUTABLE, NO_STORE, MregError

PathLike = Union[str, "os.PathLike[str]"]

STORE_DIR = ".modelreg"


def store_of(directory: Path) -> Optional[Path]:
    """The store a directory names: the directory itself when it is a store, or its .modelreg."""
    if directory.name == STORE_DIR and directory.is_dir():
        return directory
    if (directory / STORE_DIR).is_dir():
        return directory / STORE_DIR
    if (directory / "config.yaml").is_file() and (directory / "models").is_dir():
        return directory  # a store under another name (mreg init --store /srv/registry)
    return None


def find_store(path: Optional[PathLike], env: Mapping[str, str], cwd: Path) -> Path:
    if path is not None:
        named = (cwd / Path(path)).resolve()
        found = store_of(named)
        if found is None:
            raise MregError(NO_STORE, f"no mreg store at {named}", hint=f"create one with Registry.init({str(named)!r}) or `mreg init`", exit_code=2)
        return found
    if env.get("MREG_STORE"):
        named = (cwd / env["MREG_STORE"]).resolve()
        found = store_of(named)
        if found is None:
            raise MregError(NO_STORE, f"MREG_STORE={env['MREG_STORE']}: no mreg store there", hint="point MREG_STORE at a store, or unset it", exit_code=2)
        return found
    for directory in [cwd.resolve(), *cwd.resolve().parents]:
        if (directory / STORE_DIR).is_dir():
            return directory / STORE_DIR
    raise MregError(NO_STORE, f"no .modelreg store in {cwd.resolve()} or any directory above it",
                    hint="run `mreg init` in the project (or Registry.init()), pass Registry(path=...), or set MREG_STORE", exit_code=2)


def _is_mreg_checkout(directory: Path) -> bool:
    try:
        package = json.loads((directory / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(package, dict) and package.get("name") == "mreg" and (directory / "bin" / "mreg.js").is_file()


def _checkout_near(starts: Sequence[Path]) -> Optional[Path]:
    for start in starts:
        for directory in [start, *start.parents]:
            if _is_mreg_checkout(directory):
                return directory
    return None


def _node(env: Mapping[str, str]) -> str:
    node = shutil.which("node", path=env.get("PATH"))
    if node is None:
        raise MregError(NO_EXECUTABLE, "node is not on PATH, and mreg's bin/mreg.js needs it", hint="install Node.js 20 or later", exit_code=None)
    return node


def find_executable(explicit: Union[str, Sequence[str], None], env: Mapping[str, str], cwd: Path) -> List[str]:
    """The argv prefix that runs mreg."""
    spec = explicit if explicit is not None else env.get("MREG_BIN") or None
    if spec is not None:
        argv = shlex.split(spec) if isinstance(spec, str) else [str(part) for part in spec]
        if not argv:
            raise MregError(NO_EXECUTABLE, "MREG_BIN is empty", hint="set MREG_BIN to the mreg program, or to `node /path/to/mreg/bin/mreg.js`")
        if len(argv) == 1 and argv[0].endswith(".js"):
            argv = [_node(env), *argv]
        program = argv[0] if os.sep in argv[0] else shutil.which(argv[0], path=env.get("PATH"))
        if program is None or not Path(program).exists():
            raise MregError(NO_EXECUTABLE, f"mreg executable {argv[0]!r} (from {'MREG_BIN' if explicit is None else 'executable='}) was not found",
                            hint="set MREG_BIN to the mreg program, or to `node /path/to/mreg/bin/mreg.js`")
        return argv
    on_path = shutil.which("mreg", path=env.get("PATH"))
    if on_path is not None:
        return [on_path]
    checkout = _checkout_near([Path(__file__).resolve().parent, cwd.resolve()])
    if checkout is not None:
        if not (checkout / "dist" / "cli" / "main.js").is_file():
            raise MregError(NO_EXECUTABLE, f"the mreg checkout at {checkout} is not built", hint=f"run `npm ci` (or `npm run build`) in {checkout}")
        return [_node(env), str(checkout / "bin" / "mreg.js")]
    raise MregError(NO_EXECUTABLE, "the mreg executable was not found: MREG_BIN is not set, `mreg` is not on PATH, and this is not inside an mreg checkout",
                    hint="install mreg (`npm install -g mreg`, Node.js 20+), or set MREG_BIN=`node /path/to/mreg/bin/mreg.js`")
