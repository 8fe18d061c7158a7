/* The postMessage call channel between a frame the sandbox hosts and the sandbox page
 * that framed it (host.js answers). Both stand-ins the sandbox loads into its frames use
 * it: ap.js (Connect's AP) and forge-bridge.js (Forge's bridge); each page loads this
 * script just before its stand-in, which opens the channel with its host's origin.
 *
 * window.gitbridgeSandboxChannel(host, options) returns call(method, args): a promise of
 * the host page's answer. The host answers a failure with a message; options.wrapErrors
 * rejects with an Error of it (what @forge/bridge's callers expect), otherwise with the
 * message itself (as Connect's AP hands errors back). */
(function () {
  "use strict";
  window.gitbridgeSandboxChannel = function (host, options) {
    var wrapErrors = Boolean(options && options.wrapErrors);
    var pending = {};
    var seq = 0;
    // Ids unique to this document: a frame that navigates keeps its window, and answers to
    // the previous document's calls must not resolve this one's.
    var doc = Math.random().toString(36).slice(2);

    window.addEventListener("message", function (event) {
      if (event.origin !== host || event.source !== window.parent) { return; }
      var data = event.data || {};
      if (!data.gitbridgeSandbox || !pending[data.id]) { return; }
      var p = pending[data.id];
      delete pending[data.id];
      if (data.error) {
        p.reject(wrapErrors ? new Error(data.error) : data.error);
      } else {
        p.resolve(data.result);
      }
    });

    return function call(method, args) {
      // A frame being torn down (its page navigating away) has no parent left to answer.
      if (!window.parent) { return new Promise(function () {}); }
      return new Promise(function (resolve, reject) {
        if (!host || window.parent === window) { reject(new Error("not framed by the sandbox")); return; }
        seq += 1;
        var id = doc + ":" + seq;
        pending[id] = { resolve: resolve, reject: reject };
        window.parent.postMessage({ gitbridgeSandbox: true, id: id, method: method, args: args || [] }, host);
      });
    };
  };
}());
