"""The English UI's Qt translation: extract, compile, check.

Usage: ``.venv/bin/python tools/translations.py update|release|check``

- ``update``: ``pyside6-lupdate`` over every ``.py`` under ``cityops/desktop`` and
  ``cityops/widgets`` into ``cityops/resources/translations/cityops_en.ts`` (existing
  translations kept, strings no longer in the code dropped). New strings come in unfinished.
- ``release``: ``pyside6-lrelease`` of the .ts into ``cityops_en.qm`` (the file ``i18n`` loads).
- ``check`` (CI): exit 1, naming what, when a string in the code has no English (the .ts is
  re-extracted into a temporary copy, so a new Chinese string nobody ran ``update`` for counts
  too), when a translation drops or adds a placeholder (``%1``, ``%n``, ``{name}``), or when the
  committed .qm differs from what lrelease makes from the .ts now.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT / "cityops" / "desktop", ROOT / "cityops" / "widgets")
TRANSLATIONS = ROOT / "cityops" / "resources" / "translations"
TS = TRANSLATIONS / "cityops_en.ts"
QM = TRANSLATIONS / "cityops_en.qm"
PLACEHOLDER = re.compile(r"%L?\d+|%n|\{[A-Za-z_][A-Za-z0-9_]*\}")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
CJK = re.compile(r"[\u3400-\u9fff]")


def tool(name: str) -> str:
    """A PySide6 tool next to the running interpreter (the venv's bin), else on PATH."""
    here = Path(sys.executable).parent / name
    if here.exists():
        return str(here)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found (run with the project's .venv/bin/python)")
    return found


def sources() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for d in SOURCES for p in d.rglob("*.py"))


def lupdate(ts: Path) -> None:
    command = [tool("pyside6-lupdate"), *sources(), "-ts", str(ts), "-no-obsolete"]
    # Target language so that %n strings get English's two numerus forms.
    command += ["-source-language", "zh_CN", "-target-language", "en_US", "-silent"]
    subprocess.run(command, cwd=ROOT, check=True)


def lrelease(ts: Path, qm: Path) -> None:
    command = [tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)]
    subprocess.run(command, cwd=ROOT, check=True)


def problems(ts: Path) -> list[str]:
    """Every message of ``ts`` without usable English, as ``context: source — why``."""
    found = []
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            translation = message.find("translation")
            where = f"{name}: {source!r}"
            if misread(message):
                continue  # not a real string: see misread()
            if translation is None:
                found.append(f"{where} — no translation")
                continue
            kind = translation.get("type")
            if kind in ("vanished", "obsolete"):
                continue
            forms = translation.findall("numerusform")
            texts = [f.text or "" for f in forms] if forms else [translation.text or ""]
            if kind == "unfinished":
                found.append(f"{where} — unfinished")
            elif any(not t.strip() for t in texts):
                found.append(f"{where} — empty")
            else:
                wanted = sorted(set(PLACEHOLDER.findall(source)))
                for text in texts:
                    got = sorted(set(PLACEHOLDER.findall(text)))
                    # A plural's singular may spell the number out ("1 item" is fine as "one").
                    if got != wanted and not (forms and set(got) == set(wanted) - {"%n"}):
                        found.append(f"{where} — placeholders {got} in {text!r}, want {wanted}")
    return found


def misread(message: ET.Element) -> bool:
    """A call lupdate took for ``tr(text, disambiguation)`` while it is ``translate(context,
    text)`` under another name (``tr = QCoreApplication.translate``): the "source" is a context
    name and the Chinese went into the comment. No translation can match it at run time."""
    source = message.findtext("source") or ""
    return bool(IDENTIFIER.fullmatch(source)) and bool(
        CJK.search(message.findtext("comment") or "")
    )


def warnings(ts: Path) -> list[str]:
    found = []
    for message in ET.parse(ts).getroot().iter("message"):
        if misread(message):
            location = message.find("location")
            where = "?"
            if location is not None:
                path = (ts.parent / (location.get("filename") or "")).resolve()
                shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                where = f"{shown}:{location.get('line')}"
            text = message.findtext("comment")
            found.append(
                f"{where}: {text!r} is out of lupdate's reach (an aliased translate call): "
                "write QCoreApplication.translate(...) there"
            )
    return found


def update() -> int:
    lupdate(TS)
    left = problems(TS)
    print(f"{TS.relative_to(ROOT)}: {len(left)} string(s) to translate")
    for line in left:
        print("  " + line)
    for line in warnings(TS):
        print("WARNING " + line)
    return 0


def release() -> int:
    lrelease(TS, QM)
    print(f"{QM.relative_to(ROOT)} written")
    return 0


def check() -> int:
    failures: list[str] = []
    if not TS.exists():
        print(f"FAIL {TS.relative_to(ROOT)} missing: run tools/translations.py update")
        return 1
    failures += [f"{TS.name}: {p}" for p in problems(TS)]
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / TS.name
        shutil.copyfile(TS, fresh)
        lupdate(fresh)
        known = set(failures)
        for p in problems(fresh):
            line = f"not in {TS.name} (run update, then translate): {p}"
            if f"{TS.name}: {p}" not in known:
                failures.append(line)
        made = Path(tmp) / QM.name
        lrelease(TS, made)
        if not QM.exists():
            failures.append(f"{QM.name} missing: run tools/translations.py release")
        elif QM.read_bytes() != made.read_bytes():
            failures.append(f"{QM.name} is not what lrelease makes of {TS.name}: run release")
    for line in warnings(TS):
        print("WARNING " + line)
    for line in failures:
        print("FAIL " + line)
    if not failures:
        print(f"{TS.name} complete, {QM.name} up to date")
    return 1 if failures else 0


def main(argv: Sequence[str]) -> int:
    commands = {"update": update, "release": release, "check": check}
    if len(argv) != 1 or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
