/* Repository browser: the repositories the user may see (search, pages), and per
 * repository its commits (a branch, or all; all / linked / unlinked) and Compare
 * (repository-compare.js). The view lives in the iframe's URL hash, so Back works:
 * #repo/<id>/commits, #repo/<id>/compare?base=..&head=.. */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;
  var root = document.getElementById("gb-browser");
  var PAGE = 25;
  var state = { q: "", start: 0 };

  // -- tabs (repositories / your tokens) ------------------------------------------------
  Array.prototype.forEach.call(document.querySelectorAll(".gb-tab"), function (tab) {
    tab.addEventListener("click", function () {
      Array.prototype.forEach.call(document.querySelectorAll(".gb-tab"), function (t) {
        var on = t === tab;
        t.setAttribute("aria-selected", String(on));
        document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
      });
      gb.resize();
    });
  });

  function busy(node) { gb.clear(node).appendChild(el("p", { className: "gb-muted", text: "Loading…" })); }

  // -- the list -------------------------------------------------------------------------

  function lastCommit(c) {
    if (!c) { return el("span", { className: "gb-muted", text: "No commits indexed yet" }); }
    return el("div", { className: "gb-last-commit" },
      el("span", { className: "gb-commit-message", text: gb.firstLine(c.message) }),
      el("div", { className: "gb-muted gb-small" }, el("span", { className: "gb-mono", text: c.sha.slice(0, 7) }), " · ",
        (c.author && c.author.name) || "unknown", " · ", gb.time(c.date)));
  }

  function row(r) {
    return el("tr", { className: "gb-browse-row", dataset: { repositoryId: r.id } },
      el("td", {}, el("a", { href: "#repo/" + r.id + "/commits", className: "gb-repo-link", text: r.name }),
        el("div", { className: "gb-muted gb-small", text: r.integration.name })),
      el("td", {}, lastCommit(r.last_commit)),
      el("td", {}, r.last_issue ? [gb.files.issueKeys([r.last_issue.key]), el("div", { className: "gb-muted gb-small" }, gb.time(r.last_issue.date))]
        : el("span", { className: "gb-muted", text: "none" })),
      el("td", {}, gb.lozenge(r.status)));
  }

  function listView() {
    var search = el("input", { className: "text gb-search", type: "search", id: "gb-repo-search",
      placeholder: "Filter by name", "aria-label": "Filter repositories by name" });
    search.value = state.q;
    var results = el("div", { className: "gb-browse-results" });
    var timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { state.q = search.value.trim(); state.start = 0; fetchPage(results); }, 250);
    });
    gb.clear(root).appendChild(el("div", { className: "gb-browse" },
      el("form", { className: "aui gb-browse-filter", on: { submit: function (ev) { ev.preventDefault(); } } }, search), results));
    fetchPage(results);
  }

  function pager(data, results) {
    var last = Math.min(data.start + data.limit, data.total);
    var prev = el("button", { type: "button", className: "aui-button gb-prev", text: "Previous", disabled: data.start === 0 });
    var next = el("button", { type: "button", className: "aui-button gb-next", text: "Next", disabled: data.next === null });
    prev.addEventListener("click", function () { state.start = Math.max(0, data.start - PAGE); fetchPage(results); });
    next.addEventListener("click", function () { state.start = data.next; fetchPage(results); });
    return el("div", { className: "gb-pager" },
      el("span", { className: "gb-muted gb-page-info", text: (data.start + 1) + "–" + last + " of " + data.total }), prev, next);
  }

  function fetchPage(results) {
    busy(results);
    var path = "/repositories?limit=" + PAGE + "&start=" + state.start + (state.q ? "&q=" + encodeURIComponent(state.q) : "");
    gb.api("GET", path).then(function (data) {
      gb.clear(results);
      if (!data.total) {
        results.appendChild(el("div", { className: "gb-empty" },
          el("p", { className: "gb-empty-title", text: state.q ? "No repository matches \u201c" + state.q + "\u201d" : "No repositories to browse" }),
          el("p", { text: state.q ? "Try another part of the name." :
            "You see the repositories associated with projects where you have the Browse Projects and View Development Tools permissions. A Jira administrator connects repositories under Apps → Manage repositories." })));
      } else {
        results.appendChild(el("table", { className: "aui gb-table gb-browse-table" },
          el("thead", {}, el("tr", {}, ["Repository", "Last commit", "Last issue", "Status"].map(function (h) { return el("th", { text: h }); }))),
          el("tbody", {}, data.repositories.map(row))));
        results.appendChild(pager(data, results));
      }
      root.removeAttribute("aria-busy");
      gb.resize();
    }, function (err) {
      gb.clear(results).appendChild(gb.message("error", "Could not load repositories", err.message));
      root.removeAttribute("aria-busy");
      gb.resize();
    });
  }

  // -- one repository -------------------------------------------------------------------

  function commitRow(repo, c) {
    var diffPath = function (file) {
      return "/repositories/" + repo.id + "/commits/" + encodeURIComponent(c.sha) + "/diff?path=" + encodeURIComponent(file.path);
    };
    var toggle = gb.files.diffToggle(function () { return gb.files.fileList(c.files || [], diffPath, c.stats_complete); },
      ["Files", "Hide files"]);
    return el("li", { className: "gb-commit-line gb-browse-commit", dataset: { sha: c.sha } },
      el("div", { className: "gb-commit-line-main" },
        gb.link(c.url, c.short_sha, "gb-sha"),
        el("span", { className: "gb-commit-message", text: gb.firstLine(c.message) }),
        gb.files.issueKeys(c.issue_keys),
        el("span", { className: "gb-muted gb-small" }, (c.author && c.author.name) || "unknown", " · ", gb.time(c.date)),
        toggle.button),
      toggle.holder);
  }

  function commitsTab(repo, refs, panel, params) {
    var branch = el("select", { className: "select gb-select", id: "gb-branch" },
      el("option", { value: "", text: "All branches" }),
      refs.branches.map(function (b) { return el("option", { value: b.name, text: b.name + (b.is_main ? " (main)" : "") }); }));
    branch.value = params.branch !== undefined ? params.branch : (repo.default_branch || "");
    var filter = el("select", { className: "select gb-select", id: "gb-filter" },
      [["all", "All commits"], ["linked", "Linked to issues"], ["unlinked", "Not linked"]].map(function (o) {
        return el("option", { value: o[0], text: o[1] });
      }));
    filter.value = params.filter || "all";
    var list = el("ol", { className: "gb-plain-list gb-browse-commits" });
    var foot = el("div", { className: "gb-footer" });
    function go() { location.hash = "repo/" + repo.id + "/commits?branch=" + encodeURIComponent(branch.value) + "&filter=" + filter.value; }
    branch.addEventListener("change", go);
    filter.addEventListener("change", go);
    function fetch(cursor) {
      var path = "/repositories/" + repo.id + "/commits?filter=" + filter.value + "&branch=" + encodeURIComponent(branch.value) +
        (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
      return gb.api("GET", path).then(function (data) {
        data.commits.forEach(function (c) { list.appendChild(commitRow(repo, c)); });
        gb.clear(foot);
        if (!list.children.length && !data.next) {
          foot.appendChild(el("div", { className: "gb-empty" }, el("p", { className: "gb-empty-title", text:
            filter.value === "linked" ? "No commit here mentions an issue key" : filter.value === "unlinked" ? "Every commit here mentions an issue key" : "No commits" })));
        }
        if (data.next) {
          if (data.scanned && !data.commits.length) {
            foot.appendChild(el("p", { className: "gb-muted gb-small", text: "Searched " + data.scanned.toLocaleString() + " commits without a match so far." }));
          }
          var more = el("button", { type: "button", className: "aui-button gb-load-more", text: "Load more" });
          more.addEventListener("click", function () { gb.busy(more, "Loading…", function () { return fetch(data.next); }); });
          foot.appendChild(more);
        }
        gb.resize();
      }, function (err) {
        gb.clear(foot).appendChild(gb.message("error", "Could not load commits", err.message));
        gb.resize();
      });
    }
    gb.clear(panel).appendChild(el("div", {},
      el("form", { className: "aui gb-toolbar", on: { submit: function (ev) { ev.preventDefault(); } } },
        el("label", { className: "gb-inline-field", "for": "gb-branch" }, el("span", { text: "Branch" }), branch),
        el("label", { className: "gb-inline-field", "for": "gb-filter" }, el("span", { text: "Show" }), filter)),
      list, foot));
    return fetch(null);
  }

  function repoView(id, tab, params) {
    busy(root);
    gb.api("GET", "/repositories/" + id + "/refs").then(function (refs) {
      var repo = refs.repository;
      var panel = el("div", { className: "gb-repo-panel" });
      function tabLink(name, label) {
        return el("a", { className: "gb-subtab" + (tab === name ? " gb-subtab-active" : ""), href: "#repo/" + id + "/" + name,
          "aria-current": tab === name ? "page" : null, text: label });
      }
      gb.clear(root).appendChild(el("div", { className: "gb-repo-view" },
        el("p", {}, el("a", { href: "#", className: "gb-back", text: "\u2190 All repositories" })),
        el("h2", { className: "gb-repo-title" }, el("span", { text: repo.name }), " ", gb.lozenge(repo.status)),
        el("p", { className: "gb-muted gb-small" }, repo.integration.name,
          repo.url ? [" · ", gb.link(repo.url, "Open on the host")] : null),
        el("nav", { className: "gb-subtabs" }, tabLink("commits", "Commits"), tabLink("compare", "Compare")),
        panel));
      root.removeAttribute("aria-busy");
      if (tab === "compare") { gb.compare.render(repo, refs, panel, params, siteUrl); }
      else { commitsTab(repo, refs, panel, params); }
      gb.resize();
    }, function (err) {
      gb.clear(root).appendChild(gb.message(err.status === 404 ? "warning" : "error", null,
        err.status === 404 ? "This repository does not exist or you cannot browse it." : "Could not load the repository: " + err.message));
      root.appendChild(el("p", {}, el("a", { href: "#", text: "\u2190 All repositories" })));
      root.removeAttribute("aria-busy");
      gb.resize();
    });
  }

  function parseParams(text) {
    var params = {};
    (text || "").split("&").forEach(function (part) {
      if (!part) { return; }
      var kv = part.split("=");
      params[decodeURIComponent(kv[0])] = decodeURIComponent((kv[1] || "").replace(/\+/g, " "));
    });
    return params;
  }

  function route() {
    var hash = location.hash.replace(/^#/, "");
    var match = /^repo\/(\d+)(?:\/(commits|compare))?(?:\?(.*))?$/.exec(hash);
    if (match) { repoView(match[1], match[2] || "commits", parseParams(match[3])); }
    else { listView(); }
  }

  var siteUrl = ""; // the Jira site, for JQL links (gitbridge.context)
  window.addEventListener("hashchange", route);
  gb.context().then(function (context) {
    siteUrl = context.siteUrl || "";
    // Opened from a link to one repository (Jira's Development panel): start there.
    var browser = document.getElementById("gb-browser");
    var start = browser ? browser.getAttribute("data-repository") : "";
    if (start && /^\d+$/.test(start) && !location.hash) { location.hash = "repo/" + start + "/commits"; return; }
    route();
  });
}());
