/* Manage repositories: the per-integration Edit form (display name, settings, and for
 * host accounts the repository selection and the listing options). Part of the page run
 * by manage-repositories.js, sharing its helpers through gitbridge.manage. */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;
  var m = gb.manage = gb.manage || {};

  /* Settings that choose which of the host's repositories are connected: saving a change
   * rescans at once (PATCH /integrations/{id} queues the scan). */
  var SELECTION = ["repositories", "jmespath_filter", "custom_api_path", "collection"];
  var SELECTION_NOTE = "Saving a changed selection (all repositories, the filter, the API path or the collection) " +
    "lists the host again at once: repositories it no longer selects are disconnected, with their index and " +
    "the webhooks Gitbridge created on them.";

  // -- edit -----------------------------------------------------------------------------

  function toggleEdit(card) {
    if (!card.edit.hidden) { closeEdit(card); return; }
    buildEdit(card);
    card.edit.hidden = false;
    var button = card.head.querySelector('[data-action="edit"]');
    if (button) { button.setAttribute("aria-expanded", "true"); }
    var first = card.edit.querySelector("input");
    if (first) { first.focus(); }
    gb.resize();
  }

  function closeEdit(card) {
    card.edit.hidden = true;
    gb.clear(card.edit);
    var button = card.head.querySelector('[data-action="edit"]');
    if (button) { button.setAttribute("aria-expanded", "false"); }
    gb.resize();
  }

  function buildEdit(card) {
    var integration = card.integration;
    var settings = integration.settings || {};
    var account = m.isAccount(integration);
    var area = el("div", { "aria-live": "assertive" });
    var name = el("input", { className: "text long-field", type: "text", name: "display_name", maxlength: "255", value: integration.display_name });
    var fields = gb.wizard.settingsFields(settings, { show: {
      indexing_triggers: account, require_user_pat: account, smart_commits: true, devinfo: true } });
    var form = el("form", { className: "aui top-label gb-edit-form", novalidate: true, autocomplete: "off" },
      el("h4", { className: "gb-edit-title", text: "Edit " + integration.display_name }),
      area, gb.field("Display name", name, { required: true }), fields.node);
    var all = null, apiPath = null, jmes = null, ssl = null, collection = null;
    if (account) {
      all = gb.checkbox("Connect all current and future repositories", { checked: settings.repositories === "all" || !settings.repositories,
        description: "Unticked: the repositories connected now stay, new ones on the host are not added." });
      var host = gb.hosts.get(integration.kind) || { hints: {} };
      var hasApiPath = host.hints.custom_api_path_example !== null;
      apiPath = el("input", { className: "text long-field gb-mono", type: "text", maxlength: "2000", spellcheck: "false", value: settings.custom_api_path || "" });
      jmes = el("input", { className: "text long-field gb-mono", type: "text", maxlength: "2000", spellcheck: "false", value: settings.jmespath_filter || "" });
      ssl = gb.checkbox("Verify SSL certificates", { checked: settings.ssl_verify !== false });
      form.appendChild(all);
      collection = integration.kind === "azure_devops_server" ? el("input", { className: "text medium-field", type: "text",
        spellcheck: "false", value: settings.collection || "" }) : null;
      var advanced = el("details", { className: "gb-details gb-advanced" }, el("summary", {}, "Advanced"),
        hasApiPath ? gb.field("Custom API path", apiPath) : null, gb.field("JMESPath filter", jmes),
        collection ? gb.field("Collection", collection, { description: "Only this project collection; empty: every collection." }) : null,
        ssl);
      if (settings.custom_api_path || settings.jmespath_filter || settings.ssl_verify === false) { advanced.open = true; }
      advanced.addEventListener("toggle", gb.resize);
      form.appendChild(advanced);
      form.appendChild(el("p", { className: "gb-small gb-muted gb-selection-note", text: SELECTION_NOTE }));
    }
    var save = el("button", { type: "submit", className: "aui-button aui-button-primary", text: "Save" });
    form.appendChild(el("div", { className: "buttons-container" }, el("div", { className: "buttons" }, save,
      el("button", { type: "button", className: "aui-button aui-button-link", text: "Cancel", on: { click: function () { closeEdit(card); } } }))));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      gb.clear(area);
      var patch;
      try {
        patch = fields.value();
      } catch (err) {
        area.appendChild(gb.message("error", null, err.message));
        fields.focusProjects();
        gb.resize();
        return;
      }
      var displayName = name.value.trim();
      if (!displayName) { area.appendChild(gb.message("error", null, "Enter a display name.")); name.focus(); return; }
      if (account) {
        patch.custom_api_path = apiPath.value.trim() || null;
        if (collection) { patch.collection = collection.value.trim() || null; }
        patch.jmespath_filter = jmes.value.trim() || null;
        patch.ssl_verify = ssl.input.checked;
        if (all.input.checked) {
          patch.repositories = "all";
        } else if (settings.repositories === "all" || !settings.repositories) {
          patch.repositories = currentRepositoryNames(integration.id);
        }
      }
      gb.busy(save, "Saving…", function () {
        return gb.api("PATCH", "/integrations/" + integration.id, { display_name: displayName, settings: patch }).then(function (updated) {
          closeEdit(card);
          var rescanned = account && SELECTION.some(function (k) {
            return k in patch && JSON.stringify(patch[k] || null) !== JSON.stringify(settings[k] || null);
          });
          m.flash("success", null, "Saved " + updated.display_name + "." + (rescanned
            ? " The host's repositories are being listed again now: new ones in the selection are connected, the ones it no longer selects are disconnected." : ""));
          return m.refresh();
        }, function (err) {
          area.appendChild(gb.message("error", "Could not save", err.message));
          gb.resize();
        });
      });
    });
    card.edit.appendChild(form);
  }

  function currentRepositoryNames(integrationId) {
    var names = [];
    m.state.rows.forEach(function (row) {
      var repo = JSON.parse(row.json || "{}");
      if (repo.integration_id === integrationId) { names.push(repo.name); }
    });
    return names.sort();
  }

  m.toggleEdit = toggleEdit;
}());
