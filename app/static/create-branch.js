/* The create-branch page (Jira's Development panel "Create branch" action): the same
 * form as the issue panel's, full page. */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;
  var root = document.getElementById("gb-create-branch");
  var key = root.getAttribute("data-issue-key") || "";
  var summary = root.getAttribute("data-issue-summary") || "";

  function start() {
    if (!key) {
      gb.clear(root).appendChild(gb.message("warning", null, "Open this page from a Jira issue (it needs ?issueKey=)."));
      return;
    }
    var formHost = el("div", { className: "gb-create-page-form" });
    gb.clear(root).appendChild(formHost);
    gb.createForms.open(formHost, {
      mode: "branch", key: key, summary: summary || gb.issueSummary(key),
      onDone: function (result, mode, repo) {
        gb.clear(root).appendChild(gb.createForms.successMessage(result, mode, repo));
        root.appendChild(el("p", { className: "gb-small gb-muted" },
          "It shows on " + key + " in a moment. Check it out with ",
          el("code", { text: "git fetch && git checkout " + (result.name || "") }), "."));
        root.appendChild(el("p", {}, el("button", { type: "button", className: "aui-button", text: "Create another branch",
          on: { click: start } })));
        gb.resize();
      }
    }).then(function () {
      var first = formHost.querySelector("select, input");
      if (first) { first.focus(); }
    });
  }

  start();
}());
