/* "Create branch" and "Create pull request" forms for an issue, used by the Git
 * panel (inline) and by the create-branch page (full page).
 *
 *   gitbridge.createForms.open(container, {
 *     mode: "branch" | "pr", key: "ABC-1", summary: string | Promise<string>,
 *     onDone(result, mode), onCancel()   // onCancel absent: no Cancel button
 *   })
 *
 * Data: GET /issues/{key}/create-options, GET /repositories/{id}/branches?issue=KEY;
 * POST /issues/{key}/branches or /issues/{key}/pull-requests; the repository used is
 * remembered per Jira project with PUT /me/settings.
 */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;

  function projectOf(key) { return String(key || "").split("-")[0]; }

  /* What the repository's host calls a pull request (the host registry's term). */
  function isMergeRequest(repo) { return !!repo && repo.pull_request_term === "merge request"; }

  function userPatNote(userSettingsUrl) {
    var link = el("a", { href: userSettingsUrl || "#", className: "gb-user-settings-link", text: "User settings",
      on: { click: function (ev) { ev.preventDefault(); gb.goToModule("user-settings", userSettingsUrl); } } });
    return el("p", { className: "gb-user-pat-note" }, "Add your personal access token in ", link,
      ": this repository's integration creates branches and pull requests with each user's own token.");
  }

  function open(container, options) {
    var o = options || {};
    var mode = o.mode === "pr" ? "pr" : "branch";
    var key = o.key;
    gb.clear(container).appendChild(el("p", { className: "gb-muted gb-small gb-create-loading", text: "Loading repositories…" }));
    gb.resize();
    var query = typeof o.summary === "string" && o.summary ? "?summary=" + encodeURIComponent(o.summary) : "";
    return gb.api("GET", "/issues/" + encodeURIComponent(key) + "/create-options" + query).then(function (data) {
      build(container, o, mode, data || {});
    }, function (err) {
      gb.clear(container).appendChild(gb.message("error", "Could not load the form", err.message));
      if (o.onCancel) {
        container.appendChild(el("p", {}, el("button", { type: "button", className: "aui-button aui-button-link",
          text: "Close", on: { click: o.onCancel } })));
      }
      gb.resize();
    });
  }

  function build(container, o, mode, data) {
    var key = o.key;
    var all = data.repositories || [];
    // Only repositories a branch can be made in, or that need just the user's own token.
    var repos = all.filter(function (r) { return r.can_create || (r.require_user_pat && !r.has_user_token); });
    var isPr = mode === "pr";
    gb.clear(container);
    var form = el("form", { className: "aui top-label gb-create-form", novalidate: true, autocomplete: "off",
      "data-mode": mode, "aria-label": isPr ? "Create pull request" : "Create branch" });
    var area = el("div", { className: "gb-form-message", "aria-live": "assertive" });
    form.appendChild(el("h4", { className: "gb-create-title", text: isPr ? "Create pull request" : "Create branch" }));
    form.appendChild(area);
    container.appendChild(form);

    if (!repos.length) {
      form.appendChild(gb.message("info", null, isPr
        ? "No repository shown on this project can have pull requests created from Jira."
        : "No repository shown on this project can have branches created from Jira."));
      var reason = all.map(function (r) { return r.reason; }).filter(Boolean)[0];
      if (reason) { form.appendChild(el("p", { className: "gb-small", text: reason })); }
      form.appendChild(el("p", { className: "gb-small gb-muted",
        text: "Host accounts (GitHub, GitLab, Bitbucket…) connected by a Jira administrator under Manage repositories can; single repositories connected by clone URL and webhook indexing cannot." }));
      if (o.onCancel) { form.appendChild(buttonsRow(null, o.onCancel)); }
      gb.resize();
      return;
    }

    // repository
    var repoSelect = el("select", { className: "select long-field", name: "repository_id" }, repos.map(function (r) {
      var note = r.can_create ? "" : (r.require_user_pat && !r.has_user_token ? " (needs your token)" : " (unavailable)");
      return el("option", { value: String(r.id), text: r.name + note });
    }));
    var preferred = repos.filter(function (r) { return r.id === data.default_repository_id; })[0]
      || repos.filter(function (r) { return r.can_create; })[0] || repos[0];
    repoSelect.value = String(preferred.id);
    form.appendChild(gb.field("Repository", repoSelect, { required: true }));
    var repoNote = el("div", { className: "gb-repo-note" });
    form.appendChild(repoNote);

    // branches
    var source = el("select", { className: "select long-field", name: "source" });
    var sourceText = el("input", { className: "text long-field gb-mono", type: "text", name: "source_text", spellcheck: "false", hidden: true });
    var target = el("select", { className: "select long-field", name: "target" });
    var targetText = el("input", { className: "text long-field gb-mono", type: "text", name: "target_text", spellcheck: "false", hidden: true });
    var branchNote = el("div", { className: "description gb-branches-note" });
    form.appendChild(gb.field(isPr ? "Source branch" : "Source branch", el("div", { className: "gb-select-wrap" }, source, sourceText),
      { required: true }));
    // gb.field labels the wrapper; point the label at the visible control instead
    relabel(form, source);
    if (isPr) {
      form.appendChild(gb.field("Target branch", el("div", { className: "gb-select-wrap" }, target, targetText), { required: true }));
      relabel(form, target);
    }
    form.appendChild(branchNote);

    var name = null, title = null, description = null, titleEdited = false;
    if (!isPr) {
      name = el("input", { className: "text long-field gb-mono", type: "text", name: "name", spellcheck: "false",
        value: data.branch_name || key });
      form.appendChild(gb.field("Branch name", name, { required: true,
        description: ["Keep ", el("code", { text: key }), " in the name so the branch shows on this issue."] }));
    } else {
      title = el("input", { className: "text long-field", type: "text", name: "title", maxlength: "255", value: key + " " });
      title.addEventListener("input", function () { titleEdited = true; });
      form.appendChild(gb.field("Title", title, { required: true,
        description: ["Keep ", el("code", { text: key }), " in the title so the pull request shows on this issue."] }));
      description = el("textarea", { className: "textarea long-field", name: "description", rows: "4" });
      form.appendChild(gb.field("Description", description));
      Promise.resolve(o.summary).then(function (summary) {
        if (summary && !titleEdited) { title.value = key + " " + summary; }
      });
    }

    var submit = el("button", { type: "submit", className: "aui-button aui-button-primary gb-create-submit",
      text: isPr ? "Create pull request" : "Create branch" });
    form.appendChild(buttonsRow(submit, o.onCancel));

    var branchRequest = 0;
    var blocked = false, loading = false;
    function syncSubmit() { submit.disabled = blocked || loading; }
    function currentRepo() {
      var id = Number(repoSelect.value);
      return repos.filter(function (r) { return r.id === id; })[0];
    }

    function refreshRepo() {
      var repo = currentRepo();
      gb.clear(repoNote);
      gb.clear(area);
      blocked = false;
      var needsToken = repo.require_user_pat && !repo.has_user_token;
      if (!repo.can_create && !needsToken) {
        blocked = true;
        repoNote.appendChild(gb.message("warning", null, repo.reason ||
          (isPr ? "Pull requests cannot be created in this repository from Jira." : "Branches cannot be created in this repository from Jira.")));
      }
      if (needsToken) {
        blocked = true;
        var box = gb.message("warning", null, null);
        box.appendChild(userPatNote(data.user_settings_url));
        repoNote.appendChild(box);
      }
      if (isPr && repo.creates_pull_requests === false) {
        // Gerrit: changes are pushed for review, not opened here.
        blocked = true;
        repoNote.appendChild(gb.message("info", null, repo.pull_request_howto ||
          "This host has no pull requests to create from Jira."));
      }
      syncSubmit();
      if (isPr) {
        submit.textContent = isMergeRequest(repo) ? "Create merge request" : "Create pull request";
      }
      loadBranches(repo);
      gb.resize();
    }

    function fill(select, names, selected) {
      gb.clear(select);
      names.forEach(function (n) { select.appendChild(el("option", { value: n, text: n })); });
      if (selected !== null && selected !== undefined && names.indexOf(selected) >= 0) { select.value = selected; }
    }

    function useText(select, text, value) {
      select.hidden = true;
      select.disabled = true;
      text.hidden = false;
      text.value = value || "";
      if (select.id) { text.id = select.id; select.removeAttribute("id"); }
    }
    function useSelect(select, text) {
      if (!select.hidden) { return; }
      if (text.id) { select.id = text.id; text.removeAttribute("id"); }
      select.hidden = false;
      select.disabled = false;
      text.hidden = true;
    }

    function loadBranches(repo) {
      var request = ++branchRequest;
      useSelect(source, sourceText);
      useSelect(target, targetText);
      fill(source, [], null);
      fill(target, [], null);
      source.disabled = true;
      target.disabled = true;
      loading = true;
      syncSubmit();
      branchNote.textContent = "Loading branches…";
      gb.api("GET", "/repositories/" + repo.id + "/branches?issue=" + encodeURIComponent(key)).then(function (res) {
        if (request !== branchRequest) { return; }
        loading = false;
        syncSubmit();
        var branches = (res && res.branches) || [];
        var names = branches.map(function (b) { return b.name; });
        var main = (branches.filter(function (b) { return b.is_main; })[0] || {}).name || repo.default_branch;
        branchNote.textContent = "";
        if (!names.length) {
          useText(source, sourceText, isPr ? "" : main);
          if (isPr) { useText(target, targetText, repo.default_branch || main); }
          branchNote.textContent = "No branches are indexed for this repository yet: type the branch names.";
          return;
        }
        source.disabled = false;
        target.disabled = false;
        if (isPr) {
          var upper = key.toUpperCase();
          var mine = branches.filter(function (b) { return !b.is_main && b.name.toUpperCase().indexOf(upper) >= 0; })[0]
            || branches.filter(function (b) { return !b.is_main; })[0];
          fill(source, names, mine ? mine.name : names[0]);
          fill(target, names, repo.default_branch && names.indexOf(repo.default_branch) >= 0 ? repo.default_branch : main);
        } else {
          fill(source, names, main);
        }
        gb.resize();
      }, function (err) {
        if (request !== branchRequest) { return; }
        loading = false;
        syncSubmit();
        useText(source, sourceText, isPr ? "" : repo.default_branch);
        if (isPr) { useText(target, targetText, repo.default_branch); }
        branchNote.textContent = "Could not list the branches (" + err.message + "): type the branch names.";
        gb.resize();
      });
    }

    function value(select, text) { return (select.hidden ? text.value : select.value || "").trim(); }

    repoSelect.addEventListener("change", refreshRepo);
    refreshRepo();

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      gb.clear(area);
      form.querySelectorAll("[aria-invalid]").forEach(function (f) { f.removeAttribute("aria-invalid"); });
      var repo = currentRepo();
      var body = { repository_id: repo.id, source: value(source, sourceText) };
      var problem = null;
      if (!body.source) { problem = [source.hidden ? sourceText : source, "Choose the source branch."]; }
      if (isPr) {
        body.target = value(target, targetText);
        body.title = title.value.trim();
        body.description = description.value;
        if (!problem && !body.target) { problem = [target.hidden ? targetText : target, "Choose the target branch."]; }
        if (!problem && body.source === body.target) { problem = [source.hidden ? sourceText : source, "The source and target branches must differ."]; }
        if (!problem && !body.title) { problem = [title, "Enter a title."]; }
      } else {
        body.name = name.value.trim();
        if (!problem && !body.name) { problem = [name, "Enter the new branch's name."]; }
        if (!problem && /\s/.test(body.name)) { problem = [name, "A branch name cannot contain spaces."]; }
      }
      if (problem) {
        problem[0].setAttribute("aria-invalid", "true");
        problem[0].focus();
        area.appendChild(gb.message("error", null, problem[1]));
        gb.resize();
        return;
      }
      var path = "/issues/" + encodeURIComponent(key) + (isPr ? "/pull-requests" : "/branches");
      gb.busy(submit, "Creating…", function () {
        return gb.api("POST", path, body).then(function (result) {
          return rememberRepository(key, repo.id, data.default_repository_id).then(function () {
            if (o.onDone) { o.onDone(result || {}, mode, repo); }
          });
        }, function (err) {
          var box = gb.message("error", isPr ? "Could not create the pull request" : "Could not create the branch", err.message);
          if (/user_?pat|user_?token|personal access token/i.test((err.code || "") + " " + (err.message || ""))) {
            box.appendChild(userPatNote(data.user_settings_url));
          }
          area.appendChild(box);
          area.scrollIntoView({ block: "nearest" });
          gb.resize();
        });
      });
    });
    gb.resize();
  }

  function relabel(form, control) {
    var groups = form.querySelectorAll(".field-group");
    var group = groups[groups.length - 1];
    var label = group.querySelector("label");
    var wrap = group.querySelector(".gb-select-wrap");
    control.id = wrap.id;
    wrap.removeAttribute("id");
    label.setAttribute("for", control.id);
  }

  function buttonsRow(submit, onCancel) {
    return el("div", { className: "buttons-container" }, el("div", { className: "buttons" }, submit,
      onCancel ? el("button", { type: "button", className: "aui-button aui-button-link", text: "Cancel", on: { click: onCancel } }) : null));
  }

  /* The repository last used for the project becomes the user's default there. */
  function rememberRepository(key, repositoryId, previous) {
    if (repositoryId === previous) { return Promise.resolve(); }
    var defaults = {};
    defaults[projectOf(key)] = repositoryId;
    return gb.api("PUT", "/me/settings", { default_repositories: defaults }).catch(function () { /* a preference only */ });
  }

  /* What to say after a success: "Branch x created in repo", with a link. */
  function successMessage(result, mode, repo) {
    var isPr = mode === "pr";
    var repoName = (result.repository && result.repository.name) || (repo && repo.name) || "";
    var label = isPr ? (result.title || "Pull request") : (result.name || "Branch");
    var box = gb.message("success", null, null);
    box.classList.add("gb-create-success");
    box.appendChild(el("p", {}, isPr ? (isMergeRequest(repo) ? "Merge request " : "Pull request ") : "Branch ",
      result.url ? gb.link(result.url, label, "gb-mono") : el("strong", { className: "gb-mono", text: label }),
      " created" + (repoName ? " in " + repoName : "") + "."));
    return box;
  }

  gb.createForms = { open: open, successMessage: successMessage };
}());
