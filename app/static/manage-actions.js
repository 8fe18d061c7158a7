/* Manage repositories: the actions on integrations and repositories (reindex, scan,
 * enable/disable, regenerate the webhook secret, remove, disconnect). Part of the page
 * run by manage-repositories.js, sharing its helpers through gitbridge.manage. */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;
  var m = gb.manage = gb.manage || {};

  // -- actions ------------------------------------------------------------------------

  function reindex(button, repository) {
    return gb.busy(button, "Queuing…", function () {
      return gb.api("POST", "/repositories/" + repository.id + "/reindex").then(m.refresh);
    }).catch(m.actionFailed("Could not reindex " + repository.name));
  }

  function resendToJira(button, repository) {
    return gb.busy(button, "Queuing…", function () {
      return gb.api("POST", "/repositories/" + repository.id + "/devinfo/resend").then(function () {
        m.flash("success", null, "Everything of " + repository.name + " is being sent to Jira's Development panel again.");
        return m.refresh();
      });
    }).catch(m.actionFailed("Could not resend " + repository.name));
  }

  function reindexAll(button, integration) {
    return gb.busy(button, "Queuing…", function () {
      return gb.api("POST", "/integrations/" + integration.id + "/reindex").then(m.refresh);
    }).catch(m.actionFailed("Could not reindex " + integration.display_name));
  }

  function scan(button, integration) {
    return gb.busy(button, "Queuing…", function () {
      return gb.api("POST", "/integrations/" + integration.id + "/scan").then(function () {
        m.flash("success", null, "Scan of " + integration.display_name + " queued: new repositories are connected, removed ones disconnected.");
        return m.refresh();
      });
    }).catch(m.actionFailed("Could not scan " + integration.display_name));
  }

  function setEnabled(button, integration, enabled) {
    return gb.busy(button, enabled ? "Enabling…" : "Disabling…", function () {
      return gb.api("PATCH", "/integrations/" + integration.id, { settings: { enabled: enabled } }).then(function () {
        m.flash("success", null, (enabled ? "Enabled " : "Disabled ") + integration.display_name + "." +
          (enabled ? "" : " Its repositories are not indexed or shown on issues until it is enabled again."));
        return m.refresh();
      });
    }).catch(m.actionFailed("Could not " + (enabled ? "enable " : "disable ") + integration.display_name));
  }

  /* The webhooks Gitbridge created (indexing triggers) get the new secret from Gitbridge
   * (app.scanning.renew_webhooks); hooks added by hand are the admin's to update. */
  function renewsHooks(integration) {
    return m.isAccount(integration) && integration.mode !== "webhook" &&
      (integration.settings || {}).indexing_triggers !== false;
  }

  function regenerateSecret(button, integration) {
    var renews = renewsHooks(integration);
    gb.confirm({
      title: "Regenerate the webhook secret?",
      message: ["A new secret is made for " + integration.display_name + ".",
        renews ? "Gitbridge gives the webhooks it created on the host the new secret itself; a repository whose webhook it cannot update says what to do. The old secret keeps working for 24 hours."
          : "The old secret keeps working for 24 hours, so you can update the hosts one by one. After that, deliveries signed with it are refused."],
      confirmLabel: "Regenerate"
    }).then(function (yes) {
      if (!yes) { return; }
      return gb.busy(button, "Regenerating…", function () {
        return gb.api("POST", "/integrations/" + integration.id + "/webhook/regenerate").then(function () {
          m.flash("success", "New webhook secret", renews
            ? "Gitbridge is giving the webhooks it created the new secret. Update any you added by hand; the old secret keeps working for 24 hours."
            : "Update the secret on the host. The old one keeps working for 24 hours.");
          return m.refresh();
        });
      }).catch(m.actionFailed("Could not regenerate the secret"));
    });
  }

  function removeRepository(repository) {
    gb.confirm({
      title: "Remove repository?",
      message: [el("p", {}, "Remove ", el("strong", { text: repository.name }), " from Gitbridge?"),
        "Its index (commits, branches and tags) is deleted and it no longer shows on issues. The repository itself is not touched."],
      confirmLabel: "Remove", danger: true
    }).then(function (yes) {
      if (!yes) { return; }
      return gb.api("DELETE", "/repositories/" + repository.id).then(function () {
        var row = m.state.rows.get(repository.id);
        if (row) { row.node.remove(); m.state.rows.delete(repository.id); }
        m.flash("success", null, "Removed " + repository.name + ".");
        return m.refresh();
      }, m.actionFailed("Could not remove " + repository.name));
    });
  }

  function disconnect(integration) {
    gb.confirm({
      title: "Disconnect?",
      message: [el("p", {}, "Disconnect ", el("strong", { text: integration.display_name }), "?"),
        "All " + gb.plural(integration.repository_count || 0, "repository", "repositories") +
        " of this connection, their index and the stored credentials are deleted from Gitbridge."],
      confirmLabel: "Disconnect", danger: true
    }).then(function (yes) {
      if (!yes) { return; }
      return gb.api("DELETE", "/integrations/" + integration.id).then(function () {
        var card = m.state.cards.get(integration.id);
        if (card) { card.node.remove(); m.state.cards.delete(integration.id); }
        m.flash("success", null, "Disconnected " + integration.display_name + ".");
        return m.refresh();
      }, m.actionFailed("Could not disconnect " + integration.display_name));
    });
  }

  m.reindex = reindex;
  m.reindexAll = reindexAll;
  m.resendToJira = resendToJira;
  m.scan = scan;
  m.setEnabled = setEnabled;
  m.regenerateSecret = regenerateSecret;
  m.renewsHooks = renewsHooks;
  m.removeRepository = removeRepository;
  m.disconnect = disconnect;
}());
