/* User settings: the user's own personal access token per integration
 * (GET /me/tokens; PUT / DELETE /me/tokens/{integration_id}). A saved token is never
 * put back into the page: the field is emptied and only "saved" is shown. */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;

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
    var fields = credentialFields(t);
    var message = el("div", { className: "gb-token-message", "aria-live": "polite" }, note || null);
    var save = el("button", { type: "submit", className: "aui-button aui-button-primary", text: t.has_token ? "Replace" : "Save" });
    var remove = t.has_token ? el("button", { type: "button", className: "aui-button gb-button-danger-subtle", text: "Remove",
      on: { click: function () { removeToken(item, t, remove); } } }) : null;
    var form = el("form", { className: "aui gb-token-form", novalidate: true, autocomplete: "off" },
      fields.node, save, remove);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      gb.clear(message);
      var read = fields.read();
      if (read.invalid) {
        read.invalid[0].setAttribute("aria-invalid", "true");
        read.invalid[0].focus();
        message.appendChild(gb.message("error", null, read.invalid[1]));
        gb.resize();
        return;
      }
      fields.inputs.forEach(function (i) { i.removeAttribute("aria-invalid"); });
      gb.busy(save, "Checking…", function () {
        return gb.api("PUT", "/me/tokens/" + t.integration_id, read.body).then(function (res) {
          fields.clear();
          var updated = Object.assign({}, t, { has_token: true });
          build(item, updated, gb.message("success", null,
            "Saved. " + (res && res.login ? "The host knows this token as " + res.login + "." : "The host accepted this token.")));
        }, function (err) {
          fields.clear();
          message.appendChild(gb.message("error", "The token was not saved", err.message));
          fields.inputs[0].focus();
          gb.resize();
        });
      });
    });
    item.appendChild(el("div", { className: "gb-token-head" },
      el("div", { className: "gb-token-name" },
        el("strong", { text: t.display_name }),
        el("span", { className: "gb-muted gb-small", text: " " + gb.hosts.name(t.kind) })),
      status(t)));
    if (t.required && !t.has_token) {
      item.appendChild(el("p", { className: "gb-small gb-token-required",
        text: "This integration requires your own token to create branches and pull requests from Jira." }));
    }
    item.appendChild(form);
    var host = gb.hosts.get(t.kind);
    var hint = host && host.hints.user_token_help;
    if (hint) { item.appendChild(el("p", { className: "gb-muted gb-small gb-token-hint", text: hint })); }
    item.appendChild(message);
    gb.resize();
  }

  var FIELD_LABELS = { token: "Personal access token", username: "Username", password: "Password",
    access_key_id: "Access key ID", secret_access_key: "Secret access key" };
  var SECRET_FIELDS = { token: true, password: true, secret_access_key: true };

  /* The inputs of the host's user credential (t.credentials: its forms, from the host
   * registry): one token, a user name and (HTTP) password, or an AWS key pair; a choice
   * where the host takes two (TFS: a token, or user and password on TFS 2013/2015). */
  function credentialFields(t) {
    var forms = t.credentials && t.credentials.length ? t.credentials : [["token"]];
    var host = gb.hosts.get(t.kind);
    var hints = (host && host.hints) || {};
    var node = el("span", { className: "gb-credential-fields" });
    var inputs = [];
    var byForm = forms.map(function (form) {
      return form.map(function (name) {
        var secret = !!SECRET_FIELDS[name];
        // a user name's password travels as "token" (the contract's form)
        var password = name === "token" && form.length > 1;
        var label = password ? hints.password_label || "Password" : FIELD_LABELS[name] || name;
        var input = el("input", { className: (secret ? "password" : "text") + (name === "token" && !password ? " gb-token-input" : " gb-credential-input"),
          type: secret ? "password" : "text", name: name, autocomplete: secret ? "new-password" : "off", spellcheck: "false",
          placeholder: name === "token" && !password ? (t.has_token ? "A new token replaces the saved one" : "Paste your token") : label });
        input.setAttribute("aria-label", label + " for " + t.display_name);
        inputs.push(input);
        return input;
      });
    });
    var choice = null;
    if (forms.length > 1) {
      var group = gb.nextId("gb-cred");
      choice = forms.map(function (form, i) {
        return gb.radio(group, String(i), form.length === 1 ? "Token" : "Username and password", i === 0);
      });
      node.appendChild(el("span", { className: "gb-credential-choice" }, choice));
      choice.forEach(function (c) { c.input.addEventListener("change", show); });
    }
    byForm.forEach(function (list) { list.forEach(function (i) { node.appendChild(i); }); });
    function chosen() {
      if (!choice) { return 0; }
      var checked = choice.filter(function (c) { return c.input.checked; })[0];
      return checked ? Number(checked.input.value) : 0;
    }
    function show() {
      var at = chosen();
      byForm.forEach(function (list, i) { list.forEach(function (input) { input.hidden = i !== at; }); });
      gb.resize();
    }
    show();
    return {
      node: node, inputs: inputs,
      clear: function () { inputs.forEach(function (i) { i.value = ""; }); },
      read: function () {
        var at = chosen();
        var body = {};
        var invalid = null;
        forms[at].forEach(function (name, i) {
          var input = byForm[at][i];
          body[name] = input.value.trim();
          if (!body[name] && !invalid) {
            invalid = [input, forms[at].length === 1 ? "Paste the token first." : "Enter the " + input.getAttribute("aria-label").split(" for ")[0].toLowerCase() + "."];
          }
        });
        return { body: body, invalid: invalid };
      }
    };
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
    // The hosts' names and hints come from the host registry; the page works without them.
    var hosts = gb.hosts.load().catch(function () { return []; });
    Promise.all([gb.api("GET", "/me/tokens"), hosts]).then(function (results) {
      var data = results[0];
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
