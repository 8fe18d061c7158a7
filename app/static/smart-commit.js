/* A commit's smart commands on the issue pages: a lozenge that says whether they ran
 * ("smart commit"), failed ("smart commit error", with each command's outcome on hover
 * and in the title text) or were skipped (too old, smart commits off). Null when the
 * commit had no commands for this issue. */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;

  var LABELS = {
    done: ["smart commit", "aui-lozenge-success"],
    failed: ["smart commit error", "aui-lozenge-removed"],
    pending: ["smart commit pending", "aui-lozenge-moved"],
    running: ["smart commit pending", "aui-lozenge-moved"],
    skipped: ["smart commit skipped", ""]
  };

  function smartCommitBadge(commit) {
    var sc = commit.smart_commit;
    if (!sc || !LABELS[sc.status]) { return null; }
    var lines = (sc.results || []).map(function (r) {
      return (r.ok ? "✓ " : "✗ ") + r.command + ": " + r.message;
    });
    if (sc.reason) { lines.push(sc.commands.join(" ") + " not run: " + sc.reason); }
    var label = LABELS[sc.status];
    return el("span", { className: "aui-lozenge aui-lozenge-subtle gb-lozenge gb-smart-commit " + label[1],
      dataset: { status: sc.status }, title: lines.join("\n"), tabindex: "0", text: label[0] });
  }

  gb.smartCommitBadge = smartCommitBadge;
}());
