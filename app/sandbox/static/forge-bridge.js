/* The sandbox's stand-in for Forge's side of @forge/bridge in a Custom UI frame:
 * window.__bridge.callBridge, as Forge's CDN injects it before the page's scripts. Every
 * call goes over postMessage to the sandbox page that framed it (data-host), which plays
 * Forge's host page: the context, invokeRemote/requestRemote (through the sandbox's Forge
 * proxy, which mints the FIT), requestJira, navigation and the page's route. The frame
 * sizes itself to its content, as Forge's iframe resizer does. */
(function () {
  "use strict";
  var script = document.currentScript;
  var host = script && script.getAttribute("data-host");
  var pending = {};
  var seq = 0;
  // Ids unique to this document: a frame that navigates keeps its window, and answers to
  // the previous document's calls must not resolve this one's.
  var doc = Math.random().toString(36).slice(2);

  function call(method, args) {
    // A frame being torn down (its page navigating away) has no parent left to answer.
    if (!window.parent) { return new Promise(function () {}); }
    return new Promise(function (resolve, reject) {
      if (!host || window.parent === window) { reject(new Error("not framed by the sandbox")); return; }
      seq += 1;
      var id = doc + ":" + seq;
      pending[id] = { resolve: resolve, reject: reject };
      window.parent.postMessage({ gitbridgeSandbox: true, id: id, method: method, args: args || [] }, host);
    });
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== host || event.source !== window.parent) { return; }
    var data = event.data || {};
    if (!data.gitbridgeSandbox || !pending[data.id]) { return; }
    var p = pending[data.id];
    delete pending[data.id];
    if (data.error) { p.reject(new Error(data.error)); } else { p.resolve(data.result); }
  });

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
