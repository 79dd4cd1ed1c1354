"""The video-wall cockpit window: the city's operation at a glance, on the screens of the wall.

Offers ``CockpitWindow(config, districts)`` to the window manager (its presenter is
``cockpit_presenter.CockpitPresenter``): a frameless window over the screens chosen in the
settings (all of them by default: ``place_on_screens``), a dark high-contrast theme, a header
(platform name, the layout shown, link state with "data as of", a clock) and one page per layout
of the playlist (``cockpit_layout``), each a grid of the panels of ``widgets.cockpit_panels`` and
the live alarm map. The map is one ``MapView`` that moves to the page shown (one Chromium page
and one copy of 50,000 markers, not one per layout). Keys: → / ← next / previous layout, Space
pauses the rotation, F11 toggles frameless full screen, Ctrl+Q closes.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cityops.desktop.cockpit_layout import CockpitConfig, Layout, PanelSpec
from cityops.widgets.cockpit_panels import PANEL_TYPES, CockpitPanel, apply_cockpit_theme
from cityops.widgets.map_view import MapView

#: The wall map's page zoom: a 4K panel seen from across the hall needs the legend, the district
#: names and the markers about twice their desktop size.
MAP_ZOOM = 1.8


def screens_geometry(indices: Sequence[int] = ()) -> QRect:
    """The union of the chosen screens' geometries (all screens when none is chosen or a chosen
    one is not there: a wall PC whose second screen is off still shows the cockpit)."""
    screens = QGuiApplication.screens()
    chosen = [screens[i] for i in indices if 0 <= i < len(screens)] or screens
    area = QRect()
    for screen in chosen:
        area = area.united(screen.geometry())
    return area


class MapPanel(CockpitPanel):
    """The live alarm map's place on a layout; the window moves its one ``MapView`` here when
    the page is shown. Stale, the page itself is greyed (a graphics effect over a web view
    would not be drawn): the frame and footer turn amber as on every panel."""

    TYPE_NAME = "map"
    OPTIONS = frozenset({"title", "follow"})

    def default_title(self) -> str:
        return self.tr("实时告警地图")

    def _setup_body(self) -> None:
        self.follow = self._options.flag("follow", True)  # pull the map to new critical alarms
        self.holder = QVBoxLayout()
        self.holder.setContentsMargins(0, 0, 0, 0)
        self.body_layout().addLayout(self.holder)

    def set_stale(self, stale: bool) -> None:
        was = self.is_stale()
        super().set_stale(stale)
        self.stale_effect().setEnabled(False)
        view = self.map_view()
        if view is not None and was != stale and view.is_ready:
            grey = "grayscale(1) brightness(0.55)" if stale else ""
            view.page().runJavaScript(f"document.body.style.filter = {grey!r};")

    def map_view(self) -> MapView | None:
        item = self.holder.itemAt(0) if self.holder.count() else None
        widget = item.widget() if item is not None else None
        return widget if isinstance(widget, MapView) else None


class CockpitWindow(QWidget):
    next_requested = Signal()
    previous_requested = Signal()
    pause_toggled = Signal()
    close_requested = Signal()

    def __init__(
        self,
        config: CockpitConfig,
        parent: QWidget | None = None,
        *,
        flush_ms: int = 500,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("cockpitWindow")
        self.setWindowTitle(self.tr("城市运行指挥大屏"))
        self.config = config
        #: Per page: (spec, panel) for every panel of that layout.
        self.pages: list[list[tuple[PanelSpec, CockpitPanel]]] = []
        self.map: MapView | None = None
        self._setup_ui(flush_ms)
        apply_cockpit_theme(self)
        self._setup_keys()

    # ------------------------------------------------------------------ UI

    def _setup_ui(self, flush_ms: int) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 24)
        layout.setSpacing(16)
        header = QFrame()
        header.setObjectName("cockpitHeader")
        row = QHBoxLayout(header)
        row.setContentsMargins(16, 8, 16, 8)
        self.title_label = QLabel(self.tr("杭州市城市运行管理服务平台"))
        self.title_label.setObjectName("cockpitTitle")
        self.layout_label = QLabel()
        self.layout_label.setObjectName("cockpitLayoutTitle")
        self.link_label = QLabel()
        self.link_label.setObjectName("cockpitLink")
        self.clock_label = QLabel()
        self.clock_label.setObjectName("cockpitClock")
        row.addWidget(self.title_label)
        row.addSpacing(48)
        row.addWidget(self.layout_label)
        row.addStretch(1)
        row.addWidget(self.link_label)
        row.addSpacing(48)
        row.addWidget(self.clock_label)
        layout.addWidget(header)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        needs_map = any(p.type == "map" for lay in self.config.playlist.layouts for p in lay.panels)
        if needs_map:
            self.map = MapView(flush_ms=flush_ms)
            # Read from across the room: the page's type, markers and legend at wall size.
            self.map.setZoomFactor(MAP_ZOOM)
        for lay in self.config.playlist.layouts:
            self.stack.addWidget(self._page(lay))
        self.show_layout(0)

    def _page(self, lay: Layout) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(16)
        for r in range(lay.rows):
            grid.setRowStretch(r, 1)
        for c in range(lay.cols):
            grid.setColumnStretch(c, 1)
        panels: list[tuple[PanelSpec, CockpitPanel]] = []
        for spec in lay.panels:
            panel = self._panel(spec)
            grid.addWidget(panel, spec.row, spec.col, spec.rowspan, spec.colspan)
            panels.append((spec, panel))
        self.pages.append(panels)
        return page

    @staticmethod
    def _panel(spec: PanelSpec) -> CockpitPanel:
        kind = MapPanel if spec.type == "map" else PANEL_TYPES[spec.type]
        panel = kind(spec.options)
        if spec.title:
            panel.set_title(spec.title)
        return panel

    def _setup_keys(self) -> None:
        for keys, signal in (
            (QKeySequence(Qt.Key.Key_Right), self.next_requested),
            (QKeySequence(Qt.Key.Key_Left), self.previous_requested),
            (QKeySequence(Qt.Key.Key_Space), self.pause_toggled),
            (QKeySequence("Ctrl+Q"), self.close_requested),
        ):
            QShortcut(keys, self).activated.connect(signal.emit)
        QShortcut(QKeySequence(Qt.Key.Key_F11), self).activated.connect(self.toggle_frame)

    # ------------------------------------------------------------------ state

    def current(self) -> int:
        return self.stack.currentIndex()

    def current_panels(self) -> list[tuple[PanelSpec, CockpitPanel]]:
        return self.pages[self.current()] if self.pages else []

    def show_layout(self, index: int) -> None:
        """Show layout ``index`` (wrapping); the map moves to its map panel, if it has one."""
        if not self.pages:
            return
        index %= len(self.pages)
        self.stack.setCurrentIndex(index)
        self.layout_label.setText(self.config.playlist.layouts[index].title)
        slot = next((p for _, p in self.pages[index] if isinstance(p, MapPanel)), None)
        if self.map is not None and slot is not None and self.map.parent() is not slot:
            slot.holder.addWidget(self.map)

    def map_panel(self) -> MapPanel | None:
        return next((p for _, p in self.current_panels() if isinstance(p, MapPanel)), None)

    def place_on_screens(self, indices: Sequence[int] = ()) -> QRect:
        area = screens_geometry(indices)
        self.setGeometry(area)
        return area

    def toggle_frame(self) -> None:
        flags = self.windowFlags() ^ Qt.WindowType.FramelessWindowHint
        self.setWindowFlags(flags)
        self.show()

    def set_clock(self, text: str) -> None:
        self.clock_label.setText(text)

    def set_link(self, text: str, *, ok: bool) -> None:
        self.link_label.setText(text)
        self.link_label.setProperty("ok", ok)
        self.link_label.style().unpolish(self.link_label)
        self.link_label.style().polish(self.link_label)

    def show_message(self, text: str, *, error: bool = False) -> None:
        # The wall has no message line: the link label carries problems (a layout error is
        # shown before the window opens).
        self.set_link(text, ok=not error)
