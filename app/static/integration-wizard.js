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
      account: !!host.account,
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
        el("span", { className: "gb-tile-logo", "aria-hidden": "true", text: (host.hints && host.hints.monogram) || host.kind.charAt(0).toUpperCase() }),
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
      el("span", { className: "gb-radio-help", text: " For a server Gitbridge cannot reach: it sends its pushes and pull requests here. No credentials; no history before the first delivery, no branch creation." +
        (host.hints.webhook_mode_note ? " " + host.hints.webhook_mode_note : "") })], false);
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

  function credentialsStep() {
    var host = current.host;
    var hints = host.hints;
    var area = messageArea();
    var form = el("form", { className: "aui top-label gb-credentials", novalidate: true, autocomplete: "off" });
    form.appendChild(area);

    var baseUrl = null;
    if (host.self_managed) {
      baseUrl = el("input", { className: "text long-field", type: "url", name: "base_url", spellcheck: "false",
        placeholder: hints.base_url_example || "https://git.example.com", value: current.base_url || "" });
      form.appendChild(gb.field("Host URL", baseUrl, { required: true,
        description: "The server's web address, as in your browser. Gitbridge finds its API from there." }));
    }

    var fields = gb.wizardAuth.build(host, current);
    form.appendChild(fields.node);

    var settings = current.settings || {};
    var apiPath = el("input", { className: "text long-field gb-mono", type: "text", name: "custom_api_path", maxlength: "2000",
      spellcheck: "false", placeholder: hints.custom_api_path_example || "/path", value: settings.custom_api_path || "" });
    var jmes = el("input", { className: "text long-field gb-mono", type: "text", name: "jmespath_filter", maxlength: "2000",
      spellcheck: "false", placeholder: "[?contains(name, 'api')]", value: settings.jmespath_filter || "" });
    var ssl = gb.checkbox("Verify SSL certificates", { name: "ssl_verify", checked: settings.ssl_verify !== false,
      description: "Untick only for a server with a self-signed or internal certificate you trust." });
    // Hosts without a custom API path (Azure DevOps, CodeCommit, Gerrit): JMESPath only.
    var hasApiPath = hints.custom_api_path_example !== null;
    var advanced = el("details", { className: "gb-details gb-advanced" }, el("summary", {}, "Advanced"),
      hasApiPath ? gb.field("Custom API path", apiPath, { description: "Replaces the host's default repository listing, e.g. one organization's or group's repositories. A path relative to the API." }) : null,
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
            gb.wizardSteps.repositories(kit);
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
      var invalid = null;
      var body = { kind: host.kind };
      if (baseUrl) {
        var u = baseUrl.value.trim().replace(/\/+$/, "");
        if (!/^https?:\/\/[^\s/]+/i.test(u)) { invalid = [baseUrl, "Enter the host's URL, starting with https://."]; }
        body.base_url = u;
      }
      var read = fields.read();
      var auth = read.auth;
      invalid = invalid || read.invalid;
      if (invalid) {
        invalid[0].setAttribute("aria-invalid", "true");
        invalid[0].focus();
        showError(area, null, invalid[1]);
        return;
      }
      body.auth = auth;
      body.settings = Object.assign({
        custom_api_path: hasApiPath ? apiPath.value.trim() || null : null,
        jmespath_filter: jmes.value.trim() || null,
        ssl_verify: ssl.input.checked
      }, read.settings);
      gb.busy(submit, "Connecting…", function () {
        return gb.api("POST", "/integrations/preview", body).then(function (preview) {
          current.auth = auth;
          current.base_url = body.base_url;
          current.settings = body.settings;
          current.preview = preview || {};
          current.selected = null;
          gb.wizardSteps.repositories(kit);
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

  /* What the later steps (wizard-steps.js) use of this flow. */
  var kit = {
    current: function () { return current; },
    options: function () { return options; },
    frame: frame, messageArea: messageArea, showError: showError, buttons: buttons,
    credentialsStep: function () { credentialsStep(); }, reset: reset
  };

  gb.wizard = { init: init, reset: reset, settingsFields: function (s, d) { return gb.wizardSteps.settingsFields(s, d); } };
}());
