/* The "Add integration" wizard's later steps for a host account: (2) the repository
 * picker over the preview, (3) the settings, then POST /integrations. The settings
 * fields are shared with the per-integration Edit form. integration-wizard.js runs the
 * flow and hands each step its kit (frame, messages, state).
 *
 *   gitbridge.wizardSteps.repositories(kit)
 *   gitbridge.wizardSteps.settingsFields(settings, defaults) -> {node, value(), ...}
 */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;

  // -- step 2: repositories -------------------------------------------------------------

  function repositoriesStep(kit) {
    var current = kit.current();
    var host = current.host;
    var preview = current.preview;
    var repos = preview.repositories || [];
    var account = preview.account || {};
    if (!current.selected) {
      current.selected = new Set();
      current.all = true;
    }
    var selected = current.selected;
    var area = kit.messageArea();
    var form = el("form", { className: "aui top-label gb-repo-picker", novalidate: true });
    form.appendChild(area);
    form.appendChild(el("p", { className: "gb-connected-as" }, "Connected to " + host.name + " as ",
      el("strong", { text: account.login || "?" }), account.name ? " (" + account.name + ")" : "",
      ". " + gb.plural(repos.length, "repository", "repositories") + " found."));
    var warnings = preview.warnings || [];
    if (warnings.length) {
      form.appendChild(el("div", { className: "aui-message aui-message-warning gb-preview-warnings" },
        el("ul", {}, warnings.map(function (w) {
          return el("li", { text: typeof w === "string" ? w : (w.message || w.code || JSON.stringify(w)) });
        }))));
    }

    var all = gb.checkbox("Connect all current and future repositories", { name: "all", checked: current.all,
      description: "Repositories added to this account later are connected at the next scan; removed ones are disconnected." });
    form.appendChild(all);

    var search = el("input", { className: "text medium-field", type: "search", placeholder: "Filter repositories", "aria-label": "Filter repositories" });
    var selectAll = gb.checkbox("Select all shown", { className: "gb-select-all" });
    var count = el("span", { className: "gb-muted gb-small gb-selected-count", "aria-live": "polite" });
    var list = el("ul", { className: "gb-plain-list gb-picker-list", "aria-label": "Repositories" });
    var picker = el("div", { className: "gb-picker" },
      el("div", { className: "gb-picker-tools" }, search, selectAll, count), list);
    form.appendChild(picker);

    var boxes = repos.map(function (repo) {
      var c = gb.checkbox([el("span", { className: "gb-picker-name", text: repo.name }),
        repo.default_branch ? el("span", { className: "gb-muted gb-small", text: " " + repo.default_branch }) : null],
      { checked: selected.has(repo.name) });
      c.input.value = repo.name;
      c.input.addEventListener("change", function () {
        if (c.input.checked) { selected.add(repo.name); } else { selected.delete(repo.name); }
        update();
      });
      var li = el("li", { className: "gb-picker-item", "data-name": repo.name }, c,
        repo.web_url ? gb.link(repo.web_url, "open", "gb-small gb-picker-link") : null);
      list.appendChild(li);
      return { repo: repo, li: li, input: c.input };
    });
    if (!repos.length) {
      list.appendChild(el("li", { className: "gb-muted gb-small", text: "These credentials see no repositories (or the filter keeps none). You can still connect: repositories that appear later are connected at the next scan." }));
    }

    function visible() { return boxes.filter(function (b) { return !b.li.hidden; }); }
    function update() {
      var isAll = all.input.checked;
      current.all = isAll;
      picker.classList.toggle("gb-picker-disabled", isAll);
      boxes.forEach(function (b) {
        b.input.disabled = isAll;
        b.input.checked = isAll || selected.has(b.repo.name);
      });
      search.disabled = isAll;
      selectAll.input.disabled = isAll;
      var shown = visible();
      selectAll.input.checked = !isAll && shown.length > 0 && shown.every(function (b) { return selected.has(b.repo.name); });
      count.textContent = isAll ? "All " + gb.plural(repos.length, "repository", "repositories") + ", and future ones"
        : selected.size + " of " + repos.length + " selected";
    }
    all.input.addEventListener("change", update);
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase();
      boxes.forEach(function (b) { b.li.hidden = q !== "" && b.repo.name.toLowerCase().indexOf(q) < 0; });
      update();
      gb.resize();
    });
    selectAll.input.addEventListener("change", function () {
      visible().forEach(function (b) {
        if (selectAll.input.checked) { selected.add(b.repo.name); } else { selected.delete(b.repo.name); }
      });
      update();
    });
    update();

    form.appendChild(kit.buttons(
      el("button", { type: "submit", className: "aui-button aui-button-primary", text: "Next" }),
      el("button", { type: "button", className: "aui-button aui-button-link", text: "Back", on: { click: kit.credentialsStep } })));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!all.input.checked && selected.size === 0) {
        kit.showError(area, null, "Choose at least one repository, or connect all of them.");
        return;
      }
      settingsStep(kit);
    });
    kit.frame("Connect " + host.name, 1, form);
  }

  // -- step 3: settings -------------------------------------------------------------------

  /* Settings fields shared with the per-integration Edit form. */
  function settingsFields(settings, defaults) {
    var s = settings || {};
    var d = defaults || {};
    var keys = s.project_keys;
    var allProjectsName = gb.nextId("gb-projects");
    var allProjects = gb.radio(allProjectsName, "all", "All Jira projects", !keys || !keys.length);
    var someProjects = gb.radio(allProjectsName, "some", "Only these projects:", !!(keys && keys.length));
    var projectInput = el("input", { className: "text medium-field", type: "text", name: "project_keys", spellcheck: "false",
      placeholder: "e.g. ABC, OPS", "aria-label": "Jira project keys", value: keys && keys.length ? keys.join(", ") : "" });
    function syncProjects() { projectInput.classList.toggle("gb-inactive", !someProjects.input.checked); }
    allProjects.input.addEventListener("change", syncProjects);
    someProjects.input.addEventListener("change", function () { syncProjects(); projectInput.focus(); });
    projectInput.addEventListener("input", function () { someProjects.input.checked = true; syncProjects(); });
    syncProjects();
    var projects = el("fieldset", { className: "group gb-projects" },
      el("legend", {}, el("span", { text: "Jira projects" })), allProjects,
      el("div", { className: "gb-inline-field" }, someProjects, projectInput),
      el("div", { className: "description", text: "Issues of these projects show this integration's repositories, and offer them for new branches and pull requests." }));

    var show = d.show || { indexing_triggers: true, require_user_pat: true, smart_commits: true, devinfo: true };
    var triggers = gb.checkbox("Indexing triggers: create webhooks on the host", { name: "indexing_triggers",
      checked: s.indexing_triggers !== undefined ? s.indexing_triggers : d.indexing_triggers !== false,
      description: "Pushes and pull requests are indexed within seconds. Needs admin rights on the repositories; without them Gitbridge checks for changes on a schedule." });
    var userPat = gb.checkbox("Require user PAT", { name: "require_user_pat", checked: !!s.require_user_pat,
      description: "Branches and pull requests created from Jira use each user's own access token (set in their Gitbridge user settings), so the host credits them and applies their permissions." });
    var smart = gb.checkbox("Smart commits", { name: "smart_commits", checked: s.smart_commits !== false,
      description: "Run #comment, #time, #assign, #label and transition commands found in new commit messages (commits up to 14 days old)." });
    var devinfo = gb.checkbox("Jira Development panel", { name: "devinfo", checked: s.devinfo !== false,
      description: "Send commits, branches and pull requests with issue keys to Jira's own Development panel (its JQL, boards and Automation read it). Switching it off deletes what was sent." });
    var node = el("div", { className: "gb-settings-fields" }, projects,
      show.indexing_triggers ? triggers : null, show.require_user_pat ? userPat : null, show.smart_commits ? smart : null,
      show.devinfo ? devinfo : null);
    return {
      node: node,
      focusProjects: function () { projectInput.focus(); },
      value: function () {
        var out = { project_keys: null };
        if (show.indexing_triggers) { out.indexing_triggers = triggers.input.checked; }
        if (show.require_user_pat) { out.require_user_pat = userPat.input.checked; }
        if (show.smart_commits) { out.smart_commits = smart.input.checked; }
        if (show.devinfo) { out.devinfo = devinfo.input.checked; }
        if (someProjects.input.checked) {
          var list = gb.projectKeys(projectInput.value); // throws with a message
          if (!list.length) { throw new Error("Enter at least one project key, or choose all projects."); }
          out.project_keys = list;
        }
        return out;
      },
      projectInput: projectInput
    };
  }

  function settingsStep(kit) {
    var current = kit.current();
    var options = kit.options();
    var host = current.host;
    var account = current.preview.account || {};
    var area = kit.messageArea();
    var form = el("form", { className: "aui top-label gb-wizard-settings", novalidate: true });
    form.appendChild(area);
    var name = el("input", { className: "text long-field", type: "text", name: "display_name", maxlength: "255",
      value: current.display_name || (host.name + (account.login ? " (" + account.login + ")" : "")) });
    form.appendChild(gb.field("Display name", name, { required: true }));
    var fields = settingsFields(current.more_settings, { indexing_triggers: true });
    form.appendChild(fields.node);
    var count = current.all ? "all repositories" : gb.plural(current.selected.size, "repository", "repositories");
    var submit = el("button", { type: "submit", className: "aui-button aui-button-primary", text: "Connect " + count });
    form.appendChild(kit.buttons(submit, el("button", { type: "button", className: "aui-button aui-button-link", text: "Back",
      on: { click: function () { remember(); repositoriesStep(kit); } } })));

    function remember() {
      current.display_name = name.value;
      try { current.more_settings = fields.value(); } catch (e) { /* kept as typed next time */ }
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      gb.clear(area);
      var more;
      try { more = fields.value(); } catch (err) {
        fields.projectInput.setAttribute("aria-invalid", "true");
        fields.focusProjects();
        kit.showError(area, null, err.message);
        return;
      }
      var displayName = name.value.trim();
      if (!displayName) { name.focus(); kit.showError(area, null, "Enter a display name."); return; }
      var settings = Object.assign({}, current.settings, more, {
        repositories: current.all ? "all" : Array.from(current.selected).sort()
      });
      var body = { kind: host.kind, display_name: displayName, auth: current.auth, settings: settings };
      if (current.base_url) { body.base_url = current.base_url; }
      gb.busy(submit, "Connecting…", function () {
        return gb.api("POST", "/integrations", body).then(function (integration) {
          kit.reset();
          if (options.onCreated) {
            options.onCreated(integration, "Connected " + integration.display_name + ". Its repositories are being scanned and indexed; progress shows below.");
          }
        }, function (err) { kit.showError(area, "Could not connect " + host.name, err); });
      });
    });
    kit.frame("Connect " + host.name, 2, form);
  }

  gb.wizardSteps = { repositories: repositoriesStep, settingsFields: settingsFields };
}());
