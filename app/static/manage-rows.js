/* Manage repositories: the repository rows of an integration (status, progress, counts,
 * webhook state, warnings, log). Part of the page run by manage-repositories.js, sharing
 * its helpers through gitbridge.manage. */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;
  var m = gb.manage = gb.manage || {};

  function emptyText(integration) {
    if (integration.mode === "webhook") {
      return "No repositories yet: each appears with its first delivery. Set up the webhook on the host with the values under Webhook.";
    }
    if (m.isAccount(integration)) {
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
      var row = m.state.rows.get(repository.id);
      var json = JSON.stringify(repository);
      if (!row) {
        row = { node: el("div", { className: "gb-repo", role: "listitem", dataset: { repositoryId: repository.id } }), json: null };
        m.state.rows.set(repository.id, row);
      }
      if (row.json !== json) {
        row.json = json;
        row.node.dataset.status = repository.status;
        m.rebuild(row.node, function (node) { buildRepository(node, repository); });
      }
      m.placeAt(card.repos, row.node, index);
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

  /* The background line-count pass: commits are listed already, their line counts follow. */
  function lineCounts(repository) {
    var lc = repository.line_counts;
    if (!lc || lc.complete || repository.status !== "indexed") { return null; }
    return el("div", { className: "gb-repo-meta gb-muted gb-small", "data-role": "line-counts" },
      lc.total > 0 && lc.done > 0
        ? "Counting changed lines: " + lc.done.toLocaleString() + " of " + lc.total.toLocaleString() + " commits"
        : "Changed lines will be counted shortly; commits and files are listed already");
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
    var active = m.ACTIVE[repository.status];
    var owner = m.state.cards.get(repository.integration_id);
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
        active ? progress(repository) : lineCounts(repository),
        counts(repository)),
      el("div", { className: "gb-actions" },
        fromWebhooks ? null : el("button", { type: "button", className: "aui-button", "data-action": "reindex", text: "Reindex", disabled: repository.status === "indexing",
          title: repository.status === "indexing" ? "Indexing now" : "Index this repository again",
          on: { click: function (ev) { m.reindex(ev.currentTarget, repository); } } }),
        el("button", { type: "button", className: "aui-button gb-button-danger-subtle", "data-action": "remove", text: "Remove",
          on: { click: function () { m.removeRepository(repository); } } }))));

    if (repository.status === "error" || repository.error) {
      node.appendChild(el("div", { className: "aui-message aui-message-error gb-repo-error", role: "alert" },
        el("p", { className: "title" }, el("strong", { text: "Indexing failed" })),
        el("p", { className: "gb-error-text", text: repository.error || "The last index did not finish." }),
        el("p", {}, el("button", { type: "button", className: "aui-button", "data-action": "retry", text: "Retry",
          on: { click: function (ev) { m.reindex(ev.currentTarget, repository); } } }))));
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

    node.appendChild(gb.jiraPanel.section(repository, { resend: m.resendToJira }));

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
    node.appendChild(m.details("log-" + repository.id, "Indexing log" + (log.length ? " (" + log.length + ")" : ""),
      log.length ? el("pre", { className: "gb-log", text: log.join("\n") })
        : el("p", { className: "gb-muted gb-small", text: "No log yet." })));
  }

  m.renderRepositories = renderRepositories;
}());
