"""Smoke test of the packaged client as an installer would run it: ``make package-smoke`` and CI.

Copies the onedir folder (``dist/cityops``; a onefile executable works too) to a temporary
folder, runs ``cityops --smoke --out <folder>`` from there with an empty environment (no
PYTHONPATH, no venv on PATH, a temporary HOME so no user settings leak in, the working folder
outside the source tree) and checks that it prints ``SMOKE OK``. On Linux, as root with
``unshare`` at hand, the source tree (and so the build venv) is also hidden from the run by an
empty mount over it in a private mount namespace: whatever the bundle still reached outside
itself would fail the run. Prints the bundle's size and the smoke's ``startup:`` line, and copies
the screenshots to ``--out``.

Standard library only, so any ``python3`` runs it (Windows too: there the environment keeps the
few variables Windows needs, and nothing is hidden).

    python3 build/smoke_frozen.py [--dist dist/cityops] [--out smoke-out/frozen]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Variables Windows needs to start a process at all (sockets, temp folder, user folders).
WINDOWS_KEEP = ("SYSTEMROOT", "WINDIR", "TEMP", "TMP", "USERPROFILE", "APPDATA", "LOCALAPPDATA")


def executable_in(bundle: Path) -> Path:
    """The ``cityops`` executable of a onedir folder, or the onefile executable itself."""
    if bundle.is_file():
        return bundle
    name = "cityops.exe" if sys.platform == "win32" else "cityops"
    return bundle / name


def folder_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def clean_env(home: Path) -> dict[str, str]:
    env = {
        "HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        # The workstation's own settings and caches stay untouched; a fresh install's are empty.
        "CITYOPS_CONFIG_DIR": str(home / "config"),
        "CITYOPS_DATA_DIR": str(home / "data"),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
    }
    if sys.platform == "win32":
        env.update({k: os.environ[k] for k in WINDOWS_KEEP if k in os.environ})
        env["PATH"] = str(Path(os.environ.get("SYSTEMROOT", r"C:\Windows")) / "System32")
    else:
        env["PATH"] = "/usr/bin:/bin"
    return env


def hide_command(hidden: list[Path]) -> list[str]:
    """A prefix that runs the command with ``hidden`` folders covered by empty mounts, when this
    machine allows it (Linux, root, util-linux's ``unshare``); else nothing."""
    if not hidden or sys.platform != "linux" or os.geteuid() != 0 or not shutil.which("unshare"):
        return []
    mounts = " && ".join(f"mount -t tmpfs cityops-hidden '{p}'" for p in hidden)
    return ["unshare", "--mount", "--", "sh", "-c", f'{mounts} && exec "$@"', "hide"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="smoke_frozen.py", description=__doc__.split("\n")[0])
    p.add_argument("--dist", default=str(ROOT / "dist" / "cityops"), help="the built bundle")
    p.add_argument("--out", default=str(ROOT / "smoke-out" / "frozen"), help="screenshots")
    p.add_argument(
        "--no-hide", action="store_true", help="do not hide the source tree from the run"
    )
    args = p.parse_args(argv)
    bundle = Path(args.dist).resolve()
    if not executable_in(bundle).exists():
        print(f"smoke_frozen: no packaged app at {bundle} (make package)", file=sys.stderr)
        return 2
    print(f"bundle {bundle}: {folder_size(bundle) / 2**20:.0f} MiB")
    with tempfile.TemporaryDirectory(prefix="cityops-frozen-") as tmp:
        place = Path(tmp)
        copy = place / bundle.name
        started = time.monotonic()
        if bundle.is_file():
            shutil.copy2(bundle, copy)
        else:
            shutil.copytree(bundle, copy, symlinks=True)
        print(f"copied to {copy} in {time.monotonic() - started:.1f} s")
        home = place / "home"
        home.mkdir()
        shots = place / "shots"
        env = clean_env(home)
        prefix = [] if args.no_hide else hide_command([ROOT])
        if prefix:
            print(f"hidden from the run: {ROOT}")
        command = [*prefix, str(executable_in(copy)), "--smoke", "--out", str(shots)]
        env["CITYOPS_LAUNCHED_AT"] = repr(time.time())
        started = time.monotonic()
        proc = subprocess.run(command, cwd=place, env=env, capture_output=True, text=True)
        took = time.monotonic() - started
        sys.stdout.write(proc.stdout)
        out = Path(args.out)
        if shots.is_dir():
            out.mkdir(parents=True, exist_ok=True)
            for shot in shots.iterdir():
                shutil.copy2(shot, out / shot.name)
            print(f"screenshots copied to {out}")
    ok = proc.returncode == 0 and "SMOKE OK" in proc.stdout.splitlines()
    if not ok:
        sys.stderr.write(proc.stderr[-4000:])
        print(f"smoke_frozen: FAILED (exit {proc.returncode}) after {took:.1f} s", file=sys.stderr)
        return 1
    print(f"smoke_frozen: the packaged app passed --smoke in {took:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
