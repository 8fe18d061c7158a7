/* Gitbridge page controls, on top of gitbridge.js (loaded before this file):
 *
 * - gitbridge.confirm(...): an in-page modal confirmation (window.confirm is blocked or
 *   ugly inside Jira's sandboxed iframes).
 * - gitbridge.copyText / copyButton: the clipboard, with a fallback for Jira's iframes.
 * - gitbridge.busy(...): a button that shows "working" text while its promise runs.
 * - gitbridge.field / checkbox / radio / nextId / projectKeys: form building blocks.
 */
(function () {
  "use strict";

  var gitbridge = window.gitbridge;
  var el = gitbridge.el;

  /* A modal confirmation inside the iframe. Resolves true when confirmed. */
  function confirmDialog(options) {
    return new Promise(function (resolve) {
      var previous = document.activeElement;
      var titleId = "gb-dialog-title-" + Date.now();
      var cancel = el("button", { type: "button", className: "aui-button aui-button-link gb-dialog-cancel", text: options.cancelLabel || "Cancel" });
      var ok = el("button", { type: "button", className: "aui-button " + (options.danger ? "gb-button-danger" : "aui-button-primary") + " gb-dialog-confirm",
        text: options.confirmLabel || "Confirm" });
      var dialog = el("section", { className: "gb-dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": titleId },
        el("header", { className: "gb-dialog-header" }, el("h2", { id: titleId, text: options.title })),
        el("div", { className: "gb-dialog-content" },
          (Array.isArray(options.message) ? options.message : [options.message]).map(function (m) {
            return typeof m === "string" ? el("p", { text: m }) : m;
          })),
        el("footer", { className: "gb-dialog-footer" }, ok, cancel));
      var blanket = el("div", { className: "gb-blanket" }, dialog);

      function close(result) {
        document.removeEventListener("keydown", onKey, true);
        blanket.remove();
        if (previous && previous.focus && document.contains(previous)) { previous.focus(); }
        resolve(result);
      }
      function onKey(ev) {
        if (ev.key === "Escape") { ev.preventDefault(); close(false); }
        if (ev.key === "Tab") { // keep focus inside the dialog
          var focusable = [ok, cancel];
          var i = focusable.indexOf(document.activeElement);
          ev.preventDefault();
          focusable[(i + (ev.shiftKey ? focusable.length - 1 : 1)) % focusable.length].focus();
        }
      }
      ok.addEventListener("click", function () { close(true); });
      cancel.addEventListener("click", function () { close(false); });
      blanket.addEventListener("click", function (ev) { if (ev.target === blanket) { close(false); } });
      document.addEventListener("keydown", onKey, true);
      document.body.appendChild(blanket);
      (options.danger ? cancel : ok).focus();
    });
  }

  /* Copy text to the clipboard; falls back to a hidden textarea where Jira's iframe
   * does not grant clipboard-write. */
  function copyText(text) {
    function fallback() {
      var area = el("textarea", { className: "gb-offscreen", readonly: true, "aria-hidden": "true" });
      area.value = text;
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      area.remove();
      return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
    }
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(fallback);
    }
    return fallback();
  }

  function copyButton(getText, label) {
    var button = el("button", { type: "button", className: "aui-button aui-button-compact gb-copy", text: label || "Copy" });
    button.addEventListener("click", function () {
      copyText(typeof getText === "function" ? getText() : getText).then(function () {
        button.textContent = "Copied";
      }, function () {
        button.textContent = "Press Ctrl+C to copy";
      }).then(function () {
        setTimeout(function () { button.textContent = label || "Copy"; }, 2000);
      });
    });
    return button;
  }

  /* A button that shows "working" text while its promise runs; errors go to onError. */
  function busy(button, text, run) {
    var original = button.textContent;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    button.textContent = text;
    return Promise.resolve().then(run).finally(function () {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      button.textContent = original;
    });
  }

  // -- form building blocks (AUI markup, plain DOM) ------------------------------------

  var uid = 0;
  function nextId(prefix) { uid += 1; return (prefix || "gb-f") + "-" + uid; }

  /* <div class="field-group"> with a label for ``input`` (which gets an id if it has
   * none), an optional description and an optional "required" star. */
  function field(label, input, options) {
    var o = options || {};
    if (!input.id) { input.id = nextId("gb-field"); }
    var description = null;
    if (o.description) {
      description = el("div", { className: "description", id: input.id + "-desc" }, o.description);
      input.setAttribute("aria-describedby", input.id + "-desc");
    }
    return el("div", { className: "field-group" + (o.className ? " " + o.className : "") },
      el("label", { "for": input.id }, label,
        o.required ? [" ", el("span", { className: "gb-required", "aria-hidden": "true", text: "*" })] : null),
      input, description);
  }

  /* A checkbox with its label and an optional description; ``.input`` is the <input>. */
  function checkbox(label, options) {
    var o = options || {};
    var input = el("input", { className: "checkbox", type: "checkbox", id: o.id || nextId("gb-check"), name: o.name });
    input.checked = !!o.checked;
    var description = o.description
      ? el("div", { className: "description", id: input.id + "-desc" }, o.description) : null;
    if (description) { input.setAttribute("aria-describedby", input.id + "-desc"); }
    var node = el("div", { className: "checkbox gb-checkbox" + (o.className ? " " + o.className : "") },
      input, el("span", { className: "aui-form-glyph" }), el("label", { "for": input.id }, label), description);
    node.input = input;
    return node;
  }

  /* A radio in AUI markup; group radios by giving them the same name. */
  function radio(name, value, label, checked) {
    var input = el("input", { className: "radio", type: "radio", name: name, value: value, id: nextId("gb-radio") });
    input.checked = !!checked;
    var node = el("div", { className: "radio" }, input, el("span", { className: "aui-form-glyph" }),
      el("label", { "for": input.id }, label));
    node.input = input;
    return node;
  }

  /* Comma/space separated Jira project keys, upper-cased; throws on a malformed key. */
  var PROJECT_KEY = /^[A-Z][A-Z0-9_]+$/;
  function projectKeys(text) {
    var keys = String(text || "").split(/[\s,]+/).filter(Boolean).map(function (k) { return k.toUpperCase(); });
    var bad = keys.filter(function (k) { return !PROJECT_KEY.test(k); });
    if (bad.length) { throw new Error("Not a Jira project key: " + bad.join(", ") + "."); }
    return keys;
  }


  gitbridge.field = field;
  gitbridge.checkbox = checkbox;
  gitbridge.radio = radio;
  gitbridge.nextId = nextId;
  gitbridge.projectKeys = projectKeys;
  gitbridge.confirm = confirmDialog;
  gitbridge.copyText = copyText;
  gitbridge.copyButton = copyButton;
  gitbridge.busy = busy;
}());
