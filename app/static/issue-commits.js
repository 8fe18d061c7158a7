/* Every commit of an issue, grouped by repository (newest first), with files, line
 * counts and per-file diffs loaded on demand. */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;

  var FIRST_FILES = 20;
  var CHANGE = {
    added: ["added", "aui-lozenge-success"],
    modified: ["modified", "aui-lozenge-current"],
    deleted: ["deleted", "aui-lozenge-removed"],
    renamed: ["renamed", "aui-lozenge-moved"],
    copied: ["copied", "aui-lozenge-moved"],
    type_changed: ["type changed", "aui-lozenge-complete"],
    unknown: ["changed", ""]
  };

  var root = document.getElementById("gb-commits");
  var key = root.getAttribute("data-issue-key") || "";
  var state = { groups: new Map(), total: 0, next: null, list: null, summary: null, footer: null };

  function base() { return "/issues/" + encodeURIComponent(key); }

  // -- files and diffs ----------------------------------------------------------------

  function changeLozenge(type) {
    var c = CHANGE[type] || CHANGE.unknown;
    return el("span", { className: "aui-lozenge aui-lozenge-subtle gb-lozenge gb-change " + c[1], text: c[0] });
  }

  function lineCounts(file, statsComplete) {
    if (typeof file.added !== "number" && typeof file.removed !== "number") {
      return statsComplete
        ? el("span", { className: "gb-muted gb-small", text: "binary" })
        : el("span", { className: "gb-muted gb-small", title: "Line counts are still being computed", text: "…" });
    }
    return el("span", { className: "gb-linecounts" },
      el("span", { className: "gb-added", title: gb.plural(file.added || 0, "line") + " added", text: "+" + (file.added || 0) }),
      " ",
      el("span", { className: "gb-removed", title: gb.plural(file.removed || 0, "line") + " removed", text: "\u2212" + (file.removed || 0) }));
  }

  function diffClass(line) {
    if (line.indexOf("@@") === 0) { return "gb-diff-hunk"; }
    if (/^(diff --git|index |--- |\+\+\+ |new file mode|deleted file mode|old mode|new mode|similarity index|rename from|rename to|copy from|copy to|Binary files)/.test(line)) {
      return "gb-diff-meta";
    }
    if (line.charAt(0) === "+") { return "gb-diff-add"; }
    if (line.charAt(0) === "-") { return "gb-diff-del"; }
    if (line.charAt(0) === "\\") { return "gb-diff-meta"; }
    return "gb-diff-ctx";
  }

  function renderDiff(data) {
    var text = (data.diff || "").replace(/\n$/, "");
    if (!text) { return el("p", { className: "gb-muted gb-small gb-diff-empty", text: "No textual changes in this file." }); }
    var pre = el("pre", { className: "gb-diff", tabindex: "0" });
    var fragment = document.createDocumentFragment();
    text.split("\n").forEach(function (line) {
      fragment.appendChild(el("span", { className: "gb-diff-line " + diffClass(line), text: line + "\n" }));
    });
    pre.appendChild(fragment);
    return [data.truncated ? gb.message("warning", null, "This diff is too large to show in full; it was cut short.") : null, pre];
  }

  function fileRow(commit, file) {
    var holder = el("div", { className: "gb-diff-holder", hidden: true });
    var button = el("button", { type: "button", className: "aui-button aui-button-compact gb-diff-toggle",
      "aria-expanded": "false", text: "Show diff" });
    var loaded = false;
    button.addEventListener("click", function () {
      if (loaded) {
        holder.hidden = !holder.hidden;
        button.textContent = holder.hidden ? "Show diff" : "Hide diff";
        button.setAttribute("aria-expanded", String(!holder.hidden));
        gb.resize();
        return;
      }
      var path = base() + "/commits/" + commit.repository.id + "/" + encodeURIComponent(commit.sha) +
        "/diff?path=" + encodeURIComponent(file.path);
      gb.busy(button, "Loading…", function () {
        return gb.api("GET", path).then(function (data) {
          loaded = true;
          gb.clear(holder);
          [].concat(renderDiff(data)).forEach(function (n) { if (n) { holder.appendChild(n); } });
        }, function (err) {
          gb.clear(holder).appendChild(gb.message("error", null, "Could not load the diff: " + err.message));
        });
      }).then(function () {
        holder.hidden = false;
        button.textContent = loaded ? "Hide diff" : "Show diff";
        button.setAttribute("aria-expanded", String(loaded));
        gb.resize();
      });
    });
    var pathText = file.old_path && file.old_path !== file.path ? file.old_path + " \u2192 " + file.path : file.path;
    return el("li", { className: "gb-file" },
      el("div", { className: "gb-file-row" },
        changeLozenge(file.change_type),
        el("span", { className: "gb-file-path gb-mono", title: pathText, text: pathText }),
        lineCounts(file, commit.stats_complete),
        button),
      holder);
  }

  function files(commit) {
    var list = commit.files || [];
    if (!list.length) { return el("p", { className: "gb-muted gb-small", text: "No file changes recorded." }); }
    var ul = el("ul", { className: "gb-plain-list gb-files", "aria-label": "Files changed" },
      list.slice(0, FIRST_FILES).map(function (f) { return fileRow(commit, f); }));
    var added = list.reduce(function (n, f) { return n + (f.added || 0); }, 0);
    var removed = list.reduce(function (n, f) { return n + (f.removed || 0); }, 0);
    var head = el("div", { className: "gb-files-head gb-small" },
      el("strong", { text: gb.plural(list.length, "file") + " changed" }), " ",
      el("span", { className: "gb-added", text: "+" + added }), " ",
      el("span", { className: "gb-removed", text: "\u2212" + removed }));
    var out = [head, ul];
    if (list.length > FIRST_FILES) {
      var more = el("button", { type: "button", className: "aui-button aui-button-link gb-more",
        text: "Show all " + list.length + " files" });
      more.addEventListener("click", function () {
        list.slice(FIRST_FILES).forEach(function (f) { ul.appendChild(fileRow(commit, f)); });
        more.remove();
        gb.resize();
      });
      out.push(more);
    }
    return out;
  }

  // -- commits and groups -------------------------------------------------------------

  /* Failed smart commands, spelled out under the message (the badge's hover has them all). */
  function smartResults(c) {
    var failed = ((c.smart_commit || {}).results || []).filter(function (r) { return !r.ok; });
    if (!failed.length) { return null; }
    return el("ul", { className: "gb-smart-failures gb-small" }, failed.map(function (r) {
      return el("li", {}, el("code", { text: r.command }), " " + r.message);
    }));
  }

  function commitCard(c) {
    var author = c.author && c.author.name ? c.author.name : "unknown";
    return el("li", { className: "gb-commit", dataset: { sha: c.sha } },
      el("div", { className: "gb-commit-head" },
        gb.link(c.url, c.short_sha, "gb-sha"),
        el("span", { className: "gb-author", title: c.author && c.author.email ? c.author.email : null, text: author }),
        el("span", { className: "gb-muted gb-small" }, gb.time(c.date)),
        c.is_merge ? el("span", { className: "aui-lozenge aui-lozenge-subtle gb-lozenge", text: "merge" }) : null,
        gb.smartCommitBadge(c)),
      el("pre", { className: "gb-commit-body", text: c.message || "" }),
      smartResults(c),
      el("div", { className: "gb-commit-files" }, files(c)));
  }

  function group(repository) {
    var g = state.groups.get(repository.id);
    if (!g) {
      var badge = el("span", { className: "aui-badge gb-count-badge", text: "0" });
      var list = el("ol", { className: "gb-plain-list gb-commit-cards" });
      g = { badge: badge, list: list, count: 0,
        node: el("section", { className: "gb-repo-group", dataset: { repositoryId: repository.id } },
          el("h3", { className: "gb-repo-group-title" }, el("span", { text: repository.name }), badge), list) };
      state.groups.set(repository.id, g);
      state.list.appendChild(g.node);
    }
    return g;
  }

  function add(commits) {
    commits.forEach(function (c) {
      var g = group(c.repository);
      g.list.appendChild(commitCard(c));
      g.count += 1;
      g.badge.textContent = String(g.count);
    });
    state.total += commits.length;
    var repos = state.groups.size;
    state.summary.textContent = state.total + (state.next ? "+" : "") + " " +
      (state.total === 1 && !state.next ? "commit" : "commits") + " in " + gb.plural(repos, "repository", "repositories") +
      ", newest first";
  }

  function footer() {
    gb.clear(state.footer);
    if (!state.next) { return; }
    var more = el("button", { type: "button", className: "aui-button gb-load-more", text: "Load more" });
    more.addEventListener("click", function () {
      gb.busy(more, "Loading…", function () {
        return gb.api("GET", base() + "/development?cursor=" + encodeURIComponent(state.next)).then(function (data) {
          state.next = data.next;
          add(data.commits || []);
          footer();
        }, function (err) {
          state.footer.appendChild(gb.message("error", null, "Could not load more commits: " + err.message));
        });
      }).then(gb.resize);
    });
    state.footer.appendChild(more);
  }

  function emptyState() {
    return el("div", { className: "gb-empty" },
      el("p", { className: "gb-empty-title", text: "No commits mention " + key + " yet" }),
      el("p", {}, "Put ", el("code", { text: key }), " in a commit message, for example ",
        el("code", { text: "git commit -m \"" + key + " Fix the login form\"" }),
        ", and the commit shows here with its files and diffs once its repository is indexed."),
      el("p", { className: "gb-muted gb-small", text: "Repositories are connected by a Jira administrator under Apps → Manage repositories." }));
  }

  function render(data) {
    gb.clear(root);
    state.next = data.next;
    if (!(data.commits || []).length) {
      root.appendChild(emptyState());
      return;
    }
    state.summary = el("p", { className: "gb-summary-line gb-muted" });
    state.list = el("div", { className: "gb-repo-groups" });
    state.footer = el("div", { className: "gb-footer" });
    root.appendChild(state.summary);
    root.appendChild(state.list);
    root.appendChild(state.footer);
    add(data.commits);
    footer();
  }

  function load() {
    root.setAttribute("aria-busy", "true");
    if (!key) {
      gb.clear(root).appendChild(gb.message("warning", null, "Open this from a Jira issue."));
      root.removeAttribute("aria-busy");
      gb.resize();
      return;
    }
    gb.api("GET", base() + "/development").then(render, function (err) {
      gb.clear(root).appendChild(gb.issueError(err, load));
    }).then(function () {
      root.removeAttribute("aria-busy");
      gb.resize();
    });
  }

  load();
  setInterval(function () { gb.refreshTimes(root); }, 60000);
}());
