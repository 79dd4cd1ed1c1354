"""A small offline map of where one case is: district outlines, the case's district
highlighted, a marker at the case and dots for the cases around it.

Offers ``LocationMap(QWidget)`` to the case detail pane (and any window that wants a
"where is it" thumbnail without a web engine). Areas come in as parsed GeoJSON features
(``{"properties": {"code", "name_zh"}, "geometry": Polygon|MultiPolygon}``), as
``geography.District`` objects, or as ``(name, rings)`` pairs; names are shown as given
(the caller resolves the language). Coordinates are whatever datum the areas use (GCJ-02 for
the packaged districts): the map only projects, it never converts.

The outlines are turned into ``QPainterPath`` once, in a local equirectangular projection
(x = lon·cos φ₀, y = −lat), and painted through one transform with cosmetic pens, so a repaint
costs a transform and a fill per district, however often the case or the zoom changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen, QTransform
from PySide6.QtWidgets import QSizePolicy, QWidget

Ring = Sequence[Sequence[float]]

#: Latitude of the projection's true scale: Hangzhou. Close enough for every district; the
#: map is a thumbnail, not a survey.
_REFERENCE_LAT = 30.27
_KX = math.cos(math.radians(_REFERENCE_LAT))
_METRES_PER_DEGREE = 111_320.0
#: Margin around the highlighted district, as a share of its larger side.
_MARGIN = 0.12

_WATER = QColor("#e8eef4")
_LAND = QColor("#f7f5ef")
_LAND_HIGHLIGHT = QColor("#fde9c8")
_BORDER = QColor("#9aa4ae")
_BORDER_HIGHLIGHT = QColor("#d9822b")
_LABEL = QColor("#6b7680")
_MARKER = QColor("#d62728")
_NEARBY = QColor("#1f77b4")


@dataclass(slots=True)
class _Area:
    keys: frozenset[str]  # code / names the caller may highlight it by
    label: str
    path: QPainterPath  # projected, all polygons of the area
    label_at: QPointF  # projected: centre of its largest polygon's bounding box


def _project(lon: float, lat: float) -> QPointF:
    return QPointF(lon * _KX, -lat)


def _ring_path(ring: Ring) -> QPainterPath:
    path = QPainterPath()
    points = [_project(float(p[0]), float(p[1])) for p in ring]
    if len(points) < 3:
        return path
    path.moveTo(points[0])
    for point in points[1:]:
        path.lineTo(point)
    path.closeSubpath()
    return path


def _area(keys: Iterable[str], label: str, polygons: Iterable[Sequence[Ring]]) -> _Area | None:
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)  # holes stay holes
    best = QRectF()
    for polygon in polygons:
        outline = QPainterPath()
        for ring in polygon:
            outline.addPath(_ring_path(ring))
        bounds = outline.boundingRect()
        if bounds.width() * bounds.height() > best.width() * best.height():
            best = bounds
        path.addPath(outline)
    if path.isEmpty():
        return None
    return _Area(frozenset(k for k in keys if k), label, path, best.center())


def _to_area(item: Any) -> _Area | None:
    """One GeoJSON feature, ``District`` or ``(name, rings)`` pair as an area."""
    if isinstance(item, Mapping):
        props = item.get("properties") or {}
        geometry = item.get("geometry") or {}
        coords = geometry.get("coordinates") or []
        polygons = [coords] if geometry.get("type") == "Polygon" else list(coords)
        keys = [str(props.get(k, "")) for k in ("code", "name_zh", "name_en", "name")]
        label = str(props.get("name_zh") or props.get("name") or props.get("code") or "")
        return _area(keys, label, polygons)
    if hasattr(item, "polygons"):  # geography.District
        keys = [item.code, item.name_zh, item.name_en]
        return _area(keys, item.name_zh, item.polygons)
    name, rings = item
    # (name, rings): each ring its own polygon; the odd-even rule still cuts holes.
    return _area([str(name)], str(name), [[ring] for ring in rings])


class LocationMap(QWidget):
    """Paints the areas, the highlighted one filled, a marker at the case and nearby dots.

    ``set_areas(areas)`` once (it builds the paths); ``show_location(highlight, lon, lat,
    nearby)`` per case (cheap). ``highlight`` is an area's code or name."""

    def __init__(self, areas: Iterable[Any] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._areas: list[_Area] = []
        self._extent = QRectF()
        self._highlight: _Area | None = None
        self._marker: QPointF | None = None
        self._nearby: list[QPointF] = []
        self._view = QRectF()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumSize(160, 120)
        self.setToolTip("")
        self.set_areas(areas)

    # ------------------------------------------------------------------ data

    def set_areas(self, areas: Iterable[Any]) -> None:
        self._areas = [a for a in (_to_area(item) for item in areas) if a is not None]
        extent = QRectF()
        for area in self._areas:
            extent = extent.united(area.path.boundingRect())
        self._extent = extent
        self._highlight = None
        self._update_view()

    def show_location(
        self,
        highlight: str | None,
        lon: float | None,
        lat: float | None,
        nearby: Iterable[tuple[float, float]] = (),
    ) -> None:
        """Highlight area ``highlight`` (code or name), mark ``(lon, lat)`` (None: no marker)
        and dot the ``nearby`` positions; zooms to the area with a margin."""
        self._highlight = next((a for a in self._areas if highlight in a.keys), None)
        self._marker = None if lon is None or lat is None else _project(lon, lat)
        self._nearby = [_project(x, y) for x, y in nearby]
        self._update_view()

    def clear(self) -> None:
        self.show_location(None, None, None)

    @property
    def highlighted(self) -> str | None:
        """The label of the highlighted area (None when nothing matched)."""
        return self._highlight.label if self._highlight is not None else None

    def view_contains(self, lon: float, lat: float) -> bool:
        """Whether the current zoom shows ``(lon, lat)``."""
        return self._view.contains(_project(lon, lat))

    def _update_view(self) -> None:
        if self._highlight is not None:
            view = self._highlight.path.boundingRect()
            if self._marker is not None and not view.contains(self._marker):
                m = self._marker
                view = view.united(QRectF(m.x() - 1e-4, m.y() - 1e-4, 2e-4, 2e-4))
        elif self._marker is not None:
            # No district: about 2 km around the case.
            half = 1000 / _METRES_PER_DEGREE
            view = QRectF(self._marker.x() - half, self._marker.y() - half, 2 * half, 2 * half)
        else:
            view = QRectF(self._extent)
        margin = _MARGIN * max(view.width(), view.height())
        self._view = view.adjusted(-margin, -margin, margin, margin)
        self.update()

    # ------------------------------------------------------------------ painting

    def sizeHint(self) -> QSize:
        return QSize(440, 260)

    def _transform(self) -> QTransform:
        """Projected coordinates → widget pixels, keeping the aspect ratio, centred."""
        view, w, h = self._view, self.width(), self.height()
        if view.isEmpty() or w <= 0 or h <= 0:
            return QTransform()
        scale = min(w / view.width(), h / view.height())
        dx = (w - view.width() * scale) / 2 - view.left() * scale
        dy = (h - view.height() * scale) / 2 - view.top() * scale
        return QTransform(scale, 0, 0, scale, dx, dy)

    def paintEvent(self, event: Any) -> None:  # noqa: ARG002 - Qt's signature
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), _WATER)
        if not self._areas:
            painter.setPen(_LABEL)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("无地图数据"))
            return
        transform = self._transform()
        scale = transform.m11() or 1.0
        visible = self._view

        painter.save()
        painter.setTransform(transform)
        border = QPen(_BORDER, 1.0)
        border.setCosmetic(True)  # 1 px whatever the zoom
        for area in self._areas:
            if area is self._highlight or not area.path.boundingRect().intersects(visible):
                continue
            painter.fillPath(area.path, _LAND)
            painter.strokePath(area.path, border)
        if self._highlight is not None:
            pen = QPen(_BORDER_HIGHLIGHT, 2.0)
            pen.setCosmetic(True)
            painter.fillPath(self._highlight.path, _LAND_HIGHLIGHT)
            painter.strokePath(self._highlight.path, pen)
        painter.restore()

        # Labels, dots and the marker in pixels, so they keep their size at any zoom.
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        painter.setFont(font)
        for area in self._areas:
            if not visible.contains(area.label_at):
                continue
            at = transform.map(area.label_at)
            bold = area is self._highlight
            font.setBold(bold)
            painter.setFont(font)
            painter.setPen(_BORDER_HIGHLIGHT.darker(130) if bold else _LABEL)
            box = QRectF(at.x() - 60, at.y() - 10, 120, 20)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, area.label)

        painter.setPen(QPen(QColor("white"), 1.0))
        painter.setBrush(_NEARBY)
        for dot in self._nearby:
            painter.drawEllipse(transform.map(dot), 3.5, 3.5)
        if self._marker is not None:
            at = transform.map(self._marker)
            painter.setPen(QPen(QColor("white"), 2.0))
            painter.setBrush(_MARKER)
            painter.drawEllipse(at, 7.0, 7.0)
            painter.setBrush(QColor("white"))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawEllipse(at, 2.5, 2.5)
        self._paint_scale_bar(painter, scale)

    def _paint_scale_bar(self, painter: QPainter, scale: float) -> None:
        """A scale bar of a round length of about a quarter of the width."""
        metres_per_px = _METRES_PER_DEGREE / scale
        target = metres_per_px * self.width() / 4
        if not math.isfinite(target) or target <= 0:
            return
        step = 10 ** math.floor(math.log10(target))
        length = max(s * step for s in (1, 2, 5) if s * step <= target)
        px = length / metres_per_px
        x, y = 10.0, self.height() - 12.0
        pen = QPen(QColor("#333"), 2.0)
        painter.setPen(pen)
        painter.drawLine(QPointF(x, y), QPointF(x + px, y))
        painter.drawLine(QPointF(x, y - 4), QPointF(x, y))
        painter.drawLine(QPointF(x + px, y - 4), QPointF(x + px, y))
        text = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
        painter.drawText(QPointF(x + px + 6, y + 4), text)
