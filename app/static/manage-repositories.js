/* Manage repositories (admin page): the tenant's integrations and their repositories,
 * kept live by polling, plus the form that connects a plain git repository. */
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
  var PROJECT_KEY = /^[A-Z][A-Z0-9_]+$/;

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
      return row.repositories.some(function (r) { return ACTIVE[r.status]; });
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
          el("p", { text: "Add a git repository by its clone URL to show its commits, branches and tags on Jira issues." })));
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
      var repos = el("div", { className: "gb-repos", role: "list" });
      card = {
        node: el("article", { className: "gb-integration", dataset: { integrationId: integration.id } }, head, repos),
        head: head, repos: repos, json: null
      };
      state.cards.set(integration.id, card);
    }
    if (card.json !== json) {
      card.json = json;
      rebuild(card.head, function (node) { buildIntegrationHead(node, integration); });
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

  function buildIntegrationHead(node, integration) {
    var settings = integration.settings || {};
    var keys = settings.project_keys;
    var kindName = (hostKinds[integration.kind] && hostKinds[integration.kind].name) || integration.kind;
    node.appendChild(el("div", { className: "gb-integration-title" },
      el("div", { className: "gb-title-text" },
        el("h3", { text: integration.display_name }),
        el("span", { className: "aui-lozenge aui-lozenge-subtle gb-lozenge", title: kindName, text: integration.kind }),
        settings.enabled === false ? gb.lozenge("disabled") : null),
      el("div", { className: "gb-actions" },
        el("button", { type: "button", className: "aui-button", "data-action": "reindex-all", text: "Reindex all",
          on: { click: function (ev) { reindexAll(ev.currentTarget, integration); } } }),
        el("button", { type: "button", className: "aui-button gb-button-danger-subtle", "data-action": "disconnect", text: "Disconnect",
          on: { click: function () { disconnect(integration); } } }))));

    node.appendChild(el("dl", { className: "gb-facts" },
      integration.url ? [el("dt", { text: "URL" }), el("dd", {}, el("code", { className: "gb-break", text: integration.url }))] : null,
      el("dt", { text: "Authentication" }), el("dd", { text: authText(integration.auth || {}) }),
      el("dt", { text: "Jira projects" }),
      el("dd", { text: keys && keys.length ? keys.join(", ") : "All projects" })));

    if (integration.host_keys && integration.host_keys.length) {
      node.appendChild(el("div", { className: "gb-host-keys" },
        el("p", { className: "gb-small" }, el("strong", { text: "SSH host key fingerprints" }),
          " (pinned on first connection; compare them with your git server's own, e.g. ",
          el("code", { text: "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub" }), ")"),
        el("ul", { className: "gb-fingerprints" }, integration.host_keys.map(function (line) {
          return el("li", {}, el("code", { text: line }));
        }))));
    }

    var webhook = integration.webhook || {};
    var secretInput = el("input", { type: "password", className: "text gb-mono", readonly: true,
      "aria-label": "Webhook secret", value: webhook.secret || "" });
    var show = el("button", { type: "button", className: "aui-button aui-button-compact", "data-action": "show-secret", text: "Show",
      on: { click: function () {
        var hidden = secretInput.type === "password";
        secretInput.type = hidden ? "text" : "password";
        show.textContent = hidden ? "Hide" : "Show";
      } } });
    node.appendChild(details("webhook-" + integration.id, "Webhook", el("div", { className: "gb-webhook" },
      el("div", { className: "gb-copy-row" },
        el("label", { text: "URL" }),
        el("input", { type: "text", className: "text gb-mono", readonly: true, "aria-label": "Webhook URL", value: webhook.url || "" }),
        gb.copyButton(function () { return webhook.url || ""; }, "Copy URL")),
      el("div", { className: "gb-copy-row" },
        el("label", { text: "Secret" }), secretInput, show,
        gb.copyButton(function () { return webhook.secret || ""; }, "Copy secret")),
      el("p", { className: "gb-muted gb-small", text: "Receiving push webhooks is coming in a later version; until then Gitbridge checks connected repositories for new commits on a schedule, and Reindex picks up changes at once." }))));
  }

  function renderRepositories(card, repositories, seenRepos) {
    var emptyNote = card.repos.querySelector(".gb-repos-empty");
    if (!repositories.length) {
      if (!emptyNote) {
        gb.clear(card.repos).appendChild(el("p", { className: "gb-muted gb-repos-empty",
          text: "No repositories left in this connection. Disconnect it, or reindex to find them again." }));
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
        el("button", { type: "button", className: "aui-button", "data-action": "reindex", text: "Reindex", disabled: repository.status === "indexing",
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

  function reindexAll(button, integration) {
    return gb.busy(button, "Queuing…", function () {
      return gb.api("POST", "/integrations/" + integration.id + "/reindex").then(refresh);
    }).catch(actionFailed("Could not reindex " + integration.display_name));
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
    if (focus) { form.elements.url.focus(); }
    gb.resize();
  }

  function closeForm() {
    section.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    gb.clear(formMessage);
    gb.resize();
  }

  toggle.addEventListener("click", function () {
    if (section.hidden) { openForm(true); } else { closeForm(); }
  });
  document.getElementById("gb-add-cancel").addEventListener("click", function () {
    clearSecrets();
    closeForm();
    toggle.focus();
  });

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
    var keys = value("project_keys").split(/[\s,]+/).filter(Boolean).map(function (k) { return k.toUpperCase(); });
    var bad = keys.filter(function (k) { return !PROJECT_KEY.test(k); });
    if (bad.length) { fail("project_keys", "Not a Jira project key: " + bad.join(", ") + "."); }
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

  // -- supported hosts ----------------------------------------------------------------

  gb.api("GET", "/hosts").then(function (data) {
    var body = document.querySelector("#gb-hosts tbody");
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
  });

  refresh().then(gb.resize);
}());
