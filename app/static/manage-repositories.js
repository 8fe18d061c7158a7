/* Manage repositories (admin page): the tenant's integrations and their repositories,
 * kept live by polling; per integration Edit, Scan now, Disable/Enable, Reindex all,
 * Disconnect, its webhook (values, set-up steps, secret regeneration) and its recent
 * webhook deliveries with Replay. The "Add integration" wizard is integration-wizard.js;
 * its quick start (one repository by clone URL) is the form handled here. */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;

  var FAST_MS = 2000;    // while anything is queued or indexing
  var SLOW_MS = 15000;   // otherwise
  var HIDDEN_MS = 60000; // while the page is in a background tab

  var AUTH_LABELS = {
    none: "None (public)",
    basic: "Username and password",
    pat: "Access token",
    ssh: "SSH private key",
    oauth: "OAuth",
    aws: "AWS credentials"
  };
  var ACTIVE = { queued: true, indexing: true };
  var JIRA_ACTIVE = { queued: true, backfilling: true, sending: true };

  var listNode = document.getElementById("gb-integrations");
  var listMessage = document.getElementById("gb-list-message");
  var hostKinds = {};
  var state = {
    cards: new Map(),   // integration id -> {node, head, repos, json}
    rows: new Map(),    // repository id -> {node, json}
    open: new Set(),    // ids of <details> the admin opened, kept across refreshes
    timer: null,
    stopped: false,
    loaded: false,
    autoOpened: false
  };

  // -- flash messages ---------------------------------------------------------------

  var flashTimer = null;
  function flash(kind, title, text) {
    clearTimeout(flashTimer);
    gb.clear(listMessage).appendChild(gb.message(kind, title, text));
    if (kind === "success") {
      flashTimer = setTimeout(function () { gb.clear(listMessage); }, 8000);
    }
  }

  function actionFailed(what) {
    return function (err) { flash("error", what, err && err.message ? err.message : String(err)); };
  }

  // -- loading and polling ----------------------------------------------------------

  function load() {
    return gb.api("GET", "/integrations").then(function (data) {
      var integrations = data.integrations || [];
      return Promise.all(integrations.map(function (integration) {
        return gb.api("GET", "/integrations/" + integration.id + "/repositories").then(
          function (r) { return r.repositories || []; },
          function (err) { if (err.status === 404) { return null; } throw err; });
      })).then(function (lists) {
        var rows = [];
        integrations.forEach(function (integration, i) {
          if (lists[i] !== null) { rows.push({ integration: integration, repositories: lists[i] }); }
        });
        return rows;
      });
    });
  }

  function schedule(rows) {
    clearTimeout(state.timer);
    if (state.stopped) { return; }
    var active = rows && rows.some(function (row) {
      return row.repositories.some(function (r) { return ACTIVE[r.status] || JIRA_ACTIVE[(r.devinfo || {}).status]; });
    });
    var delay = document.hidden ? HIDDEN_MS : (active ? FAST_MS : SLOW_MS);
    state.timer = setTimeout(refresh, delay);
  }

  var inflight = null;
  /* Load and render now. A call during a load waits for it and loads again, so what an
   * action just changed is always shown. */
  function refresh() {
    clearTimeout(state.timer);
    if (inflight) { return inflight.then(refresh); }
    inflight = load().then(function (rows) {
      render(rows);
      if (listMessage.dataset.pollError) { gb.clear(listMessage); delete listMessage.dataset.pollError; }
      schedule(rows);
    }, function (err) {
      if (err.status === 401 || err.status === 403) { state.stopped = true; }
      if (!state.loaded) {
        listNode.removeAttribute("aria-busy");
        gb.clear(listNode).appendChild(gb.message("error", "Could not load repositories", err.message));
      } else {
        flash("warning", "Could not refresh the list", err.message);
        listMessage.dataset.pollError = "1";
      }
      schedule(null);
    }).finally(function () { inflight = null; });
    return inflight;
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !state.stopped) { refresh(); }
  });

  // -- rendering ----------------------------------------------------------------------

  function render(rows) {
    state.loaded = true;
    listNode.removeAttribute("aria-busy");
    var empty = listNode.querySelector(".gb-empty");
    if (!rows.length) {
      state.cards.forEach(function (card) { card.node.remove(); });
      state.cards.clear();
      state.rows.clear();
      if (!empty) {
        gb.clear(listNode).appendChild(el("div", { className: "gb-empty" },
          el("p", { className: "gb-empty-title", text: "No repositories connected yet" }),
          el("p", { text: "Add an integration: a host account (GitHub, GitLab, Bitbucket…), webhook indexing, or one repository by its clone URL." })));
      }
      if (!state.autoOpened) { state.autoOpened = true; openForm(false); }
      return;
    }
    if (empty || !state.cards.size) { gb.clear(listNode); }
    var seen = new Set();
    var seenRepos = new Set();
    rows.forEach(function (row, index) {
      var card = upsertCard(row.integration);
      seen.add(row.integration.id);
      placeAt(listNode, card.node, index);
      renderRepositories(card, row.repositories, seenRepos);
    });
    state.cards.forEach(function (card, id) {
      if (!seen.has(id)) { card.node.remove(); state.cards.delete(id); }
    });
    state.rows.forEach(function (row, id) {
      if (!seenRepos.has(id)) { row.node.remove(); state.rows.delete(id); }
    });
    gb.refreshTimes(listNode);
  }

  /* Insert ``node`` at ``index`` only when it is not already there, so the focused
   * element is not detached by needless moves. */
  function placeAt(parent, node, index) {
    if (parent.children[index] !== node) { parent.insertBefore(node, parent.children[index] || null); }
  }

  /* Rebuild ``node``'s content, keeping focus on the same action if it had it. */
  function rebuild(node, build) {
    var focused = node.contains(document.activeElement) ? document.activeElement : null;
    var action = focused && focused.getAttribute("data-action");
    gb.clear(node);
    build(node);
    if (action) {
      var again = node.querySelector('[data-action="' + action + '"]');
      if (again) { again.focus(); }
    }
  }

  function upsertCard(integration) {
    var card = state.cards.get(integration.id);
    var json = JSON.stringify(integration);
    if (!card) {
      var head = el("div", { className: "gb-integration-head" });
      var edit = el("div", { className: "gb-integration-edit", hidden: true });
      var deliveries = el("div", { className: "gb-integration-deliveries" });
      var repos = el("div", { className: "gb-repos", role: "list" });
      card = {
        node: el("article", { className: "gb-integration", dataset: { integrationId: integration.id } },
          head, edit, deliveries, repos),
        head: head, edit: edit, deliveries: deliveries, repos: repos, json: null, integration: integration
      };
      state.cards.set(integration.id, card);
      buildDeliveries(card);
    }
    card.integration = integration;
    if (card.json !== json) {
      var first = card.json === null;
      card.json = json;
      rebuild(card.head, function (node) { buildIntegrationHead(node, integration, card); });
      if (!first && card.deliveriesOpen) { loadDeliveries(card); }
    }
    return card;
  }

  function details(id, summary, content) {
    var node = el("details", { className: "gb-details" }, el("summary", {}, summary), content);
    if (state.open.has(id)) { node.open = true; }
    node.addEventListener("toggle", function () {
      if (node.open) { state.open.add(id); } else { state.open.delete(id); }
      gb.resize();
    });
    return node;
  }

  function authText(auth) {
    var text = AUTH_LABELS[auth.type] || auth.type;
    return auth.username ? text + " (" + auth.username + ")" : text;
  }

  function kindName(kind) { return (hostKinds[kind] && hostKinds[kind].name) || kind; }

  function isAccount(integration) {
    return integration.mode !== "webhook" && !!gb.wizard.accountKinds[integration.kind];
  }

  function onOff(value) { return value ? "on" : "off"; }

  function buildIntegrationHead(node, integration, card) {
    var settings = integration.settings || {};
    var keys = settings.project_keys;
    var enabled = settings.enabled !== false;
    var webhookMode = integration.mode === "webhook";
    var account = isAccount(integration);
    node.appendChild(el("div", { className: "gb-integration-title" },
      el("div", { className: "gb-title-text" },
        el("h3", { text: integration.display_name }),
        el("span", { className: "aui-lozenge aui-lozenge-subtle gb-lozenge", title: kindName(integration.kind), text: integration.kind }),
        webhookMode ? el("span", { className: "aui-lozenge aui-lozenge-subtle aui-lozenge-complete gb-lozenge", text: "webhook indexing" }) : null,
        integration.status && integration.status !== "active"
          ? el("span", { className: "gb-integration-status" }, gb.lozenge(integration.status)) : null,
        !enabled ? gb.lozenge("disabled") : null),
      el("div", { className: "gb-actions" },
        el("button", { type: "button", className: "aui-button", "data-action": "edit", text: "Edit",
          "aria-expanded": card.edit.hidden ? "false" : "true",
          on: { click: function () { toggleEdit(card); } } }),
        account ? el("button", { type: "button", className: "aui-button", "data-action": "scan", text: "Scan now",
          title: "List the host's repositories again: connect new ones, disconnect removed ones",
          on: { click: function (ev) { scan(ev.currentTarget, integration); } } }) : null,
        el("button", { type: "button", className: "aui-button", "data-action": "toggle-enabled", text: enabled ? "Disable" : "Enable",
          on: { click: function (ev) { setEnabled(ev.currentTarget, integration, !enabled); } } }),
        webhookMode ? null : el("button", { type: "button", className: "aui-button", "data-action": "reindex-all", text: "Reindex all",
          on: { click: function (ev) { reindexAll(ev.currentTarget, integration); } } }),
        el("button", { type: "button", className: "aui-button gb-button-danger-subtle", "data-action": "disconnect", text: "Disconnect",
          on: { click: function () { disconnect(integration); } } }))));

    var login = integration.account && integration.account.login;
    var repositories = settings.repositories;
    var features = [];
    if (account) { features.push("indexing triggers " + onOff(settings.indexing_triggers !== false)); }
    if (account) { features.push("require user PAT " + onOff(!!settings.require_user_pat)); }
    features.push("smart commits " + onOff(settings.smart_commits !== false));
    features.push("Jira Development panel " + onOff(settings.devinfo !== false));
    node.appendChild(el("dl", { className: "gb-facts" },
      el("dt", { text: "Host" }), el("dd", {}, kindName(integration.kind),
        integration.base_url ? [" · ", el("code", { className: "gb-break", text: integration.base_url })] : null),
      integration.url ? [el("dt", { text: "URL" }), el("dd", {}, el("code", { className: "gb-break", text: integration.url }))] : null,
      login ? [el("dt", { text: "Account" }), el("dd", { className: "gb-account" }, el("strong", { text: login }),
        integration.account.name ? " (" + integration.account.name + ")" : "")] : null,
      webhookMode ? null : [el("dt", { text: "Authentication" }), el("dd", { text: authText(integration.auth || {}) })],
      account ? [el("dt", { text: "Repositories" }), el("dd", { text: repositories === "all" || !repositories
        ? "All, including ones added later" : gb.plural(repositories.length, "chosen repository", "chosen repositories") })] : null,
      el("dt", { text: "Jira projects" }),
      el("dd", { text: keys && keys.length ? keys.join(", ") : "All projects" }),
      el("dt", { text: "Features" }), el("dd", { className: "gb-features", text: features.join(" · ") })));

    if (integration.error) {
      node.appendChild(el("div", { className: "aui-message aui-message-error gb-integration-error", role: "alert" },
        el("p", { className: "title" }, el("strong", { text: "Problem with this integration" })),
        el("p", { className: "gb-error-text", text: integration.error })));
    }

    if (integration.host_keys && integration.host_keys.length) {
      node.appendChild(el("div", { className: "gb-host-keys" },
        el("p", { className: "gb-small" }, el("strong", { text: "SSH host key fingerprints" }),
          " (pinned on first connection; compare them with your git server's own, e.g. ",
          el("code", { text: "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub" }), ")"),
        el("ul", { className: "gb-fingerprints" }, integration.host_keys.map(function (line) {
          return el("li", {}, el("code", { text: line }));
        }))));
    }

    node.appendChild(details("webhook-" + integration.id, "Webhook", webhookSection(integration)));
  }

  function webhookSection(integration) {
    var webhook = integration.webhook || {};
    var auto = isAccount(integration) && (integration.settings || {}).indexing_triggers !== false;
    var regenerate = el("button", { type: "button", className: "aui-button aui-button-compact", "data-action": "regenerate",
      text: "Regenerate secret", on: { click: function (ev) { regenerateSecret(ev.currentTarget, integration); } } });
    return el("div", { className: "gb-webhook" },
      el("p", { className: "gb-small" },
        integration.mode === "webhook"
          ? "This integration is built from what the host sends to this URL. "
          : auto ? "Gitbridge creates this webhook on each repository itself (indexing triggers); add it by hand only where a repository below says it could not. "
            : "With this webhook on the host, pushes are indexed within seconds instead of at the next scheduled check. ",
        "Last delivery: ", gb.time(webhook.last_delivery_at), "."),
      gb.webhookSetup.values(webhook),
      el("div", { className: "gb-regenerate" }, regenerate,
        el("span", { className: "gb-muted gb-small" },
          webhook.previous_secret_expires_at
            ? ["The previous secret keeps working until ", gb.time(webhook.previous_secret_expires_at), "."]
            : "After regenerating, the old secret keeps working for 24 hours while you update the hosts.")),
      el("details", { className: "gb-details gb-setup-steps" }, el("summary", {}, "Set-up steps for " + kindName(integration.kind)),
        gb.webhookSetup.steps(integration.kind, webhook)));
  }

  // -- edit -----------------------------------------------------------------------------

  function toggleEdit(card) {
    if (!card.edit.hidden) { closeEdit(card); return; }
    buildEdit(card);
    card.edit.hidden = false;
    var button = card.head.querySelector('[data-action="edit"]');
    if (button) { button.setAttribute("aria-expanded", "true"); }
    var first = card.edit.querySelector("input");
    if (first) { first.focus(); }
    gb.resize();
  }

  function closeEdit(card) {
    card.edit.hidden = true;
    gb.clear(card.edit);
    var button = card.head.querySelector('[data-action="edit"]');
    if (button) { button.setAttribute("aria-expanded", "false"); }
    gb.resize();
  }

  function buildEdit(card) {
    var integration = card.integration;
    var settings = integration.settings || {};
    var account = isAccount(integration);
    var area = el("div", { "aria-live": "assertive" });
    var name = el("input", { className: "text long-field", type: "text", name: "display_name", maxlength: "255", value: integration.display_name });
    var fields = gb.wizard.settingsFields(settings, { show: {
      indexing_triggers: account, require_user_pat: account, smart_commits: true, devinfo: true } });
    var form = el("form", { className: "aui top-label gb-edit-form", novalidate: true, autocomplete: "off" },
      el("h4", { className: "gb-edit-title", text: "Edit " + integration.display_name }),
      area, gb.field("Display name", name, { required: true }), fields.node);
    var all = null, apiPath = null, jmes = null, ssl = null;
    if (account) {
      all = gb.checkbox("Connect all current and future repositories", { checked: settings.repositories === "all" || !settings.repositories,
        description: "Unticked: the repositories connected now stay, new ones on the host are not added." });
      apiPath = el("input", { className: "text long-field gb-mono", type: "text", maxlength: "2000", spellcheck: "false", value: settings.custom_api_path || "" });
      jmes = el("input", { className: "text long-field gb-mono", type: "text", maxlength: "2000", spellcheck: "false", value: settings.jmespath_filter || "" });
      ssl = gb.checkbox("Verify SSL certificates", { checked: settings.ssl_verify !== false });
      form.appendChild(all);
      var advanced = el("details", { className: "gb-details gb-advanced" }, el("summary", {}, "Advanced"),
        gb.field("Custom API path", apiPath), gb.field("JMESPath filter", jmes), ssl);
      if (settings.custom_api_path || settings.jmespath_filter || settings.ssl_verify === false) { advanced.open = true; }
      advanced.addEventListener("toggle", gb.resize);
      form.appendChild(advanced);
    }
    var save = el("button", { type: "submit", className: "aui-button aui-button-primary", text: "Save" });
    form.appendChild(el("div", { className: "buttons-container" }, el("div", { className: "buttons" }, save,
      el("button", { type: "button", className: "aui-button aui-button-link", text: "Cancel", on: { click: function () { closeEdit(card); } } }))));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      gb.clear(area);
      var patch;
      try {
        patch = fields.value();
      } catch (err) {
        area.appendChild(gb.message("error", null, err.message));
        fields.focusProjects();
        gb.resize();
        return;
      }
      var displayName = name.value.trim();
      if (!displayName) { area.appendChild(gb.message("error", null, "Enter a display name.")); name.focus(); return; }
      if (account) {
        patch.custom_api_path = apiPath.value.trim() || null;
        patch.jmespath_filter = jmes.value.trim() || null;
        patch.ssl_verify = ssl.input.checked;
        if (all.input.checked) {
          patch.repositories = "all";
        } else if (settings.repositories === "all" || !settings.repositories) {
          patch.repositories = currentRepositoryNames(integration.id);
        }
      }
      gb.busy(save, "Saving…", function () {
        return gb.api("PATCH", "/integrations/" + integration.id, { display_name: displayName, settings: patch }).then(function (updated) {
          closeEdit(card);
          flash("success", null, "Saved " + updated.display_name + ".");
          return refresh();
        }, function (err) {
          area.appendChild(gb.message("error", "Could not save", err.message));
          gb.resize();
        });
      });
    });
    card.edit.appendChild(form);
  }

  function currentRepositoryNames(integrationId) {
    var names = [];
    state.rows.forEach(function (row) {
      var repo = JSON.parse(row.json || "{}");
      if (repo.integration_id === integrationId) { names.push(repo.name); }
    });
    return names.sort();
  }

  // -- recent deliveries ------------------------------------------------------------------

  function buildDeliveries(card) {
    var id = card.integration.id;
    var body = el("div", { className: "gb-deliveries-body" }, el("p", { className: "gb-muted gb-small", text: "Loading…" }));
    var node = details("deliveries-" + id, "Recent deliveries", body);
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
        flash("success", null, "Delivery " + delivery.id + " queued to be processed again.");
        setTimeout(function () { if (card.deliveriesOpen) { loadDeliveries(card); } }, FAST_MS);
      });
    }).catch(actionFailed("Could not replay delivery " + delivery.id));
  }

  function emptyText(integration) {
    if (integration.mode === "webhook") {
      return "No repositories yet: each appears with its first delivery. Set up the webhook on the host with the values under Webhook.";
    }
    if (isAccount(integration)) {
      return integration.last_scan_at
        ? "The last scan found no repositories to connect. Check the account's access, the custom API path and the JMESPath filter (Edit), then Scan now."
        : "No repositories yet: the first scan of the account is on its way.";
    }
    return "No repositories left in this connection. Disconnect it, or reindex to find them again.";
  }

  function renderRepositories(card, repositories, seenRepos) {
    var emptyNote = card.repos.querySelector(".gb-repos-empty");
    if (!repositories.length) {
      var text = emptyText(card.integration);
      if (!emptyNote || emptyNote.textContent !== text) {
        gb.clear(card.repos).appendChild(el("p", { className: "gb-muted gb-repos-empty", text: text }));
      }
      return;
    }
    if (emptyNote) { emptyNote.remove(); }
    repositories.forEach(function (repository, index) {
      seenRepos.add(repository.id);
      var row = state.rows.get(repository.id);
      var json = JSON.stringify(repository);
      if (!row) {
        row = { node: el("div", { className: "gb-repo", role: "listitem", dataset: { repositoryId: repository.id } }), json: null };
        state.rows.set(repository.id, row);
      }
      if (row.json !== json) {
        row.json = json;
        row.node.dataset.status = repository.status;
        rebuild(row.node, function (node) { buildRepository(node, repository); });
      }
      placeAt(card.repos, row.node, index);
    });
  }

  function progress(repository) {
    var done = (repository.progress && repository.progress.done) || 0;
    var total = (repository.progress && repository.progress.total) || 0;
    if (repository.status === "queued") {
      return el("div", { className: "gb-progress" }, el("span", { className: "gb-muted gb-small", text: "Waiting for a worker…" }));
    }
    if (total <= 0) {
      return el("div", { className: "gb-progress" },
        el("div", { className: "aui-progress-indicator", role: "progressbar", "aria-label": "Indexing" },
          el("span", { className: "aui-progress-indicator-value" })),
        el("span", { className: "gb-muted gb-small", text: "Starting…" }));
    }
    var ratio = Math.max(0, Math.min(1, done / total));
    return el("div", { className: "gb-progress" },
      el("div", { className: "aui-progress-indicator", "data-value": ratio.toFixed(3), role: "progressbar",
        "aria-label": "Indexing", "aria-valuemin": "0", "aria-valuemax": String(total), "aria-valuenow": String(done) },
        el("span", { className: "aui-progress-indicator-value", style: { width: (ratio * 100).toFixed(1) + "%" } })),
      el("span", { className: "gb-muted gb-small", text: done.toLocaleString() + " of " + total.toLocaleString() + " (" + Math.round(ratio * 100) + "%)" }));
  }

  function counts(repository) {
    var c = repository.counts || {};
    function item(n, one, many) {
      n = n || 0;
      return el("span", { className: "gb-count" }, el("strong", { text: n.toLocaleString() }), " " + (n === 1 ? one : many));
    }
    return el("div", { className: "gb-counts" },
      item(c.commits, "commit", "commits"), item(c.branches, "branch", "branches"),
      item(c.tags, "tag", "tags"), item(c.pull_requests, "pull request", "pull requests"));
  }

  function buildRepository(node, repository) {
    var active = ACTIVE[repository.status];
    var owner = state.cards.get(repository.integration_id);
    var fromWebhooks = !!owner && owner.integration.mode === "webhook";
    node.appendChild(el("div", { className: "gb-repo-row" },
      el("div", { className: "gb-repo-main" },
        el("div", { className: "gb-repo-title" },
          repository.web_url ? gb.link(repository.web_url, repository.name, "gb-repo-name")
            : el("span", { className: "gb-repo-name", text: repository.name }),
          el("span", { className: "gb-status" }, gb.lozenge(repository.status))),
        el("div", { className: "gb-repo-meta gb-muted gb-small" },
          "Last indexed ", gb.time(repository.last_indexed_at),
          repository.default_branch ? [" · default branch ", el("code", { text: repository.default_branch })] : null),
        active ? progress(repository) : null,
        counts(repository)),
      el("div", { className: "gb-actions" },
        fromWebhooks ? null : el("button", { type: "button", className: "aui-button", "data-action": "reindex", text: "Reindex", disabled: repository.status === "indexing",
          title: repository.status === "indexing" ? "Indexing now" : "Index this repository again",
          on: { click: function (ev) { reindex(ev.currentTarget, repository); } } }),
        el("button", { type: "button", className: "aui-button gb-button-danger-subtle", "data-action": "remove", text: "Remove",
          on: { click: function () { removeRepository(repository); } } }))));

    if (repository.status === "error" || repository.error) {
      node.appendChild(el("div", { className: "aui-message aui-message-error gb-repo-error", role: "alert" },
        el("p", { className: "title" }, el("strong", { text: "Indexing failed" })),
        el("p", { className: "gb-error-text", text: repository.error || "The last index did not finish." }),
        el("p", {}, el("button", { type: "button", className: "aui-button", "data-action": "retry", text: "Retry",
          on: { click: function (ev) { reindex(ev.currentTarget, repository); } } }))));
    }

    var hook = repository.webhook;
    if (hook && hook.installed) {
      node.appendChild(el("p", { className: "gb-small gb-muted gb-repo-webhook" },
        el("span", { className: "gb-ok", text: "✓" }), " Webhook installed on the host: pushes are indexed within seconds."));
    } else if (hook && hook.manual_steps) {
      node.appendChild(el("div", { className: "aui-message aui-message-warning gb-repo-webhook" },
        el("p", { className: "title" }, el("strong", { text: "No webhook on the host" })),
        el("p", { className: "gb-error-text", text: hook.manual_steps }),
        el("p", { className: "gb-small", text: "Until then Gitbridge checks this repository on a schedule. The values are under Webhook above." })));
    }

    node.appendChild(gb.jiraPanel.section(repository, { resend: resendToJira }));

    var warnings = repository.warnings || [];
    if (warnings.length) {
      node.appendChild(el("div", { className: "aui-message aui-message-warning gb-repo-warnings" },
        el("p", { className: "title" }, el("strong", { text: gb.plural(warnings.length, "warning") })),
        el("ul", {}, warnings.map(function (w) {
          var text = typeof w === "string" ? w : (w.message || w.code || JSON.stringify(w));
          return el("li", {}, text, w && w.at ? [" (", gb.time(w.at), ")"] : null);
        }))));
    }

    var log = repository.log || [];
    node.appendChild(details("log-" + repository.id, "Indexing log" + (log.length ? " (" + log.length + ")" : ""),
      log.length ? el("pre", { className: "gb-log", text: log.join("\n") })
        : el("p", { className: "gb-muted gb-small", text: "No log yet." })));
  }

  // -- actions ------------------------------------------------------------------------

  function reindex(button, repository) {
    return gb.busy(button, "Queuing…", function () {
      return gb.api("POST", "/repositories/" + repository.id + "/reindex").then(refresh);
    }).catch(actionFailed("Could not reindex " + repository.name));
  }

  function resendToJira(button, repository) {
    return gb.busy(button, "Queuing…", function () {
      return gb.api("POST", "/repositories/" + repository.id + "/devinfo/resend").then(function () {
        flash("success", null, "Everything of " + repository.name + " is being sent to Jira's Development panel again.");
        return refresh();
      });
    }).catch(actionFailed("Could not resend " + repository.name));
  }

  function reindexAll(button, integration) {
    return gb.busy(button, "Queuing…", function () {
      return gb.api("POST", "/integrations/" + integration.id + "/reindex").then(refresh);
    }).catch(actionFailed("Could not reindex " + integration.display_name));
  }

  function scan(button, integration) {
    return gb.busy(button, "Queuing…", function () {
      return gb.api("POST", "/integrations/" + integration.id + "/scan").then(function () {
        flash("success", null, "Scan of " + integration.display_name + " queued: new repositories are connected, removed ones disconnected.");
        return refresh();
      });
    }).catch(actionFailed("Could not scan " + integration.display_name));
  }

  function setEnabled(button, integration, enabled) {
    return gb.busy(button, enabled ? "Enabling…" : "Disabling…", function () {
      return gb.api("PATCH", "/integrations/" + integration.id, { settings: { enabled: enabled } }).then(function () {
        flash("success", null, (enabled ? "Enabled " : "Disabled ") + integration.display_name + "." +
          (enabled ? "" : " Its repositories are not indexed or shown on issues until it is enabled again."));
        return refresh();
      });
    }).catch(actionFailed("Could not " + (enabled ? "enable " : "disable ") + integration.display_name));
  }

  function regenerateSecret(button, integration) {
    gb.confirm({
      title: "Regenerate the webhook secret?",
      message: ["A new secret is made for " + integration.display_name + ".",
        "The old secret keeps working for 24 hours, so you can update the hosts one by one. After that, deliveries signed with it are refused."],
      confirmLabel: "Regenerate"
    }).then(function (yes) {
      if (!yes) { return; }
      return gb.busy(button, "Regenerating…", function () {
        return gb.api("POST", "/integrations/" + integration.id + "/webhook/regenerate").then(function () {
          flash("success", "New webhook secret", "Update the secret on the host. The old one keeps working for 24 hours.");
          return refresh();
        });
      }).catch(actionFailed("Could not regenerate the secret"));
    });
  }

  function removeRepository(repository) {
    gb.confirm({
      title: "Remove repository?",
      message: [el("p", {}, "Remove ", el("strong", { text: repository.name }), " from Gitbridge?"),
        "Its index (commits, branches and tags) is deleted and it no longer shows on issues. The repository itself is not touched."],
      confirmLabel: "Remove", danger: true
    }).then(function (yes) {
      if (!yes) { return; }
      return gb.api("DELETE", "/repositories/" + repository.id).then(function () {
        var row = state.rows.get(repository.id);
        if (row) { row.node.remove(); state.rows.delete(repository.id); }
        flash("success", null, "Removed " + repository.name + ".");
        return refresh();
      }, actionFailed("Could not remove " + repository.name));
    });
  }

  function disconnect(integration) {
    gb.confirm({
      title: "Disconnect?",
      message: [el("p", {}, "Disconnect ", el("strong", { text: integration.display_name }), "?"),
        "All " + gb.plural(integration.repository_count || 0, "repository", "repositories") +
        " of this connection, their index and the stored credentials are deleted from Gitbridge."],
      confirmLabel: "Disconnect", danger: true
    }).then(function (yes) {
      if (!yes) { return; }
      return gb.api("DELETE", "/integrations/" + integration.id).then(function () {
        var card = state.cards.get(integration.id);
        if (card) { card.node.remove(); state.cards.delete(integration.id); }
        flash("success", null, "Disconnected " + integration.display_name + ".");
        return refresh();
      }, actionFailed("Could not disconnect " + integration.display_name));
    });
  }

  // -- the add-repository form --------------------------------------------------------

  var form = document.getElementById("gb-add-form");
  var section = document.getElementById("gb-add-section");
  var toggle = document.getElementById("gb-add-toggle");
  var formMessage = document.getElementById("gb-add-message");
  var submit = document.getElementById("gb-add-submit");

  function openForm(focus) {
    section.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    if (focus) {
      var tile = section.querySelector(".gb-tile:not([disabled])");
      (tile || form.elements.url).focus();
    }
    gb.resize();
  }

  function closeForm() {
    section.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    gb.clear(formMessage);
    if (gb.wizard) { gb.wizard.reset(); }
    gb.resize();
  }

  toggle.addEventListener("click", function () {
    if (section.hidden) { openForm(true); } else { clearSecrets(); closeForm(); }
  });
  document.getElementById("gb-add-cancel").addEventListener("click", function () {
    clearSecrets();
    closeForm();
    toggle.focus();
  });

  function quickStart() {
    var box = document.getElementById("gb-quick-start");
    box.scrollIntoView({ block: "start", behavior: "smooth" });
    form.elements.url.focus({ preventScroll: true });
    box.classList.remove("gb-flash");
    void box.offsetWidth; // restart the highlight animation
    box.classList.add("gb-flash");
  }

  function authType() {
    var checked = form.querySelector('input[name="auth_type"]:checked');
    return checked ? checked.value : "none";
  }

  function showAuthFields() {
    var type = authType();
    form.querySelectorAll(".gb-auth-fields").forEach(function (box) {
      box.hidden = box.getAttribute("data-auth") !== type;
    });
    gb.resize();
  }
  form.querySelectorAll('input[name="auth_type"]').forEach(function (radio) {
    radio.addEventListener("change", showAuthFields);
  });

  function clearSecrets() {
    ["basic_password", "pat_token", "ssh_private_key", "ssh_passphrase"].forEach(function (name) {
      form.elements[name].value = "";
    });
  }

  function value(name) { return form.elements[name].value.trim(); }

  function fail(field, text) {
    var error = new Error(text);
    error.field = field;
    throw error;
  }

  function buildBody() {
    var body = { kind: "git" };
    body.url = value("url");
    if (!body.url) { fail("url", "Enter the repository's clone URL."); }
    var name = value("display_name");
    if (name) { body.display_name = name; }
    var type = authType();
    if (type === "basic") {
      if (!value("basic_username")) { fail("basic_username", "Enter the username."); }
      if (!form.elements.basic_password.value) { fail("basic_password", "Enter the password."); }
      body.auth = { type: "basic", username: value("basic_username"), password: form.elements.basic_password.value };
    } else if (type === "pat") {
      if (!value("pat_token")) { fail("pat_token", "Enter the access token."); }
      body.auth = { type: "pat", token: value("pat_token") };
      if (value("pat_username")) { body.auth.username = value("pat_username"); }
    } else if (type === "ssh") {
      var key = form.elements.ssh_private_key.value.trim();
      if (!key) { fail("ssh_private_key", "Paste the SSH private key."); }
      body.auth = { type: "ssh", private_key: key + "\n" };
      if (form.elements.ssh_passphrase.value) { body.auth.passphrase = form.elements.ssh_passphrase.value; }
    } else {
      body.auth = { type: "none" };
    }
    var keys;
    try { keys = gb.projectKeys(value("project_keys")); } catch (e) { fail("project_keys", e.message); }
    body.settings = { project_keys: keys.length ? keys : null };
    return body;
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    gb.clear(formMessage);
    form.querySelectorAll("[aria-invalid]").forEach(function (f) { f.removeAttribute("aria-invalid"); });
    var body;
    try {
      body = buildBody();
    } catch (err) {
      formMessage.appendChild(gb.message("error", null, err.message));
      if (err.field) {
        form.elements[err.field].setAttribute("aria-invalid", "true");
        form.elements[err.field].focus();
      }
      gb.resize();
      return;
    }
    gb.busy(submit, "Checking access…", function () {
      return gb.api("POST", "/integrations", body).then(function (integration) {
        form.reset();
        showAuthFields();
        closeForm();
        flash("success", "Repository added",
          "Added " + integration.display_name + ". Indexing has been queued; progress shows below.");
        return refresh();
      }, function (err) {
        formMessage.appendChild(gb.message("error", "Could not add the repository", err.message));
        formMessage.scrollIntoView({ block: "nearest" });
        gb.resize();
      });
    });
  });

  showAuthFields();

  // -- OAuth ------------------------------------------------------------------------

  /* "Connect with <Host>" for hosts with oauth: true. Call from a click (popup blockers
   * allow only those): opens the host's consent page in a popup, waits for our callback
   * page there to name the grant (postMessage), and resolves with the auth to send to
   * POST /integrations/preview and /integrations: {type: "oauth", grant: id}. */
  function oauthConnect(host, baseUrl) {
    var popup = window.open("", "gitbridge-oauth", "popup,width=720,height=760");
    if (!popup) {
      return Promise.reject(new Error("The browser blocked the sign-in window; allow pop-ups for this page and try again."));
    }
    var body = baseUrl ? { base_url: baseUrl } : {};
    return gb.api("POST", "/oauth/" + encodeURIComponent(host.kind) + "/start", body).then(function (data) {
      popup.location.href = data.authorize_url;
      return new Promise(function (resolve, reject) {
        var timer = setInterval(function () {
          if (popup.closed) { done(); reject(new Error("The sign-in window was closed before " + host.name + " authorized Gitbridge.")); }
        }, 500);
        function done() { clearInterval(timer); window.removeEventListener("message", onMessage); }
        function onMessage(ev) {
          var data = ev.data || {};
          if (ev.origin !== window.location.origin || ev.source !== popup || typeof data.gitbridgeOAuthGrant !== "string" || data.kind !== host.kind) { return; }
          done();
          resolve({ type: "oauth", grant: data.gitbridgeOAuthGrant });
        }
        window.addEventListener("message", onMessage);
      });
    }, function (err) { popup.close(); throw err; });
  }
  gb.oauthConnect = oauthConnect;

  // -- supported hosts ----------------------------------------------------------------

  gb.api("GET", "/hosts").then(function (data) {
    var body = document.querySelector("#gb-hosts tbody");
    gb.wizard.init({
      hosts: data.hosts,
      onQuickStart: quickStart,
      oauthConnect: oauthConnect,
      onCreated: function (integration, text) {
        if (text) {
          closeForm();
          flash("success", "Integration added", text);
        }
        return refresh();
      }
    });
    data.hosts.forEach(function (h) {
      hostKinds[h.kind] = h;
      body.appendChild(el("tr", {},
        el("td", { text: h.name }),
        el("td", {}, el("code", { text: h.kind })),
        el("td", { text: h.auth_types.map(function (t) { return AUTH_LABELS[t] || t; }).join(", ") }),
        el("td", { text: h.webhook_mode ? "Yes" : "No" })));
    });
    gb.resize();
  }, function (err) {
    var body = document.querySelector("#gb-hosts tbody");
    body.appendChild(el("tr", {}, el("td", { colspan: "4", className: "gb-muted", text: "Could not load hosts: " + err.message })));
    var tiles = document.getElementById("gb-host-tiles");
    tiles.removeAttribute("aria-busy");
    gb.clear(tiles).appendChild(gb.message("error", "Could not load the git hosts", err.message));
  });

  refresh().then(gb.resize);
}());
