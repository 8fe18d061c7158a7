/* Files of a commit (or of a compare range) with line counts, and the diff viewer:
 * each file's diff is loaded on demand by the caller's ``load()`` (a promise of the
 * API's {diff, truncated}) and shown as text, never as HTML. */
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
    added_and_deleted: ["added, deleted", "aui-lozenge-complete"],
    unknown: ["changed", ""]
  };

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
    if (!text) { return [el("p", { className: "gb-muted gb-small gb-diff-empty", text: "No textual changes in this file." })]; }
    var pre = el("pre", { className: "gb-diff", tabindex: "0" });
    var fragment = document.createDocumentFragment();
    text.split("\n").forEach(function (line) {
      fragment.appendChild(el("span", { className: "gb-diff-line " + diffClass(line), text: line + "\n" }));
    });
    pre.appendChild(fragment);
    return [data.truncated ? gb.message("warning", null, "This diff is too large to show in full; it was cut short.") : null, pre];
  }

  /* A toggle that loads ``load()`` (a promise of nodes) into a holder the first time. */
  function diffToggle(load, labels) {
    var names = labels || ["Show diff", "Hide diff"];
    var holder = el("div", { className: "gb-diff-holder", hidden: true });
    var button = el("button", { type: "button", className: "aui-button aui-button-compact gb-diff-toggle",
      "aria-expanded": "false", text: names[0] });
    var loaded = false;
    function show(open) {
      holder.hidden = !open;
      button.textContent = open ? names[1] : names[0];
      button.setAttribute("aria-expanded", String(open));
      gb.resize();
    }
    button.addEventListener("click", function () {
      if (loaded) { show(holder.hidden); return; }
      gb.busy(button, "Loading…", function () {
        return Promise.resolve().then(load).then(function (nodes) {
          loaded = true;
          gb.clear(holder);
          [].concat(nodes).forEach(function (n) { if (n) { holder.appendChild(n); } });
        }, function (err) {
          gb.clear(holder).appendChild(gb.message("error", null, "Could not load the diff: " + err.message));
        });
      }).then(function () { show(true); button.textContent = loaded ? names[1] : names[0]; });
    });
    return { button: button, holder: holder };
  }

  /* One file: change, path, line counts and its diff on demand (``diffPath(file)`` is the
   * API path of its diff). */
  function fileRow(file, diffPath, statsComplete) {
    var toggle = diffToggle(function () { return gb.api("GET", diffPath(file)).then(renderDiff); });
    var change = file.change_type || file.change;
    var pathText = file.old_path && file.old_path !== file.path ? file.old_path + " \u2192 " + file.path : file.path;
    return el("li", { className: "gb-file" },
      el("div", { className: "gb-file-row" },
        changeLozenge(change),
        el("span", { className: "gb-file-path gb-mono", title: pathText, text: pathText }),
        lineCounts(file, statsComplete),
        toggle.button),
      toggle.holder);
  }

  /* The files of a commit or range: a head line with totals, the first 20, "Show all". */
  function fileList(list, diffPath, statsComplete) {
    if (!list.length) { return el("p", { className: "gb-muted gb-small", text: "No file changes recorded." }); }
    var ul = el("ul", { className: "gb-plain-list gb-files", "aria-label": "Files changed" },
      list.slice(0, FIRST_FILES).map(function (f) { return fileRow(f, diffPath, statsComplete); }));
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
        list.slice(FIRST_FILES).forEach(function (f) { ul.appendChild(fileRow(f, diffPath, statsComplete)); });
        more.remove();
        gb.resize();
      });
      out.push(more);
    }
    return out;
  }

  /* Issue keys as links that open the issue in Jira (AP.navigator), else plain text. */
  function issueKeys(keys) {
    if (!keys || !keys.length) { return null; }
    return el("span", { className: "gb-keys" }, keys.map(function (k) {
      return el("a", { className: "gb-key", href: "#", "data-issue-key": k, text: k, on: { click: function (ev) {
        ev.preventDefault();
        if (window.AP && AP.navigator && typeof AP.navigator.go === "function") {
          AP.navigator.go("issue", { issueKey: k });
        }
      } } });
    }));
  }

  /* A commit as a card: sha, author, time, keys, full message, files. */
  /* Failed smart commands, spelled out under the message (the badge's hover has them all). */
  function smartResults(c) {
    var failed = ((c.smart_commit || {}).results || []).filter(function (r) { return !r.ok; });
    if (!failed.length) { return null; }
    return el("ul", { className: "gb-smart-failures gb-small" }, failed.map(function (r) {
      return el("li", {}, el("code", { text: r.command }), " " + r.message);
    }));
  }

  function commitCard(c, diffPath) {
    var author = c.author && c.author.name ? c.author.name : "unknown";
    return el("li", { className: "gb-commit", dataset: { sha: c.sha } },
      el("div", { className: "gb-commit-head" },
        gb.link(c.url, c.short_sha || c.sha.slice(0, 7), "gb-sha"),
        el("span", { className: "gb-author", title: c.author && c.author.email ? c.author.email : null, text: author }),
        el("span", { className: "gb-muted gb-small" }, gb.time(c.date)),
        c.is_merge ? el("span", { className: "aui-lozenge aui-lozenge-subtle gb-lozenge", text: "merge" }) : null,
        issueKeys(c.issue_keys),
        gb.smartCommitBadge(c)),
      el("pre", { className: "gb-commit-body", text: c.message || "" }),
      smartResults(c),
      el("div", { className: "gb-commit-files" }, fileList(c.files || [], function (f) { return diffPath(c, f); }, c.stats_complete)));
  }

  gb.files = { changeLozenge: changeLozenge, lineCounts: lineCounts, renderDiff: renderDiff,
    diffToggle: diffToggle, fileRow: fileRow, fileList: fileList, issueKeys: issueKeys, commitCard: commitCard };
}());
