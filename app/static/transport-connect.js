/* The Connect transport behind gitbridge.api() and friends (see gitbridge.js).
 *
 * Connect pages are iframes Jira loads from our server with a page JWT; for the JSON API
 * they ask AP.context.getToken() for a context token (qsh "context-qsh") and send it as
 * "Authorization: JWT <token>". The page's issue and project come from the URL Jira
 * filled in, which the server rendered into data attributes. The Forge build replaces
 * this file with forge/src/transport.js; page scripts never know which one runs.
 */
(function () {
  "use strict";

  function ap() {
    if (!window.AP || !AP.context || typeof AP.context.getToken !== "function") {
      throw new Error("the Atlassian Connect script did not load");
    }
    return window.AP;
  }

  /* A page Jira opened in a tab of its own (a templated link: Create branch) has no host
   * to ask; Jira gave it a context token in the link, which the server rendered here. */
  function linkToken() {
    var node = window.parent === window && document.querySelector("[data-context-token]");
    return node ? node.getAttribute("data-context-token") : "";
  }

  function token() {
    var given = linkToken();
    if (given) { return Promise.resolve(given); }
    return new Promise(function (resolve) { ap().context.getToken(function (t) { resolve(t); }); });
  }

  function request(method, url, payload) {
    return token().then(function (t) {
      var init = { method: method, headers: { "Authorization": "JWT " + t, "Accept": "application/json" } };
      if (payload !== undefined) {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(payload);
      }
      return fetch(url, init);
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        return { status: response.status, data: data };
      });
    });
  }

  function context() {
    function attribute(name) {
      var node = document.querySelector("[" + name + "]");
      return node ? node.getAttribute(name) || "" : "";
    }
    return Promise.resolve({
      issueKey: attribute("data-issue-key"),
      projectKey: attribute("data-project-key"),
      siteUrl: attribute("data-site-url")
    });
  }

  function requestJira(path) {
    return new Promise(function (resolve, reject) {
      ap().request({
        url: path, type: "GET",
        success: function (text) {
          try { resolve(typeof text === "string" ? JSON.parse(text) : text); } catch (e) { reject(e); }
        },
        error: function () { reject(new Error("Jira refused")); }
      });
    });
  }

  window.gitbridgeTransport = {
    request: request,
    context: context,
    requestJira: requestJira,
    resize: function () { if (typeof ap().resize === "function") { AP.resize(); } },
    navigate: function (moduleKey) {
      if (!AP.navigator || typeof AP.navigator.go !== "function") { return false; }
      AP.navigator.go("addonmodule", { moduleKey: moduleKey });
      return true;
    },
    reload: function () { if (AP.navigator) { AP.navigator.reload(); } else { window.location.reload(); } }
  };
}());
