/* The Forge transport behind gitbridge.api() and friends (see app/static/gitbridge.js).
 *
 * Custom UI pages reach the remote through @forge/bridge: invokeRemote() sends the
 * request through Forge, which adds the Forge Invocation Token and the app's system and
 * user tokens (developer.atlassian.com/platform/forge/remote/calling-from-frontend/).
 * The issue and project come from view.getContext(). It replaces transport-connect.js
 * in the build (app/atlassian/forge/ui_build.py); page scripts never know which runs.
 */
import { invokeRemote, requestJira, router, view } from "@forge/bridge";

function request(method, path, payload) {
  const headers = { Accept: "application/json" };
  if (payload !== undefined) { headers["Content-Type"] = "application/json"; }
  return invokeRemote({ path, method, headers, body: payload }).then((response) => ({
    status: response.status,
    data: response.body === undefined ? null : response.body,
  }));
}

function context() {
  return view.getContext().then((ctx) => {
    const extension = (ctx && ctx.extension) || {};
    return {
      issueKey: (extension.issue && extension.issue.key) || "",
      projectKey: (extension.project && extension.project.key) || "",
      siteUrl: (ctx && ctx.siteUrl) || "",
    };
  });
}

/* A resource that serves several subpages of one module (jira:globalPage allows one
 * module per app) carries its routes; follow the page's route to the right file. */
function followRoutes() {
  const routes = JSON.parse(document.body.getAttribute("data-forge-routes") || "null");
  if (!routes) { return; }
  view.createHistory().then((history) => {
    const go = (location) => {
      const route = String(location.pathname || "").replace(/^\/+|\/+$/g, "");
      const file = routes[route] || routes[""];
      const here = window.location.pathname.split("/").pop() || "index.html";
      if (file && file !== here) { window.location.replace(file); }
    };
    go(history.location);
    history.listen((update) => go(update.location || update));
  });
}

window.gitbridgeTransport = {
  request,
  context,
  requestJira: (path) => requestJira(path).then((response) => response.json()),
  resize: () => {}, // Custom UI frames size themselves to their content
  navigate: (moduleKey) => { router.navigate({ target: "module", moduleKey }); return true; },
  reload: () => router.reload(),
};
followRoutes();
