/* Every commit of an issue (the issue's Git commits tab) or of a project (its Git
 * commits page), grouped by repository, newest first, with files, line counts and
 * per-file diffs loaded on demand. */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;

  var root = document.getElementById("gb-commits");
  // The issue or project, from the page's context (gitbridge.context: Connect reads the
  // page's data attributes, Forge the extension context).
  var key = "";
  var project = "";
  var state = { groups: new Map(), total: 0, next: null, list: null, summary: null, footer: null };

  function listPath(cursor) {
    var path = project && !key ? "/projects/" + encodeURIComponent(project) + "/commits"
      : "/issues/" + encodeURIComponent(key) + "/development";
    return cursor ? path + "?cursor=" + encodeURIComponent(cursor) : path;
  }

  /* A file's diff is asked for through an issue the commit mentions (this one, or on the
   * project page its first key), so the issue's permissions apply to the code. */
  function diffPath(commit, file) {
    var issue = key || (commit.issue_keys || [])[0] || "";
    return "/issues/" + encodeURIComponent(issue) + "/commits/" + commit.repository.id + "/" +
      encodeURIComponent(commit.sha) + "/diff?path=" + encodeURIComponent(file.path);
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
      // The issue tab needs no keys on each card: they all mention this issue.
      var card = gb.files.commitCard(key ? Object.assign({}, c, { issue_keys: null }) : c, diffPath);
      g.list.appendChild(card);
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
        return gb.api("GET", listPath(state.next)).then(function (data) {
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
    var subject = key || project + " issues";
    var example = key || project + "-1";
    return el("div", { className: "gb-empty" },
      el("p", { className: "gb-empty-title", text: "No commits mention " + subject + " yet" }),
      el("p", {}, "Put ", el("code", { text: example }), " in a commit message, for example ",
        el("code", { text: "git commit -m \"" + example + " Fix the login form\"" }),
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

  function failure(err) {
    if (key) { return gb.issueError(err, load); }
    if (err.status === 403) {
      return gb.message("warning", null, "You need the Browse Projects permission on this project to see its commits. Ask a Jira administrator if you should have it.");
    }
    if (err.status === 404) { return gb.message("warning", null, "This project does not exist or you cannot see it."); }
    return gb.message("error", "Could not load commits", err.message);
  }

  function load() {
    root.setAttribute("aria-busy", "true");
    if (!key && !project) {
      gb.clear(root).appendChild(gb.message("warning", null, "Open this from a Jira issue or project."));
      root.removeAttribute("aria-busy");
      gb.resize();
      return;
    }
    gb.api("GET", listPath()).then(render, function (err) {
      gb.clear(root).appendChild(failure(err));
    }).then(function () {
      root.removeAttribute("aria-busy");
      gb.resize();
    });
  }

  gb.context().then(function (context) {
    key = context.issueKey || "";
    project = context.projectKey || "";
    load();
  });
  setInterval(function () { gb.refreshTimes(root); }, 60000);
}());
