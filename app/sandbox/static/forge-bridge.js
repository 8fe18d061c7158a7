/* The sandbox's stand-in for Forge's side of @forge/bridge in a Custom UI frame:
 * window.__bridge.callBridge, as Forge's CDN injects it before the page's scripts. Every
 * call goes over postMessage (the channel of sandbox-channel.js, loaded just before it)
 * to the sandbox page that framed it (data-host), which plays Forge's host page: the
 * context, invokeRemote/requestRemote (through the sandbox's Forge proxy, which mints the
 * FIT), requestJira, navigation and the page's route. The frame sizes itself to its
 * content, as Forge's iframe resizer does. */
(function () {
  "use strict";
  var script = document.currentScript;
  var host = script && script.getAttribute("data-host");
  var call = window.gitbridgeSandboxChannel(host, { wrapErrors: true });

  var listeners = [];
  function route(pathname) {
    listeners.forEach(function (listen) { listen({ pathname: pathname }); });
  }

  function createHistory() {
    return call("forge.route").then(function (pathname) {
      var history = {
        location: { pathname: pathname || "/" },
        listen: function (listen) { listeners.push(listen); return function () {
          listeners = listeners.filter(function (l) { return l !== listen; }); }; },
        push: function (path) { call("forge.route.push", [String(path)]); route(String(path)); },
        replace: function (path) { call("forge.route.push", [String(path)]); route(String(path)); }
      };
      return history;
    });
  }

  var methods = {
    getContext: function () { return call("forge.getContext"); },
    invoke: function (payload) { return call("forge.invoke", [payload]); },
    fetchRemote: function (payload) { return call("forge.fetchRemote", [payload]); },
    fetchProduct: function (payload) { return call("forge.fetchProduct", [payload]); },
    createHistory: createHistory,
    navigate: function (payload) { return call("forge.navigate", [payload]); },
    reload: function () { return call("navigator.reload"); },
    resize: function () { return null; }
  };

  window.__bridge = { callBridge: function (name, payload) {
    var method = methods[name];
    if (!method) { return Promise.reject(new Error("The sandbox's Forge bridge has no " + name)); }
    return method(payload);
  } };

  var last = 0;
  function resize() {
    var body = document.body;
    var h = Math.max(body ? body.scrollHeight : 0, document.documentElement.offsetHeight);
    if (h !== last) { last = h; call("resize", ["100%", h]); }
  }
  function start() {
    resize();
    if (window.ResizeObserver) { new ResizeObserver(resize).observe(document.body); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
