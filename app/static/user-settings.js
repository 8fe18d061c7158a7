/* User settings: the user's own personal access token per integration
 * (GET /me/tokens; PUT / DELETE /me/tokens/{integration_id}). A saved token is never
 * put back into the page: the field is emptied and only "saved" is shown. */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;

  var KIND_NAMES = {
    github: "GitHub.com", github_enterprise: "GitHub Enterprise Server", gitlab: "GitLab.com",
    gitlab_self_managed: "GitLab CE/EE", bitbucket_cloud: "Bitbucket Cloud",
    bitbucket_server: "Bitbucket Server / Data Center", azure_devops: "Azure DevOps",
    azure_devops_server: "Azure DevOps Server / TFS", aws_codecommit: "AWS CodeCommit", gerrit: "Gerrit"
  };
  var TOKEN_HINTS = {
    github: "A classic token with the repo scope, or a fine-grained token with Contents and Pull requests read and write.",
    gitlab: "A personal access token with the api scope (and at least the Developer role).",
    bitbucket_cloud: "An app password with Repositories write and Pull requests write.",
    bitbucket_server: "An HTTP access token with Repository write.",
    azure_devops: "A personal access token for All accessible organizations with Code (Read & write)."
  };
  TOKEN_HINTS.github_enterprise = TOKEN_HINTS.github;
  TOKEN_HINTS.gitlab_self_managed = TOKEN_HINTS.gitlab;
  TOKEN_HINTS.azure_devops_server = TOKEN_HINTS.azure_devops;

  var root = document.getElementById("gb-tokens");
  var pageMessage = document.getElementById("gb-tokens-message");
  var known = new Map(); // integration id -> its current row data

  /* The page-level reminder, kept true as tokens are saved and removed. */
  function summarize() {
    var missing = 0;
    known.forEach(function (t) { if (t.required && !t.has_token) { missing += 1; } });
    gb.clear(pageMessage);
    if (missing) {
      pageMessage.appendChild(gb.message("warning", null, gb.plural(missing, "integration requires", "integrations require") +
        " your own token before you can create branches and pull requests there."));
    }
  }

  function status(t) {
    if (t.has_token) {
      return el("span", { className: "aui-lozenge aui-lozenge-subtle aui-lozenge-success gb-lozenge gb-token-status", text: "token saved" });
    }
    if (t.required) {
      return el("span", { className: "aui-lozenge aui-lozenge-subtle aui-lozenge-moved gb-lozenge gb-token-status", text: "required" });
    }
    return el("span", { className: "aui-lozenge aui-lozenge-subtle gb-lozenge gb-token-status", text: "not set" });
  }

  function row(t) {
    var item = el("li", { className: "gb-token", dataset: { integrationId: t.integration_id } });
    build(item, t);
    return item;
  }

  function build(item, t, note) {
    known.set(t.integration_id, t);
    summarize();
    gb.clear(item);
    var input = el("input", { className: "password gb-token-input", type: "password", name: "token",
      autocomplete: "new-password", spellcheck: "false",
      placeholder: t.has_token ? "A new token replaces the saved one" : "Paste your token" });
    var label = "Personal access token for " + t.display_name;
    input.setAttribute("aria-label", label);
    var message = el("div", { className: "gb-token-message", "aria-live": "polite" }, note || null);
    var save = el("button", { type: "submit", className: "aui-button aui-button-primary", text: t.has_token ? "Replace" : "Save" });
    var remove = t.has_token ? el("button", { type: "button", className: "aui-button gb-button-danger-subtle", text: "Remove",
      on: { click: function () { removeToken(item, t, remove); } } }) : null;
    var form = el("form", { className: "aui gb-token-form", novalidate: true, autocomplete: "off" },
      input, save, remove);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var token = input.value.trim();
      gb.clear(message);
      if (!token) {
        input.setAttribute("aria-invalid", "true");
        input.focus();
        message.appendChild(gb.message("error", null, "Paste the token first."));
        gb.resize();
        return;
      }
      input.removeAttribute("aria-invalid");
      gb.busy(save, "Checking…", function () {
        return gb.api("PUT", "/me/tokens/" + t.integration_id, { token: token }).then(function (res) {
          input.value = "";
          var updated = Object.assign({}, t, { has_token: true });
          build(item, updated, gb.message("success", null,
            "Saved. " + (res && res.login ? "The host knows this token as " + res.login + "." : "The host accepted this token.")));
        }, function (err) {
          input.value = "";
          message.appendChild(gb.message("error", "The token was not saved", err.message));
          input.focus();
          gb.resize();
        });
      });
    });
    item.appendChild(el("div", { className: "gb-token-head" },
      el("div", { className: "gb-token-name" },
        el("strong", { text: t.display_name }),
        el("span", { className: "gb-muted gb-small", text: " " + (KIND_NAMES[t.kind] || t.kind) })),
      status(t)));
    if (t.required && !t.has_token) {
      item.appendChild(el("p", { className: "gb-small gb-token-required",
        text: "This integration requires your own token to create branches and pull requests from Jira." }));
    }
    item.appendChild(form);
    if (TOKEN_HINTS[t.kind]) { item.appendChild(el("p", { className: "gb-muted gb-small gb-token-hint", text: TOKEN_HINTS[t.kind] })); }
    item.appendChild(message);
    gb.resize();
  }

  function removeToken(item, t, button) {
    gb.confirm({
      title: "Remove your token?",
      message: ["Gitbridge forgets your token for " + t.display_name + ".",
        t.required ? "You cannot create branches or pull requests there from Jira until you add one again." : "Branches and pull requests there are created with the integration's own account again."],
      confirmLabel: "Remove", danger: true
    }).then(function (yes) {
      if (!yes) { return; }
      return gb.busy(button, "Removing…", function () {
        return gb.api("DELETE", "/me/tokens/" + t.integration_id).then(function () {
          build(item, Object.assign({}, t, { has_token: false }), gb.message("success", null, "Removed."));
        }, function (err) {
          var message = item.querySelector(".gb-token-message");
          gb.clear(message).appendChild(gb.message("error", "Could not remove the token", err.message));
          gb.resize();
        });
      });
    });
  }

  function load() {
    gb.api("GET", "/me/tokens").then(function (data) {
      var tokens = (data && data.tokens) || [];
      root.removeAttribute("aria-busy");
      gb.clear(root);
      if (!tokens.length) {
        root.appendChild(el("div", { className: "gb-empty" },
          el("p", { className: "gb-empty-title", text: "No host accounts connected" }),
          el("p", { text: "Tokens can be added once a Jira administrator connects a GitHub, GitLab or Bitbucket account under Manage repositories." })));
      } else {
        tokens.sort(function (a, b) {
          return (b.required - a.required) || a.display_name.localeCompare(b.display_name);
        });
        root.appendChild(el("ul", { className: "gb-plain-list gb-tokens" }, tokens.map(row)));
      }
      gb.resize();
    }, function (err) {
      root.removeAttribute("aria-busy");
      gb.clear(root).appendChild(gb.message("error", "Could not load your settings", err.message));
      root.appendChild(el("p", {}, el("button", { type: "button", className: "aui-button", text: "Try again", on: { click: load } })));
      gb.resize();
    });
  }

  load();
}());
