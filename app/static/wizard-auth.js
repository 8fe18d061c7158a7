/* The wizard's sign-in fields for one host, from its registry entry (GET /hosts): an
 * access token, a user name and password (labelled as the host calls it: app password,
 * HTTP password), or an AWS key pair with its region; a choice between them where the
 * host takes several; and host settings asked for here (Azure DevOps Server's
 * collection).
 *
 *   var auth = gitbridge.wizardAuth.build(host, current)
 *   form.appendChild(auth.node)
 *   auth.read() -> {auth, settings, invalid: [field, message] | null}
 */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;

  /* AWS regions CodeCommit runs in (commercial, GovCloud, China). */
  var AWS_REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1",
    "eu-south-1", "eu-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-south-1", "ap-south-2",
    "ap-east-1", "sa-east-1", "me-south-1", "me-central-1", "af-south-1", "il-central-1",
    "us-gov-west-1", "us-gov-east-1", "cn-north-1", "cn-northwest-1"];

  var LABELS = { pat: "Access token", basic: null, aws: "AWS access key" };

  function input(type, name, cls) {
    return el("input", { className: (type === "password" ? "password " : "text ") + (cls || "medium-field"),
      type: type, name: name, autocomplete: type === "password" ? "new-password" : "off", spellcheck: "false" });
  }

  function build(host, current) {
    var hints = host.hints || {};
    var kinds = host.auth_types.filter(function (t) { return t === "pat" || t === "basic" || t === "aws"; });
    var node = el("div", { className: "gb-auth" });
    var choice = null;
    if (kinds.length > 1) {
      var name = gb.nextId("gb-auth");
      choice = kinds.map(function (t, i) {
        return gb.radio(name, t, LABELS[t] || "Username and " + hints.password_label.toLowerCase(),
          current.auth ? current.auth.type === t : i === 0);
      });
      node.appendChild(el("fieldset", { className: "group" }, el("legend", {}, el("span", { text: "Authentication" })), choice));
    }
    var f = {
      token: input("password", "token", "long-field"), username: input("text", "username"),
      password: input("password", "password"), key: input("text", "access_key_id"),
      secret: input("password", "secret_access_key", "long-field"),
      region: el("select", { className: "select", name: "region" }, AWS_REGIONS.map(function (r) {
        return el("option", { value: r, text: r });
      })),
      collection: input("text", "collection")
    };
    var box = choice ? "gb-auth-fields" : "gb-auth-single";
    var boxes = {
      pat: el("div", { className: box, "data-auth": "pat" },
        gb.field("Access token", f.token, { required: true, description: hints.token_help || "" })),
      basic: el("div", { className: box, "data-auth": "basic" },
        gb.field("Username", f.username, { required: true }),
        gb.field(hints.password_label, f.password, { required: true, description: hints.password_help })),
      aws: el("div", { className: box, "data-auth": "aws" },
        gb.field("Access key ID", f.key, { required: true }),
        gb.field("Secret access key", f.secret, { required: true, description: hints.token_help || "" }),
        gb.field("Region", f.region, { required: true, description: "The region the repositories are in." }))
    };
    kinds.forEach(function (t) { node.appendChild(boxes[t]); });
    if (host.kind === "azure_devops_server") {
      node.appendChild(gb.field("Collection", f.collection, { description:
        "Only this project collection (e.g. DefaultCollection); leave empty to scan every collection the account sees." }));
      f.collection.value = (current.settings && current.settings.collection) || "";
    }
    var was = current.auth || {};
    f.token.value = was.token || "";
    f.username.value = was.username || "";
    f.password.value = was.password || "";
    f.key.value = was.access_key_id || "";
    f.secret.value = was.secret_access_key || "";
    if (was.region) { f.region.value = was.region; }

    function type() {
      if (!choice) { return kinds[0] || "pat"; }
      var checked = choice.filter(function (c) { return c.input.checked; })[0];
      return checked ? checked.input.value : kinds[0];
    }
    function show() {
      var t = type();
      kinds.forEach(function (k) { boxes[k].hidden = k !== t; });
      gb.resize();
    }
    if (choice) { choice.forEach(function (c) { c.input.addEventListener("change", show); }); }
    show();

    function read() {
      var t = type();
      var auth, invalid = null;
      if (t === "basic") {
        auth = { type: "basic", username: f.username.value.trim(), password: f.password.value };
        if (!auth.username) { invalid = [f.username, "Enter the username."]; }
        else if (!auth.password) { invalid = [f.password, "Enter the " + hints.password_label.toLowerCase() + "."]; }
      } else if (t === "aws") {
        auth = { type: "aws", access_key_id: f.key.value.trim(), secret_access_key: f.secret.value.trim(), region: f.region.value };
        if (!auth.access_key_id) { invalid = [f.key, "Enter the access key ID."]; }
        else if (!auth.secret_access_key) { invalid = [f.secret, "Enter the secret access key."]; }
      } else {
        auth = { type: "pat", token: f.token.value.trim() };
        if (!auth.token) { invalid = [f.token, "Enter the access token."]; }
      }
      var settings = {};
      if (host.kind === "azure_devops_server") { settings.collection = f.collection.value.trim() || null; }
      return { auth: auth, settings: settings, invalid: invalid };
    }
    return { node: node, read: read };
  }

  gb.wizardAuth = { build: build };
}());
