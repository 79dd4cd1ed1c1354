"""The video-wall cockpit's panels: what commanders read from across the hall, all day.

Offers, to the cockpit window and its presenter (``desktop``), one widget per kind of panel,
each a ``CockpitPanel`` (a QFrame with a title, a body and a "数据截至 HH:MM" footer):
``KpiPanel`` (tiles of today's figures), ``TrendPanel`` (pyqtgraph curves of the last 24 h),
``AlarmSummaryPanel`` (active alarms by kind × severity), ``BoardPanel`` (the red/black board),
``WimPanel`` (bridge weigh-in-motion: overweight vehicles), ``DeviceStatusPanel`` (screens and
lighting online/faulty) and ``TickerPanel`` (the latest changes). ``PANEL_TYPES`` maps the layout
file's type names to the classes, each built as ``cls(options, parent)`` from the layout's
options (an unknown or malformed option is a ``ValueError`` naming it); ``apply_cockpit_theme``
puts the dark wall theme (``resources/qss/cockpit.qss``) on the cockpit's top widget only.

The presenter hands every panel the same snapshot about once a second (``update_snapshot``);
a panel compares what it shows with what it showed and does nothing when it is the same, so a
quiet city costs no repaint. ``set_stale(True)`` greys the body out and turns the footer amber
("数据已过期 · 截至 HH:MM"): the wall must say honestly, and visibly from across the room, that the
link is down.

The data is ``widgets.cockpit_model.CockpitSnapshot`` (Qt-free), read by the cockpit's feed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QPainter,
    QPaintEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsEffect,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cityops.domain.alarms import AlarmKind, Severity
from cityops.domain.city import CITY_TZ, require_aware
from cityops.domain.devices import DeviceKind
from cityops.domain.reference import load_reference
from cityops.widgets.cockpit_model import (
    BoardRow,
    CockpitSnapshot,
    DeviceStatus,
    Kpis,
    Series,
    TickerItem,
    WimRow,
)

QSS_FILE = Path(__file__).resolve().parent.parent / "resources" / "qss" / "cockpit.qss"

# ---------------------------------------------------------------- colours and words

#: The alarm severities' colours, as on the alarm queue and map (most urgent first).
SEVERITY_COLOURS: Mapping[str, str] = {
    Severity.CRITICAL: "#d32f2f",
    Severity.MAJOR: "#f57c00",
    Severity.MINOR: "#fbc02d",
    Severity.WARNING: "#1976d2",
}
#: Text on a severity-coloured cell: white, except on yellow where white cannot be read.
SEVERITY_TEXT: Mapping[str, str] = {
    Severity.CRITICAL: "#ffffff",
    Severity.MAJOR: "#ffffff",
    Severity.MINOR: "#1a1a1a",
    Severity.WARNING: "#ffffff",
}
SEVERITIES: tuple[Severity, ...] = (
    Severity.CRITICAL,
    Severity.MAJOR,
    Severity.MINOR,
    Severity.WARNING,
)
TEXT = "#e8eefc"
MUTED = "#8fa3c7"
FAINT = "#4a5a7a"
PANEL_BG = "#111a2e"
GRID = "#2a3a5c"
AMBER = "#ffb300"
RED = "#ef5350"
GREEN = "#66bb6a"
RED_LIST_BG = "#c62828"
BLACK_LIST_BG = "#000000"

#: Names of the device kinds on the wall (the domain's enum carries none).
DEVICE_KIND_NAMES: Mapping[str, str] = {
    DeviceKind.LED_SCREEN: "LED屏",
    DeviceKind.LIGHT_CABINET: "照明控制柜",
    DeviceKind.LIGHT_CIRCUIT: "照明回路",
    DeviceKind.LAMP: "单灯",
}


def _tr(context: str, text: str) -> str:
    return QCoreApplication.translate(context, text)


def format_count(n: int) -> str:
    """A count as the wall shows it: ``3,712`` below ten thousand, ``123.4万`` above, ``1.23亿``
    from a hundred million (one decimal keeps the width steady as the number grows)."""
    if abs(n) < 10_000:
        return f"{n:,}"
    if abs(n) < 100_000_000:
        return f"{n / 10_000:.1f}万"
    return f"{n / 100_000_000:.2f}亿"


def format_percent(share: float | None) -> str:
    """A 0..1 share as ``93.5%``; ``—`` when there is nothing to divide."""
    return "—" if share is None or math.isnan(share) else f"{share * 100:.1f}%"


def city_hhmm(when: datetime) -> str:
    return require_aware(when).astimezone(CITY_TZ).strftime("%H:%M")


@cache
def _district_names() -> Mapping[str, str]:
    return {u.code: u.name_zh for u in load_reference().units.districts}


def district_name(code: str) -> str:
    return _district_names().get(code, code)


def _kind_name(kind: str) -> str:
    try:
        return AlarmKind(kind).zh
    except ValueError:  # a kind newer than this client: show its code rather than hide it
        return kind


def _severity_name(severity: str) -> str:
    try:
        return Severity(severity).zh
    except ValueError:
        return severity


# ---------------------------------------------------------------- options from the layout file


class _Options:
    """A panel's options from the layout file, checked: a typo must fail loudly at start-up,
    naming the key, rather than leave a panel silently different from what was written."""

    def __init__(self, panel: str, known: Iterable[str], options: Mapping[str, Any] | None) -> None:
        self.panel = panel
        if options is None:
            options = {}
        if not isinstance(options, Mapping):
            raise ValueError(f"options of cockpit panel {panel!r} must be a table, got {options!r}")
        known_set = frozenset(known)
        for key in options:
            if key not in known_set:
                raise ValueError(
                    f"unknown option {key!r} for cockpit panel {panel!r} "
                    f"(known: {', '.join(sorted(known_set))})"
                )
        self._values = dict(options)

    def _bad(self, key: str, expected: str) -> ValueError:
        return ValueError(
            f"option {key!r} of cockpit panel {self.panel!r} must be {expected}, "
            f"got {self._values[key]!r}"
        )

    def __contains__(self, key: str) -> bool:
        return key in self._values

    def text(self, key: str, default: str) -> str:
        value = self._values.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self._bad(key, "a non-empty string")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self._values.get(key, default)
        if not isinstance(value, bool):
            raise self._bad(key, "true or false")
        return value

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self._values.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self._bad(key, f"an integer from {low} to {high}")
        return value

    def names(self, key: str, allowed: Sequence[str], default: Sequence[str]) -> tuple[str, ...]:
        value = self._values.get(key, default)
        expected = f"a non-empty list of names from: {', '.join(allowed)}"
        if isinstance(value, str) or not isinstance(value, Sequence) or not value:
            raise self._bad(key, expected)
        if any(not isinstance(v, str) or v not in allowed for v in value):
            raise self._bad(key, expected)
        if len(set(value)) != len(value):
            raise self._bad(key, "a list without repeated names")
        return tuple(value)


# ---------------------------------------------------------------- small painted parts


class _StaleEffect(QGraphicsEffect):
    """Greys a panel's body out: grey and dimmed, so it reads as "not live" from across the room
    whatever colours the body had (severity cells, curves). Alpha is kept, so the panel's own
    background still shows through where the body draws nothing."""

    OPACITY = 0.45

    def draw(self, painter: QPainter) -> None:
        mode = QGraphicsEffect.PixmapPadMode.NoPad
        pixmap = self.sourcePixmap(Qt.CoordinateSystem.LogicalCoordinates, None, mode)
        if pixmap.isNull():
            return
        at = self.sourceBoundingRect(Qt.CoordinateSystem.LogicalCoordinates).topLeft()
        source = pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        grey = source.convertToFormat(QImage.Format.Format_Grayscale8).convertToFormat(
            QImage.Format.Format_ARGB32_Premultiplied
        )
        masker = QPainter(grey)  # take the source's alpha back (grayscale dropped it)
        masker.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationIn)
        masker.drawImage(0, 0, source)
        masker.end()
        grey.setDevicePixelRatio(pixmap.devicePixelRatio())
        painter.save()
        painter.setOpacity(self.OPACITY)
        painter.drawImage(at, grey)
        painter.restore()


class _BigNumber(QWidget):
    """A tile's figure: the number large, an optional suffix ("/273", "%") at half size on the
    same baseline. The size comes from the theme (the widget's font); in a tile smaller than the
    layout's author expected it shrinks (down to half) rather than clip."""

    MIN_SCALE = 0.5

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tileValue")
        self._main = "—"
        self._suffix = ""
        self._colour: str | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def text(self) -> str:
        return self._main + self._suffix

    def set_value(self, main: str, suffix: str = "", colour: str | None = None) -> None:
        if (main, suffix, colour) == (self._main, self._suffix, self._colour):
            return
        self._main, self._suffix, self._colour = main, suffix, colour
        self.update()

    def sizeHint(self) -> QSize:
        fm = QFontMetrics(self.font())
        return QSize(fm.horizontalAdvance(self.text()), fm.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(10, round(QFontMetrics(self.font()).height() * self.MIN_SCALE))

    def _fonts(self) -> tuple[QFont, QFont]:
        """The largest fonts, up to the theme's, with which the figure fits the widget."""
        big = QFont(self.font())
        px = big.pixelSize() if big.pixelSize() > 0 else QFontMetrics(big).height()
        small = QFont(big)
        for step in range(11):
            scale = 1.0 - step * (1.0 - self.MIN_SCALE) / 10
            big.setPixelSize(max(1, round(px * scale)))
            small.setPixelSize(max(1, big.pixelSize() // 2))
            fm = QFontMetrics(big)
            width = fm.horizontalAdvance(self._main)
            width += QFontMetrics(small).horizontalAdvance(self._suffix)
            if width <= self.width() and fm.ascent() + fm.descent() <= self.height() * 1.08:
                break
        return big, small

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        big, small = self._fonts()
        colour = QColor(self._colour) if self._colour else self.palette().windowText().color()
        fm_big = QFontMetrics(big)
        baseline = (self.height() + fm_big.ascent() - fm_big.descent()) / 2
        painter.setPen(colour)
        painter.setFont(big)
        painter.drawText(QPointF(0, baseline), self._main)
        if self._suffix:
            painter.setFont(small)
            painter.setPen(QColor(MUTED))
            painter.drawText(QPointF(fm_big.horizontalAdvance(self._main), baseline), self._suffix)
        painter.end()


@dataclass(frozen=True, slots=True)
class TableCell:
    """One cell of a panel's table: text, colours (None: the row's), an optional bar (0..1)."""

    text: str
    fg: str | None = None
    bg: str | None = None
    bold: bool = False
    bar: float | None = None


@dataclass(frozen=True, slots=True)
class TableRow:
    cells: tuple[TableCell, ...]
    fg: str | None = None
    bg: str | None = None


@dataclass(frozen=True, slots=True)
class TableColumn:
    header: str
    stretch: float = 1.0
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft
    header_bg: str | None = None
    header_fg: str | None = None
    #: A fixed width in text heights (a time, a two-character badge); None: a share of the rest.
    width_em: float | None = None


class CockpitTable(QWidget):
    """A read-only table painted in one pass: header, rows, coloured cells and bars.

    Cheaper than a QTableView for a dozen rows that change once a second, and it never shows half
    a row or half a word: rows squeeze (down to the text's own height) to fit, rows that still
    do not fit are left out whole, and text too wide for its cell ends in "…". Given room to
    spare for its ``capacity`` rows, the text grows (up to ``MAX_FONT_SCALE`` × the theme's
    size): a tall panel on the wall should be read from further away, not look empty.
    """

    ROW_SPACING = 1.4  # row height over the font's height, when there is room
    MIN_ROW_SPACING = 1.08
    MAX_FONT_SCALE = 1.6
    CELL_GAP = 3.0  # between cells (each side)
    CELL_PADDING = 2 * (CELL_GAP + 10)  # the gaps plus the text's margin inside a cell

    def __init__(
        self, columns: Sequence[TableColumn], capacity: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("cockpitTable")
        self._columns = tuple(columns)
        self._capacity = max(1, capacity)
        self._rows: tuple[TableRow, ...] = ()
        self._font_cache: tuple[object, QFont] | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def rows(self) -> tuple[TableRow, ...]:
        return self._rows

    def set_rows(self, rows: Sequence[TableRow]) -> None:
        rows = tuple(rows)
        if rows == self._rows:
            return
        self._rows = rows
        self.update()

    def visible_row_count(self) -> int:
        return self._fit(self.text_font())[1]

    def header_shown(self) -> bool:
        return self._fit(self.text_font())[0]

    def text_font(self) -> QFont:
        """The theme's font, grown while ``capacity`` rows and the header still fit the height
        at ease and no text that the theme's size showed whole would be cut."""
        key = (self.width(), self.height(), self.font().key(), self._rows)
        if self._font_cache is not None and self._font_cache[0] == key:
            return self._font_cache[1]
        base = QFont(self.font())
        px = base.pixelSize() if base.pixelSize() > 0 else QFontMetrics(base).height()
        needed = QFontMetrics(base).height() * self.ROW_SPACING * (self._capacity + 1)
        scale = min(self.MAX_FONT_SCALE, max(1.0, self.height() / needed))
        font = QFont(base)
        whole = self._texts_that_fit(base, must=None)
        while scale > 1.0:
            font.setPixelSize(int(px * scale))
            if self._texts_that_fit(font, must=whole) is not None:
                break
            scale = max(1.0, scale - 0.05)
        font.setPixelSize(int(px * scale))
        self._font_cache = (key, font)
        return font

    def _texts_that_fit(self, font: QFont, must: list[set[str]] | None) -> list[set[str]] | None:
        """Per column, the texts (header and cells) that fit whole with ``font``; None when one
        of ``must`` (per column) does not."""
        bold = QFont(font)
        bold.setBold(True)
        fm = QFontMetrics(bold)  # bold is the wider: measure as if every cell were
        edges = self._column_edges(font)
        fitting: list[set[str]] = []
        for i, column in enumerate(self._columns):
            room = edges[i + 1] - edges[i] - self.CELL_PADDING
            texts = {column.header, *(r.cells[i].text for r in self._rows if i < len(r.cells))}
            fits = {t for t in texts if fm.horizontalAdvance(t) <= room}
            if must is not None and not must[i] <= fits:
                return None
            fitting.append(fits)
        return fitting

    def _fit(self, font: QFont) -> tuple[bool, int, float]:
        """(header shown, rows shown, row height) for the widget's height. The header goes
        first when only one or two rows would fit (a one-line ticker shows its line)."""
        text_h = QFontMetrics(font).height()
        wanted = text_h * self.ROW_SPACING
        squeezed = text_h * self.MIN_ROW_SPACING
        fit = int(self.height() // squeezed)
        header = fit >= 3 or fit > len(self._rows)
        lines = len(self._rows) + int(header)
        row_h = max(squeezed, min(wanted, self.height() / max(lines, 1)))
        shown = max(0, int(self.height() // row_h) - int(header))
        return header, min(shown, len(self._rows)), row_h

    def sizeHint(self) -> QSize:
        text_h = QFontMetrics(self.font()).height()
        return QSize(400, round(text_h * self.ROW_SPACING * (self._capacity + 1)))

    def minimumSizeHint(self) -> QSize:
        return QSize(100, round(QFontMetrics(self.font()).height() * self.MIN_ROW_SPACING))

    def _column_edges(self, font: QFont) -> list[float]:
        em = QFontMetrics(font).height()
        fixed = sum(c.width_em * em for c in self._columns if c.width_em is not None)
        rest = max(0.0, self.width() - fixed)
        total = sum(c.stretch for c in self._columns if c.width_em is None) or 1.0
        edges = [0.0]
        for c in self._columns:
            width = c.width_em * em if c.width_em is not None else rest * c.stretch / total
            edges.append(edges[-1] + width)
        return edges

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        font = self.text_font()
        with_header, shown, row_h = self._fit(font)
        edges = self._column_edges(font)
        if with_header:
            header = TableRow(
                tuple(
                    TableCell(c.header, fg=c.header_fg or MUTED, bg=c.header_bg)
                    for c in self._columns
                )
            )
            self._paint_row(painter, font, header, 0.0, row_h, edges)
        for i, row in enumerate(self._rows[:shown]):
            self._paint_row(painter, font, row, (i + int(with_header)) * row_h, row_h, edges)
        painter.end()

    def _paint_row(
        self,
        painter: QPainter,
        font: QFont,
        row: TableRow,
        top: float,
        height: float,
        edges: list[float],
    ) -> None:
        gap = self.CELL_GAP
        if row.bg:
            painter.fillRect(QRectF(0, top + 1, self.width(), height - 2), QColor(row.bg))
        normal = QFont(font)
        bold = QFont(font)
        bold.setBold(True)
        default_fg = QColor(row.fg) if row.fg else self.palette().windowText().color()
        for cell, column, left, right in zip(
            row.cells, self._columns, edges, edges[1:], strict=False
        ):
            box = QRectF(left + gap, top + gap, right - left - 2 * gap, height - 2 * gap)
            if cell.bg:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(cell.bg))
                painter.drawRoundedRect(box, 6, 6)
            if cell.bar is not None:
                self._paint_bar(painter, box, cell.bar)
            cell_font = bold if cell.bold else normal
            painter.setFont(cell_font)
            painter.setPen(QColor(cell.fg) if cell.fg else default_fg)
            text_box = box.adjusted(10, 0, -10, 0)
            text = QFontMetrics(cell_font).elidedText(
                cell.text, Qt.TextElideMode.ElideRight, int(text_box.width())
            )
            painter.drawText(text_box, int(column.align | Qt.AlignmentFlag.AlignVCenter), text)

    @staticmethod
    def _paint_bar(painter: QPainter, box: QRectF, share: float) -> None:
        share = min(max(share, 0.0), 1.0)
        track = box.adjusted(0, box.height() * 0.12, 0, -box.height() * 0.12)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#22304d"))
        painter.drawRoundedRect(track, 6, 6)
        if share > 0:
            filled = QRectF(track.left(), track.top(), track.width() * share, track.height())
            painter.setBrush(QColor("#2e7d32" if share >= 0.95 else "#8d6e00"))
            painter.drawRoundedRect(filled, 6, 6)


# ---------------------------------------------------------------- the base panel


class CockpitPanel(QFrame):
    """Title, body, "数据截至 HH:MM" footer; compares before it redraws; greys out when stale.

    Subclasses put their widgets into ``body_layout()`` in ``_setup_body``, say what of a snapshot
    they show in ``_content_key`` (compared with ``==``; equal → no widget is touched) and show it
    in ``_show``. A panel fed from elsewhere (the live map) may override ``update_snapshot``.
    """

    TYPE_NAME: ClassVar[str] = ""
    OPTIONS: ClassVar[frozenset[str]] = frozenset({"title"})
    #: Panels shorter than this (px) show their as-of time beside the title.
    COMPACT_BELOW_PX = 400

    def __init__(
        self, options: Mapping[str, Any] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._options = _Options(self.TYPE_NAME or type(self).__name__, self.OPTIONS, options)
        self._stale = False
        self._as_of: datetime | None = None
        self._key: object = _NOTHING_SHOWN
        self.setProperty("stale", False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._title_text = self._options.text("title", self.default_title())
        self._title_suffix = ""
        self._title = QLabel(self._title_text, self)
        self._title.setObjectName("panelTitle")
        self._body = QWidget(self)
        self._body.setObjectName("panelBody")
        self._body_layout = QVBoxLayout(self._body)
        self._body_layout.setContentsMargins(0, 0, 0, 0)
        self._body_layout.setSpacing(6)
        # One effect for the panel's life, enabled while stale: a disabled effect costs nothing
        # (Qt paints the body directly), and the panel holds the Python object so PySide does not
        # collect it from under the body.
        self._stale_effect = _StaleEffect(self._body)
        self._stale_effect.setEnabled(False)
        self._body.setGraphicsEffect(self._stale_effect)
        self._footer = QLabel(self)
        self._footer.setObjectName("panelFooter")
        self._footer.setProperty("stale", False)
        self._footer.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._head = QHBoxLayout()
        self._head.setContentsMargins(0, 0, 0, 0)
        self._head.addWidget(self._title, 1)
        self._outer = QVBoxLayout(self)
        self._outer.setContentsMargins(24, 12, 24, 8)
        self._outer.setSpacing(8)
        self._outer.addLayout(self._head)
        self._outer.addWidget(self._body, 1)
        self._outer.addWidget(self._footer)
        self._compact = False
        self._setup_body()
        self._refresh_footer()

    # -- what subclasses provide

    def default_title(self) -> str:
        return ""

    def _setup_body(self) -> None:
        """Build the body's widgets into ``body_layout()`` (the base panel's body is empty)."""

    def _content_key(self, snapshot: CockpitSnapshot) -> object:
        return None

    def _show(self, snapshot: CockpitSnapshot) -> None:
        return None

    # -- what the window and the presenter call

    def update_snapshot(self, snapshot: CockpitSnapshot) -> None:
        """Show ``snapshot``; touches no widget when what this panel shows did not change.

        The as-of time is the presenter's to set (it knows when the store was last in step with
        the server; a snapshot's ``taken_at`` only says when the store was read): the first
        snapshot gives a panel that has none yet its time, later ones leave it alone."""
        if self._as_of is None:
            self.set_as_of(snapshot.taken_at)
        key = self._content_key(snapshot)
        if key == self._key:
            return
        self._key = key
        self._show(snapshot)

    def set_as_of(self, when: datetime | None) -> None:
        if when is not None:
            require_aware(when, "as-of time")
        self._as_of = when
        self._refresh_footer()

    def as_of(self) -> datetime | None:
        return self._as_of

    def set_stale(self, stale: bool) -> None:
        """Grey the body out and turn the footer amber (or back); nothing happens when the
        panel already is what it is told to be."""
        if stale == self._stale:
            return
        self._stale = stale
        self._stale_effect.setEnabled(stale)
        for widget in (self, self._footer, self._title):
            widget.setProperty("stale", stale)
            widget.style().unpolish(widget)
            widget.style().polish(widget)
            widget.update()
        self._refresh_footer()

    def is_stale(self) -> bool:
        return self._stale

    def set_title(self, text: str) -> None:
        """The panel's title (a layout's own title replaces the panel's default)."""
        self._title_text = text
        self._refresh_title()

    def title(self) -> str:
        return self._title.text()

    def footer_text(self) -> str:
        return self._footer.text()

    def body(self) -> QWidget:
        return self._body

    def body_layout(self) -> QVBoxLayout:
        return self._body_layout

    def stale_effect(self) -> QGraphicsEffect:
        return self._stale_effect

    def is_compact(self) -> bool:
        """Whether the as-of line sits beside the title (a short panel) instead of below."""
        return self._compact

    def resizeEvent(self, event: QResizeEvent) -> None:
        # A short panel (a one-row ticker, a KPI strip) cannot spare a line for its footer:
        # the as-of time moves up beside the title and the body keeps the room.
        compact = event.size().height() < self.COMPACT_BELOW_PX
        if compact != self._compact:
            self._compact = compact
            outer = self._outer
            if compact:
                outer.removeWidget(self._footer)
                self._head.addWidget(self._footer)
                outer.setContentsMargins(24, 6, 24, 6)
                outer.setSpacing(4)
            else:
                self._head.removeWidget(self._footer)
                outer.addWidget(self._footer)
                outer.setContentsMargins(24, 12, 24, 8)
                outer.setSpacing(8)
        super().resizeEvent(event)

    # -- helpers

    def _set_title_suffix(self, suffix: str) -> None:
        """What follows the title after a "·" (the board's period)."""
        self._title_suffix = suffix
        self._refresh_title()

    def _refresh_title(self) -> None:
        text = self._title_text
        if self._title_suffix:
            text = f"{text} · {self._title_suffix}"
        if self._title.text() != text:
            self._title.setText(text)

    def _refresh_footer(self) -> None:
        if self._as_of is None:
            text = self.tr("数据已过期") if self._stale else self.tr("等待数据…")
        elif self._stale:
            text = self.tr("数据已过期 · 截至 %1").replace("%1", city_hhmm(self._as_of))
        else:
            text = self.tr("数据截至 %1").replace("%1", city_hhmm(self._as_of))
        if self._footer.text() != text:  # the same minute: no repaint
            self._footer.setText(text)


_NOTHING_SHOWN = object()


# ---------------------------------------------------------------- KPI tiles

TILE_CASES_REPORTED = "cases_reported"
TILE_CASES_CLOSED = "cases_closed"
TILE_ON_TIME = "on_time_rate"
TILE_ALARMS = "active_alarms"
TILE_READINGS = "readings"
TILE_OVERWEIGHT = "overweight"
TILE_SCREENS = "screens"
TILE_LIGHTS = "lights"
TILE_PARKING = "parking"
ALL_TILES: tuple[str, ...] = (
    TILE_CASES_REPORTED,
    TILE_CASES_CLOSED,
    TILE_ON_TIME,
    TILE_ALARMS,
    TILE_READINGS,
    TILE_OVERWEIGHT,
    TILE_SCREENS,
    TILE_LIGHTS,
    TILE_PARKING,
)


@dataclass(frozen=True, slots=True)
class TileValue:
    """What one tile shows: the figure (and its half-size suffix), its colour, the line below."""

    main: str
    suffix: str = ""
    colour: str | None = None
    detail: str = ""


class _SeverityChips(QWidget):
    """The active-alarm tile's breakdown: one coloured box per severity with its count."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self._chips: dict[str, QLabel] = {}
        for severity in SEVERITIES:
            chip = QLabel("0", self)
            chip.setObjectName("severityChip")
            chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
            chip.setToolTip(severity.zh)
            # Set once: the colours are the severity's, only the count changes.
            chip.setStyleSheet(
                f"background: {SEVERITY_COLOURS[severity]}; color: {SEVERITY_TEXT[severity]};"
            )
            layout.addWidget(chip, 1)
            self._chips[severity] = chip

    def set_counts(self, counts: Mapping[str, int]) -> None:
        for severity, chip in self._chips.items():
            text = format_count(counts.get(severity, 0))
            if chip.text() != text:
                chip.setText(text)

    def counts_text(self) -> str:
        return " ".join(f"{s.zh}{self._chips[s].text()}" for s in SEVERITIES)


class _KpiTile(QFrame):
    def __init__(self, key: str, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName("kpiTile")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 12, 18, 12)
        layout.setSpacing(4)
        self.label = QLabel(label, self)
        self.label.setObjectName("tileLabel")
        # No minimum width from the text: the panel picks its columns so tiles are wide enough,
        # and a minimum here would push the whole wall's grid around while it does.
        ignored = QSizePolicy.Policy.Ignored
        self.label.setSizePolicy(ignored, QSizePolicy.Policy.Preferred)
        self.value = _BigNumber(self)
        layout.addWidget(self.label)
        layout.addWidget(self.value, 1)
        self.chips: _SeverityChips | None = None
        self.detail = QLabel(self)
        self.detail.setObjectName("tileDetail")
        self.detail.setSizePolicy(ignored, QSizePolicy.Policy.Preferred)
        if key == TILE_ALARMS:  # coloured counts in place of the line below
            self.chips = _SeverityChips(self)
            layout.addWidget(self.chips)
            self.detail.hide()
        else:
            layout.addWidget(self.detail)

    def set_value(self, value: TileValue) -> None:
        self.value.set_value(value.main, value.suffix, value.colour)
        if self.detail.text() != value.detail:
            self.detail.setText(value.detail)

    def detail_text(self) -> str:
        return self.chips.counts_text() if self.chips else self.detail.text()


def best_columns(tiles: int, width: float, height: float) -> int:
    """How many columns of tiles give the largest figures in a ``width`` × ``height`` area: a
    tile reads best about twice as wide as it is tall (a number, a unit, a label above)."""

    def score(columns: int) -> float:
        rows = math.ceil(tiles / columns)
        return min(width / columns / 2.0, max(height, 1.0) / rows)

    return max(range(1, max(tiles, 1) + 1), key=lambda c: (score(c), c))


def _severity_totals(kpis: Kpis) -> dict[str, int]:
    totals: dict[str, int] = {}
    for by_severity in kpis.active_alarms.values():
        for severity, n in by_severity.items():
            totals[severity] = totals.get(severity, 0) + n
    return totals


def _rate_colour(share: float | None) -> str | None:
    if share is None:
        return None
    return GREEN if share >= 0.9 else AMBER if share >= 0.8 else RED


class KpiPanel(CockpitPanel):
    """Today's figures as tiles (label, big number, a line below); which tiles and in how many
    columns come from the layout (``tiles``: keys from ``ALL_TILES``; ``columns``)."""

    TYPE_NAME = "kpi"
    OPTIONS = frozenset({"title", "tiles", "columns"})

    def __init__(
        self,
        options: Mapping[str, Any] | None = None,
        parent: QWidget | None = None,
        *,
        tiles: Sequence[str] | None = None,
    ) -> None:
        if tiles is not None:
            if options and "tiles" in options:
                raise ValueError("KpiPanel: give the tiles as the option or as tiles=, not both")
            options = {**(options or {}), "tiles": list(tiles)}
        super().__init__(options, parent)

    def default_title(self) -> str:
        return self.tr("城市运行指标")

    def _labels(self) -> dict[str, str]:
        return {
            TILE_CASES_REPORTED: self.tr("今日上报案件"),
            TILE_CASES_CLOSED: self.tr("今日结案"),
            TILE_ON_TIME: self.tr("按时结案率"),
            TILE_ALARMS: self.tr("活跃告警"),
            TILE_READINGS: self.tr("今日物联数据"),
            TILE_OVERWEIGHT: self.tr("今日超重车辆"),
            TILE_SCREENS: self.tr("LED屏在线"),
            TILE_LIGHTS: self.tr("亮灯"),
            TILE_PARKING: self.tr("空闲泊位"),
        }

    def _setup_body(self) -> None:
        body = self.body()
        keys = self._options.names("tiles", ALL_TILES, ALL_TILES)
        #: Columns from the layout, or None: chosen from the panel's shape as it is resized.
        self._fixed_columns: int | None = None
        if "columns" in self._options:
            self._fixed_columns = self._options.integer("columns", 1, 1, len(keys))
        self._grid = QGridLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(14)
        self.body_layout().addLayout(self._grid, 1)
        labels = self._labels()
        self._tiles: dict[str, _KpiTile] = {key: _KpiTile(key, labels[key], body) for key in keys}
        self._columns = 0
        # One row until the panel knows its size: the lowest minimum height, so a short strip
        # in the wall's grid is never pushed taller than its cell.
        self._arrange(self._fixed_columns or len(keys))

    def columns(self) -> int:
        return self._columns

    def _arrange(self, columns: int) -> None:
        if columns == self._columns:
            return
        for tile in self._tiles.values():
            self._grid.removeWidget(tile)
        for c in range(max(columns, self._columns)):
            self._grid.setColumnStretch(c, 1 if c < columns else 0)
        for i, tile in enumerate(self._tiles.values()):
            self._grid.addWidget(tile, i // columns, i % columns)
        self._columns = columns

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fixed_columns is None:
            size = event.size()
            self._arrange(best_columns(len(self._tiles), size.width(), size.height() - 120))

    def tile_keys(self) -> tuple[str, ...]:
        return tuple(self._tiles)

    def tile_text(self, key: str) -> str:
        """The figure a tile shows, as the room reads it ("123.4万", "268/273", "—")."""
        return self._tiles[key].value.text()

    def tile_detail(self, key: str) -> str:
        return self._tiles[key].detail_text()

    def _content_key(self, snapshot: CockpitSnapshot) -> object:
        k = snapshot.kpis
        alarms = tuple(
            sorted((kind, tuple(sorted(s.items()))) for kind, s in k.active_alarms.items())
        )
        return (
            k.cases_reported_today,
            k.cases_closed_today,
            k.on_time_rate_today,
            alarms,
            k.active_alarms_total,
            k.readings_today,
            k.overweight_today,
            k.screens_online,
            k.screens_total,
            k.lights_on,
            k.lights_total,
            k.parking_free,
        )

    def _show(self, snapshot: CockpitSnapshot) -> None:
        k = snapshot.kpis
        for key, tile in self._tiles.items():
            tile.set_value(self._value(key, k))
            if tile.chips is not None:
                tile.chips.set_counts(_severity_totals(k))

    def _value(self, key: str, k: Kpis) -> TileValue:
        builders: dict[str, Callable[[Kpis], TileValue]] = {
            TILE_CASES_REPORTED: lambda k: TileValue(
                format_count(k.cases_reported_today), detail=self.tr("件")
            ),
            TILE_CASES_CLOSED: lambda k: TileValue(
                format_count(k.cases_closed_today), detail=self.tr("件")
            ),
            TILE_ON_TIME: self._on_time,
            TILE_ALARMS: self._alarms,
            TILE_READINGS: lambda k: TileValue(
                format_count(k.readings_today), detail=self.tr("条")
            ),
            TILE_OVERWEIGHT: lambda k: TileValue(
                format_count(k.overweight_today),
                colour=AMBER if k.overweight_today else None,
                detail=self.tr("辆 · 桥梁动态称重"),
            ),
            TILE_SCREENS: lambda k: self._share(k.screens_online, k.screens_total, "在线率"),
            TILE_LIGHTS: lambda k: self._share(k.lights_on, k.lights_total, "亮灯率"),
            TILE_PARKING: self._parking,
        }
        return builders[key](k)

    def _on_time(self, k: Kpis) -> TileValue:
        rate = k.on_time_rate_today
        if rate is None:
            return TileValue("—", detail=self.tr("今日尚无结案"))
        detail = self.tr("今日结案 %1 件").replace("%1", format_count(k.cases_closed_today))
        return TileValue(f"{rate * 100:.1f}", "%", _rate_colour(rate), detail)

    def _alarms(self, k: Kpis) -> TileValue:
        totals = _severity_totals(k)
        worst = next((s for s in SEVERITIES if totals.get(s, 0) > 0), None)
        colour = SEVERITY_COLOURS[worst] if worst in (Severity.CRITICAL, Severity.MAJOR) else None
        return TileValue(format_count(k.active_alarms_total), colour=colour)

    def _share(self, part: int, total: int, what: str) -> TileValue:
        share = part / total if total else None
        detail = f"{_tr('KpiPanel', what)} {format_percent(share)}"
        return TileValue(format_count(part), f"/{format_count(total)}", detail=detail)

    def _parking(self, k: Kpis) -> TileValue:
        if k.parking_free is None:
            return TileValue(self.tr("未接入"), colour=MUTED, detail=self.tr("暂无数据源"))
        return TileValue(format_count(k.parking_free), detail=self.tr("个"))


# ---------------------------------------------------------------- trends


class CityTimeAxis(pg.AxisItem):  # type: ignore[misc]
    """A time axis in the city's clock (HH:MM), ticks on whole local hours or minutes, spaced so
    the large labels never crowd each other."""

    SPACINGS_S = (60, 300, 600, 900, 1800, 3600, 7200, 10800, 14400, 21600, 43200, 86400)

    def tickValues(
        self, minVal: float, maxVal: float, size: float
    ) -> list[tuple[float, list[float]]]:
        if not (math.isfinite(minVal) and math.isfinite(maxVal)) or maxVal <= minVal:
            return []
        label_px = QFontMetrics(self.style.get("tickFont") or QFont()).horizontalAdvance("00:00")
        room = max(1, int(size // (label_px * 2.2)))
        spacing = next(
            (s for s in self.SPACINGS_S if (maxVal - minVal) / s <= room), self.SPACINGS_S[-1]
        )
        offset = _city_offset_s(minVal)
        first = math.ceil((minVal + offset) / spacing) * spacing - offset
        ticks = list(np.arange(first, maxVal + 1e-6, spacing, dtype=float))
        return [(float(spacing), ticks)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [
            datetime.fromtimestamp(v, UTC).astimezone(CITY_TZ).strftime("%H:%M") for v in values
        ]


def _city_offset_s(epoch_s: float) -> int:
    offset = datetime.fromtimestamp(epoch_s, UTC).astimezone(CITY_TZ).utcoffset()
    return int(offset.total_seconds()) if offset else 0


SERIES_NAMES: tuple[str, ...] = ("readings_per_minute", "cases_per_hour", "sla_compliance")
_SERIES_COLOURS = {
    "readings_per_minute": "#4fc3f7",
    "cases_per_hour": "#ffb74d",
    "sla_compliance": "#81c784",
}


def _series_of(snapshot: CockpitSnapshot, name: str) -> Series:
    series: Series = getattr(snapshot, name)
    return series


def _font(px: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(["WenQuanYi Micro Hei", "Microsoft YaHei", "Noto Sans CJK SC"])
    font.setPixelSize(px)
    font.setBold(bold)
    return font


class TrendPanel(CockpitPanel):
    """The last 24 h of one or more series as thick curves on a dark plot, x in city time.

    Curves are made once and fed with ``setData``; pyqtgraph draws only what is in view, peak-
    downsampled to the plot's width (1,440 minutes on a ~1,800 px plot), and NaN buckets (no data)
    stay gaps rather than a line drawn across them."""

    TYPE_NAME = "trend"
    OPTIONS = frozenset({"title", "series"})
    TICK_PX = 28
    LABEL_PX = 28
    LINE_WIDTH = 5
    SMOOTH_MAX_POINTS = 200

    def default_title(self) -> str:
        labels = self._series_labels()
        names = "、".join(labels[n][0] for n in self._series_names())
        return self.tr("24小时趋势 · %1").replace("%1", names)

    def _series_names(self) -> tuple[str, ...]:
        return self._options.names("series", SERIES_NAMES, ("readings_per_minute",))

    def _series_labels(self) -> dict[str, tuple[str, str]]:
        return {  # name → (legend, unit)
            "readings_per_minute": (self.tr("物联数据"), self.tr("条/分钟")),
            "cases_per_hour": (self.tr("上报案件"), self.tr("件/小时")),
            "sla_compliance": (self.tr("按时结案率"), "%"),
        }

    def _setup_body(self) -> None:
        self._names = self._series_names()
        labels = self._series_labels()
        self._plot = pg.PlotWidget(
            self.body(),
            background=PANEL_BG,
            axisItems={"bottom": CityTimeAxis(orientation="bottom")},
        )
        self._plot.setObjectName("trendPlot")
        self.body_layout().addWidget(self._plot)
        item = self._plot.getPlotItem()
        item.setMouseEnabled(x=False, y=False)  # a wall has no mouse; nothing may wander off
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=True, y=True, alpha=0.18)
        # Shares (%) and counts together: the shares get their own axis on the right, or a
        # 95 % line would read as 95 cases.
        percent = [n for n in self._names if labels[n][1] == "%"]
        counts = [n for n in self._names if n not in percent]
        self._views: dict[str, Any] = {n: item.getViewBox() for n in self._names}
        self._right_view: Any = None
        if percent and counts:
            self._right_view = self._add_right_view(item)
            self._views.update({n: self._right_view for n in percent})
        sides = ("left", "bottom", "right") if self._right_view is not None else ("left", "bottom")
        for side in sides:
            axis = item.getAxis(side)
            axis.setStyle(tickFont=_font(self.TICK_PX), tickTextOffset=12, tickLength=-10)
            axis.setPen(pg.mkPen(GRID, width=2))
            axis.setTextPen(pg.mkPen(TEXT))
        style = {"color": MUTED, "font-size": f"{self.LABEL_PX}px"}
        item.setLabel("left", labels[(counts or percent)[0]][1], **style)
        if self._right_view is not None:
            item.setLabel("right", "%", **style)
        if len(self._names) > 1:  # above the plot: a legend inside would hide a curve
            legend = QLabel(self._legend_html(labels), self.body())
            legend.setObjectName("trendLegend")
            self.body_layout().insertWidget(0, legend)
        self._curves: dict[str, Any] = {}
        for name in self._names:
            curve = pg.PlotDataItem(
                pen=pg.mkPen(_SERIES_COLOURS[name], width=self.LINE_WIDTH), connect="finite"
            )
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            self._views[name].addItem(curve)
            self._curves[name] = curve

    def _legend_html(self, labels: Mapping[str, tuple[str, str]]) -> str:
        entries = []
        for name in self._names:
            legend, unit = labels[name]
            colour = _SERIES_COLOURS[name]
            entries.append(f'<span style="color:{colour}">━━</span>&nbsp;{legend}（{unit}）')
        return "&nbsp;&nbsp;&nbsp;&nbsp;".join(entries)

    def _add_right_view(self, item: Any) -> Any:
        view = pg.ViewBox(enableMouse=False)
        item.showAxis("right")
        item.scene().addItem(view)
        item.getAxis("right").linkToView(view)
        view.setXLink(item.getViewBox())
        main = item.getViewBox()

        def follow() -> None:  # the right view lies exactly over the main one
            view.setGeometry(main.sceneBoundingRect())

        main.sigResized.connect(follow)
        follow()
        return view

    def curve(self, name: str) -> Any:
        """The curve item of a series (the same object for the panel's life)."""
        return self._curves[name]

    def plot_widget(self) -> Any:
        return self._plot

    def _content_key(self, snapshot: CockpitSnapshot) -> object:
        # Compared as bytes: NaN != NaN would make every snapshot with a gap look new.
        key = []
        for name in self._names:
            s = _series_of(snapshot, name)
            values = np.asarray(s.values, dtype=float)
            key.append((name, s.start, s.step_s, values.tobytes()))
        return tuple(key)

    def _show(self, snapshot: CockpitSnapshot) -> None:
        x_min, x_max = math.inf, -math.inf
        y_max = {id(v): 0.0 for v in self._views.values()}
        for name in self._names:
            s = _series_of(snapshot, name)
            y = np.asarray(s.values, dtype=float)
            start = require_aware(s.start).timestamp()
            x = start + s.step_s * np.arange(len(y), dtype=float)
            # Antialiasing a thick 1,440-point line cost ~25 ms a frame at 4K (Qt strokes the
            # path); unsmoothed it is drawn as segments in ~3 ms and the steps are invisible
            # from across the room. Short series (24 hours) keep smooth lines: they cost nothing.
            smooth = len(y) <= self.SMOOTH_MAX_POINTS
            self._curves[name].setData(x, y, connect="finite", antialias=smooth)
            if len(y):
                x_min, x_max = min(x_min, start), max(x_max, float(x[-1]) + s.step_s)
                finite = y[np.isfinite(y)]
                view = id(self._views[name])
                if finite.size:
                    y_max[view] = max(y_max[view], float(finite.max()))
        item = self._plot.getPlotItem()
        if math.isfinite(x_min):
            item.setXRange(x_min, x_max, padding=0)
        for view in {id(v): v for v in self._views.values()}.values():
            if self._shows_percent_only(view):
                view.setYRange(0, 100, padding=0)
            else:
                view.setYRange(0, _nice_ceiling(y_max[id(view)] * 1.1), padding=0)

    def _shows_percent_only(self, view: Any) -> bool:
        labels = self._series_labels()
        return all(labels[n][1] == "%" for n, v in self._views.items() if v is view)


def _nice_ceiling(value: float) -> float:
    """1, 2, 2.5 or 5 times a power of ten, at least ``value`` (a steady, round axis top)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value)


# ---------------------------------------------------------------- alarm summary


class AlarmSummaryPanel(CockpitPanel):
    """Active alarms as a kind × severity table, cells in the severity's colour when not zero.
    Every kind keeps its row (the room learns where to look), zero rows faint."""

    TYPE_NAME = "alarm_summary"
    OPTIONS = frozenset({"title"})

    def default_title(self) -> str:
        return self.tr("活跃告警分布")

    def _setup_body(self) -> None:
        body = self.body()
        columns = [TableColumn(self.tr("告警类型"), 2.6)]
        for s in SEVERITIES:
            columns.append(
                TableColumn(
                    s.zh, 1, Qt.AlignmentFlag.AlignCenter, SEVERITY_COLOURS[s], SEVERITY_TEXT[s]
                )
            )
        columns.append(TableColumn(self.tr("合计"), 1.1, Qt.AlignmentFlag.AlignCenter))
        self._table = CockpitTable(columns, len(AlarmKind), body)
        self.body_layout().addWidget(self._table)

    def table(self) -> CockpitTable:
        return self._table

    def _content_key(self, snapshot: CockpitSnapshot) -> object:
        alarms = snapshot.kpis.active_alarms
        return tuple(sorted((kind, tuple(sorted(s.items()))) for kind, s in alarms.items()))

    def _show(self, snapshot: CockpitSnapshot) -> None:
        alarms = snapshot.kpis.active_alarms
        kinds = [k.value for k in AlarmKind] + sorted(set(alarms) - {k.value for k in AlarmKind})
        rows = []
        for kind in kinds:
            counts = alarms.get(kind, {})
            total = sum(counts.values())
            cells = [TableCell(_kind_name(kind), fg=None if total else FAINT)]
            for s in SEVERITIES:
                n = counts.get(s, 0)
                cells.append(
                    TableCell(format_count(n), SEVERITY_TEXT[s], SEVERITY_COLOURS[s], bold=True)
                    if n
                    else TableCell("·", FAINT)
                )
            cells.append(
                TableCell(format_count(total), bold=True) if total else TableCell("·", FAINT)
            )
            rows.append(TableRow(tuple(cells)))
        self._table.set_rows(rows)


# ---------------------------------------------------------------- red/black board


def _rank_change(change: int | None) -> tuple[str, str]:
    if not change:
        return "—", MUTED
    return (f"▲{change}", GREEN) if change > 0 else (f"▼{-change}", "#ff7043")


class BoardPanel(CockpitPanel):
    """The districts by rank, red list rows red, black list rows black with white text, rank
    changes as ▲2 / ▼1 / —; "本期排名尚未发布" when no ranking has been published."""

    TYPE_NAME = "board"
    OPTIONS = frozenset({"title"})

    def default_title(self) -> str:
        return self.tr("红黑榜")

    def _setup_body(self) -> None:
        body = self.body()
        align_c = Qt.AlignmentFlag.AlignCenter
        self._table = CockpitTable(
            [
                TableColumn(self.tr("排名"), 0.9, align_c),
                TableColumn(self.tr("区县"), 2.0),
                TableColumn(self.tr("得分"), 1.3, Qt.AlignmentFlag.AlignRight),
                TableColumn(self.tr("变化"), 1.0, align_c),
                TableColumn(self.tr("榜单"), 1.0, align_c),
            ],
            len(_district_names()),
            body,
        )
        self._placeholder = QLabel(self.tr("本期排名尚未发布"), body)
        self._placeholder.setObjectName("placeholder")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setWordWrap(True)
        self._stack = QStackedWidget(body)
        self._stack.addWidget(self._placeholder)
        self._stack.addWidget(self._table)
        self.body_layout().addWidget(self._stack)

    def table(self) -> CockpitTable:
        return self._table

    def placeholder_shown(self) -> bool:
        return self._stack.currentWidget() is self._placeholder

    def placeholder_text(self) -> str:
        return self._placeholder.text()

    def _content_key(self, snapshot: CockpitSnapshot) -> object:
        board = (
            None
            if snapshot.board is None
            else tuple(
                (r.district_code, r.rank, r.score, r.standing, r.change) for r in snapshot.board
            )
        )
        return board, snapshot.board_period

    def _show(self, snapshot: CockpitSnapshot) -> None:
        self._set_title_suffix(snapshot.board_period)
        if snapshot.board is None:
            self._stack.setCurrentWidget(self._placeholder)
            self._table.set_rows(())
            return
        self._table.set_rows([self._row(r) for r in sorted(snapshot.board, key=lambda r: r.rank)])
        self._stack.setCurrentWidget(self._table)

    def _row(self, r: BoardRow) -> TableRow:
        arrow, arrow_colour = _rank_change(r.change)
        if r.standing == "red":
            bg, fg, badge, arrow_colour = RED_LIST_BG, "#ffffff", self.tr("红榜"), "#ffffff"
        elif r.standing == "black":
            bg, fg, badge, arrow_colour = BLACK_LIST_BG, "#ffffff", self.tr("黑榜"), "#ffffff"
        else:
            bg, fg, badge = None, None, ""
        cells = (
            TableCell(str(r.rank), bold=True),
            TableCell(district_name(r.district_code), bold=bool(r.standing)),
            TableCell(f"{r.score:.2f}"),
            TableCell(arrow, fg=arrow_colour, bold=True),
            TableCell(badge, bold=True),
        )
        return TableRow(cells, fg=fg, bg=bg)


# ---------------------------------------------------------------- weigh-in-motion


def _over_colour(share_over: float) -> str:
    return RED if share_over >= 0.5 else "#ff9800" if share_over >= 0.2 else "#fdd835"


class WimPanel(CockpitPanel):
    """Bridge weigh-in-motion: today's overweight count, then the newest overweight vehicles
    (time, bridge, weight vs limit, how far over)."""

    TYPE_NAME = "wim"
    OPTIONS = frozenset({"title", "rows"})

    def default_title(self) -> str:
        return self.tr("桥梁动态称重")

    def _setup_body(self) -> None:
        body = self.body()
        self._max_rows = self._options.integer("rows", 8, 1, 20)
        self._count = QLabel(body)
        self._count.setObjectName("wimCount")
        self._table = CockpitTable(
            [
                TableColumn(self.tr("时间"), width_em=3.0),
                TableColumn(self.tr("桥梁"), 2.2),
                TableColumn(self.tr("重量/限重"), 2.0, Qt.AlignmentFlag.AlignRight),
                TableColumn(self.tr("超限"), 1.1, Qt.AlignmentFlag.AlignRight),
            ],
            self._max_rows,
            body,
        )
        self.body_layout().addWidget(self._count)
        self.body_layout().addWidget(self._table, 1)

    def table(self) -> CockpitTable:
        return self._table

    def count_text(self) -> str:
        return self._count.text()

    def _content_key(self, snapshot: CockpitSnapshot) -> object:
        rows = tuple(
            (r.at, r.bridge_name, r.weight_t, r.limit_t) for r in snapshot.wim[: self._max_rows]
        )
        return snapshot.kpis.overweight_today, rows

    def _show(self, snapshot: CockpitSnapshot) -> None:
        n = snapshot.kpis.overweight_today
        text = self.tr("今日超重 %1 辆").replace("%1", format_count(n))
        if self._count.text() != text:
            self._count.setText(text)
        self._table.set_rows([self._row(r) for r in snapshot.wim[: self._max_rows]])

    def _row(self, r: WimRow) -> TableRow:
        over = r.weight_t / r.limit_t - 1 if r.limit_t > 0 else 0.0
        return TableRow(
            (
                TableCell(city_hhmm(r.at)),
                TableCell(r.bridge_name),
                TableCell(f"{r.weight_t:.1f} / {r.limit_t:g} t"),
                TableCell(f"+{over * 100:.0f}%", fg=_over_colour(over), bold=True),
            )
        )


# ---------------------------------------------------------------- devices


class DeviceStatusPanel(CockpitPanel):
    """Per device kind: online of total with a bar, how many are on, how many report a fault
    (amber; red from 5 % of the fleet)."""

    TYPE_NAME = "devices"
    OPTIONS = frozenset({"title", "kinds"})
    FAULTY_RED_SHARE = 0.05

    def default_title(self) -> str:
        return self.tr("设备状态")

    def _setup_body(self) -> None:
        body = self.body()
        kinds = tuple(k.value for k in DeviceKind)
        self._kinds = self._options.names("kinds", kinds, kinds)
        align_r = Qt.AlignmentFlag.AlignRight
        self._table = CockpitTable(
            [
                TableColumn(self.tr("设备"), 1.6),
                TableColumn(self.tr("在线/总数"), 2.6, Qt.AlignmentFlag.AlignCenter),
                TableColumn(self.tr("开启"), 1.2, align_r),
                TableColumn(self.tr("故障"), 1.0, align_r),
            ],
            len(self._kinds),
            body,
        )
        self.body_layout().addWidget(self._table)

    def table(self) -> CockpitTable:
        return self._table

    def _content_key(self, snapshot: CockpitSnapshot) -> object:
        return tuple(
            (d.kind, d.total, d.online, d.faulty, d.powered)
            for d in snapshot.devices
            if d.kind in self._kinds
        )

    def _show(self, snapshot: CockpitSnapshot) -> None:
        by_kind = {d.kind: d for d in snapshot.devices}
        self._table.set_rows([self._row(by_kind[k]) for k in self._kinds if k in by_kind])

    def _row(self, d: DeviceStatus) -> TableRow:
        share = d.online / d.total if d.total else 0.0
        if d.faulty == 0:
            faulty = TableCell("0", fg=MUTED)
        else:
            red = d.total and d.faulty / d.total >= self.FAULTY_RED_SHARE
            faulty = TableCell(format_count(d.faulty), fg=RED if red else AMBER, bold=True)
        name = DEVICE_KIND_NAMES.get(d.kind, d.kind)
        return TableRow(
            (
                TableCell(_tr("DeviceStatusPanel", name)),
                TableCell(
                    f"{format_count(d.online)}/{format_count(d.total)}", bold=True, bar=share
                ),
                TableCell(format_count(d.powered)),
                faulty,
            )
        )


# ---------------------------------------------------------------- ticker

_TICKER_BADGES: Mapping[str, tuple[str, str, str]] = {  # kind → (label, background, text)
    "alarm_cleared": ("恢复", "#2e7d32", "#ffffff"),
    "case": ("案件", "#3949ab", "#ffffff"),
    "case_closed": ("结案", "#00897b", "#ffffff"),
    "command": ("指令", "#6a1b9a", "#ffffff"),
}


class TickerPanel(CockpitPanel):
    """The latest changes, newest first, one line each: time, a coloured badge (an alarm's badge
    in its severity's colour and name), the text. A still list, not a crawl: it reads better."""

    TYPE_NAME = "ticker"
    OPTIONS = frozenset({"title", "lines"})

    def default_title(self) -> str:
        return self.tr("实时动态")

    def _setup_body(self) -> None:
        body = self.body()
        self._lines = self._options.integer("lines", 10, 1, 30)
        self._table = CockpitTable(
            [
                TableColumn(self.tr("时间"), width_em=3.0),
                TableColumn(self.tr("类别"), align=Qt.AlignmentFlag.AlignCenter, width_em=2.8),
                TableColumn(self.tr("内容")),
            ],
            self._lines,
            body,
        )
        self.body_layout().addWidget(self._table)

    def table(self) -> CockpitTable:
        return self._table

    def _content_key(self, snapshot: CockpitSnapshot) -> object:
        return tuple((t.at, t.kind, t.text_zh, t.severity) for t in snapshot.ticker[: self._lines])

    def _show(self, snapshot: CockpitSnapshot) -> None:
        self._table.set_rows([self._row(t) for t in snapshot.ticker[: self._lines]])

    def _row(self, t: TickerItem) -> TableRow:
        if t.kind == "alarm":
            sev = t.severity or Severity.WARNING
            badge = TableCell(
                _severity_name(sev),
                SEVERITY_TEXT.get(sev, "#ffffff"),
                SEVERITY_COLOURS.get(sev, FAINT),
                bold=True,
            )
            text_colour = None
        else:
            label, bg, fg = _TICKER_BADGES.get(t.kind, (t.kind, FAINT, "#ffffff"))
            badge = TableCell(_tr("TickerPanel", label), fg, bg, bold=True)
            text_colour = MUTED if t.kind == "alarm_cleared" else None
        return TableRow(
            (TableCell(city_hhmm(t.at), fg=MUTED), badge, TableCell(t.text_zh, fg=text_colour))
        )


# ---------------------------------------------------------------- factory and theme

PANEL_TYPES: dict[str, type[CockpitPanel]] = {
    cls.TYPE_NAME: cls
    for cls in (
        KpiPanel,
        TrendPanel,
        AlarmSummaryPanel,
        BoardPanel,
        WimPanel,
        DeviceStatusPanel,
        TickerPanel,
    )
}


def make_panel(
    type_name: str, options: Mapping[str, Any] | None = None, parent: QWidget | None = None
) -> CockpitPanel:
    """The panel a layout file names; an unknown type is a ``ValueError`` naming it."""
    try:
        cls = PANEL_TYPES[type_name]
    except KeyError:
        known = ", ".join(PANEL_TYPES)
        raise ValueError(f"unknown cockpit panel type {type_name!r} (known: {known})") from None
    return cls(options, parent)


def apply_cockpit_theme(widget: QWidget) -> None:
    """The wall's dark theme on ``widget`` and everything inside it — not on the application:
    the workstation's windows share the process and keep their light theme."""
    widget.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    widget.setProperty("cockpit", True)
    widget.setStyleSheet(QSS_FILE.read_text(encoding="utf-8"))


# Marked for lupdate: texts looked up through _tr at run time (labels kept in tables above).
_TRANSLATABLE: tuple[object, ...] = (  # the stubs type QT_TRANSLATE_NOOP as object
    QT_TRANSLATE_NOOP("KpiPanel", "在线率"),
    QT_TRANSLATE_NOOP("KpiPanel", "亮灯率"),
    QT_TRANSLATE_NOOP("DeviceStatusPanel", "LED屏"),
    QT_TRANSLATE_NOOP("DeviceStatusPanel", "照明控制柜"),
    QT_TRANSLATE_NOOP("DeviceStatusPanel", "照明回路"),
    QT_TRANSLATE_NOOP("DeviceStatusPanel", "单灯"),
    QT_TRANSLATE_NOOP("TickerPanel", "恢复"),
    QT_TRANSLATE_NOOP("TickerPanel", "案件"),
    QT_TRANSLATE_NOOP("TickerPanel", "结案"),
    QT_TRANSLATE_NOOP("TickerPanel", "指令"),
)
