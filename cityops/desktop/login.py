"""Logging in: the dialog's requests become a ``Session``.

Offers ``LoginPresenter(settings).run(url, user, password=None) -> Session | None``: with a
password (demo, kiosk) it logs straight in and falls back to the dialog when that fails; else it
shows ``LoginDialog`` (first-run when no server is configured) until a login or an offline start
succeeds or the user quits. The server URL and the user name are remembered for next time.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QObject

from cityops.desktop.case_actions import settle
from cityops.desktop.login_dialog import LoginDialog
from cityops.desktop.session import LoginError, Session, cache_path
from cityops.desktop.settings import ClientSettings


class LoginPresenter(QObject):
    def __init__(self, settings: ClientSettings) -> None:
        super().__init__()
        self.settings = settings
        self.dialog: LoginDialog | None = None

    def _remember(self, url: str, user: str) -> None:
        self.settings.server_url = url
        self.settings.last_user = user
        self.settings.sync()

    async def run(self, url: str, user: str, password: str | None = None) -> Session | None:
        error = ""
        if url and user and password is not None:
            try:
                session = await Session.login(url, user, password)
            except LoginError as exc:
                error = str(exc)
            else:
                self._remember(url, user)
                return session
        return await self._ask(url, user, error)

    async def _ask(self, url: str, user: str, error: str) -> Session | None:
        dialog = LoginDialog(
            url,
            user,
            first_run=not url,
            can_start_offline=lambda u, n: cache_path(u, n).exists(),
        )
        self.dialog = dialog
        result: asyncio.Future[Session | None] = asyncio.get_running_loop().create_future()
        pending: set[asyncio.Task[None]] = set()

        async def attempt(url: str, user: str, password: str | None) -> None:
            try:
                if password is None:
                    session = await Session.offline(url, user)
                else:
                    session = await Session.login(url, user, password)
            except LoginError as exc:
                dialog.show_error(str(exc))
                return
            self._remember(url, user)
            if not result.done():
                result.set_result(session)
            dialog.accept()

        def start(url: str, user: str, password: str | None) -> None:
            task = asyncio.ensure_future(attempt(url, user, password))
            pending.add(task)
            task.add_done_callback(pending.discard)

        dialog.login_requested.connect(lambda u, n, p: start(u, n, p))
        dialog.offline_requested.connect(lambda u, n: start(u, n, None))
        dialog.rejected.connect(lambda: settle(result, None))
        if error:
            dialog.show_error(error)
        dialog.show()
        try:
            return await result
        finally:
            self.dialog = None
            dialog.deleteLater()
