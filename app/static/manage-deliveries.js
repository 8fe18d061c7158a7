/* Manage repositories: an integration's recent webhook deliveries, with Replay. Part of
 * the page run by manage-repositories.js, sharing its helpers through gitbridge.manage. */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;
  var m = gb.manage = gb.manage || {};

  // -- recent deliveries ------------------------------------------------------------------

  function buildDeliveries(card) {
    var id = card.integration.id;
    var body = el("div", { className: "gb-deliveries-body" }, el("p", { className: "gb-muted gb-small", text: "Loading…" }));
    var node = m.details("deliveries-" + id, "Recent deliveries", body);
    card.deliveriesBody = body;
    node.addEventListener("toggle", function () {
      card.deliveriesOpen = node.open;
      if (node.open) { loadDeliveries(card); }
    });
    if (node.open) { card.deliveriesOpen = true; loadDeliveries(card); }
    card.deliveries.appendChild(node);
  }

  function loadDeliveries(card) {
    var id = card.integration.id;
    return gb.api("GET", "/integrations/" + id + "/deliveries").then(function (data) {
      renderDeliveries(card, (data && data.deliveries) || []);
    }, function (err) {
      gb.clear(card.deliveriesBody).appendChild(gb.message("error", "Could not load deliveries", err.message));
      gb.resize();
    });
  }

  function duration(ms) {
    if (typeof ms !== "number") { return ""; }
    return ms < 1000 ? ms + " ms" : (ms / 1000).toFixed(1) + " s";
  }

  function renderDeliveries(card, deliveries) {
    var body = gb.clear(card.deliveriesBody);
    var reload = el("button", { type: "button", className: "aui-button aui-button-compact", text: "Refresh",
      on: { click: function (ev) { gb.busy(ev.currentTarget, "Loading…", function () { return loadDeliveries(card); }); } } });
    if (!deliveries.length) {
      body.appendChild(el("p", { className: "gb-muted gb-small" },
        "No deliveries yet. Once the host sends its first webhook it shows here. ", reload));
      gb.resize();
      return;
    }
    body.appendChild(el("div", { className: "gb-deliveries-tools" },
      el("span", { className: "gb-muted gb-small", text: "The latest " + gb.plural(deliveries.length, "delivery", "deliveries") + ", newest first." }), reload));
    body.appendChild(el("div", { className: "gb-table-wrap" }, el("table", { className: "aui gb-deliveries" },
      el("thead", {}, el("tr", {}, ["Received", "Event", "Status", "Outcome", "Repositories", "Attempts", "Took", ""].map(function (h) {
        return el("th", { text: h });
      }))),
      el("tbody", {}, deliveries.map(function (d) { return deliveryRow(card, d); })))));
    gb.resize();
  }

  function deliveryRow(card, d) {
    var repos = d.repositories || [];
    var row = el("tr", { dataset: { deliveryId: d.id } },
      el("td", {}, gb.time(d.received_at)),
      el("td", {}, el("code", { text: d.event || "?" }), d.host ? el("div", { className: "gb-muted gb-small", text: d.host }) : null),
      el("td", { className: "gb-delivery-status" }, gb.lozenge(d.status || "?")),
      el("td", { className: "gb-delivery-outcome gb-break", text: d.outcome || "" }),
      el("td", { className: "gb-break" }, repos.length ? repos.map(function (r, i) {
        return [i ? ", " : "", typeof r === "string" ? r : (r.name || JSON.stringify(r))];
      }) : el("span", { className: "gb-muted", text: "none" })),
      el("td", { text: d.attempts !== undefined && d.attempts !== null ? String(d.attempts) : "" }),
      el("td", { title: d.processed_at ? "Processed " + new Date(d.processed_at).toLocaleString() : "", text: duration(d.processing_ms) }),
      el("td", {}, el("button", { type: "button", className: "aui-button aui-button-compact", "data-action": "replay", text: "Replay",
        disabled: d.status === "queued" || d.status === "processing",
        on: { click: function (ev) { replay(ev.currentTarget, card, d, row); } } })));
    return row;
  }

  function replay(button, card, delivery, row) {
    return gb.busy(button, "Queuing…", function () {
      return gb.api("POST", "/deliveries/" + delivery.id + "/replay").then(function (updated) {
        var next = deliveryRow(card, Object.assign({}, delivery, updated || { status: "queued" }));
        row.replaceWith(next);
        m.flash("success", null, "Delivery " + delivery.id + " queued to be processed again.");
        setTimeout(function () { if (card.deliveriesOpen) { loadDeliveries(card); } }, m.FAST_MS);
      });
    }).catch(m.actionFailed("Could not replay delivery " + delivery.id));
  }

  m.buildDeliveries = buildDeliveries;
  m.loadDeliveries = loadDeliveries;
}());
