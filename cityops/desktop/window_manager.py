"""Which windows a user may open, opening them, and keeping their geometry.

Offers ``WINDOWS`` (one ``WindowSpec`` per window of the hall: key, title, the roles that may
open it, an async factory) and ``WindowManager(session, settings)``: ``await open(key)``,
``await open_allowed()`` (every window the user's roles allow; the 窗口 menu of each window
lists them), ``windows`` (key → open window), ``grab_all(folder)`` (a PNG of each open window:
the demo's and the smoke run's screenshots), ``await close_all()``, and ``settle_heap()`` (what
an opened window built is frozen out of the cyclic collector's scans). Every window of the hall
is here: workstation, alarm map, cockpit, device control, ranking.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, QSize
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import QWidget

from cityops.desktop import geometry
from cityops.desktop.session import Session
from cityops.desktop.settings import ClientSettings
from cityops.domain.actors import Role

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Opened:
    window: QWidget  # a main window, or the frameless cockpit
    presenter: Any  # has ``async stop()``; may have ``ready`` (asyncio.Event)


@dataclass(frozen=True, slots=True)
class WindowSpec:
    key: str
    title_zh: str
    roles: frozenset[Role]
    default_size: QSize
    create: Callable[[Session, ClientSettings], Awaitable[Opened]]


def _who(session: Session) -> str:
    """The user as a window's status bar names them: 张三（dispatcher1）."""
    me = session.me
    who = QCoreApplication.translate("WindowManager", "%1（%2）")
    return who.replace("%1", me.display_name).replace("%2", me.user_id)


async def _workstation(session: Session, _settings: ClientSettings) -> Opened:
    from cityops.desktop.workstation import WorkstationWindow
    from cityops.desktop.workstation_presenter import WorkstationPresenter

    who = _who(session)
    window = WorkstationWindow(session.reference, who)
    presenter = WorkstationPresenter(session, window)
    return Opened(window, presenter)


async def _alarm_map(session: Session, settings: ClientSettings) -> Opened:
    from cityops.desktop.alarm_map import AlarmMapWindow
    from cityops.desktop.alarm_map_presenter import AlarmMapPresenter
    from cityops.desktop.i18n import name_of

    who = _who(session)
    districts = {d.code: name_of(d) for d in session.reference.units.districts}
    window = AlarmMapWindow(districts, who)
    return Opened(window, AlarmMapPresenter(session, window, tile_url=settings.map_tile_url))


async def _cockpit(session: Session, settings: ClientSettings) -> Opened:
    from cityops.desktop.cockpit import CockpitWindow
    from cityops.desktop.cockpit_layout import load_config
    from cityops.desktop.cockpit_presenter import CockpitPresenter

    config = await asyncio.to_thread(load_config)  # a LayoutError names file, layout, panel
    window = CockpitWindow(config)
    return Opened(window, CockpitPresenter(session, window, screens=settings.cockpit_screens))


async def _device_control(session: Session, _settings: ClientSettings) -> Opened:
    from cityops.desktop.device_control import DeviceControlWindow
    from cityops.desktop.device_control_presenter import DeviceControlPresenter

    who = _who(session)
    window = DeviceControlWindow(who)
    return Opened(window, DeviceControlPresenter(session, window))


async def _ranking(session: Session, _settings: ClientSettings) -> Opened:
    from cityops.desktop.ranking_presenter import RankingPresenter
    from cityops.desktop.ranking_window import RankingWindow

    who = _who(session)
    window = RankingWindow(session.reference, who)
    return Opened(window, RankingPresenter.for_session(session, window))


WINDOWS: tuple[WindowSpec, ...] = (
    WindowSpec(
        "workstation",
        str(QT_TRANSLATE_NOOP("WindowManager", "调度工作台")),
        frozenset({Role.DISPATCHER, Role.COMMANDER, Role.SUPERVISOR, Role.COLLECTOR}),
        QSize(1600, 900),
        _workstation,
    ),
    WindowSpec(
        "alarm_map",
        str(QT_TRANSLATE_NOOP("WindowManager", "告警地图")),
        frozenset({Role.DISPATCHER, Role.COMMANDER, Role.SUPERVISOR}),
        QSize(1600, 900),
        _alarm_map,
    ),
    WindowSpec(
        "cockpit",
        str(QT_TRANSLATE_NOOP("WindowManager", "指挥大屏")),
        frozenset({Role.COMMANDER}),
        QSize(3840, 2160),
        _cockpit,
    ),
    WindowSpec(
        "device_control",
        str(QT_TRANSLATE_NOOP("WindowManager", "设备控制")),
        frozenset({Role.OPERATOR, Role.DISPATCHER}),
        QSize(1600, 1000),
        _device_control,
    ),
    WindowSpec(
        "ranking",
        str(QT_TRANSLATE_NOOP("WindowManager", "考核排名")),
        frozenset({Role.SUPERVISOR, Role.COMMANDER, Role.DISPATCHER}),
        QSize(1600, 900),
        _ranking,
    ),
)
WINDOWS_BY_KEY = {w.key: w for w in WINDOWS}


def settle_heap() -> None:
    """Move what opening a window built out of the cyclic collector's sight (``gc.freeze``):
    the reference data, Qt wrappers, pages and indexes live as long as the window, and a full
    collection scanning them paused the UI thread for up to 100 ms (the cockpit's benchmark:
    3 of ~480 collections in a simulated half hour). Collected once first, at opening, where a
    pause is expected."""
    gc.collect()
    gc.freeze()


class _GeometryKeeper(QObject):
    """Saves a window's geometry when it closes (an event filter: the windows stay unaware)."""

    def __init__(self, settings: ClientSettings, key: str, window: QWidget) -> None:
        super().__init__(window)
        self.settings, self.key = settings, key
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: Any) -> bool:  # noqa: N802 (Qt's name)
        if isinstance(event, QCloseEvent) and isinstance(watched, QWidget):
            geometry.save(watched, self.settings, self.key)
            self.settings.sync()
        return False


class WindowManager(QObject):
    def __init__(self, session: Session, settings: ClientSettings) -> None:
        super().__init__()
        self.session = session
        self.settings = settings
        self.windows: dict[str, Opened] = {}

    def allowed(self) -> list[WindowSpec]:
        return [w for w in WINDOWS if self.session.me.has(*w.roles)]

    async def open(self, key: str) -> Opened:
        if key in self.windows:
            opened = self.windows[key]
            opened.window.raise_()
            opened.window.activateWindow()
            return opened
        spec = WINDOWS_BY_KEY[key]
        opened = await spec.create(self.session, self.settings)
        window = opened.window
        geometry.restore(window, self.settings, key, spec.default_size)
        _GeometryKeeper(self.settings, key, window)
        self._fill_windows_menu(window)
        self.attach_language_choice(window)
        self.windows[key] = opened
        window.show()
        await opened.presenter.start()
        settle_heap()
        return opened

    async def open_allowed(self) -> list[Opened]:
        allowed = self.allowed()
        if not allowed:
            raise PermissionError(
                QCoreApplication.translate("WindowManager", "您的角色没有可打开的窗口")
            )
        return [await self.open(spec.key) for spec in allowed]

    def _fill_windows_menu(self, window: QWidget) -> None:
        menu = getattr(window, "windows_menu", None)
        if menu is None:
            return
        for spec in self.allowed():
            action = QAction(QCoreApplication.translate("WindowManager", spec.title_zh), window)
            action.triggered.connect(
                lambda _c=False, k=spec.key: asyncio.ensure_future(self.open(k))
            )
            menu.addAction(action)

    def attach_language_choice(self, window: QWidget) -> None:
        """The window's 设置 menu choice of language is kept in the settings."""
        chooser = getattr(window, "language_requested", None)
        if chooser is not None:
            chooser.connect(lambda lang, w=window: self._on_language_requested(w, lang))

    def _on_language_requested(self, window: QWidget, lang: str) -> None:
        # Windows are built in one language; the choice is kept and applies at the next start.
        self.settings.language = lang
        self.settings.sync()
        show = getattr(window, "show_message", None)
        if show is not None:
            show(
                QCoreApplication.translate(
                    "WindowManager",
                    "界面语言已保存，下次启动时生效",
                )
            )

    def grab_all(self, folder: Path, stamp: str = "") -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for key, opened in self.windows.items():
            path = folder / (f"{key}-{stamp}.png" if stamp else f"{key}.png")
            if opened.window.grab().save(str(path)):
                written.append(path)
        return written

    async def close_all(self) -> None:
        for key, opened in list(self.windows.items()):
            try:
                await opened.presenter.stop()
            except Exception:  # one window's failure must not keep the others open
                log.exception("stopping %s", key)
            geometry.save(opened.window, self.settings, key)
            opened.window.close()
        self.settings.sync()
        self.windows.clear()
