/* Webhook set-up: the URL, secret and URL-with-secret of an integration with copy
 * buttons, and the steps to add the webhook on each kind of host (from the host
 * registry: load gitbridge.hosts first).
 *
 *   gitbridge.webhookSetup.values(webhook, options) -> node (rows with copy buttons)
 *   gitbridge.webhookSetup.steps(kind, webhook)      -> node (numbered steps)
 */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;

  var URL_ = "url", SECRET = "secret", URL_WITH_SECRET = "url_with_secret";

  var LABELS = { url: "Webhook URL", secret: "Secret", url_with_secret: "URL with secret" };

  function secretInput(value, label) {
    return el("input", { type: "password", className: "text gb-mono", readonly: true, "aria-label": label, value: value || "" });
  }

  function showButton(input) {
    var button = el("button", { type: "button", className: "aui-button aui-button-compact", text: "Show",
      "aria-label": "Show " + input.getAttribute("aria-label") });
    button.addEventListener("click", function () {
      var hidden = input.type === "password";
      input.type = hidden ? "text" : "password";
      button.textContent = hidden ? "Hide" : "Show";
    });
    return button;
  }

  /* The three values with copy buttons; secrets hidden until "Show". */
  function values(webhook, options) {
    var o = options || {};
    var names = o.names || [URL_, SECRET, URL_WITH_SECRET];
    return el("div", { className: "gb-webhook-values" }, names.map(function (name) {
      var value = webhook[name] || "";
      var secret = name !== URL_;
      var input = secret ? secretInput(value, LABELS[name])
        : el("input", { type: "text", className: "text gb-mono", readonly: true, "aria-label": LABELS[name], value: value });
      input.setAttribute("data-webhook", name);
      input.id = gb.nextId("gb-wh");
      return el("div", { className: "gb-copy-row" },
        el("label", { text: LABELS[name], "for": input.id }), input,
        gb.copyButton(function () { return webhook[name] || ""; }, "Copy"),
        secret ? showButton(input) : null);
    }));
  }

  function part(p) {
    if (typeof p === "string") { return p; }
    if (p.value) { return el("code", { className: "gb-chip", title: LABELS[p.value] }, "<" + LABELS[p.value] + ">"); }
    if (p.code) { return el("code", { text: p.code }); }
    if (p.pre) { return el("pre", { className: "gb-snippet", text: p.pre }); }
    if (p.b) { return el("strong", { text: p.b }); }
    if (p.i) { return el("em", { text: p.i }); }
    return null;
  }

  /* The host's own steps (its registry entry's hints, see gitbridge.hosts), or the
   * generic trigger's for a host without any. */
  function hintsOf(kind) {
    var host = gb.hosts.get(kind);
    var hints = host && host.hints;
    if (hints && hints.webhook_steps && hints.webhook_steps.length) { return hints; }
    var git = gb.hosts.get("git");
    return (git && git.hints) || { webhook_title: "", webhook_steps: [] };
  }

  /* The numbered steps for ``kind``; placeholders name the values shown beside them. */
  function steps(kind) {
    var s = hintsOf(kind);
    return el("div", { className: "gb-webhook-steps", "data-kind": kind },
      el("h4", { className: "gb-steps-title", text: s.webhook_title }),
      el("ol", {}, s.webhook_steps.map(function (parts) { return el("li", {}, parts.map(part)); })));
  }

  gb.webhookSetup = { values: values, steps: steps };
}());
