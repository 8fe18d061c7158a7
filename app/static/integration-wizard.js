/* The "Add integration" wizard on Manage repositories.
 *
 * Host tiles (from GET /hosts) -> for a host account: (1) credentials, checked with
 * POST /integrations/preview, (2) repository picker, (3) settings, then
 * POST /integrations. For webhook indexing: POST /integrations {mode: "webhook"}, then
 * the webhook URL, secret and the host's set-up steps. The "git" tile is the quick-start
 * form (one repository by clone URL), handled by manage-repositories.js.
 *
 *   gitbridge.wizard.init({hosts, onCreated(integration, text), onQuickStart()})
 *   gitbridge.wizard.reset()  back to the tiles, secrets forgotten
 */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;

  /* Host accounts the wizard connects with credentials (the rest: webhook indexing). */
  var ACCOUNT_KINDS = {
    github: true, github_enterprise: true, gitlab: true, gitlab_self_managed: true,
    bitbucket_cloud: true, bitbucket_server: true
  };
  var MONOGRAMS = {
    github: "GH", github_enterprise: "GHE", gitlab: "GL", gitlab_self_managed: "GL",
    bitbucket_cloud: "BB", bitbucket_server: "BBS", azure_devops: "AZ", azure_devops_server: "TFS",
    aws_codecommit: "AWS", gerrit: "G", git: "git"
  };
  var HOST_URL_EXAMPLES = {
    github_enterprise: "https://github.example.com",
    gitlab_self_managed: "https://gitlab.example.com",
    bitbucket_server: "https://bitbucket.example.com"
  };
  var API_PATH_EXAMPLES = {
    github: "/orgs/ACME/repos", github_enterprise: "/orgs/ACME/repos",
    gitlab: "/groups/42/projects?include_subgroups=true", gitlab_self_managed: "/groups/42/projects?include_subgroups=true",
    bitbucket_cloud: "/repositories/WORKSPACE", bitbucket_server: "/projects/KEY/repos"
  };
  var TOKEN_HELP = {
    github: "A classic token with the repo scope (add admin:repo_hook for webhooks), or a fine-grained token with Contents, Metadata and Pull requests access (read and write to create branches and pull requests; Webhooks to create webhooks).",
    gitlab: "A personal, group or project access token with the api scope (read_api and read_repository are enough to only read).",
    bitbucket_server: "An HTTP access token with Repository read permission (write to create branches and pull requests, admin to create webhooks).",
    bitbucket_cloud: "An app password with Account read, Repositories read, Pull requests read (write to create branches and pull requests) and Webhooks read and write."
  };
  TOKEN_HELP.github_enterprise = TOKEN_HELP.github;
  TOKEN_HELP.gitlab_self_managed = TOKEN_HELP.gitlab;

  var options = {};
  var hosts = [];
  var chooser, tiles, flow;
  var current = null; // {host, auth, base_url, settings, preview}

  function init(o) {
    options = o || {};
    hosts = o.hosts || [];
    chooser = document.getElementById("gb-wizard-chooser");
    tiles = document.getElementById("gb-host-tiles");
    flow = document.getElementById("gb-wizard-flow");
    renderTiles();
  }

  function capabilities(host) {
    return {
      account: !!ACCOUNT_KINDS[host.kind],
      webhook: !!host.webhook_mode,
      quick: host.kind === "git"
    };
  }

  function renderTiles() {
    tiles.removeAttribute("aria-busy");
    gb.clear(tiles);
    hosts.forEach(function (host) {
      var can = capabilities(host);
      var ways = [];
      if (can.account) { ways.push("Host account"); }
      if (can.webhook) { ways.push("Webhook indexing"); }
      if (can.quick) { ways.push("One repository by URL"); }
      var available = ways.length > 0;
      var tile = el("button", { type: "button", className: "gb-tile", role: "listitem", "data-kind": host.kind,
        disabled: !available, "aria-describedby": "gb-tile-" + host.kind + "-ways",
        on: { click: function () { choose(host); } } },
        el("span", { className: "gb-tile-logo", "aria-hidden": "true", text: MONOGRAMS[host.kind] || host.kind.charAt(0).toUpperCase() }),
        el("span", { className: "gb-tile-text" },
          el("span", { className: "gb-tile-name", text: host.name }),
          el("span", { className: "gb-tile-ways gb-small", id: "gb-tile-" + host.kind + "-ways",
            text: available ? ways.join(" · ") : "Not available yet" })));
      tiles.appendChild(tile);
    });
    gb.resize();
  }

  function reset() {
    current = null;
    if (!flow) { return; }
    gb.clear(flow);
    flow.hidden = true;
    chooser.hidden = false;
    gb.resize();
  }

  function choose(host) {
    var can = capabilities(host);
    if (can.quick) {
      if (options.onQuickStart) { options.onQuickStart(); }
      return;
    }
    current = { host: host };
    chooser.hidden = true;
    flow.hidden = false;
    if (can.account && can.webhook) { modeChoice(host); }
    else if (can.account) { credentialsStep(); }
    else { webhookStep(); }
  }

  // -- frame ------------------------------------------------------------------------

  function frame(title, stepIndex, content) {
    gb.clear(flow);
    var steps = ["Credentials", "Repositories", "Settings"];
    var back = el("button", { type: "button", className: "aui-button aui-button-link gb-back-hosts", text: "← All hosts",
      on: { click: reset } });
    flow.appendChild(el("div", { className: "gb-flow-head" },
      back, el("h3", { className: "gb-flow-title", text: title })));
    if (stepIndex !== null) {
      flow.appendChild(el("ol", { className: "gb-steps", "aria-label": "Steps" }, steps.map(function (name, i) {
        var state = i < stepIndex ? "done" : (i === stepIndex ? "current" : "todo");
        return el("li", { className: "gb-step gb-step-" + state, "aria-current": i === stepIndex ? "step" : null },
          el("span", { className: "gb-step-number", text: String(i + 1) }), el("span", { text: name }));
      })));
    }
    flow.appendChild(content);
    gb.resize();
    var first = content.querySelector("input:not([type=hidden]):not([disabled]), select, textarea");
    if (first) { first.focus({ preventScroll: true }); }
  }

  function messageArea() { return el("div", { className: "gb-form-message", "aria-live": "assertive" }); }

  function showError(area, title, err, extra) {
    gb.clear(area).appendChild(gb.message("error", title, err && err.message ? err.message : String(err)));
    if (extra) { area.firstChild.appendChild(extra); }
    area.scrollIntoView({ block: "nearest" });
    gb.resize();
  }

  function buttons() {
    return el("div", { className: "buttons-container" }, el("div", { className: "buttons" },
      Array.prototype.slice.call(arguments)));
  }

  // -- type choice --------------------------------------------------------------------

  function modeChoice(host) {
    var name = "gb-mode-" + host.kind;
    var account = gb.radio(name, "full", [el("strong", { text: "Host account" }),
      el("span", { className: "gb-radio-help", text: " Gitbridge reads " + host.name + "'s API with a token: every repository with its history, pull requests, branch and pull request creation from Jira." })], true);
    var webhook = gb.radio(name, "webhook", [el("strong", { text: "Webhook indexing" }),
      el("span", { className: "gb-radio-help", text: " For a server Gitbridge cannot reach: it sends its pushes and pull requests here. No credentials; no history before the first delivery, no branch creation." })], false);
    var form = el("form", { className: "aui top-label gb-mode-form", novalidate: true },
      el("fieldset", { className: "group" }, el("legend", {}, el("span", { text: "How should Gitbridge connect?" })), account, webhook),
      buttons(el("button", { type: "submit", className: "aui-button aui-button-primary", text: "Next" })));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (webhook.input.checked) { webhookStep(); } else { credentialsStep(); }
    });
    frame("Connect " + host.name, null, form);
  }

  // -- step 1: credentials ----------------------------------------------------------------

  function authTypes(host) {
    return host.auth_types.filter(function (t) { return t === "pat" || t === "basic"; });
  }

  function credentialsStep() {
    var host = current.host;
    var kinds = authTypes(host);
    var area = messageArea();
    var form = el("form", { className: "aui top-label gb-credentials", novalidate: true, autocomplete: "off" });
    form.appendChild(area);

    var baseUrl = null;
    if (host.self_managed) {
      baseUrl = el("input", { className: "text long-field", type: "url", name: "base_url", spellcheck: "false",
        placeholder: HOST_URL_EXAMPLES[host.kind] || "https://git.example.com", value: current.base_url || "" });
      form.appendChild(gb.field("Host URL", baseUrl, { required: true,
        description: "The server's web address, as in your browser. Gitbridge finds its API from there." }));
    }

    var choice = null;
    if (kinds.length > 1) {
      var name = gb.nextId("gb-auth");
      choice = kinds.map(function (t, i) {
        return gb.radio(name, t, t === "pat" ? "Access token" : (host.kind === "bitbucket_cloud" ? "Username and app password" : "Username and password"),
          current.auth ? current.auth.type === t : i === 0);
      });
      form.appendChild(el("fieldset", { className: "group" }, el("legend", {}, el("span", { text: "Authentication" })), choice));
    }

    var token = el("input", { className: "password long-field", type: "password", name: "token", autocomplete: "new-password", spellcheck: "false" });
    var username = el("input", { className: "text medium-field", type: "text", name: "username", autocomplete: "off", spellcheck: "false" });
    var password = el("input", { className: "password medium-field", type: "password", name: "password", autocomplete: "new-password" });
    var boxClass = choice ? "gb-auth-fields" : "gb-auth-single";
    var patBox = el("div", { className: boxClass, "data-auth": "pat" },
      gb.field("Access token", token, { required: true, description: TOKEN_HELP[host.kind] || "" }));
    var basicBox = el("div", { className: boxClass, "data-auth": "basic" },
      gb.field("Username", username, { required: true }),
      gb.field(host.kind === "bitbucket_cloud" ? "App password" : "Password", password, { required: true,
        description: host.kind === "bitbucket_cloud" ? TOKEN_HELP.bitbucket_cloud : "With two-factor sign-in, use an access token as the password." }));
    form.appendChild(patBox);
    form.appendChild(basicBox);
    if (current.auth) {
      token.value = current.auth.token || "";
      username.value = current.auth.username || "";
      password.value = current.auth.password || "";
    }

    function authType() {
      if (!choice) { return kinds[0] || "pat"; }
      var checked = choice.filter(function (c) { return c.input.checked; })[0];
      return checked ? checked.input.value : kinds[0];
    }
    function showAuth() {
      var t = authType();
      patBox.hidden = t !== "pat";
      basicBox.hidden = t !== "basic";
      gb.resize();
    }
    if (choice) { choice.forEach(function (c) { c.input.addEventListener("change", showAuth); }); }
    showAuth();

    var settings = current.settings || {};
    var apiPath = el("input", { className: "text long-field gb-mono", type: "text", name: "custom_api_path", maxlength: "2000",
      spellcheck: "false", placeholder: API_PATH_EXAMPLES[host.kind] || "/path", value: settings.custom_api_path || "" });
    var jmes = el("input", { className: "text long-field gb-mono", type: "text", name: "jmespath_filter", maxlength: "2000",
      spellcheck: "false", placeholder: "[?contains(name, 'api')]", value: settings.jmespath_filter || "" });
    var ssl = gb.checkbox("Verify SSL certificates", { name: "ssl_verify", checked: settings.ssl_verify !== false,
      description: "Untick only for a server with a self-signed or internal certificate you trust." });
    var advanced = el("details", { className: "gb-details gb-advanced" }, el("summary", {}, "Advanced"),
      gb.field("Custom API path", apiPath, { description: "Replaces the host's default repository listing, e.g. one organization's or group's repositories. A path relative to the API." }),
      gb.field("JMESPath filter", jmes, { description: "Keeps only matching repositories of the host's list, using the host's own field names (case-sensitive)." }),
      ssl);
    advanced.addEventListener("toggle", gb.resize);
    if (settings.custom_api_path || settings.jmespath_filter || settings.ssl_verify === false) { advanced.open = true; }
    form.appendChild(advanced);

    if (host.oauth && options.oauthConnect) {
      // OAuth: the host's own sign-in in a popup; the grant it returns stands in for a token.
      var oauthButton = el("button", { type: "button", className: "aui-button gb-oauth", text: "Connect with " + host.name });
      oauthButton.addEventListener("click", function () {
        gb.clear(area);
        var base = baseUrl ? baseUrl.value.trim().replace(/\/+$/, "") : undefined;
        options.oauthConnect(host, base).then(function (auth) {
          var body = { kind: host.kind, auth: auth, base_url: base, settings: { ssl_verify: ssl.input.checked } };
          return gb.api("POST", "/integrations/preview", body).then(function (preview) {
            current.auth = auth;
            current.base_url = base;
            current.settings = body.settings;
            current.preview = preview || {};
            current.selected = null;
            repositoriesStep();
          });
        }).catch(function (err) { showError(area, "Could not connect to " + host.name, err); });
      });
      form.insertBefore(el("p", {}, oauthButton, el("span", { className: "gb-muted", text: " or use credentials below." })),
        form.children[1] || null);
    }

    var submit = el("button", { type: "submit", className: "aui-button aui-button-primary", text: "Connect and select repositories" });
    form.appendChild(buttons(submit, el("button", { type: "button", className: "aui-button aui-button-link", text: "Back",
      on: { click: function () { if (capabilities(host).webhook) { modeChoice(host); } else { reset(); } } } })));
    form.appendChild(el("p", { className: "gb-muted gb-small", text: "Credentials are stored encrypted and are never shown again." }));

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      gb.clear(area);
      form.querySelectorAll("[aria-invalid]").forEach(function (f) { f.removeAttribute("aria-invalid"); });
      var t = authType();
      var invalid = null;
      var body = { kind: host.kind };
      if (baseUrl) {
        var u = baseUrl.value.trim().replace(/\/+$/, "");
        if (!/^https?:\/\/[^\s/]+/i.test(u)) { invalid = [baseUrl, "Enter the host's URL, starting with https://."]; }
        body.base_url = u;
      }
      var auth;
      if (t === "basic") {
        auth = { type: "basic", username: username.value.trim(), password: password.value };
        if (!invalid && !auth.username) { invalid = [username, "Enter the username."]; }
        if (!invalid && !auth.password) { invalid = [password, "Enter the " + (host.kind === "bitbucket_cloud" ? "app password." : "password.")]; }
      } else {
        auth = { type: "pat", token: token.value.trim() };
        if (!invalid && !auth.token) { invalid = [token, "Enter the access token."]; }
      }
      if (invalid) {
        invalid[0].setAttribute("aria-invalid", "true");
        invalid[0].focus();
        showError(area, null, invalid[1]);
        return;
      }
      body.auth = auth;
      body.settings = {
        custom_api_path: apiPath.value.trim() || null,
        jmespath_filter: jmes.value.trim() || null,
        ssl_verify: ssl.input.checked
      };
      gb.busy(submit, "Connecting…", function () {
        return gb.api("POST", "/integrations/preview", body).then(function (preview) {
          current.auth = auth;
          current.base_url = body.base_url;
          current.settings = body.settings;
          current.preview = preview || {};
          current.selected = null;
          repositoriesStep();
        }, function (err) {
          var hint = null;
          if (/certif|ssl|tls/i.test((err.code || "") + " " + (err.message || ""))) {
            hint = el("p", { className: "gb-hint" }, "If the server uses a self-signed or internal certificate, untick ",
              el("strong", { text: "Verify SSL certificates" }), " under Advanced and connect again.");
            advanced.open = true;
          }
          showError(area, "Could not connect to " + host.name, err, hint);
        });
      });
    });
    frame("Connect " + host.name, 0, form);
  }

  // -- step 2: repositories -------------------------------------------------------------

  function repositoriesStep() {
    var host = current.host;
    var preview = current.preview;
    var repos = preview.repositories || [];
    var account = preview.account || {};
    if (!current.selected) {
      current.selected = new Set();
      current.all = true;
    }
    var selected = current.selected;
    var area = messageArea();
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

    form.appendChild(buttons(
      el("button", { type: "submit", className: "aui-button aui-button-primary", text: "Next" }),
      el("button", { type: "button", className: "aui-button aui-button-link", text: "Back", on: { click: credentialsStep } })));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!all.input.checked && selected.size === 0) {
        showError(area, null, "Choose at least one repository, or connect all of them.");
        return;
      }
      settingsStep();
    });
    frame("Connect " + host.name, 1, form);
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

  function settingsStep() {
    var host = current.host;
    var account = current.preview.account || {};
    var area = messageArea();
    var form = el("form", { className: "aui top-label gb-wizard-settings", novalidate: true });
    form.appendChild(area);
    var name = el("input", { className: "text long-field", type: "text", name: "display_name", maxlength: "255",
      value: current.display_name || (host.name + (account.login ? " (" + account.login + ")" : "")) });
    form.appendChild(gb.field("Display name", name, { required: true }));
    var fields = settingsFields(current.more_settings, { indexing_triggers: true });
    form.appendChild(fields.node);
    var count = current.all ? "all repositories" : gb.plural(current.selected.size, "repository", "repositories");
    var submit = el("button", { type: "submit", className: "aui-button aui-button-primary", text: "Connect " + count });
    form.appendChild(buttons(submit, el("button", { type: "button", className: "aui-button aui-button-link", text: "Back",
      on: { click: function () { remember(); repositoriesStep(); } } })));

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
        showError(area, null, err.message);
        return;
      }
      var displayName = name.value.trim();
      if (!displayName) { name.focus(); showError(area, null, "Enter a display name."); return; }
      var settings = Object.assign({}, current.settings, more, {
        repositories: current.all ? "all" : Array.from(current.selected).sort()
      });
      var body = { kind: host.kind, display_name: displayName, auth: current.auth, settings: settings };
      if (current.base_url) { body.base_url = current.base_url; }
      gb.busy(submit, "Connecting…", function () {
        return gb.api("POST", "/integrations", body).then(function (integration) {
          reset();
          if (options.onCreated) {
            options.onCreated(integration, "Connected " + integration.display_name + ". Its repositories are being scanned and indexed; progress shows below.");
          }
        }, function (err) { showError(area, "Could not connect " + host.name, err); });
      });
    });
    frame("Connect " + host.name, 2, form);
  }

  // -- webhook indexing -------------------------------------------------------------------

  function webhookStep() {
    var host = current.host;
    var area = messageArea();
    var form = el("form", { className: "aui top-label gb-webhook-form", novalidate: true });
    form.appendChild(area);
    form.appendChild(el("p", { className: "gb-small" },
      "Gitbridge builds commits, branches and pull requests from what " + host.name +
      " sends. Repositories appear with their first delivery; history from before it is not indexed, and branches and pull requests cannot be created from Jira."));
    var name = el("input", { className: "text long-field", type: "text", name: "display_name", maxlength: "255",
      value: host.name + " (webhooks)" });
    form.appendChild(gb.field("Display name", name));
    var submit = el("button", { type: "submit", className: "aui-button aui-button-primary", text: "Add integration" });
    form.appendChild(buttons(submit, el("button", { type: "button", className: "aui-button aui-button-link", text: "Back",
      on: { click: function () { if (capabilities(host).account) { modeChoice(host); } else { reset(); } } } })));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      gb.clear(area);
      var body = { kind: host.kind, mode: "webhook", display_name: name.value.trim() || undefined };
      gb.busy(submit, "Adding…", function () {
        return gb.api("POST", "/integrations", body).then(webhookDone, function (err) {
          showError(area, "Could not add the integration", err);
        });
      });
    });
    frame("Webhook indexing for " + host.name, null, form);
  }

  function webhookDone(integration) {
    var host = current.host;
    var webhook = integration.webhook || {};
    var content = el("div", { className: "gb-webhook-done" },
      gb.message("success", "Integration added", "Now add the webhook on " + host.name +
        " with these values. They are also under Webhook on this integration in the list below."),
      gb.webhookSetup.values(webhook),
      gb.webhookSetup.steps(host.kind, webhook),
      buttons(el("button", { type: "button", className: "aui-button aui-button-primary", text: "Finish",
        on: { click: function () {
          reset();
          if (options.onCreated) {
            options.onCreated(integration, "Added " + integration.display_name + ". Its repositories appear with their first delivery.");
          }
        } } })));
    frame("Webhook indexing for " + host.name, null, content);
    if (options.onCreated) { options.onCreated(integration, null); }
  }

  gb.wizard = { init: init, reset: reset, settingsFields: settingsFields, accountKinds: ACCOUNT_KINDS };
}());
