// The hall's live alarm layer on a Leaflet map (loaded from the xstatic packages, offline).
//
// Python (widgets/map_view.py) sends batches: cityops.apply({layer, add: [...], remove: [...]}).
// An alarm marker is {id, lat, lon, severity, kind, state, district, device, name?} (the tooltip
// is made from it with config.names); a case marker
// (layer "cases") is {id, lat, lon, escalated, label}. Alarms draw on one canvas, colour = severity,
// shape = kind's family, fill = state; clusters show their count and take the colour of the worst
// severity inside. A filter ({kinds, severities, states, districts}: lists, or null for all)
// decides which alarms are shown; the others stay loaded, so changing it costs no round trip.
// Optional layers: "cases" (open cases, their own clusters) and "heat" (density of the shown
// alarms, Leaflet.heat). Clicks reach Python through the QWebChannel object "bridge"
// (markerClicked(id), caseClicked(id)); a standalone export has no bridge and just shows.
(function () {
  "use strict";
  var RANK = {critical: 4, major: 3, minor: 2, warning: 1};
  var COLOUR = {critical: "#d32f2f", major: "#f57c00", minor: "#fbc02d", warning: "#1976d2"};
  var SHELVED = "#9e9e9e";
  var CASE_COLOUR = "#6a1b9a";
  var ESCALATED_COLOUR = "#c2185b";
  // Kind families, told apart by shape where colour already says the severity.
  var SHAPE = {
    gas_overpressure: "triangle", gas_leak: "triangle",
    waterlogging: "circle", supply_pipe_leak: "circle", supply_night_flow: "circle",
    drainage_pipe_leak: "circle",
    underground_hazard: "square", manhole_cover: "square",
    bridge_overweight: "diamond", bridge_collision: "diamond",
    device_offline: "cross"
  };

  // A circle marker that draws its kind's shape: canvas hit-testing stays the circle's.
  L.Canvas.include({
    _updateShape: function (layer) {
      if (!this._drawing || layer._empty()) { return; }
      var p = layer._point, ctx = this._ctx, r = Math.max(Math.round(layer._radius), 1);
      ctx.beginPath();
      switch (layer.options.shape) {
        case "triangle":
          ctx.moveTo(p.x, p.y - r * 1.15);
          ctx.lineTo(p.x + r, p.y + r * 0.75);
          ctx.lineTo(p.x - r, p.y + r * 0.75);
          ctx.closePath();
          break;
        case "square":
          ctx.rect(p.x - r * 0.85, p.y - r * 0.85, r * 1.7, r * 1.7);
          break;
        case "diamond":
          ctx.moveTo(p.x, p.y - r * 1.2);
          ctx.lineTo(p.x + r, p.y);
          ctx.lineTo(p.x, p.y + r * 1.2);
          ctx.lineTo(p.x - r, p.y);
          ctx.closePath();
          break;
        case "cross":
          var a = r * 0.35;
          ctx.moveTo(p.x - r, p.y - a); ctx.lineTo(p.x - a, p.y - a); ctx.lineTo(p.x - a, p.y - r);
          ctx.lineTo(p.x + a, p.y - r); ctx.lineTo(p.x + a, p.y - a); ctx.lineTo(p.x + r, p.y - a);
          ctx.lineTo(p.x + r, p.y + a); ctx.lineTo(p.x + a, p.y + a); ctx.lineTo(p.x + a, p.y + r);
          ctx.lineTo(p.x - a, p.y + r); ctx.lineTo(p.x - a, p.y + a); ctx.lineTo(p.x - r, p.y + a);
          ctx.closePath();
          break;
        default:
          ctx.arc(p.x, p.y, r, 0, Math.PI * 2, false);
      }
      this._fillStroke(ctx, layer);
    }
  });
  var ShapeMarker = L.CircleMarker.extend({
    _updatePath: function () { this._renderer._updateShape(this); }
  });

  function worst(markers) {
    var best = null;
    for (var i = 0; i < markers.length; i++) {
      var s = markers[i].options.severity;
      if (best === null || (RANK[s] || 0) > (RANK[best] || 0)) { best = s; }
    }
    return best;
  }

  function clusterIcon(html, size) {
    return L.divIcon({html: html, className: "cityops-cluster-icon", iconSize: L.point(size, size)});
  }

  function sizeOf(n) { return n < 100 ? 34 : (n < 1000 ? 42 : 50); }

  function legendControl(labels) {
    var control = L.control({position: "bottomright"});
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "cityops-legend");
      var rows = [];
      ["critical", "major", "minor", "warning"].forEach(function (s) {
        rows.push('<span class="sw" style="background:' + COLOUR[s] + '"></span>'
          + (labels.severities[s] || s));
      });
      // The shapes as the canvas draws them (font glyphs differ in size from font to font).
      var glyph = {
        circle: '<circle cx="7" cy="7" r="6"/>',
        triangle: '<polygon points="7,0 14,12 0,12"/>',
        square: '<rect x="1" y="1" width="12" height="12"/>',
        diamond: '<polygon points="7,0 14,7 7,14 0,7"/>',
        cross: '<polygon points="5,0 9,0 9,5 14,5 14,9 9,9 9,14 5,14 5,9 0,9 0,5 5,5"/>'
      };
      (labels.shapes || []).forEach(function (pair) {
        rows.push('<svg class="glyph" width="14" height="14" viewBox="0 0 14 14">'
          + glyph[pair[0]] + "</svg>" + pair[1]);
      });
      if (labels.acked) {
        rows.push('<span class="sw" style="background:' + COLOUR.major + ';opacity:.5"></span>'
          + labels.acked);
      }
      if (labels.shelved) {
        rows.push('<span class="sw" style="background:' + SHELVED + '"></span>' + labels.shelved);
      }
      if (labels.cases) {
        rows.push('<span class="sw ring" style="border-color:' + CASE_COLOUR + '"></span>'
          + labels.cases);
      }
      div.innerHTML = (labels.title ? "<b>" + labels.title + "</b><br>" : "") + rows.join("<br>");
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    return control;
  }

  window.cityopsInit = function (map, config) {
    config = config || {};
    // Without tiles nothing sets a zoom range, and markercluster needs one.
    map.setMinZoom(8);
    map.setMaxZoom(18);
    var renderer = L.canvas({padding: 0.5});
    var clusters = L.markerClusterGroup({
      chunkedLoading: true,
      chunkProgress: function (processed, total) {
        // Large batches are added in chunks between frames: "loading" until the last one.
        if (window.cityops) { window.cityops.loading = processed < total; }
      },
      showCoverageOnHover: false,
      maxClusterRadius: 50,
      iconCreateFunction: function (cluster) {
        var severity = worst(cluster.getAllChildMarkers());
        var colour = COLOUR[severity] || "#607d8b";
        var n = cluster.getChildCount(), size = sizeOf(n);
        return clusterIcon('<div class="cityops-cluster" data-severity="' + severity
          + '" style="background:' + colour + ';width:' + size + 'px;height:' + size
          + 'px;line-height:' + size + 'px">' + n + '</div>', size);
      }
    });
    var caseClusters = L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      maxClusterRadius: 60,
      iconCreateFunction: function (cluster) {
        var n = cluster.getChildCount(), size = sizeOf(n) - 6;
        return clusterIcon('<div class="cityops-case-cluster" style="width:' + size
          + 'px;height:' + size + 'px;line-height:' + size + 'px">' + n + '</div>', size);
      }
    });
    var flashes = L.layerGroup().addTo(map);
    var MAX_FLASHES = 20;
    var rings = [];  // {ring, started}, oldest first
    var lastPulse = 0;
    function pulse() {
      var now = Date.now();
      while (rings.length && now - rings[0].started > 8000) {
        flashes.removeLayer(rings.shift().ring);
      }
      if (now - lastPulse >= 50) {  // 20 steps a second is smooth enough for a ring
        lastPulse = now;
        rings.forEach(function (r) {
          var t = ((now - r.started) / 1000) % 1;
          r.ring.setRadius(10 + 18 * t);
          r.ring.setStyle({opacity: 1 - t});
        });
      }
      if (rings.length) { L.Util.requestAnimFrame(pulse); }
    }
    var heat = null;  // made on first use (Leaflet.heat)
    map.addLayer(clusters);
    if (config.theme === "dark") {
      // The video wall: a dark map under the dark cockpit (the district layer is on the
      // canvas, so it is restyled here, not in CSS).
      map.getContainer().classList.add("cityops-dark");
      map.eachLayer(function (layer) {
        if (layer instanceof L.GeoJSON) {
          layer.setStyle({color: "#6f86d6", weight: 1.5, fillColor: "#16213a", fillOpacity: 0.8});
        }
      });
    }
    if (config.bounds) { map.fitBounds(config.bounds, {animate: false}); }
    var home = map.getCenter(), homeZoom = map.getZoom();
    if (config.legend) { legendControl(config.legend).addTo(map); }
    if (config.labels) {
      // District names under the markers (their own pane below the overlays), not clickable.
      map.createPane("cityopsLabels").style.zIndex = 350;
      config.labels.forEach(function (l) {
        L.marker([l[0], l[1]], {
          pane: "cityopsLabels", interactive: false, keyboard: false,
          icon: L.divIcon({className: "cityops-district-label", html: l[2], iconSize: null})
        }).addTo(map);
      });
    }
    var markers = {};  // alarm id → {marker, data, shown}
    var nShown = 0;  // how many of them the filter lets through (kept, not counted each time)
    var cases = {};  // case id → marker
    var filter = {kinds: null, severities: null, states: null, districts: null};
    var bridge = null;
    if (window.qt && window.QWebChannel) {
      new QWebChannel(qt.webChannelTransport, function (channel) {
        bridge = channel.objects.bridge;
        if (bridge) { bridge.pageReady(); }
      });
    }

    function passes(a) {
      return (filter.kinds === null || filter.kinds.indexOf(a.kind) >= 0)
        && (filter.severities === null || filter.severities.indexOf(a.severity) >= 0)
        && (filter.states === null || filter.states.indexOf(a.state) >= 0)
        && (filter.districts === null || filter.districts.indexOf(a.district) >= 0);
    }

    function make(a) {
      var shelved = a.state === "shelved";
      var cleared = a.state === "cleared_unack";
      var m = new ShapeMarker([a.lat, a.lon], {
        renderer: renderer,
        radius: a.severity === "critical" ? 9 : 7,
        color: shelved || cleared ? (COLOUR[a.severity] || "#607d8b") : "#ffffff",
        weight: shelved || cleared ? 2 : 1,
        fillColor: shelved ? SHELVED : (COLOUR[a.severity] || "#607d8b"),
        fillOpacity: cleared ? 0.2 : (a.state === "active_ack" ? 0.5 : 0.95),
        severity: a.severity,
        shape: SHAPE[a.kind] || "circle",
        alarmId: a.id
      });
      // Made when first shown: 50,000 tooltip texts would only cost memory.
      m.bindTooltip(function () { return labelOf(a); });
      m.on("click", function () { window.cityops.click(a.id); });
      return m;
    }

    function labelOf(a) {
      var names = config.names || {}, sev = names.severities || {}, kinds = names.kinds || {};
      return (sev[a.severity] || a.severity) + " · " + (kinds[a.kind] || a.kind) + " · "
        + (a.name || a.device || a.id);
    }

    function makeCase(c) {
      var m = L.circleMarker([c.lat, c.lon], {
        renderer: renderer,
        radius: 6,
        color: c.escalated ? ESCALATED_COLOUR : CASE_COLOUR,
        weight: 3,
        fillColor: "#ffffff",
        fillOpacity: 0.9,
        caseId: c.id
      });
      if (c.label) { m.bindTooltip(c.label); }
      m.on("click", function () { if (bridge) { bridge.caseClicked(c.id); } });
      return m;
    }

    function shownPoints() {
      var points = [];
      Object.keys(markers).forEach(function (id) {
        var e = markers[id];
        if (e.shown) { points.push([e.data.lat, e.data.lon, (RANK[e.data.severity] || 1) / 4]); }
      });
      return points;
    }

    var heatDirty = false;
    function refreshHeat() {
      // At most once a frame however many batches arrive.
      if (!heat || !map.hasLayer(heat) || heatDirty) { return; }
      heatDirty = true;
      L.Util.requestAnimFrame(function () { heatDirty = false; heat.setLatLngs(shownPoints()); });
    }

    function applyCases(batch) {
      var remove = [], add = [];
      (batch.remove || []).forEach(function (id) {
        if (cases[id]) { remove.push(cases[id]); delete cases[id]; }
      });
      (batch.add || []).forEach(function (c) {
        if (cases[c.id]) { remove.push(cases[c.id]); }
        cases[c.id] = makeCase(c);
        add.push(cases[c.id]);
      });
      if (remove.length) { caseClusters.removeLayers(remove); }
      if (add.length) { caseClusters.addLayers(add); }
      return Object.keys(cases).length;
    }

    function applyBatch(batch) {
      if (batch.layer === "cases") { return applyCases(batch); }
      var remove = [];
      (batch.remove || []).forEach(function (id) {
        var e = markers[id];
        if (e) { if (e.shown) { remove.push(e.marker); nShown--; } delete markers[id]; }
      });
      var add = [];
      (batch.add || []).forEach(function (a) {
        var old = markers[a.id];
        if (old && old.shown) { remove.push(old.marker); nShown--; }
        var e = {marker: make(a), data: a, shown: passes(a)};
        markers[a.id] = e;
        if (e.shown) { add.push(e.marker); nShown++; }
      });
      if (remove.length) { clusters.removeLayers(remove); }
      if (add.length) {
        window.cityops.loading = true;  // until chunkProgress reports the last chunk
        clusters.addLayers(add);
      }
      refreshHeat();
      return window.cityops.count();
    }

    window.cityops = {
      map: map,
      loading: false,
      stats: {applies: 0, ms: 0, maxMs: 0},
      apply: function (batch) {
        var started = performance.now();
        try { return applyBatch(batch); } finally {
          // Time spent in the page per batch (benchmarks read it; cheap to keep).
          var ms = performance.now() - started, st = window.cityops.stats;
          st.applies += 1; st.ms += ms; st.maxMs = Math.max(st.maxMs, ms);
        }
      },
      setFilter: function (f) {
        filter = {
          kinds: f.kinds || null, severities: f.severities || null,
          states: f.states || null, districts: f.districts || null
        };
        var add = [], remove = [];
        Object.keys(markers).forEach(function (id) {
          var e = markers[id], now = passes(e.data);
          if (now && !e.shown) { add.push(e.marker); nShown++; }
          if (!now && e.shown) { remove.push(e.marker); nShown--; }
          e.shown = now;
        });
        if (remove.length) { clusters.removeLayers(remove); }
        if (add.length) { window.cityops.loading = true; clusters.addLayers(add); }
        refreshHeat();
        return window.cityops.count();
      },
      showLayer: function (name, on) {
        if (name === "cases") {
          if (on) { map.addLayer(caseClusters); } else { map.removeLayer(caseClusters); }
        } else if (name === "heat") {
          if (on) {
            if (!heat) { heat = L.heatLayer([], {radius: 22, blur: 18, maxZoom: 14, minOpacity: 0.3}); }
            map.addLayer(heat);
            heat.setLatLngs(shownPoints());
          } else if (heat) {
            map.removeLayer(heat);
          }
        }
        return window.cityops.layers();
      },
      layers: function () {
        return {
          alarms: map.hasLayer(clusters),
          cases: map.hasLayer(caseClusters),
          heat: heat !== null && map.hasLayer(heat)
        };
      },
      // Shown alarms (those the filter lets through), all loaded ones, loaded cases.
      count: function () { return nShown; },
      total: function () { return Object.keys(markers).length; },
      caseCount: function () { return Object.keys(cases).length; },
      shownIds: function () {
        return Object.keys(markers).filter(function (id) { return markers[id].shown; }).sort();
      },
      heatPoints: function () { return heat && map.hasLayer(heat) ? heat._latlngs.length : 0; },
      colour: function (id) { return markers[id] ? markers[id].marker.options.fillColor : null; },
      style: function (id) {
        var e = markers[id];
        if (!e) { return null; }
        var o = e.marker.options;
        return {fill: o.fillColor, stroke: o.color, opacity: o.fillOpacity, shape: o.shape,
          shown: e.shown};
      },
      clusters: function () {
        // What the map shows now: each cluster drawn, its count and colour-giving severity.
        var out = [];
        map.eachLayer(function (layer) {
          if (layer instanceof L.MarkerCluster && layer._group === clusters) {
            out.push({count: layer.getChildCount(), severity: worst(layer.getAllChildMarkers())});
          }
        });
        return out;
      },
      visible: function () {
        // What the eye sees in the current view: clusters (count, colour-giving severity) and
        // single markers; together they account for every shown alarm in view.
        var out = {clusters: [], singles: 0};
        var bounds = map.getBounds();
        map.eachLayer(function (layer) {
          if (layer instanceof L.MarkerCluster && layer._group === clusters) {
            if (bounds.contains(layer.getLatLng())) {
              out.clusters.push({count: layer.getChildCount(),
                severity: worst(layer.getAllChildMarkers())});
            }
          } else if (layer.options && layer.options.alarmId && bounds.contains(layer.getLatLng())) {
            out.singles += 1;
          }
        });
        return out;
      },
      fit: function () {
        var b = clusters.getBounds();
        if (b.isValid()) { map.fitBounds(b, {padding: [30, 30], animate: false}); }
        return map.getZoom();
      },
      click: function (id) { if (bridge) { bridge.markerClicked(id); } },
      clickCase: function (id) { if (bridge) { bridge.caseClicked(id); } },
      flash: function (ids, follow) {
        // A pulsing ring where a new critical alarm is (drawn above any cluster), ~8 s. All
        // rings share one animation loop, and only the newest MAX_FLASHES pulse: in a storm
        // dozens arrive a second, and one loop per ring would starve the page.
        // ids: the alarms to flash; follow: the one to pan to (or null).
        var idle = rings.length === 0, n = 0;
        ids.forEach(function (id) {
          var e = markers[id];
          if (!e) { return; }
          var ring = L.circleMarker([e.data.lat, e.data.lon], {
            renderer: renderer, radius: 10, color: COLOUR.critical, weight: 4, fill: false,
            interactive: false
          }).addTo(flashes);
          rings.push({ring: ring, started: Date.now()});
          n++;
        });
        while (rings.length > MAX_FLASHES) { flashes.removeLayer(rings.shift().ring); }
        var target = follow ? markers[follow] : null;
        var zoom = config.followZoom || 14;
        if (target) { map.setView([target.data.lat, target.data.lon], Math.max(map.getZoom(), zoom)); }
        if (idle && rings.length) { L.Util.requestAnimFrame(pulse); }
        return n;
      },
      flashing: function () { return flashes.getLayers().length; },
      focus: function (lat, lon, zoom) { map.setView([lat, lon], zoom || map.getZoom()); },
      home: function () {
        // Back to the opening view (the whole city on the wall) after following an alarm.
        if (config.bounds) { map.fitBounds(config.bounds); } else { map.setView(home, homeZoom); }
      },
      view: function () {
        var c = map.getCenter();
        return {lat: c.lat, lon: c.lng, zoom: map.getZoom()};
      }
    };
  };
})();
