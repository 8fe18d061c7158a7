/* The Git panel on an issue (narrow, right-hand side): commit count, branches, pull
 * requests, tags and the latest commits, from GET /issues/{key}/development; "Create
 * branch" and "Create pull request" open an inline form (create-forms.js). */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;

  var LATEST_COMMITS = 5;
  var PR_STATES = { open: "aui-lozenge-inprogress", draft: "", merged: "aui-lozenge-success", declined: "aui-lozenge-removed" };
  var FIRST_TAGS = 3;

  var panel = document.getElementById("gb-panel");
  var key = ""; // the issue, from the page's context (gitbridge.context)
  var summary = null; // a promise of the issue's summary, asked of Jira once

  /* The panel: actions, the open form, notices, then the data (``root``). */
  var actions = el("div", { className: "gb-panel-actions", hidden: true });
  var formHost = el("div", { className: "gb-panel-form", hidden: true });
  var notice = el("div", { className: "gb-panel-notice", "aria-live": "polite" });
  var root = el("div", { className: "gb-panel-data" });
  var openMode = null;
  var buttons = {
    branch: el("button", { type: "button", className: "aui-button aui-button-compact gb-create-branch", text: "Create branch",
      "aria-expanded": "false", on: { click: function () { toggleForm("branch"); } } }),
    pr: el("button", { type: "button", className: "aui-button aui-button-compact gb-create-pr", text: "Create pull request",
      "aria-expanded": "false", on: { click: function () { toggleForm("pr"); } } })
  };
  /* Why a button is not offered (no repository, clone-URL/webhook repositories only, a
   * host without pull requests), from the development answer's ``create``. */
  var why = el("p", { className: "gb-small gb-muted gb-create-why", hidden: true });
  actions.appendChild(buttons.branch);
  actions.appendChild(buttons.pr);
  actions.appendChild(why);
  gb.clear(panel);
  panel.appendChild(actions);
  panel.appendChild(formHost);
  panel.appendChild(notice);
  panel.appendChild(root);
  root.appendChild(el("p", { className: "gb-muted gb-small", text: "Loading git activity…" }));

  function toggleForm(mode) {
    if (openMode === mode) { closeForm(); return; }
    openMode = mode;
    buttons.branch.setAttribute("aria-expanded", String(mode === "branch"));
    buttons.pr.setAttribute("aria-expanded", String(mode === "pr"));
    formHost.hidden = false;
    gb.clear(notice);
    if (!summary) { summary = gb.issueSummary(key); }
    gb.createForms.open(formHost, {
      mode: mode, key: key, summary: summary,
      onCancel: function () { closeForm(); buttons[mode].focus(); },
      onDone: function (result, doneMode, repo) {
        closeForm();
        notice.appendChild(gb.createForms.successMessage(result, doneMode, repo));
        load();
      }
    }).then(function () {
      var first = formHost.querySelector("select, input");
      if (first) { first.focus(); }
    });
  }

  function closeForm() {
    openMode = null;
    formHost.hidden = true;
    gb.clear(formHost);
    buttons.branch.setAttribute("aria-expanded", "false");
    buttons.pr.setAttribute("aria-expanded", "false");
    gb.resize();
  }

  function done() {
    panel.removeAttribute("aria-busy");
    gb.resize();
  }

  function section(title, count, body, className) {
    return el("section", { className: "gb-panel-section " + (className || "") },
      el("h4", { className: "gb-panel-heading" }, title,
        count !== null && count !== undefined ? el("span", { className: "aui-badge gb-count-badge", text: String(count) }) : null),
      body);
  }

  function aheadBehind(branch) {
    var out = [];
    if (typeof branch.ahead === "number") {
      out.push(el("span", { className: "gb-ab gb-ahead", title: gb.plural(branch.ahead, "commit") + " ahead of the default branch",
        text: "↑" + branch.ahead + " ahead" }));
    }
    if (typeof branch.behind === "number") {
      out.push(el("span", { className: "gb-ab gb-behind", title: gb.plural(branch.behind, "commit") + " behind the default branch",
        text: "↓" + branch.behind + " behind" }));
    }
    return out;
  }

  function branches(list) {
    return el("ul", { className: "gb-plain-list gb-branches" }, list.map(function (b) {
      return el("li", { className: "gb-branch" },
        el("div", { className: "gb-branch-name" }, gb.link(b.url, b.name, "gb-mono gb-break")),
        el("div", { className: "gb-branch-meta gb-small" },
          el("span", { className: "gb-muted gb-repo-label", text: b.repository.name }), aheadBehind(b)));
    }));
  }

  /* Tags have no date in the API; version-aware name order (v1.10 after v1.9) stands in
   * for "newest first". */
  function sortTags(tags) {
    return tags.slice().sort(function (a, b) {
      return b.name.localeCompare(a.name, undefined, { numeric: true, sensitivity: "base" });
    });
  }

  function tagChip(t) {
    return el("li", { className: "gb-tag", title: t.repository.name + (t.annotation ? ": " + gb.firstLine(t.annotation) : "") },
      gb.link(t.url, t.name, "gb-mono"));
  }

  function tags(list) {
    var sorted = sortTags(list);
    var ul = el("ul", { className: "gb-plain-list gb-tags" }, sorted.slice(0, FIRST_TAGS).map(tagChip));
    if (sorted.length <= FIRST_TAGS) { return ul; }
    var more = el("button", { type: "button", className: "aui-button aui-button-link gb-more",
      "aria-expanded": "false", text: "more… (" + (sorted.length - FIRST_TAGS) + ")" });
    more.addEventListener("click", function () {
      sorted.slice(FIRST_TAGS).forEach(function (t) { ul.insertBefore(tagChip(t), more.parentNode); });
      more.parentNode.remove();
      gb.resize();
    });
    ul.appendChild(el("li", { className: "gb-tag-more" }, more));
    return ul;
  }

  function commitItem(c) {
    var first = gb.firstLine(c.message);
    return el("li", { className: "gb-commit-line" },
      el("div", { className: "gb-commit-summary" },
        gb.link(c.url, c.short_sha, "gb-sha"), " ",
        el("span", { className: "gb-commit-message", title: first, text: first }),
        gb.smartCommitBadge(c)),
      el("div", { className: "gb-small gb-muted" },
        el("span", { className: "gb-author", text: c.author && c.author.name ? c.author.name : "unknown" }),
        " · ", gb.time(c.date),
        c.repository ? [" · ", el("span", { className: "gb-repo-label", text: c.repository.name })] : null));
  }

  function commits(list, hasMore) {
    var shown = list.slice(0, LATEST_COMMITS);
    var rest = list.length - shown.length;
    return [
      el("ul", { className: "gb-plain-list gb-commit-list" }, shown.map(commitItem)),
      rest > 0 || hasMore ? el("p", { className: "gb-small gb-muted",
        text: (hasMore ? "More" : rest + " more") + " in the Git commits view of this issue, with files and diffs." }) : null
    ];
  }

  /* ``note``: why nothing can be created here (said once, in the empty state). */
  function emptyState(note) {
    return el("div", { className: "gb-empty gb-empty-compact" },
      el("p", { className: "gb-empty-title", text: "No git activity for " + key + " yet" }),
      el("p", { className: "gb-small" }, "Mention ", el("code", { text: key }),
        " in a commit message or a branch name and it shows here once the repository is indexed, e.g.:"),
      el("pre", { className: "gb-snippet", text: "git checkout -b feature/" + key + "-short-title\ngit commit -m \"" + key + " Describe the change\"" }),
      el("p", { className: "gb-small gb-muted gb-empty-note",
        text: note || "Repositories are connected by a Jira administrator under Apps → Manage repositories." }));
  }

  function render(data) {
    gb.clear(root);
    var cs = data.commits || [];
    var bs = data.branches || [];
    var ts = data.tags || [];
    var prs = data.pull_requests || [];
    if (!cs.length && !bs.length && !ts.length && !prs.length) {
      root.appendChild(emptyState(why.textContent));
      why.hidden = true;
      return;
    }
    var count = cs.length + (data.next ? "+" : "");
    root.appendChild(el("div", { className: "gb-summary" },
      el("span", { className: "gb-summary-count", text: count }),
      " " + (cs.length === 1 && !data.next ? "commit" : "commits")));
    if (bs.length) { root.appendChild(section("Branches", bs.length, branches(bs))); }
    root.appendChild(section("Pull requests", prs.length || null,
      prs.length ? el("ul", { className: "gb-plain-list gb-prs" }, prs.map(function (p) {
        return el("li", { className: "gb-pr" },
          el("div", { className: "gb-pr-title" }, gb.link(p.url, p.title || p.name || ("#" + p.id), "gb-break")),
          el("div", { className: "gb-small gb-muted gb-pr-meta" },
            p.state ? el("span", { className: "aui-lozenge aui-lozenge-subtle gb-lozenge " + (PR_STATES[p.state] || ""), text: p.state }) : null,
            p.repository ? [" ", el("span", { className: "gb-repo-label", text: p.repository.name })] : null,
            p.source && p.target ? [" · ", el("span", { className: "gb-mono gb-break", text: p.source + " → " + p.target })] : null));
      })) : el("p", { className: "gb-small gb-muted", text: "No pull requests" })));
    if (ts.length) { root.appendChild(section("Tags", ts.length, tags(ts))); }
    if (cs.length) { root.appendChild(section("Latest commits", null, commits(cs, !!data.next))); }
  }

  function offer(create) {
    var c = create || {};
    var branch = !c.branch || c.branch.available;
    var pr = !c.pull_request || c.pull_request.available;
    buttons.branch.hidden = !branch;
    buttons.pr.hidden = !pr;
    if ((openMode === "branch" && !branch) || (openMode === "pr" && !pr)) { closeForm(); }
    var reasons = [];
    if (!branch) { reasons.push(c.branch.reason); }
    if (!pr && reasons.indexOf(c.pull_request.reason) < 0) { reasons.push(c.pull_request.reason); }
    why.textContent = reasons.filter(Boolean).join(" ");
    why.hidden = !why.textContent;
  }

  function load() {
    panel.setAttribute("aria-busy", "true");
    if (!key) {
      gb.clear(root).appendChild(gb.message("warning", null, "Open this panel from a Jira issue."));
      done();
      return;
    }
    gb.api("GET", "/issues/" + encodeURIComponent(key) + "/development").then(function (data) {
      actions.hidden = false;
      offer(data.create);
      render(data);
    }, function (err) {
      if (err.status === 403 || err.status === 404 || err.status === 400) {
        actions.hidden = true;
        closeForm();
      }
      gb.clear(root).appendChild(gb.issueError(err, load));
    }).then(done);
  }

  gb.context().then(function (context) {
    key = context.issueKey || "";
    load();
  });
  setInterval(function () { gb.refreshTimes(root); }, 60000);
}());
