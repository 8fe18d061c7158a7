/* Compare, in the Repository browser: base against head (branches or tags, swap), then
 * the summary (commits, lines by developer, files), the files with their net diffs, the
 * commits, and the issues in the range with a link to them in Jira's issue navigator
 * (release notes). */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;

  function refSelect(id, refs, value) {
    var input = el("select", { className: "select gb-select", id: id },
      el("optgroup", { label: "Branches" }, refs.branches.map(function (b) { return el("option", { value: b.name, text: b.name }); })),
      refs.tags.length ? el("optgroup", { label: "Tags" }, refs.tags.map(function (t) { return el("option", { value: t.name, text: t.name }); })) : null);
    if (value) {
      if (!Array.prototype.some.call(input.options, function (o) { return o.value === value; })) {
        input.appendChild(el("option", { value: value, text: value }));  // a sha from a link
      }
      input.value = value;
    }
    return input;
  }

  function box(label, value, extra) {
    return el("div", { className: "gb-stat" }, el("div", { className: "gb-stat-value" }, value),
      el("div", { className: "gb-muted gb-small", text: label }), extra || null);
  }

  function jqlLink(siteUrl, issues) {
    var jql = "key in (" + issues.join(", ") + ") ORDER BY key";
    return gb.link(siteUrl.replace(/\/$/, "") + "/issues/?jql=" + encodeURIComponent(jql), "View in issue navigator", "gb-jql-link");
  }

  function authors(list) {
    return el("table", { className: "aui gb-table gb-authors" },
      el("thead", {}, el("tr", {}, ["Developer", "Commits", "Added", "Removed"].map(function (h, i) {
        return el("th", { className: i ? "gb-num" : null, text: h });
      }))),
      el("tbody", {}, list.map(function (a) {
        return el("tr", { className: "gb-author-row" },
          el("td", {}, el("span", { text: a.name || a.email }), " ", el("span", { className: "gb-muted gb-small", text: a.email || "" })),
          el("td", { className: "gb-num", text: String(a.commits) }),
          el("td", { className: "gb-num gb-added", text: "+" + a.added }),
          el("td", { className: "gb-num gb-removed", text: "\u2212" + a.removed }));
      })));
  }

  function result(repo, data, siteUrl) {
    var q = "base=" + encodeURIComponent(data.base.sha) + "&head=" + encodeURIComponent(data.head.sha);
    function diffPath(file) {
      return "/repositories/" + repo.id + "/compare/diff?" + q + "&path=" + encodeURIComponent(file.path);
    }
    var out = el("div", { className: "gb-compare-result" });
    out.appendChild(el("div", { className: "gb-stats" },
      box("commits", String(data.total_commits) + (data.range_truncated ? "+" : "")),
      box("developers", String(data.authors.length)),
      box("files changed", String(data.files.length) + (data.files_truncated ? "+" : "")),
      box("lines", [el("span", { className: "gb-added", text: "+" + data.lines.added }), " ",
        el("span", { className: "gb-removed", text: "\u2212" + data.lines.removed })]),
      box("issues", String(data.issues.length))));
    if (!data.total_commits) {
      out.appendChild(gb.message("info", null, data.head.ref + " has no commits that " + data.base.ref + " does not have."));
    }
    if (!data.stats.complete) {
      out.appendChild(gb.message("info", "Line counts by developer are not complete yet",
        (data.stats.pending ? gb.plural(data.stats.pending, "commit") + " still being counted. " : "") +
        (data.stats.missing ? gb.plural(data.stats.missing, "commit") + " not indexed yet. " : "") +
        "The files and their diffs below are complete."));
    }
    out.appendChild(el("section", { className: "gb-compare-section", "aria-labelledby": "gb-cmp-issues" },
      el("h3", { id: "gb-cmp-issues", text: "Issues" }),
      data.issues.length ? [el("p", { className: "gb-compare-issues" }, gb.files.issueKeys(data.issues)),
        el("p", {}, jqlLink(siteUrl, data.issues))]
        : el("p", { className: "gb-muted", text: "No commit in this range mentions an issue key." })));
    out.appendChild(el("section", { className: "gb-compare-section", "aria-labelledby": "gb-cmp-authors" },
      el("h3", { id: "gb-cmp-authors", text: "Lines by developer" }),
      data.authors.length ? authors(data.authors) : el("p", { className: "gb-muted", text: "No commits." })));
    out.appendChild(el("section", { className: "gb-compare-section gb-compare-files", "aria-labelledby": "gb-cmp-files" },
      el("h3", { id: "gb-cmp-files", text: "Files (net diff)" }),
      gb.files.fileList(data.files, diffPath, true)));
    out.appendChild(el("section", { className: "gb-compare-section", "aria-labelledby": "gb-cmp-commits" },
      el("h3", { id: "gb-cmp-commits", text: "Commits" }), commitPages(repo, data, q)));
    return out;
  }

  /* The range's commits, a page at a time: "Load more" asks for the next page of the
   * same two shas (so a branch that moved meanwhile does not shift the pages) and
   * appends it; the line under the list counts what is shown against the whole range. */
  function commitPages(repo, data, q) {
    var list = el("ol", { className: "gb-plain-list gb-commit-cards" });
    var count = el("p", { className: "gb-muted gb-small gb-compare-count" });
    var foot = el("div", { className: "gb-footer" });
    var total = data.total_commits.toLocaleString() + (data.range_truncated ? "+" : "");
    var paged = Boolean(data.next) || data.range_truncated;  // one page: the stats say it all
    function diffPath(commit, file) {
      return "/repositories/" + repo.id + "/commits/" + encodeURIComponent(commit.sha) + "/diff?path=" + encodeURIComponent(file.path);
    }
    function add(page) {
      page.commits.forEach(function (c) { list.appendChild(gb.files.commitCard(c, diffPath)); });
      var shown = list.children.length;
      count.textContent = !paged ? "" : page.next || data.range_truncated
        ? "Showing the newest " + shown.toLocaleString() + " of " + total + " commits." +
          (page.next ? "" : " Compare a shorter range to see older ones.")
        : "Showing all " + gb.plural(shown, "commit") + ".";
      gb.clear(foot);
      if (!page.next) { return; }
      var more = el("button", { type: "button", className: "aui-button gb-load-more", text: "Load more" });
      more.addEventListener("click", function () {
        gb.busy(more, "Loading…", function () {
          return gb.api("GET", "/repositories/" + repo.id + "/compare?" + q + "&cursor=" + encodeURIComponent(page.next)).then(add, function (err) {
            foot.appendChild(gb.message("error", null, "Could not load more commits: " + err.message));
          });
        }).then(gb.resize);
      });
      foot.appendChild(more);
    }
    add(data);
    return el("div", {}, list, count, foot);
  }

  function render(repo, refs, panel, params, siteUrl) {
    var main = repo.default_branch || (refs.branches[0] && refs.branches[0].name) || "";
    var base = refSelect("gb-base", refs, params.base || (refs.tags.length ? refs.tags[refs.tags.length - 1].name : main));
    var head = refSelect("gb-head", refs, params.head || main);
    var out = el("div", { className: "gb-compare-output", "aria-live": "polite" });
    function go() { location.hash = "repo/" + repo.id + "/compare?base=" + encodeURIComponent(base.value) + "&head=" + encodeURIComponent(head.value); }
    var swap = el("button", { type: "button", className: "aui-button gb-swap", title: "Swap base and head", text: "\u21c4 Swap" });
    swap.addEventListener("click", function () { var b = base.value; base.value = head.value; head.value = b; go(); });
    var submit = el("button", { type: "submit", className: "aui-button aui-button-primary", text: "Compare" });
    var form = el("form", { className: "aui gb-toolbar gb-compare-form" },
      el("label", { className: "gb-inline-field", "for": "gb-base" }, el("span", { text: "Base" }), base), swap,
      el("label", { className: "gb-inline-field", "for": "gb-head" }, el("span", { text: "Compare" }), head), submit);
    form.addEventListener("submit", function (ev) { ev.preventDefault(); go(); });
    gb.clear(panel).appendChild(el("div", {}, form, out));
    if (!params.base || !params.head) {
      out.appendChild(el("p", { className: "gb-muted", text: "Choose a base and a branch or tag to compare it with: Gitbridge lists the commits the second has that the first has not, who wrote them, the files they changed, and the issues they mention." }));
      return;
    }
    out.appendChild(el("p", { className: "gb-muted", text: "Comparing…" }));
    gb.api("GET", "/repositories/" + repo.id + "/compare?base=" + encodeURIComponent(params.base) + "&head=" + encodeURIComponent(params.head)).then(function (data) {
      gb.clear(out).appendChild(result(repo, data, siteUrl));
      gb.resize();
    }, function (err) {
      gb.clear(out).appendChild(gb.message(err.status === 404 || err.status === 409 ? "warning" : "error", "Could not compare", err.message));
      gb.resize();
    });
  }

  gb.compare = { render: render };
}());
