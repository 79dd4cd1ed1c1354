"""``cityops desktop``: the workstation application.

Offers ``main(argv) -> exit code``. Order matters (DESIGN §5): QtWebEngine is imported before the
``QApplication`` exists; asyncio runs on the Qt loop (qasync); the excepthook logs and shows
errors; the UI language comes from the settings (Chinese unless English was chosen). Then the
login dialog (the first-run dialog when no server is configured) or, for the demo and kiosks,
a login from a credentials file; then every window the user's roles allow.

With no display (no ``DISPLAY``/``WAYLAND_DISPLAY``) it runs offscreen and writes a screenshot of
each open window every ``--screenshot-every`` seconds to ``--screenshots`` (``make demo`` does
this on a headless machine).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported in main(), after the Qt environment is set
    from PySide6.QtWidgets import QApplication

    from cityops.desktop.settings import ClientSettings

log = logging.getLogger(__name__)


def _headless() -> bool:
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def prepare_qt_environment(offscreen: bool) -> None:
    """Environment Qt reads at start: offscreen without a screen; QtWebEngine's sandbox cannot
    run as root (containers, the CI machine)."""
    if offscreen:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="cityops desktop", description="the hall's workstation")
    p.add_argument("--server", help="server URL (default: the one this machine used last)")
    p.add_argument("--user", help="user name (with --credentials: log in without the dialog)")
    p.add_argument(
        "--credentials",
        help="accounts file written by `cityops seed --demo --credentials FILE` (demo, kiosks)",
    )
    p.add_argument("--lang", choices=("zh", "en"), help="UI language (saved for next time)")
    p.add_argument("--screenshots", help="folder for screenshots of every open window")
    p.add_argument("--screenshot-every", type=float, default=60.0, help="seconds (default 60)")
    p.add_argument("--duration", type=float, help="quit after this many seconds")
    p.add_argument("--offscreen", action="store_true", help="render without a screen")
    return p.parse_args(list(argv))


def _password_from(credentials: str, user: str) -> str:
    data = json.loads(Path(credentials).read_text(encoding="utf-8"))
    entry = (data.get("users") or {}).get(user) or {}
    password = entry.get("password")
    if not password:
        raise SystemExit(f"cityops desktop: {credentials} has no password for {user!r}")
    return str(password)


def _warn_missing_cjk_font(dialog: bool) -> None:
    """Chinese would render as boxes: say so on the console, in the log and, with a screen, in
    a dialog (a desktop shortcut, and the packaged app on Windows, have no console)."""
    from PySide6.QtWidgets import QMessageBox

    from cityops.desktop.theme import CJK_FONT_HINT

    print(f"cityops desktop: {CJK_FONT_HINT}", file=sys.stderr)  # silent when there is no stderr
    log.warning(CJK_FONT_HINT)
    if dialog:
        QMessageBox.warning(None, "CityOps Command Hall", CJK_FONT_HINT)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    offscreen = args.offscreen or _headless()
    prepare_qt_environment(offscreen)
    if offscreen and not args.screenshots:
        args.screenshots = "demo-out"

    import PySide6.QtWebEngineWidgets  # noqa: F401  (must precede the QApplication)
    import qasync
    from PySide6.QtWidgets import QApplication

    from cityops.desktop import i18n, theme
    from cityops.desktop.errors import install_excepthook
    from cityops.desktop.settings import ClientSettings, data_dir

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName("CityOps Command Hall")
    app.setOrganizationName("cityops")
    settings = ClientSettings()
    if args.lang:
        settings.language = args.lang
    i18n.install(app, settings.language)
    theme.apply_workstation(app)
    log_path = install_excepthook(data_dir() / "logs")
    log.info("cityops desktop starting; log %s", log_path)
    if theme.cjk_font_missing():
        _warn_missing_cjk_font(dialog=not offscreen)
    app.setQuitOnLastWindowClosed(False)  # the loop ends after the session closed cleanly

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        code: int = loop.run_until_complete(_run(app, args, settings))
    return code


async def _run(app: QApplication, args: argparse.Namespace, settings: ClientSettings) -> int:
    from cityops.desktop.login import LoginPresenter
    from cityops.desktop.window_manager import WindowManager

    url = args.server or settings.server_url
    password = (
        _password_from(args.credentials, args.user) if args.credentials and args.user else None
    )
    session = await LoginPresenter(settings).run(url, args.user or settings.last_user, password)
    if session is None:
        return 0
    session.start()
    manager = WindowManager(session, settings)
    quit_requested = asyncio.Event()
    app.lastWindowClosed.connect(quit_requested.set)
    loop = asyncio.get_running_loop()
    # `cityops demo` stops its client with SIGTERM: close the session cleanly (final screenshot,
    # geometry saved, outbox durable) instead of dying mid-write.
    signal.signal(signal.SIGTERM, lambda *_: loop.call_soon_threadsafe(quit_requested.set))
    signal.signal(signal.SIGINT, lambda *_: loop.call_soon_threadsafe(quit_requested.set))
    try:
        await manager.open_allowed()
    except PermissionError as exc:
        print(f"cityops desktop: {exc}", file=sys.stderr)
        await session.close()
        return 1
    shots = Path(args.screenshots) if args.screenshots else None
    started = time.monotonic()
    next_shot = started + 5.0  # the first one once the queues have filled
    while not quit_requested.is_set():
        now = time.monotonic()
        if args.duration is not None and now - started >= args.duration:
            break
        if shots is not None and now >= next_shot:
            for path in manager.grab_all(shots):
                log.info("screenshot %s", path)
            next_shot = now + args.screenshot_every
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(quit_requested.wait(), 0.5)
    if shots is not None:
        manager.grab_all(shots)
    await manager.close_all()
    await session.close()
    return 0
