"""An offline Leaflet map in QtWebEngine with live layers of alarms and cases.

Offers ``MapView(QWebEngineView)`` to the alarm map window and the cockpit: ``load_map(geojson,
config=legend)`` builds the page with folium (Leaflet, markercluster from the ``xstatic``
packages and the vendored Leaflet.heat, no CDN: the hall is on a government network; the base
layer is the district GeoJSON; optional intranet ``tile_url``), writes it to a file and loads
it (no ``setHtml`` size limit). ``apply(add, remove, layer=)`` queues marker changes; they go to
the page in one ``runJavaScript`` call per layer every ``flush_ms`` (batched calls beat one per
marker 2–3×, DESIGN §8). ``set_filter(kinds=, severities=, states=, districts=)``,
``show_layer("cases"|"heat", on)`` and ``flash(ids, follow=)`` act in the page. Signals: ``ready``
once the page and its QWebChannel are up, ``marker_clicked(str)``, ``case_clicked(str)``,
``landed(ids)`` when a batch is in. ``evaluate(js)`` awaits a JavaScript value (tests read the
page with it). ``standalone_page(...)`` is the same map as one self-contained HTML file (export).
"""

from __future__ import annotations

import asyncio
import base64
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
    case_clicked = Signal(str)

    @Slot()
    def pageReady(self) -> None:  # noqa: N802 (called from JavaScript)
        self.page_ready.emit()

    @Slot(str)
    def markerClicked(self, alarm_id: str) -> None:  # noqa: N802 (called from JavaScript)
        self.marker_clicked.emit(alarm_id)

    @Slot(str)
    def caseClicked(self, case_id: str) -> None:  # noqa: N802 (called from JavaScript)
        self.case_clicked.emit(case_id)


def _asset_url(path: Path, inline: bool) -> str:
    if not inline:
        return _file_url(path)
    # A standalone export carries its scripts and styles inside (data URLs): it opens offline,
    # from a mail attachment, with no package folder next to it.
    mime = "text/css" if path.suffix == ".css" else "text/javascript"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def build_page(
    geojson: Mapping[str, Any] | None,
    tile_url: str | None = None,
    *,
    config: Mapping[str, Any] | None = None,
    inline: bool = False,
    after_init: str = "",
) -> str:
    """The map page as HTML: local Leaflet, markercluster, Leaflet.heat, the district layer and
    (not ``inline``) the bridge. ``config`` goes to ``cityopsInit`` (legend labels);
    ``inline`` embeds every asset (a standalone report); ``after_init`` is script run once the
    page's ``cityops`` object exists (the export's data)."""
    fmap = folium.Map(location=HANGZHOU, zoom_start=10, tiles=None, prefer_canvas=True)
    # Only what the page needs, from the packages on disk: folium's defaults are CDN links.
    leaflet, cluster = Path(xs_leaflet.BASE_DIR), Path(xs_cluster.BASE_DIR)
    js = [
        ("leaflet", leaflet / "leaflet.js"),
        ("markercluster", cluster / "leaflet.markercluster.js"),
        ("leaflet_heat", MAP_RESOURCES / "vendor" / "leaflet-heat.js"),
        ("cityops", MAP_RESOURCES / "cityops_map.js"),
    ]
    fmap.default_js = [(name, _asset_url(path, inline)) for name, path in js]
    if not inline:
        fmap.default_js.insert(3, ("qwebchannel", "qrc:///qtwebchannel/qwebchannel.js"))
    css = [
        ("leaflet_css", leaflet / "leaflet.css"),
        ("cluster_css", cluster / "MarkerCluster.css"),
        ("cityops_css", MAP_RESOURCES / "cityops_map.css"),
    ]
    fmap.default_css = [(name, _asset_url(path, inline)) for name, path in css]
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
    settings = json.dumps(dict(config or {}), ensure_ascii=False)
    init = f"<script>cityopsInit({fmap.get_name()}, {settings});{after_init}</script>\n"
    return html.replace("</html>", init + "</html>") if "</html>" in html else html + init


def standalone_page(
    geojson: Mapping[str, Any] | None,
    alarms: Iterable[Mapping[str, Any]],
    cases: Iterable[Mapping[str, Any]] = (),
    *,
    config: Mapping[str, Any] | None = None,
    view: Mapping[str, float] | None = None,
    heat: bool = False,
) -> str:
    """One HTML file that shows ``alarms`` (and ``cases``) as the hall's map does — same
    script, same colours and clusters — with everything inside: for reports and mail."""
    steps = [f"cityops.apply({json.dumps({'add': list(alarms)}, ensure_ascii=False)});"]
    case_list = list(cases)
    if case_list:
        batch = {"layer": "cases", "add": case_list}
        steps.append(f"cityops.apply({json.dumps(batch, ensure_ascii=False)});")
        steps.append("cityops.showLayer('cases', true);")
    if heat:
        steps.append("cityops.showLayer('heat', true);")
    if view:
        steps.append(
            f"cityops.focus({float(view['lat'])}, {float(view['lon'])}, {int(view['zoom'])});"
        )
    return build_page(geojson, config=config, inline=True, after_init="".join(steps))


class _Pending:
    """Marker changes of one layer waiting for the next flush (the newest per id wins)."""

    def __init__(self) -> None:
        self.add: dict[str, dict[str, Any]] = {}
        self.remove: set[str] = set()

    def __bool__(self) -> bool:
        return bool(self.add or self.remove)


class MapView(QWebEngineView):
    ready = Signal()
    marker_clicked = Signal(str)
    case_clicked = Signal(str)
    #: After a flushed batch is in the page: the ids it added, replaced or removed (benchmarks
    #: time store → visible with it).
    landed = Signal(list)

    LAYERS = ("alarms", "cases")

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
        self._bridge.case_clicked.connect(self.case_clicked)
        self._pending = {layer: _Pending() for layer in self.LAYERS}
        #: Batches already in JSON (a window's first load, serialised off the UI thread).
        self._serialised: list[tuple[str, list[str]]] = []
        #: Calls made before the page was up (filters, layers), run in order once it is.
        self._deferred: list[str] = []
        self._flush = QTimer(self, interval=flush_ms)
        self._flush.timeout.connect(self.flush)
        self._folder = tempfile.TemporaryDirectory(prefix="cityops-map-")

    def load_map(
        self,
        geojson: Mapping[str, Any] | None = None,
        tile_url: str | None = None,
        *,
        config: Mapping[str, Any] | None = None,
    ) -> Path:
        return self.load_page(build_page(geojson, tile_url, config=config))

    def load_page(self, html: str) -> Path:
        """Load a page made by ``build_page`` (callers build it off the UI thread: folium
        takes a while over the district layer)."""
        page = Path(self._folder.name) / "map.html"
        page.write_text(html, encoding="utf-8")
        self.is_ready = False
        self.load(QUrl.fromLocalFile(str(page)))
        return page

    def _on_bridge_page_ready(self) -> None:
        self.is_ready = True
        self._flush.start()
        self.flush()
        self.ready.emit()

    def apply(
        self,
        add: Iterable[Mapping[str, Any]] = (),
        remove: Iterable[str] = (),
        *,
        layer: str = "alarms",
    ) -> None:
        """Queue markers of ``layer`` to add or replace (by ``id``) and ids to remove; sent on
        the next flush."""
        pending = self._pending[layer]
        for marker in add:
            key = str(marker["id"])
            pending.remove.discard(key)
            pending.add[key] = dict(marker)
        for key in remove:
            pending.add.pop(str(key), None)
            pending.remove.add(str(key))

    def apply_serialised(self, batch_json: str, ids: list[str]) -> None:
        """Queue a whole batch already serialised (``{"layer", "add", "remove"}`` as JSON)
        naming ``ids``: a window's first 50,000 markers are made into JSON in a worker thread,
        not on the UI thread. Sent on the next flush, before the changes queued after it."""
        self._serialised.append((batch_json, ids))

    @staticmethod
    def serialise(layer: str, add: Iterable[Mapping[str, Any]]) -> tuple[str, list[str]]:
        """A batch as ``apply_serialised`` takes it (callable from any thread)."""
        markers = list(add)
        text = json.dumps({"layer": layer, "add": markers, "remove": []}, ensure_ascii=False)
        return text, [str(m["id"]) for m in markers]

    def set_filter(
        self,
        *,
        kinds: Iterable[str] | None = None,
        severities: Iterable[str] | None = None,
        states: Iterable[str] | None = None,
        districts: Iterable[str] | None = None,
    ) -> None:
        """Show only alarms whose kind, severity, state and district are in the given lists
        (``None``: any). The page filters what it holds: no markers travel again."""
        spec = {
            "kinds": None if kinds is None else sorted(kinds),
            "severities": None if severities is None else sorted(severities),
            "states": None if states is None else sorted(states),
            "districts": None if districts is None else sorted(districts),
        }
        self._call(f"cityops.setFilter({json.dumps(spec)})")

    def show_layer(self, name: str, on: bool) -> None:
        """Show or hide the "cases" or "heat" layer."""
        self._call(f"cityops.showLayer({json.dumps(name)}, {json.dumps(bool(on))})")

    def flash(self, alarm_ids: Iterable[str], *, follow: str | None = None) -> None:
        """Pulsing rings at these alarms (the newest 20 pulse); the map pans (and zooms in) to
        ``follow`` when given."""
        self._call(f"cityops.flash({json.dumps(list(alarm_ids))}, {json.dumps(follow)})")

    def home(self) -> None:
        """Back to the view the page opened on."""
        self._call("cityops.home()")

    def _call(self, script: str) -> None:
        # After the markers queued before it, so a flash finds the alarm it names.
        if not self.is_ready:
            self._deferred.append(script)
            return
        self.flush()
        self.page().runJavaScript(script)

    def flush(self) -> None:
        if not self.is_ready:
            return
        serialised, self._serialised = self._serialised, []
        for text, ids in serialised:
            self.page().runJavaScript(
                f"cityops.apply({text})", 0, lambda _count, ids=ids: self.landed.emit(ids)
            )
        for layer, pending in self._pending.items():
            if not pending:
                continue
            batch = {
                "layer": layer,
                "add": list(pending.add.values()),
                "remove": sorted(pending.remove),
            }
            ids = [*pending.add, *pending.remove]
            self._pending[layer] = _Pending()
            self.page().runJavaScript(
                f"cityops.apply({json.dumps(batch, ensure_ascii=False)})",
                0,
                lambda _count, ids=ids: self.landed.emit(ids),
            )
        deferred, self._deferred = self._deferred, []
        for script in deferred:
            self.page().runJavaScript(script)

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
