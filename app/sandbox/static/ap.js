/* The sandbox's AP: what Atlassian's all.js gives a framed page, over postMessage to the
 * sandbox page that framed it (its origin is the xdm_e parameter Jira puts on every
 * iframe URL), through the channel of sandbox-channel.js, loaded just before it. Loaded
 * instead of all.js only when the sandbox frames the page. */
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var host = params.get("xdm_e");
  var script = document.currentScript;
  var options = (script && script.getAttribute("data-options")) || "";
  var call = window.gitbridgeSandboxChannel(host);

  function callback(promise, cb) {
    promise.then(function (value) { if (cb) { cb(value); } });
    return promise;
  }

  function height() {
    var body = document.body;
    var doc = document.documentElement;
    return Math.max(body ? body.scrollHeight : 0, body ? body.offsetHeight : 0, doc.offsetHeight);
  }

  var lastHeight = 0;
  function resize(width, h) {
    if (window.parent === window) { return; }
    var value = h !== undefined ? h : height();
    if (value === lastHeight && h === undefined) { return; }
    lastHeight = value;
    call("resize", [width || "100%", value]);
  }

  window.AP = {
    context: {
      getToken: function (cb) { return callback(call("getToken"), cb); },
      getContext: function (cb) { return callback(call("getContext"), cb); }
    },
    resize: function (width, h) { resize(width, h); },
    sizeToParent: function () { if (window.parent !== window) { call("sizeToParent"); } },
    request: function (options) {
      var opts = typeof options === "string" ? { url: options } : options;
      return call("request", [{ url: opts.url, type: opts.type || "GET", data: opts.data,
        contentType: opts.contentType }]).then(function (answer) {
        if (answer.status >= 200 && answer.status < 300) {
          if (opts.success) { opts.success(answer.body, "success", { status: answer.status }); }
          return { body: answer.body, xhr: { status: answer.status } };
        }
        var xhr = { status: answer.status, responseText: answer.body };
        if (opts.error) { opts.error(xhr, "error", answer.statusText); }
        throw { err: answer.body, xhr: xhr };
      });
    },
    navigator: {
      go: function (target, context) { call("navigator.go", [target, context || {}]); },
      reload: function () { call("navigator.reload"); },
      getLocation: function (cb) { return callback(call("navigator.getLocation"), cb); }
    },
    flag: {
      create: function (flag) {
        var id = call("flag.create", [flag]);
        return { close: function () { id.then(function (fid) { call("flag.close", [fid]); }); } };
      }
    },
    dialog: {
      create: function (options) {
        call("dialog.create", [options]);
        return { on: function () {}, close: function () { call("dialog.close"); } };
      },
      close: function (data) { call("dialog.close", [data]); },
      getCustomData: function (cb) { return callback(call("dialog.getCustomData"), cb); }
    },
    events: { on: function () {}, off: function () {}, emit: function () {} }
  };

  function start() {
    if (window.parent === window) { return; } // opened in a tab of its own: no host
    if (/sizeToParent:\s*true/.test(options)) { AP.sizeToParent(); return; }
    resize();
    if (window.ResizeObserver) { new ResizeObserver(function () { resize(); }).observe(document.body); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
