// The hall's live alarm layer on a Leaflet map (loaded from the xstatic packages, offline).
// Python (widgets/map_view.py) sends batches: cityops.apply({add: [...], remove: [...]}); a
// marker is {id, lat, lon, severity, kind, state, label}. Markers draw on one canvas; clusters
// show their count and take the colour of the worst severity inside. Clicks reach Python
// through the QWebChannel object "bridge" (markerClicked(id)).
(function () {
  "use strict";
  var RANK = {critical: 4, major: 3, minor: 2, warning: 1};
  var COLOUR = {critical: "#d32f2f", major: "#f57c00", minor: "#fbc02d", warning: "#1976d2"};

  function worst(markers) {
    var best = null;
    for (var i = 0; i < markers.length; i++) {
      var s = markers[i].options.severity;
      if (best === null || (RANK[s] || 0) > (RANK[best] || 0)) { best = s; }
    }
    return best;
  }

  window.cityopsInit = function (map) {
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
        var n = cluster.getChildCount();
        var size = n < 100 ? 34 : (n < 1000 ? 42 : 50);
        return L.divIcon({
          html: '<div class="cityops-cluster" data-severity="' + severity + '" style="background:'
            + colour + ';width:' + size + 'px;height:' + size + 'px;line-height:' + size
            + 'px">' + n + '</div>',
          className: "cityops-cluster-icon",
          iconSize: L.point(size, size)
        });
      }
    });
    map.addLayer(clusters);
    var markers = {};
    var bridge = null;
    if (window.qt && window.QWebChannel) {
      new QWebChannel(qt.webChannelTransport, function (channel) {
        bridge = channel.objects.bridge;
        if (bridge) { bridge.pageReady(); }
      });
    }

    function make(a) {
      var m = L.circleMarker([a.lat, a.lon], {
        renderer: renderer,
        radius: a.severity === "critical" ? 9 : 7,
        color: "#ffffff",
        weight: 1,
        fillColor: COLOUR[a.severity] || "#607d8b",
        fillOpacity: a.state === "active_ack" ? 0.55 : 0.95,
        severity: a.severity,
        alarmId: a.id
      });
      if (a.label) { m.bindTooltip(a.label); }
      m.on("click", function () { window.cityops.click(a.id); });
      return m;
    }

    window.cityops = {
      map: map,
      loading: false,
      apply: function (batch) {
        var remove = [];
        (batch.remove || []).forEach(function (id) {
          if (markers[id]) { remove.push(markers[id]); delete markers[id]; }
        });
        var add = [];
        (batch.add || []).forEach(function (a) {
          if (markers[a.id]) { remove.push(markers[a.id]); }
          markers[a.id] = make(a);
          add.push(markers[a.id]);
        });
        if (remove.length) { clusters.removeLayers(remove); }
        if (add.length) {
          window.cityops.loading = true;  // until chunkProgress reports the last chunk
          clusters.addLayers(add);
        }
        return Object.keys(markers).length;
      },
      count: function () { return Object.keys(markers).length; },
      colour: function (id) { return markers[id] ? markers[id].options.fillColor : null; },
      clusters: function () {
        // What the map shows now: each cluster drawn, its count and colour-giving severity.
        var out = [];
        map.eachLayer(function (layer) {
          if (layer instanceof L.MarkerCluster) {
            out.push({count: layer.getChildCount(), severity: worst(layer.getAllChildMarkers())});
          }
        });
        return out;
      },
      click: function (id) { if (bridge) { bridge.markerClicked(id); } },
      focus: function (lat, lon, zoom) { map.setView([lat, lon], zoom || map.getZoom()); }
    };
  };
})();
