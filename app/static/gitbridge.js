/* Shared helpers for Gitbridge pages.
 *
 * - gitbridge.api(method, path, body): our JSON API, through the platform's transport
 *   (window.gitbridgeTransport: transport-connect.js under Connect, the @forge/bridge
 *   bundle under Forge). Resolves with the parsed body (null for 204); rejects with a
 *   gitbridge.ApiError carrying status, code and the API's error.message.
 * - gitbridge.context(): a promise of the page's {issueKey, projectKey, siteUrl}.
 * - gitbridge.el(...): builds DOM with textContent only. Untrusted text (commit
 *   messages, paths, branch names, error messages) never goes through innerHTML.
 *
 * The page's controls (confirm dialog, copy and busy buttons, form fields) are in
 * gitbridge-controls.js, loaded right after this file.
 */
(function () {
  "use strict";

  var body = document.body;
  var apiRoot = (body && body.getAttribute("data-api-root")) || "/api/v1";

  function ApiError(status, code, message) {
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.message = message;
  }
  ApiError.prototype = Object.create(Error.prototype);
  ApiError.prototype.constructor = ApiError;

  var FALLBACK_MESSAGES = {
    0: "Could not reach Gitbridge. Check your connection and try again.",
    401: "Your session has expired. Reload the page.",
    403: "You are not allowed to do this.",
    404: "Not found.",
    500: "Something went wrong on Gitbridge's side. Try again shortly.",
    502: "A service Gitbridge depends on did not answer. Try again shortly.",
    503: "Gitbridge is unavailable right now. Try again shortly.",
    504: "The request took too long. Try again shortly."
  };

  /* The platform's transport; pages never talk to AP or @forge/bridge themselves. */
  function transport() {
    if (window.gitbridgeTransport) { return window.gitbridgeTransport; }
    throw new ApiError(0, "no_platform", "This page must be opened from Jira (the Atlassian script did not load).");
  }

  function url(path) {
    if (path.indexOf(apiRoot + "/") === 0 || path === apiRoot) { return path; }
    return apiRoot + (path.charAt(0) === "/" ? path : "/" + path);
  }

  function api(method, path, payload) {
    return Promise.resolve().then(function () {
      return transport().request(method, url(path), payload);
    }).catch(function (err) {
      if (err instanceof ApiError) { throw err; }
      throw new ApiError(0, "network", FALLBACK_MESSAGES[0]);
    }).then(function (response) {
      if (response.status === 204) { return null; }
      var data = response.data;
      if (response.status >= 200 && response.status < 300) { return data; }
      var err = data && data.error ? data.error : {};
      throw new ApiError(response.status, err.code || "http_" + response.status,
        err.message || FALLBACK_MESSAGES[response.status] || ("Request failed (HTTP " + response.status + ")."));
    });
  }

  function context() {
    return Promise.resolve().then(function () { return transport().context(); }).catch(function () { return {}; })
      .then(function (c) {
        return { issueKey: (c && c.issueKey) || "", projectKey: (c && c.projectKey) || "", siteUrl: (c && c.siteUrl) || "" };
      });
  }

  /* el("div", {className: "x", text: "y", href: url, on: {click: fn}}, child, ...)
   * Children may be nodes, strings (text nodes), arrays, null or undefined. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    var a = attrs || {};
    Object.keys(a).forEach(function (name) {
      var value = a[name];
      if (value === undefined || value === null || value === false) { return; }
      if (name === "text") { node.textContent = String(value); }
      else if (name === "className") { node.className = value; }
      else if (name === "on") {
        Object.keys(value).forEach(function (ev) { node.addEventListener(ev, value[ev]); });
      } else if (name === "dataset") {
        Object.keys(value).forEach(function (k) { node.dataset[k] = value[k]; });
      } else if (name === "href" || name === "src") {
        var safe = safeUrl(value);
        if (safe) { node.setAttribute(name, safe); }
      } else if (name === "style") {
        Object.keys(value).forEach(function (k) { node.style[k] = value[k]; });
      } else if (value === true) { node.setAttribute(name, ""); }
      else { node.setAttribute(name, String(value)); }
    });
    for (var i = 2; i < arguments.length; i++) { append(node, arguments[i]); }
    return node;
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) { return; }
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }

  /* Only http(s) links, so a javascript: URL from any source can never be clicked. */
  function safeUrl(value) {
    if (typeof value !== "string" || !value) { return null; }
    try {
      var parsed = new URL(value, window.location.href);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (e) { return null; }
  }

  /* A link to another site (opened outside the iframe), or plain text if no safe URL. */
  function link(href, content, className) {
    var safe = safeUrl(href);
    if (!safe) { return el("span", { className: className }, content); }
    return el("a", { href: safe, target: "_blank", rel: "noopener noreferrer", className: className }, content);
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; }

  var RELATIVE = typeof Intl !== "undefined" && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }) : null;
  var UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400],
    ["hour", 3600], ["minute", 60], ["second", 1]];

  function relativeTime(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) { return ""; }
    var seconds = Math.round((date.getTime() - Date.now()) / 1000);
    if (Math.abs(seconds) < 45) { return "just now"; }
    for (var i = 0; i < UNITS.length; i++) {
      if (Math.abs(seconds) >= UNITS[i][1] || UNITS[i][0] === "second") {
        var n = Math.round(seconds / UNITS[i][1]);
        return RELATIVE ? RELATIVE.format(n, UNITS[i][0])
          : Math.abs(n) + " " + UNITS[i][0] + (Math.abs(n) === 1 ? "" : "s") + (n < 0 ? " ago" : "");
      }
    }
    return date.toLocaleString();
  }

  /* <time> showing "3 hours ago", full date on hover; refreshTimes() keeps it current. */
  function time(iso) {
    if (!iso) { return el("span", { className: "gb-muted", text: "never" }); }
    var date = new Date(iso);
    return el("time", { className: "gb-time", datetime: iso, title: isNaN(date) ? iso : date.toLocaleString() },
      relativeTime(iso));
  }

  function refreshTimes(root) {
    (root || document).querySelectorAll("time.gb-time[datetime]").forEach(function (t) {
      t.textContent = relativeTime(t.getAttribute("datetime"));
    });
  }

  var LOZENGES = {
    queued: "aui-lozenge-subtle aui-lozenge-moved",
    indexing: "aui-lozenge-subtle aui-lozenge-inprogress",
    indexed: "aui-lozenge-subtle aui-lozenge-success",
    error: "aui-lozenge-subtle aui-lozenge-removed",
    disabled: "aui-lozenge-subtle",
    // webhook deliveries
    processing: "aui-lozenge-subtle aui-lozenge-inprogress",
    processed: "aui-lozenge-subtle aui-lozenge-success",
    ignored: "aui-lozenge-subtle",
    failed: "aui-lozenge-subtle aui-lozenge-removed",
    // integrations
    active: "aui-lozenge-subtle aui-lozenge-success",
    connected: "aui-lozenge-subtle aui-lozenge-success",
    scanning: "aui-lozenge-subtle aui-lozenge-inprogress"
  };

  function lozenge(text, kind) {
    var cls = LOZENGES[kind || text];
    return el("span", { className: "aui-lozenge gb-lozenge " + (cls || "aui-lozenge-subtle"), text: text });
  }

  function message(kind, title, text) {
    return el("div", { className: "aui-message aui-message-" + kind + " gb-message-box", role: kind === "error" ? "alert" : "status" },
      title ? el("p", { className: "title" }, el("strong", { text: title })) : null,
      text ? el("p", { text: text }) : null);
  }

  function firstLine(text) { return String(text || "").split(/\r?\n/, 1)[0]; }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : (many || one + "s")); }

  function resize() { try { transport().resize(); } catch (e) { /* a frame that cannot resize */ } }

  /* The message for a failed /issues/{key}/... call, as people should read it. */
  function issueError(err, retry) {
    var box;
    if (err.status === 403) {
      box = message("warning", null,
        "You need Browse Projects and View Development Tools permissions on this project to see its git activity. Ask a Jira administrator if you should have them.");
    } else if (err.status === 404) {
      box = message("warning", null, "This issue does not exist or you cannot see it.");
    } else if (err.status === 400) {
      box = message("warning", null, err.code === "invalid_issue_key" || !err.message
        ? "Open this from a Jira issue." : err.message);
    } else {
      box = message("error", "Could not load git activity", err.message);
      if (retry) {
        box.appendChild(el("p", {}, el("button", { type: "button", className: "aui-button aui-button-compact",
          text: "Try again", on: { click: retry } })));
      }
    }
    return box;
  }

  /* Open another page of this app inside Jira, else ``fallback`` in a new tab (outside
   * Jira, or when Jira refuses). */
  function goToModule(moduleKey, fallback) {
    try { if (transport().navigate(moduleKey)) { return; } } catch (e) { /* fall through */ }
    var safe = safeUrl(fallback);
    if (safe) { window.open(safe, "_blank", "noopener"); }
  }

  /* An issue's summary, asked of Jira as the user; "" when unavailable. */
  function issueSummary(key) {
    if (!key) { return Promise.resolve(""); }
    var asked = Promise.resolve().then(function () {
      return transport().requestJira("/rest/api/3/issue/" + encodeURIComponent(key) + "?fields=summary");
    }).then(function (data) { return (data && data.fields && data.fields.summary) || ""; }, function () { return ""; });
    var timeout = new Promise(function (resolve) { setTimeout(function () { resolve(""); }, 5000); });
    return Promise.race([asked, timeout]);
  }

  window.gitbridge = {
    goToModule: goToModule,
    issueSummary: issueSummary,
    issueError: issueError,
    ApiError: ApiError,
    apiRoot: apiRoot,
    api: api,
    context: context,
    el: el,
    link: link,
    clear: clear,
    safeUrl: safeUrl,
    relativeTime: relativeTime,
    time: time,
    refreshTimes: refreshTimes,
    lozenge: lozenge,
    message: message,
    firstLine: firstLine,
    plural: plural,
    resize: resize
  };
}());
