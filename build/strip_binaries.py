"""Debug information out of the bundle's Linux libraries, for ``cityops.spec``.

Many wheels ship their shared libraries with full debug information (libpython, uvloop,
SQLAlchemy's Cython modules: ~48 MB of the bundle). PyInstaller's own ``strip=True`` strips
every binary, which breaks the libraries auditwheel vendored into a ``<package>.libs`` folder and
rewrote with patchelf (NumPy's OpenBLAS then fails to load: "ELF load command address/offset not
page-aligned"). ``strip_binaries`` strips copies of the others (``strip -S``: debug sections only,
symbols stay) and points the Analysis' binaries at them, so onedir and onefile builds both get
them. ELF files only: on Windows and macOS nothing matches and nothing happens.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path, PurePath

ELF_MAGIC = b"\x7fELF"
Entry = tuple[str, str, str]  # PyInstaller's TOC entry: (bundle path, source path, type)


def _is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == ELF_MAGIC
    except OSError:
        return False


def _repaired_packages(entries: list[Entry]) -> set[str]:
    """Top-level names whose libraries auditwheel repaired: ``numpy`` when ``numpy.libs`` exists."""
    tops = {PurePath(dest).parts[0] for dest, _src, _kind in entries}
    return {top.removesuffix(".libs") for top in tops if top.endswith(".libs")}


def _strippable(entry: Entry, repaired: set[str]) -> bool:
    dest, source, kind = entry
    if kind not in ("BINARY", "EXTENSION"):
        return False
    top = PurePath(dest).parts[0]
    if top.endswith(".libs") or top in repaired:
        return False
    return _is_elf(Path(source))


def strip_binaries(entries: list[Entry], workdir: Path) -> tuple[list[Entry], int]:
    """The entries with stripped copies (under ``workdir``, reused while newer than their
    source) in place of the strippable ones, and the bytes saved."""
    tool = shutil.which("strip")
    if tool is None:
        return entries, 0
    repaired = _repaired_packages(entries)
    result: list[Entry] = []
    saved = 0
    for entry in entries:
        if not _strippable(entry, repaired):
            result.append(entry)
            continue
        dest, source, kind = entry
        copy = workdir / dest
        if not copy.exists() or copy.stat().st_mtime < Path(source).stat().st_mtime:
            copy.parent.mkdir(parents=True, exist_ok=True)
            done = subprocess.run([tool, "-S", "-o", str(copy), source], capture_output=True)
            if done.returncode != 0:  # not ours to fix: bundle it as it came
                result.append(entry)
                continue
        saved += Path(source).stat().st_size - copy.stat().st_size
        result.append((dest, str(copy), kind))
    return result, saved
