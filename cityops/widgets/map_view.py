"""An offline Leaflet map in QtWebEngine with a live layer of alarm markers.

Offers ``MapView(QWebEngineView)`` to the alarm map window and the cockpit: ``load_map(geojson)``
builds the page with folium (Leaflet and markercluster from the ``xstatic`` packages, no CDN:
the hall is on a government network; the base layer is the district GeoJSON; optional intranet
``tile_url``), writes it to a file and loads it (no ``setHtml`` size limit). ``apply(add,
remove)`` queues marker changes; they go to the page in one ``runJavaScript`` call every
``flush_ms`` (batched calls beat one per marker 2–3×, DESIGN §8). Signals: ``ready`` once the
page and its QWebChannel are up, ``marker_clicked(str)`` when a marker is clicked.
``evaluate(js)`` runs JavaScript and awaits its result (tests read the page's state with it).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import folium
import xstatic.pkg.leaflet as xs_leaflet
import xstatic.pkg.leaflet_markercluster as xs_cluster
from PySide6.QtCore import QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEngineSettings
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget

MAP_RESOURCES = Path(__file__).resolve().parent.parent / "resources" / "map"
#: Hangzhou's centre and a zoom that shows the urban districts.
HANGZHOU = (30.27, 120.16)


def _file_url(path: Path) -> str:
    return QUrl.fromLocalFile(str(path)).toString()


class _Bridge(QObject):
    """The page's side of the QWebChannel (``channel.objects.bridge``)."""

    page_ready = Signal()
    marker_clicked = Signal(str)

    @Slot()
    def pageReady(self) -> None:  # noqa: N802 (called from JavaScript)
        self.page_ready.emit()

    @Slot(str)
    def markerClicked(self, alarm_id: str) -> None:  # noqa: N802 (called from JavaScript)
        self.marker_clicked.emit(alarm_id)


def build_page(geojson: Mapping[str, Any] | None, tile_url: str | None = None) -> str:
    """The map page as HTML: local Leaflet, markercluster, the district layer, the bridge."""
    fmap = folium.Map(location=HANGZHOU, zoom_start=10, tiles=None, prefer_canvas=True)
    # Only what the page needs, from the packages on disk: folium's defaults are CDN links.
    leaflet, cluster = Path(xs_leaflet.BASE_DIR), Path(xs_cluster.BASE_DIR)
    fmap.default_js = [
        ("leaflet", _file_url(leaflet / "leaflet.js")),
        ("markercluster", _file_url(cluster / "leaflet.markercluster.js")),
        ("qwebchannel", "qrc:///qtwebchannel/qwebchannel.js"),
        ("cityops", _file_url(MAP_RESOURCES / "cityops_map.js")),
    ]
    fmap.default_css = [
        ("leaflet_css", _file_url(leaflet / "leaflet.css")),
        ("cluster_css", _file_url(cluster / "MarkerCluster.css")),
        ("cityops_css", _file_url(MAP_RESOURCES / "cityops_map.css")),
    ]
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr="intranet tiles").add_to(fmap)
    if geojson is not None:
        folium.GeoJson(
            dict(geojson),
            name="districts",
            style_function=lambda _f: {
                "color": "#5c6bc0",
                "weight": 1.5,
                "fillColor": "#e8eaf6",
                "fillOpacity": 0.35,
            },
            tooltip=folium.GeoJsonTooltip(fields=["name_zh"], labels=False),
        ).add_to(fmap)
    html: str = fmap.get_root().render()
    # After folium's own scripts (the map variable exists only once they ran).
    init = f"<script>cityopsInit({fmap.get_name()});</script>\n"
    return html.replace("</html>", init + "</html>") if "</html>" in html else html + init


class MapView(QWebEngineView):
    ready = Signal()
    marker_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, flush_ms: int = 200) -> None:
        super().__init__(parent)
        self.is_ready = False
        self._bridge = _Bridge(self)
        self._channel = QWebChannel(self)
        self._channel.registerObject("bridge", self._bridge)
        self.page().setWebChannel(self._channel)
        settings = self.page().settings()
        # The page is a local file that loads the Leaflet files next to it.
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, True)
        self._bridge.page_ready.connect(self._on_bridge_page_ready)
        self._bridge.marker_clicked.connect(self.marker_clicked)
        self._pending_add: dict[str, dict[str, Any]] = {}
        self._pending_remove: set[str] = set()
        self._flush = QTimer(self, interval=flush_ms)
        self._flush.timeout.connect(self.flush)
        self._folder = tempfile.TemporaryDirectory(prefix="cityops-map-")

    def load_map(
        self, geojson: Mapping[str, Any] | None = None, tile_url: str | None = None
    ) -> Path:
        page = Path(self._folder.name) / "map.html"
        page.write_text(build_page(geojson, tile_url), encoding="utf-8")
        self.is_ready = False
        self.load(QUrl.fromLocalFile(str(page)))
        return page

    def _on_bridge_page_ready(self) -> None:
        self.is_ready = True
        self._flush.start()
        self.flush()
        self.ready.emit()

    def apply(self, add: Iterable[Mapping[str, Any]] = (), remove: Iterable[str] = ()) -> None:
        """Queue markers to add or replace (by ``id``) and ids to remove; sent on the next flush."""
        for marker in add:
            key = str(marker["id"])
            self._pending_remove.discard(key)
            self._pending_add[key] = dict(marker)
        for key in remove:
            self._pending_add.pop(str(key), None)
            self._pending_remove.add(str(key))

    def flush(self) -> None:
        if not self.is_ready or not (self._pending_add or self._pending_remove):
            return
        batch = {"add": list(self._pending_add.values()), "remove": sorted(self._pending_remove)}
        self._pending_add, self._pending_remove = {}, set()
        self.page().runJavaScript(f"cityops.apply({json.dumps(batch, ensure_ascii=False)})")

    async def evaluate(self, expression: str) -> Any:
        """Evaluate a JavaScript expression in the page; its value comes back through JSON
        (PySide hands arrays and objects back as empty strings otherwise)."""
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def settle(value: Any) -> None:
            if not done.done():
                done.set_result(value)

        wrapped = f"(function () {{ var v = ({expression}); return JSON.stringify(v); }})()"
        self.page().runJavaScript(wrapped, 0, settle)
        text = await done
        return None if text in (None, "", "undefined") else json.loads(text)
