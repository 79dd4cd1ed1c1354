"""Entry point of the packaged client (PyInstaller runs this file, not the console script).

The frozen executable is the whole ``cityops`` command: the smoke run and ``cityops demo`` start
``seed``, ``users add``, ``apikey create`` and ``server`` as child processes of the same
executable. The bundle's executables (see ``cityops.spec``):

- ``cityops``: the command line, exactly as the installed console script;
- ``cityops-desktop`` (Windows only): what the desktop shortcut starts, without a console
  window; with no sub-command it opens the workstation.
"""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path

#: What ``cityops-desktop`` runs as it is, instead of prepending ``desktop``.
_PASS_THROUGH = {"--smoke", "--version", "-h", "--help"}


def frozen_argv(executable: str, argv: list[str]) -> list[str]:
    # `cityops demo` starts its children as `<python> -m cityops.cli …`; frozen, <python> is
    # this executable, which has no `-m`: drop it and run the CLI.
    if argv[:2] == ["-m", "cityops.cli"]:
        argv = argv[2:]
    desktop_launcher = Path(executable).stem.lower() == "cityops-desktop"
    if desktop_launcher and (
        not argv or (argv[0].startswith("-") and argv[0] not in _PASS_THROUGH)
    ):
        return ["desktop", *argv]
    return argv


def main() -> None:
    # Child processes of a frozen app re-run this executable: let multiprocessing recognise them.
    multiprocessing.freeze_support()
    from cityops.cli import main as cli_main

    sys.exit(cli_main(frozen_argv(sys.executable, sys.argv[1:])))


if __name__ == "__main__":
    main()
