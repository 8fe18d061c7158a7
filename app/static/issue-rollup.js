/* Roll Up: an issue's commits summed up. First and last commit, lines by developer and
 * by file (sortable, rolled up by extension, change or repository), each file's diffs
 * (one per commit of the issue that touched it) on click. */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;

  var root = document.getElementById("gb-rollup");
  var key = ""; // the issue, from the page's context (gitbridge.context)
  var DIFFS_SHOWN = 5;

  var AUTHOR_SORTS = [
    ["name", "Name", function (a, b) { return (a.name || a.email || "").localeCompare(b.name || b.email || ""); }],
    ["commits", "Most changes", function (a, b) { return b.commits - a.commits; }],
    ["added", "Most lines added", function (a, b) { return b.added - a.added; }],
    ["changed", "Most lines changed", function (a, b) { return (b.added + b.removed) - (a.added + a.removed); }],
    ["removed", "Most lines removed", function (a, b) { return b.removed - a.removed; }]
  ];
  var FILE_SORTS = [
    ["path", "Path", function (a, b) { return a.path.localeCompare(b.path); }],
    ["changes", "Most changed", function (a, b) { return b.changes - a.changes; }],
    ["added", "Most lines added", function (a, b) { return b.added - a.added; }],
    ["changed", "Most lines changed", function (a, b) { return (b.added + b.removed) - (a.added + a.removed); }],
    ["removed", "Most lines removed", function (a, b) { return b.removed - a.removed; }]
  ];
  var ROLLUPS = [
    ["none", "None", null],
    ["extension", "File extension", function (f) { return [extension(f.path)]; }],
    ["change", "Change", function (f) { return [f.change]; }],
    ["extension-change", "Extension, then change", function (f) { return [extension(f.path), f.change]; }],
    ["change-extension", "Change, then extension", function (f) { return [f.change, extension(f.path)]; }],
    ["repository", "Repository", function (f) { return [f.repository.name]; }]
  ];

  function extension(path) {
    var name = path.split("/").pop();
    var dot = name.lastIndexOf(".");
    return dot > 0 ? name.slice(dot) : "(no extension)";
  }

  function select(label, options, onChange, id) {
    var input = el("select", { className: "select gb-select", id: id },
      options.map(function (o) { return el("option", { value: o[0], text: o[1] }); }));
    input.addEventListener("change", function () { onChange(input.value); });
    return el("label", { className: "gb-inline-field", "for": id }, el("span", { text: label }), input);
  }

  function lines(added, removed) {
    return [el("span", { className: "gb-added", text: "+" + added }), " ",
      el("span", { className: "gb-removed", text: "\u2212" + removed })];
  }

  function commitSummary(title, c) {
    return el("div", { className: "gb-rollup-commit" },
      el("h4", { text: title }),
      el("p", {}, gb.link(c.url, c.short_sha, "gb-sha"), " ",
        el("span", { className: "gb-commit-message", text: gb.firstLine(c.message) })),
      el("p", { className: "gb-muted gb-small" }, (c.author && c.author.name) || "unknown", " · ",
        c.repository.name, " · ", gb.time(c.date)));
  }

  function authorsTable(authors) {
    var body = el("tbody");
    function fill(sort) {
      gb.clear(body);
      authors.slice().sort(AUTHOR_SORTS.filter(function (s) { return s[0] === sort; })[0][2]).forEach(function (a) {
        body.appendChild(el("tr", { className: "gb-author-row" },
          el("td", {}, el("span", { text: a.name || a.email }), " ", el("span", { className: "gb-muted gb-small", text: a.email || "" })),
          el("td", { className: "gb-num", text: String(a.commits) }),
          el("td", { className: "gb-num gb-added", text: "+" + a.added }),
          el("td", { className: "gb-num gb-removed", text: "\u2212" + a.removed }),
          el("td", { className: "gb-num", text: String(a.added + a.removed) })));
      });
    }
    fill("changed");
    var sorter = select("Sort by", AUTHOR_SORTS, fill, "gb-author-sort");
    sorter.querySelector("select").value = "changed";
    return el("section", { className: "gb-rollup-section", "aria-labelledby": "gb-authors-title" },
      el("div", { className: "gb-section-head" }, el("h3", { id: "gb-authors-title", text: "Lines by developer" }), sorter),
      el("table", { className: "aui gb-table gb-authors" },
        el("thead", {}, el("tr", {}, ["Developer", "Commits", "Added", "Removed", "Changed"].map(function (h, i) {
          return el("th", { className: i ? "gb-num" : null, text: h });
        }))), body));
  }

  function fileDiffs(file) {
    var shas = file.commits || [];
    function diffOf(sha) {
      return gb.api("GET", "/issues/" + encodeURIComponent(key) + "/commits/" + file.repository.id + "/" +
        encodeURIComponent(sha) + "/diff?path=" + encodeURIComponent(file.path)).then(function (data) {
        return el("div", { className: "gb-rollup-diff" },
          el("p", { className: "gb-small" }, el("span", { className: "gb-sha gb-mono", text: sha.slice(0, 7) })),
          gb.files.renderDiff(data));
      });
    }
    return Promise.all(shas.slice(0, DIFFS_SHOWN).map(diffOf)).then(function (nodes) {
      if (shas.length > DIFFS_SHOWN) {
        nodes.push(el("p", { className: "gb-muted gb-small", text: "Showing the newest " + DIFFS_SHOWN + " of " +
          gb.plural(shas.length, "commit") + " that changed this file; the Git commits tab has every one." }));
      }
      return nodes;
    });
  }

  function fileRow(file, complete) {
    var toggle = gb.files.diffToggle(function () { return fileDiffs(file); }, ["Show diff", "Hide diff"]);
    var row = el("tr", { className: "gb-file-row-rollup", dataset: { path: file.path } },
      el("td", {}, gb.files.changeLozenge(file.change)),
      el("td", { className: "gb-file-path gb-mono", title: file.path, text: file.path }),
      el("td", { className: "gb-num", text: String(file.changes) }),
      el("td", { className: "gb-num" }, file.binary ? el("span", { className: "gb-muted gb-small", text: "binary" })
        : gb.files.lineCounts(file, complete)),
      el("td", {}, toggle.button));
    var holder = el("tr", { className: "gb-diff-row" }, el("td", { colspan: "5" }, toggle.holder));
    return [row, holder];
  }

  function filesTable(files, complete) {
    var body = el("tbody");
    var state = { sort: "path", rollup: "none" };
    function groupRow(label, members, depth) {
      var added = members.reduce(function (n, f) { return n + f.added; }, 0);
      var removed = members.reduce(function (n, f) { return n + f.removed; }, 0);
      var changes = members.reduce(function (n, f) { return n + f.changes; }, 0);
      return el("tr", { className: "gb-group-row gb-depth-" + depth },
        el("th", { colspan: "2", scope: "rowgroup" }, label, " ", el("span", { className: "aui-badge", text: String(members.length) })),
        el("td", { className: "gb-num", text: String(changes) }),
        el("td", { className: "gb-num" }, lines(added, removed)), el("td"));
    }
    function emit(list, keyOf, depth) {
      var sorted = list.slice().sort(FILE_SORTS.filter(function (s) { return s[0] === state.sort; })[0][2]);
      if (!keyOf) { sorted.forEach(function (f) { fileRow(f, complete).forEach(function (r) { body.appendChild(r); }); }); return; }
      var groups = new Map();
      sorted.forEach(function (f) {
        var k = keyOf(f)[depth];
        if (!groups.has(k)) { groups.set(k, []); }
        groups.get(k).push(f);
      });
      Array.from(groups.keys()).sort().forEach(function (k) {
        body.appendChild(groupRow(k, groups.get(k), depth));
        emit(groups.get(k), depth + 1 < keyOf(groups.get(k)[0]).length ? keyOf : null, depth + 1);
      });
    }
    function fill() {
      gb.clear(body);
      emit(files, ROLLUPS.filter(function (r) { return r[0] === state.rollup; })[0][2], 0);
      gb.resize();
    }
    fill();
    return el("section", { className: "gb-rollup-section", "aria-labelledby": "gb-files-title" },
      el("div", { className: "gb-section-head" }, el("h3", { id: "gb-files-title", text: "Files" }),
        select("Sort by", FILE_SORTS, function (v) { state.sort = v; fill(); }, "gb-file-sort"),
        select("Roll up by", ROLLUPS, function (v) { state.rollup = v; fill(); }, "gb-file-rollup")),
      el("table", { className: "aui gb-table gb-rollup-files" },
        el("thead", {}, el("tr", {}, ["Change", "Path", "Commits", "Lines", ""].map(function (h, i) {
          return el("th", { className: i === 2 ? "gb-num" : null, text: h });
        }))), body));
  }

  function render(data) {
    gb.clear(root);
    if (!data.commits) {
      root.appendChild(el("div", { className: "gb-empty" },
        el("p", { className: "gb-empty-title", text: "Nothing to roll up for " + key + " yet" }),
        el("p", {}, "Once commits mention ", el("code", { text: key }), ", this shows who changed which files and how much.")));
      return;
    }
    var added = data.authors.reduce(function (n, a) { return n + a.added; }, 0);
    var removed = data.authors.reduce(function (n, a) { return n + a.removed; }, 0);
    root.appendChild(el("p", { className: "gb-summary-line" },
      el("strong", { text: gb.plural(data.commits, "commit") }), " by " + gb.plural(data.authors.length, "developer") + ", ",
      lines(added, removed), " in " + gb.plural(data.files.length, "file") + ". Last commit ", gb.time(data.last_commit.date), "."));
    if (!data.stats.complete) {
      root.appendChild(gb.message("info", "Line counts are not complete yet",
        gb.plural(data.stats.pending, "commit") + " of this issue " + (data.stats.pending === 1 ? "is" : "are") +
        " still being counted; the figures below grow until counting finishes. Reload to see the latest."));
    }
    root.appendChild(el("div", { className: "gb-rollup-ends" },
      commitSummary("First commit", data.first_commit), commitSummary("Last commit", data.last_commit)));
    root.appendChild(authorsTable(data.authors));
    root.appendChild(filesTable(data.files, data.stats.complete));
  }

  function load() {
    root.setAttribute("aria-busy", "true");
    if (!key) {
      gb.clear(root).appendChild(gb.message("warning", null, "Open this from a Jira issue."));
      root.removeAttribute("aria-busy");
      return;
    }
    gb.api("GET", "/issues/" + encodeURIComponent(key) + "/rollup").then(render, function (err) {
      gb.clear(root).appendChild(gb.issueError(err, load));
    }).then(function () { root.removeAttribute("aria-busy"); gb.resize(); });
  }

  gb.context().then(function (context) {
    key = context.issueKey || "";
    load();
  });
}());
