/* The sandbox page's side of AP: answers the framed pages' postMessage calls as Jira's
 * host does. A message is answered only when it comes from one of this page's iframes
 * and from the app's origin. */
(function () {
  "use strict";
  var body = document.body;
  var appOrigin = body.getAttribute("data-app-origin");
  var site = body.getAttribute("data-site");
  var appKey = body.getAttribute("data-app-key");
  var flags = document.getElementById("sb-flags");
  var flagSeq = 0;
  var dialog = null;

  function frameOf(source) {
    var frames = document.querySelectorAll("iframe.sb-frame");
    for (var i = 0; i < frames.length; i++) { if (frames[i].contentWindow === source) { return frames[i]; } }
    return null;
  }

  function contextOf(frame) {
    try { return JSON.parse(frame.getAttribute("data-context") || "{}"); } catch (e) { return {}; }
  }

  function text(tag, className, value) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    node.textContent = value == null ? "" : String(value);
    return node;
  }

  function showFlag(flag) {
    flagSeq += 1;
    var id = "sb-flag-" + flagSeq;
    var kind = ["success", "error", "warning", "info"].indexOf(flag.type) >= 0 ? flag.type : "info";
    var node = document.createElement("div");
    node.id = id;
    node.className = "aui-message aui-message-" + kind + " sb-flag";
    node.setAttribute("role", kind === "error" ? "alert" : "status");
    if (flag.title) { node.appendChild(text("p", "title", flag.title)); }
    if (flag.body) { node.appendChild(text("p", "", String(flag.body).replace(/<[^>]*>/g, ""))); }
    var close = text("button", "aui-button aui-button-link sb-flag-close", "Dismiss");
    close.type = "button";
    close.addEventListener("click", function () { node.remove(); });
    node.appendChild(close);
    flags.appendChild(node);
    if (flag.close === "auto") { setTimeout(function () { node.remove(); }, 8000); }
    return id;
  }

  function moduleUrl(key, context) {
    var jira = (context && context.jira) || {};
    if (jira.project && jira.project.key && key === "project-commits") {
      return site + "/projects/" + encodeURIComponent(jira.project.key) + "/apps/" + encodeURIComponent(key);
    }
    return site + "/plugins/servlet/ac/" + encodeURIComponent(appKey) + "/" + encodeURIComponent(key);
  }

  function go(target, context) {
    var c = context || {};
    if (target === "issue" && c.issueKey) { location.assign(site + "/browse/" + encodeURIComponent(c.issueKey)); return; }
    if (target === "addonmodule" && c.moduleKey) { location.assign(moduleUrl(c.moduleKey, c.context)); return; }
    if (target === "projectAdminSummary" || target === "projectSummary") {
      location.assign(site + "/projects/" + encodeURIComponent(c.projectKey || "")); return;
    }
    if (target === "dashboard" || target === "site") { location.assign(site + "/"); return; }
    throw new Error("The sandbox does not know navigator target " + target);
  }

  function request(opts) {
    var url = String(opts.url || "");
    if (url.charAt(0) !== "/" || url.indexOf("//") === 0) { return Promise.reject(new Error("AP.request takes a Jira REST path")); }
    var init = { method: opts.type || "GET", credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (opts.data !== undefined && init.method !== "GET") {
      init.body = typeof opts.data === "string" ? opts.data : JSON.stringify(opts.data);
      init.headers["Content-Type"] = opts.contentType || "application/json";
    }
    return fetch(site + url, init).then(function (response) {
      return response.text().then(function (t) { return { status: response.status, statusText: response.statusText, body: t }; });
    });
  }

  function openDialog(frame, options) {
    var params = new URLSearchParams({ module: options.key || "" });
    var jira = contextOf(frame).jira || {};
    if (jira.issue) { params.set("issue", jira.issue.key); }
    if (jira.project) { params.set("project", jira.project.key); }
    return fetch(site + "/frame-url?" + params.toString(), { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("no module " + options.key); }
      return r.json();
    }).then(function (data) {
      closeDialog();
      var blanket = document.createElement("div");
      blanket.className = "sb-blanket";
      var box = document.createElement("section");
      box.className = "sb-dialog";
      box.setAttribute("role", "dialog");
      box.setAttribute("aria-modal", "true");
      var title = text("h2", "sb-dialog-title", (options.header && (options.header.value || options.header)) || options.key);
      box.appendChild(title);
      var iframe = document.createElement("iframe");
      iframe.className = "sb-frame sb-dialog-frame";
      iframe.src = data.url;
      iframe.setAttribute("data-context", JSON.stringify(data.context));
      iframe.setAttribute("data-custom", JSON.stringify(options.customData || null));
      box.appendChild(iframe);
      var close = text("button", "aui-button sb-dialog-close", "Close");
      close.type = "button";
      close.addEventListener("click", closeDialog);
      box.appendChild(close);
      blanket.appendChild(box);
      document.body.appendChild(blanket);
      dialog = blanket;
    });
  }

  function closeDialog() { if (dialog) { dialog.remove(); dialog = null; } }

  // Forge's host side: what a Custom UI frame's bridge asks (static/forge-bridge.js).
  function forgeModule(frame) { return frame.getAttribute("data-module"); }

  function forgeInvoke(frame, kind, payload) {
    var context = contextOf(frame);
    return fetch(site + "/forge/invoke", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ module: forgeModule(frame), kind: kind, request: payload || {},
        extension: context.extension || {} }) })
      .then(function (r) {
        return r.json().then(function (data) {
          if (!r.ok) { throw new Error(data.error || ("Forge refused the call (" + r.status + ")")); }
          return data;
        });
      });
  }

  function forgeFetchProduct(payload) {
    var init = payload.fetchRequestInit || {};
    var headers = {};
    (init.headers || []).forEach(function (pair) { headers[pair[0]] = pair[1]; });
    var options = { method: init.method || "GET", credentials: "same-origin", headers: headers };
    if (init.body && options.method !== "GET") { options.body = init.body; }
    var path = String(payload.restPath || "");
    if (payload.product !== "jira" || path.charAt(0) !== "/" || path.indexOf("//") === 0) {
      return Promise.reject(new Error("requestJira takes a Jira REST path"));
    }
    return fetch(site + path, options).then(function (response) {
      return response.text().then(function (body) {
        var out = {};
        response.headers.forEach(function (v, k) { out[k] = v; });
        return { status: response.status, statusText: response.statusText, headers: out, body: body };
      });
    });
  }

  function forgeNavigate(payload) {
    var p = payload || {};
    if (p.url) { location.assign(p.url); return null; }
    if (p.target === "issue" && p.issueKey) { location.assign(site + "/browse/" + encodeURIComponent(p.issueKey)); return null; }
    if (p.target === "module" && p.moduleKey) {
      var pages = JSON.parse(body.getAttribute("data-forge-pages") || "{}");
      if (pages[p.moduleKey]) { location.assign(pages[p.moduleKey]); return null; }
    }
    throw new Error("The sandbox does not know navigation target " + p.target);
  }

  var handlers = {
    "forge.getContext": function (frame) { return contextOf(frame); },
    "forge.invoke": function (frame, args) { return forgeInvoke(frame, "invoke", args[0]); },
    "forge.fetchRemote": function (frame, args) { return forgeInvoke(frame, "fetch", args[0]); },
    "forge.fetchProduct": function (frame, args) { return forgeFetchProduct(args[0] || {}); },
    "forge.route": function (frame) { return frame.getAttribute("data-route") || "/"; },
    "forge.route.push": function (frame, args) { frame.setAttribute("data-route", String(args[0] || "/")); return null; },
    "forge.navigate": function (frame, args) { return forgeNavigate(args[0]); },
    getToken: function (frame) {
      return fetch(site + "/ap/token", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify({ context: contextOf(frame) }) })
        .then(function (r) { if (!r.ok) { throw new Error("token refused (" + r.status + ")"); } return r.json(); })
        .then(function (data) { return data.token; });
    },
    getContext: function (frame) { return contextOf(frame); },
    resize: function (frame, args) {
      if (frame.hasAttribute("data-size-to-parent")) { return null; }
      var h = parseInt(args[1], 10);
      if (h > 0) { frame.style.height = Math.min(h, 20000) + "px"; }
      return null;
    },
    sizeToParent: function (frame) {
      var top = frame.getBoundingClientRect().top + window.scrollY;
      frame.style.height = Math.max(400, window.innerHeight - top - 16) + "px";
      frame.setAttribute("data-size-to-parent", "1");
      return null;
    },
    request: function (frame, args) { return request(args[0] || {}); },
    "navigator.go": function (frame, args) { go(args[0], args[1]); return null; },
    "navigator.reload": function () { location.reload(); return null; },
    "navigator.getLocation": function () { return location.href; },
    "flag.create": function (frame, args) { return showFlag(args[0] || {}); },
    "flag.close": function (frame, args) { var n = document.getElementById(args[0]); if (n) { n.remove(); } return null; },
    "dialog.create": function (frame, args) { return openDialog(frame, args[0] || {}).then(function () { return null; }); },
    "dialog.close": function () { closeDialog(); return null; },
    "dialog.getCustomData": function (frame) {
      try { return JSON.parse(frame.getAttribute("data-custom") || "null"); } catch (e) { return null; }
    }
  };

  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (!data.gitbridgeSandbox || event.origin !== appOrigin) { return; }
    var source = event.source;
    var frame = frameOf(source);
    if (!frame) { return; }
    var handler = handlers[data.method];
    function reply(result, error) {
      // The frame may be gone by now (the page navigated away): nobody to answer.
      if (source && frame.isConnected) {
        source.postMessage({ gitbridgeSandbox: true, id: data.id, result: result, error: error }, event.origin);
      }
    }
    if (!handler) { reply(null, "The sandbox's AP has no " + data.method); return; }
    Promise.resolve().then(function () { return handler(frame, data.args || []); }).then(
      function (result) { reply(result === undefined ? null : result, null); },
      function (err) { reply(null, String(err && err.message || err)); });
    window.__sandboxCalls = (window.__sandboxCalls || []).concat([data.method]);
  });

  window.addEventListener("resize", function () {
    document.querySelectorAll("iframe.sb-frame[data-size-to-parent]").forEach(function (f) { handlers.sizeToParent(f); });
  });

  // Issue contents (jiraIssueContents): a button opens its panel; the iframe loads then.
  function openContent(key, open) {
    document.querySelectorAll(".sb-issue-content").forEach(function (section) {
      var on = section.getAttribute("data-content") === key && open;
      section.hidden = !on;
      var template = section.querySelector("template");
      if (on && template) { section.appendChild(template.content.cloneNode(true)); template.remove(); }
    });
    document.querySelectorAll(".sb-content-button").forEach(function (b) {
      b.setAttribute("aria-expanded", String(b.getAttribute("data-content") === key && open));
    });
  }
  document.querySelectorAll(".sb-content-button").forEach(function (button) {
    button.addEventListener("click", function () {
      openContent(button.getAttribute("data-content"), button.getAttribute("aria-expanded") !== "true");
    });
  });
  document.querySelectorAll(".sb-content-close").forEach(function (button) {
    button.addEventListener("click", function () { openContent(button.getAttribute("data-content"), false); });
  });
  // Issue activity (jira:issueActivity): tabs beside Comments; a frame loads when its tab opens.
  document.querySelectorAll(".sb-activity-tab").forEach(function (tab) {
    tab.addEventListener("click", function () {
      var key = tab.getAttribute("data-content");
      document.querySelectorAll(".sb-activity-tab").forEach(function (t) { t.setAttribute("aria-selected", String(t === tab)); });
      document.querySelectorAll(".sb-activity-panel").forEach(function (panel) {
        var on = panel.getAttribute("data-content") === key;
        panel.hidden = !on;
        var template = panel.querySelector("template");
        if (on && template) { panel.appendChild(template.content.cloneNode(true)); template.remove(); }
      });
    });
  });
  var open = document.querySelector(".sb-content-button[aria-expanded='true']");
  if (open) { openContent(open.getAttribute("data-content"), true); }
}());
