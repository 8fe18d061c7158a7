/* General settings (admins): the branch name template, GET/PUT /settings, with a live
 * preview. The preview mirrors how branch names are suggested; the server's own rules
 * decide in the end (the create-branch form shows its suggestion). */
(function () {
  "use strict";
  var gb = window.gitbridge;

  var DEFAULT_TEMPLATE = "${issuekey}-${summary}";
  var SAMPLE_KEY = "ABC-123";

  var form = document.getElementById("gb-settings-form");
  var input = document.getElementById("gb-branch-template");
  var sample = document.getElementById("gb-sample-summary");
  var preview = document.getElementById("gb-branch-preview");
  var save = document.getElementById("gb-settings-save");
  var message = document.getElementById("gb-settings-message");
  var saved = null;

  /* The same rules as the server's suggestion (app/branch_names.py): accents folded,
   * anything outside [A-Za-z0-9._/-] becomes "-", the summary lower-cased, the key kept
   * whole, at most 100 characters (the summary is cut, never the key). */
  var MAX_LENGTH = 100;
  function clean(text) {
    return String(text).normalize("NFKD").replace(/[^\x00-\x7f]/g, "")
      .replace(/[^A-Za-z0-9._\/-]+/g, "-").replace(/-{2,}/g, "-");
  }
  function strip(text) { return text.replace(/^[-./]+|[-./]+$/g, ""); }

  function render(template, key, summary) {
    var slug = strip(clean(String(summary || "").trim())).toLowerCase();
    function build() {
      return strip(template.split("${issuekey}").map(function (part) {
        return clean(part.split("${summary}").join(slug));
      }).join(key).replace(/-{2,}/g, "-"));
    }
    var name = build();
    while (name.length > MAX_LENGTH && slug) {
      slug = slug.slice(0, Math.max(0, slug.length - (name.length - MAX_LENGTH))).replace(/[-./]+$/, "");
      name = build();
    }
    return name.slice(0, MAX_LENGTH) || key;
  }

  function problem(template) {
    if (!template.trim()) { return "Enter a template."; }
    if (template.indexOf("${issuekey}") < 0) { return "The template must contain ${issuekey}: it is how a branch is linked to its issue."; }
    if (template.length > 200) { return "The template can be at most 200 characters long."; }
    var unknown = (template.match(/\$\{[^}]*\}/g) || []).filter(function (v) { return v !== "${issuekey}" && v !== "${summary}"; });
    if (unknown.length) { return "Unknown variable " + unknown.join(", ") + ": only ${issuekey} and ${summary} are supported."; }
    return null;
  }

  function update() {
    var template = input.value;
    var p = problem(template);
    preview.textContent = p ? "—" : render(template, SAMPLE_KEY, sample.value);
    save.disabled = input.disabled || template === saved;
    gb.resize();
  }

  input.addEventListener("input", function () { gb.clear(message); input.removeAttribute("aria-invalid"); update(); });
  sample.addEventListener("input", update);
  document.getElementById("gb-settings-default").addEventListener("click", function () {
    input.value = DEFAULT_TEMPLATE;
    input.focus();
    update();
  });

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    gb.clear(message);
    var template = input.value.trim();
    var p = problem(template);
    if (p) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
      message.appendChild(gb.message("error", null, p));
      gb.resize();
      return;
    }
    gb.busy(save, "Saving…", function () {
      return gb.api("PUT", "/settings", { branch_template: template }).then(function (data) {
        saved = (data && data.branch_template) || template;
        input.value = saved;
        message.appendChild(gb.message("success", null, "Saved. New branches are suggested as " + render(saved, SAMPLE_KEY, sample.value) + " for the example above."));
      }, function (err) {
        message.appendChild(gb.message("error", "Could not save", err.message));
      });
    }).then(update);
  });

  gb.api("GET", "/settings").then(function (data) {
    saved = (data && data.branch_template) || DEFAULT_TEMPLATE;
    input.value = saved;
    input.disabled = false;
    form.removeAttribute("aria-busy");
    update();
  }, function (err) {
    form.removeAttribute("aria-busy");
    message.appendChild(gb.message("error", "Could not load the settings", err.message));
    gb.resize();
  });
}());
