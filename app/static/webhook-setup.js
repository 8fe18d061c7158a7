/* Webhook set-up: the URL, secret and URL-with-secret of an integration with copy
 * buttons, and the steps to add the webhook on each kind of host.
 *
 *   gitbridge.webhookSetup.values(webhook, options) -> node (rows with copy buttons)
 *   gitbridge.webhookSetup.steps(kind, webhook)      -> node (numbered steps)
 */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;

  var URL_ = "url", SECRET = "secret", URL_WITH_SECRET = "url_with_secret";

  function v(name) { return { value: name }; }

  /* Steps as lists of parts: strings, {value: name} (shown as a code chip of that
   * webhook value) or {code: text}. Only what each host's own screens ask. */
  var GITHUB = {
    title: "On GitHub",
    steps: [
      ["In the repository (or the organization, for all its repositories): ", { b: "Settings → Webhooks → Add webhook" }, "."],
      [{ b: "Payload URL" }, ": ", v(URL_)],
      [{ b: "Content type" }, ": ", { code: "application/json" }, " (required)"],
      [{ b: "Secret" }, ": ", v(SECRET)],
      [{ b: "Which events" }, ": ", { i: "Let me select individual events" }, ", then ", { b: "Pushes" }, " and ", { b: "Pull requests" }, "."],
      ["Press ", { b: "Add webhook" }, ". GitHub sends a ping, which shows under Recent deliveries."]
    ]
  };
  var GITLAB = {
    title: "On GitLab",
    steps: [
      ["In the project (or the group): ", { b: "Settings → Webhooks → Add new webhook" }, "."],
      [{ b: "URL" }, ": ", v(URL_)],
      [{ b: "Secret token" }, ": ", v(SECRET)],
      [{ b: "Trigger" }, ": ", { b: "Push events" }, ", ", { b: "Tag push events" }, " and ", { b: "Merge request events" }, "."],
      ["Press ", { b: "Add webhook" }, "."]
    ]
  };
  var STEPS = {
    github: GITHUB,
    github_enterprise: { title: "On GitHub Enterprise Server", steps: GITHUB.steps },
    gitlab: GITLAB,
    gitlab_self_managed: { title: "On GitLab CE/EE", steps: GITLAB.steps },
    bitbucket_cloud: {
      title: "On Bitbucket Cloud",
      steps: [
        ["In the repository: ", { b: "Repository settings → Webhooks → Add webhook" }, "."],
        [{ b: "Title" }, ": Gitbridge; ", { b: "URL" }, ": ", v(URL_)],
        [{ b: "Secret" }, ": ", v(SECRET)],
        [{ b: "Triggers" }, ": ", { i: "Choose from a full list of triggers" }, ": ", { b: "Repository → Push" },
          " (", { code: "repo:push" }, ") and every ", { b: "Pull Request" }, " event (created, updated, approved, merged, declined)."],
        ["Press ", { b: "Save" }, "."]
      ]
    },
    bitbucket_server: {
      title: "On Bitbucket Server / Data Center",
      steps: [
        ["In the repository: ", { b: "Repository settings → Webhooks → Create webhook" }, "."],
        [{ b: "URL" }, ": ", v(URL_)],
        [{ b: "Secret" }, ": ", v(SECRET)],
        [{ b: "Events" }, ": ", { b: "Repository → Push" }, " (", { code: "repo:refs_changed" }, ") and the ",
          { b: "Pull request" }, " events (opened, source branch updated, modified, merged, declined, deleted)."],
        ["Press ", { b: "Create" }, "."]
      ]
    },
    azure_devops: {
      title: "On Azure DevOps",
      steps: [
        ["In the project: ", { b: "Project settings → Service hooks → + (Create subscription) → Web Hooks" }, "."],
        ["Create one subscription each for ", { b: "Code pushed" }, ", ", { b: "Pull request created" }, " and ",
          { b: "Pull request updated" }, " (filters: Any)."],
        [{ b: "URL" }, ": ", v(URL_)],
        [{ b: "Basic authentication username" }, ": gitbridge (any name); ", { b: "password" }, ": ", v(SECRET)],
        [{ b: "Resource details to send" }, ": All; ", { b: "Messages to send" }, ": None."],
        ["Press ", { b: "Test" }, ", then ", { b: "Finish" }, "."]
      ]
    },
    gerrit: {
      title: "On Gerrit (webhooks plugin)",
      steps: [
        ["Install Gerrit's ", { b: "webhooks" }, " plugin if it is not there yet."],
        ["Add a remote to the project's ", { code: "webhooks.config" }, " (on ", { code: "refs/meta/config" },
          ", or on All-Projects for every project): ",
          { pre: "[remote \"gitbridge\"]\n  url = <URL with secret>\n  maxTries = 3\n  sslVerify = true" }],
        ["Use the ", { b: "URL with secret" }, ": ", v(URL_WITH_SECRET),
          " Gerrit cannot sign its requests, so this URL carries the secret: keep it private."]
      ]
    },
    aws_codecommit: {
      title: "On AWS CodeCommit",
      steps: [
        ["In Amazon SNS, create a ", { b: "Standard" }, " topic in the repository's region."],
        ["Add a subscription to it: protocol ", { b: "HTTPS" }, ", endpoint ", v(URL_WITH_SECRET),
          " Gitbridge confirms the subscription by itself."],
        ["In CodeCommit: the repository → ", { b: "Settings → Triggers → Create trigger" }, ": events ",
          { b: "All repository events" }, ", branches ", { b: "All branches" }, ", service ", { b: "Amazon SNS" }, ", that topic."]
      ]
    },
    git: {
      title: "From a CI job or a server hook",
      steps: [
        ["After a push (a ", { code: "post-receive" }, " hook, or a CI job), POST the repository's clone URL to the webhook URL with the secret as a bearer token:"],
        [{ pre: "curl -fsS -X POST -H 'Authorization: Bearer <secret>' \\\n  -H 'Content-Type: application/json' \\\n  -d '{\"origin\": \"<clone URL>\"}' <webhook URL>" }],
        ["Gitbridge then fetches and indexes the repository at once instead of waiting for its next scheduled check."]
      ]
    }
  };
  STEPS.azure_devops_server = { title: "On Azure DevOps Server / TFS", steps: STEPS.azure_devops.steps };

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

  /* The numbered steps for ``kind``; placeholders name the values shown beside them. */
  function steps(kind) {
    var s = STEPS[kind] || STEPS.git;
    return el("div", { className: "gb-webhook-steps", "data-kind": kind },
      el("h4", { className: "gb-steps-title", text: s.title }),
      el("ol", {}, s.steps.map(function (parts) { return el("li", {}, parts.map(part)); })));
  }

  gb.webhookSetup = { values: values, steps: steps, hasSteps: function (kind) { return !!STEPS[kind]; } };
}());
