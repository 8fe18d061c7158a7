/* Manage repositories (admin page): the tenant's integrations and their repositories,
 * kept live by polling, each integration with its facts, actions and webhook (values,
 * set-up steps, secret regeneration). The rest of the page, sharing the helpers below
 * through gitbridge.manage: manage-rows.js (repository rows), manage-actions.js,
 * manage-edit.js (Edit), manage-deliveries.js (recent deliveries), manage-add.js (the
 * Add integration panel and its quick start); the wizard is integration-wizard.js. */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;
  var m = gb.manage = gb.manage || {};

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
      return row.repositories.some(function (r) {
        return ACTIVE[r.status] || JIRA_ACTIVE[(r.devinfo || {}).status] || (r.line_counts && !r.line_counts.complete);
      });
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
      if (!state.autoOpened) { state.autoOpened = true; m.openForm(false); }
      return;
    }
    if (empty || !state.cards.size) { gb.clear(listNode); }
    var seen = new Set();
    var seenRepos = new Set();
    rows.forEach(function (row, index) {
      var card = upsertCard(row.integration);
      seen.add(row.integration.id);
      placeAt(listNode, card.node, index);
      m.renderRepositories(card, row.repositories, seenRepos);
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
      m.buildDeliveries(card);
    }
    card.integration = integration;
    if (card.json !== json) {
      var first = card.json === null;
      card.json = json;
      rebuild(card.head, function (node) { buildIntegrationHead(node, integration, card); });
      if (!first && card.deliveriesOpen) { m.loadDeliveries(card); }
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

  function kindName(kind) { return gb.hosts.name(kind); }

  /* A host account read through its API (not webhook indexing, not one clone URL). */
  function isAccount(integration) {
    var host = gb.hosts.get(integration.kind);
    return integration.mode !== "webhook" && !!(host && host.account);
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
          on: { click: function () { m.toggleEdit(card); } } }),
        account ? el("button", { type: "button", className: "aui-button", "data-action": "scan", text: "Scan now",
          title: "List the host's repositories again: connect new ones, disconnect removed ones",
          on: { click: function (ev) { m.scan(ev.currentTarget, integration); } } }) : null,
        el("button", { type: "button", className: "aui-button", "data-action": "toggle-enabled", text: enabled ? "Disable" : "Enable",
          on: { click: function (ev) { m.setEnabled(ev.currentTarget, integration, !enabled); } } }),
        webhookMode ? null : el("button", { type: "button", className: "aui-button", "data-action": "reindex-all", text: "Reindex all",
          on: { click: function (ev) { m.reindexAll(ev.currentTarget, integration); } } }),
        el("button", { type: "button", className: "aui-button gb-button-danger-subtle", "data-action": "disconnect", text: "Disconnect",
          on: { click: function () { m.disconnect(integration); } } }))));

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
      text: "Regenerate secret", on: { click: function (ev) { m.regenerateSecret(ev.currentTarget, integration); } } });
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
            : m.renewsHooks(integration)
              ? "After regenerating, Gitbridge gives the webhooks it created the new secret; the old one keeps working for 24 hours."
              : "After regenerating, the old secret keeps working for 24 hours while you update the hosts.")),
      el("details", { className: "gb-details gb-setup-steps" }, el("summary", {}, "Set-up steps for " + kindName(integration.kind)),
        gb.webhookSetup.steps(integration.kind, webhook)));
  }

  m.state = state;
  m.ACTIVE = ACTIVE;
  m.FAST_MS = FAST_MS;
  m.flash = flash;
  m.actionFailed = actionFailed;
  m.refresh = refresh;
  m.placeAt = placeAt;
  m.rebuild = rebuild;
  m.details = details;
  m.isAccount = isAccount;

  // -- supported hosts ----------------------------------------------------------------

  var hostsLoaded = gb.hosts.load().then(function (hosts) {
    var body = document.querySelector("#gb-hosts tbody");
    gb.wizard.init({
      hosts: hosts,
      onQuickStart: m.quickStart,
      oauthConnect: m.oauthConnect,
      onCreated: function (integration, text) {
        if (text) {
          m.closeForm();
          flash("success", "Integration added", text);
        }
        return refresh();
      }
    });
    hosts.forEach(function (h) {
      body.appendChild(el("tr", {},
        el("td", { text: h.name }),
        el("td", {}, el("code", { text: h.kind })),
        el("td", { text: h.account ? "Host account" : "One repository by clone URL" }),
        el("td", { text: h.auth_types.map(function (t) { return AUTH_LABELS[t] || t; }).join(", ") }),
        el("td", { text: h.webhook_mode ? "Yes" : "No" }),
        el("td", { text: !h.account ? "No" : h.creates_pull_requests
          ? "Branches and " + h.pull_request_term + "s" : "Branches" })));
    });
    gb.resize();
  }, function (err) {
    var body = document.querySelector("#gb-hosts tbody");
    body.appendChild(el("tr", {}, el("td", { colspan: "6", className: "gb-muted", text: "Could not load hosts: " + err.message })));
    var tiles = document.getElementById("gb-host-tiles");
    tiles.removeAttribute("aria-busy");
    gb.clear(tiles).appendChild(gb.message("error", "Could not load the git hosts", err.message));
  });

  // The list needs the hosts (names, webhook steps, which are accounts) to render.
  hostsLoaded.catch(function () { return null; }).then(refresh).then(gb.resize);
}());
