/* What a repository sent to Jira, for the manage page: the Development-panel push
 * (status, what Jira holds of the commits, branches and pull requests that carry keys,
 * the last push, what Jira refused or does not know) with a Resend button, and the
 * smart commits run. Used by manage-repositories.js: gb.jiraPanel.section(repository,
 * {resend: function (button, repository) -> Promise}). */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;

  // status -> [label, lozenge style (gitbridge.js kinds)]
  var STATUS = {
    off: ["off", "disabled"],
    queued: ["queued", "queued"],
    waiting: ["waiting", "queued"],
    backfilling: ["backfilling", "indexing"],
    sending: ["sending", "indexing"],
    up_to_date: ["up to date", "indexed"]
  };
  var KINDS = { commit: "commit", branch: "branch", pull_request: "pull request" };

  function held(devinfo) {
    var sent = devinfo.sent || {};
    var totals = devinfo.totals || {};
    function item(kind, one, many) {
      var n = sent[kind] || 0;
      var total = totals[kind];
      var text = total !== undefined && total !== n ? n.toLocaleString() + " of " + total.toLocaleString()
        : n.toLocaleString();
      return el("span", { className: "gb-jira-count", dataset: { kind: kind } },
        el("strong", { text: text }), " " + ((total !== undefined ? total : n) === 1 ? one : many));
    }
    return el("div", { className: "gb-jira-counts" },
      item("commits", "commit", "commits"), item("branches", "branch", "branches"),
      item("pull_requests", "pull request", "pull requests"));
  }

  function progress(devinfo) {
    var done = (devinfo.sent || {}).commits || 0;
    var total = (devinfo.totals || {}).commits || 0;
    if (devinfo.status !== "backfilling" || total <= 0) { return null; }
    var ratio = Math.max(0, Math.min(1, done / total));
    return el("div", { className: "gb-progress gb-jira-progress" },
      el("div", { className: "aui-progress-indicator", "data-value": ratio.toFixed(3), role: "progressbar",
        "aria-label": "Sending to Jira", "aria-valuemin": "0", "aria-valuemax": String(total), "aria-valuenow": String(done) },
        el("span", { className: "aui-progress-indicator-value", style: { width: (ratio * 100).toFixed(1) + "%" } })),
      el("span", { className: "gb-muted gb-small", text: "Sending history to Jira: " + Math.round(ratio * 100) + "%" }));
  }

  function problems(devinfo) {
    var failures = devinfo.failures || [];
    var unknown = devinfo.unknown_issue_keys || [];
    var failed = (devinfo.sent || {}).failed || 0;
    if (!failed && !unknown.length && !devinfo.error) { return null; }
    return el("div", { className: "gb-jira-problems gb-small" },
      devinfo.error ? el("p", { className: "gb-error-text" }, el("strong", { text: "Last attempt: " }), devinfo.error,
        devinfo.next_attempt_at ? [" (trying again ", gb.time(devinfo.next_attempt_at), ")"] : null) : null,
      failed ? el("div", {},
        el("p", {}, el("strong", { text: "Jira refused " + gb.plural(failed, "entity", "entities") + ":" })),
        el("ul", { className: "gb-jira-failures" }, failures.map(function (f) {
          return el("li", {}, (KINDS[f.kind] || f.kind) + " ", el("code", { text: f.id }), ": " + (f.message || "refused"));
        }))) : null,
      unknown.length ? el("p", {}, el("strong", { text: "Issue keys Jira does not know: " }), unknown.join(", ")) : null);
  }

  function smartCommits(devinfo) {
    var s = devinfo.smart_commits || {};
    if (!s.done && !s.failed && !s.pending) { return null; }
    var parts = [];
    if (s.done) { parts.push(gb.plural(s.done, "commit") + " acted on"); }
    if (s.failed) { parts.push(s.failed + " with failed commands (see warnings)"); }
    if (s.pending) { parts.push(s.pending + " waiting"); }
    return el("p", { className: "gb-small gb-muted gb-smart-summary" }, el("strong", { text: "Smart commits: " }), parts.join(" · "));
  }

  function section(repository, handlers) {
    var devinfo = repository.devinfo || {};
    var status = STATUS[devinfo.status] || [devinfo.status || "unknown", null];
    var resend = devinfo.enabled ? el("button", { type: "button", className: "aui-button aui-button-compact", "data-action": "resend",
      text: "Resend to Jira", title: "Send all of this repository's development information to Jira again",
      on: { click: function (ev) { handlers.resend(ev.currentTarget, repository); } } }) : null;
    return el("div", { className: "gb-jira", "aria-label": "Jira Development panel" },
      el("div", { className: "gb-jira-head" },
        el("span", { className: "gb-jira-title", text: "Jira Development panel" }),
        gb.lozenge(status[0], status[1]),
        devinfo.enabled ? el("span", { className: "gb-muted gb-small" }, "Last push ", gb.time(devinfo.last_push_at)) :
          el("span", { className: "gb-muted gb-small", text: "Turned off in the integration's settings: nothing is sent." }),
        resend),
      devinfo.enabled ? held(devinfo) : null,
      devinfo.enabled ? progress(devinfo) : null,
      devinfo.enabled ? problems(devinfo) : null,
      smartCommits(devinfo));
  }

  gb.jiraPanel = { section: section };
}());
