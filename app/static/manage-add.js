/* Manage repositories: the "Add integration" panel around the wizard: opening and
 * closing it, the quick-start form (one repository by clone URL), and the OAuth popup.
 * Part of the page run by manage-repositories.js, sharing its helpers through
 * gitbridge.manage. */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var el = gb.el;
  var m = gb.manage = gb.manage || {};

  // -- the add-repository form --------------------------------------------------------

  var form = document.getElementById("gb-add-form");
  var section = document.getElementById("gb-add-section");
  var toggle = document.getElementById("gb-add-toggle");
  var formMessage = document.getElementById("gb-add-message");
  var submit = document.getElementById("gb-add-submit");

  function openForm(focus) {
    section.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    if (focus) {
      var tile = section.querySelector(".gb-tile:not([disabled])");
      (tile || form.elements.url).focus();
    }
    gb.resize();
  }

  function closeForm() {
    section.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    gb.clear(formMessage);
    if (gb.wizard) { gb.wizard.reset(); }
    gb.resize();
  }

  toggle.addEventListener("click", function () {
    if (section.hidden) { openForm(true); } else { clearSecrets(); closeForm(); }
  });
  document.getElementById("gb-add-cancel").addEventListener("click", function () {
    clearSecrets();
    closeForm();
    toggle.focus();
  });

  function quickStart() {
    var box = document.getElementById("gb-quick-start");
    box.scrollIntoView({ block: "start", behavior: "smooth" });
    form.elements.url.focus({ preventScroll: true });
    box.classList.remove("gb-flash");
    void box.offsetWidth; // restart the highlight animation
    box.classList.add("gb-flash");
  }

  function authType() {
    var checked = form.querySelector('input[name="auth_type"]:checked');
    return checked ? checked.value : "none";
  }

  function showAuthFields() {
    var type = authType();
    form.querySelectorAll(".gb-auth-fields").forEach(function (box) {
      box.hidden = box.getAttribute("data-auth") !== type;
    });
    gb.resize();
  }
  form.querySelectorAll('input[name="auth_type"]').forEach(function (radio) {
    radio.addEventListener("change", showAuthFields);
  });

  function clearSecrets() {
    ["basic_password", "pat_token", "ssh_private_key", "ssh_passphrase"].forEach(function (name) {
      form.elements[name].value = "";
    });
  }

  function value(name) { return form.elements[name].value.trim(); }

  function fail(field, text) {
    var error = new Error(text);
    error.field = field;
    throw error;
  }

  function buildBody() {
    var body = { kind: "git" };
    body.url = value("url");
    if (!body.url) { fail("url", "Enter the repository's clone URL."); }
    var name = value("display_name");
    if (name) { body.display_name = name; }
    var type = authType();
    if (type === "basic") {
      if (!value("basic_username")) { fail("basic_username", "Enter the username."); }
      if (!form.elements.basic_password.value) { fail("basic_password", "Enter the password."); }
      body.auth = { type: "basic", username: value("basic_username"), password: form.elements.basic_password.value };
    } else if (type === "pat") {
      if (!value("pat_token")) { fail("pat_token", "Enter the access token."); }
      body.auth = { type: "pat", token: value("pat_token") };
      if (value("pat_username")) { body.auth.username = value("pat_username"); }
    } else if (type === "ssh") {
      var key = form.elements.ssh_private_key.value.trim();
      if (!key) { fail("ssh_private_key", "Paste the SSH private key."); }
      body.auth = { type: "ssh", private_key: key + "\n" };
      if (form.elements.ssh_passphrase.value) { body.auth.passphrase = form.elements.ssh_passphrase.value; }
    } else {
      body.auth = { type: "none" };
    }
    var keys;
    try { keys = gb.projectKeys(value("project_keys")); } catch (e) { fail("project_keys", e.message); }
    body.settings = { project_keys: keys.length ? keys : null };
    return body;
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    gb.clear(formMessage);
    form.querySelectorAll("[aria-invalid]").forEach(function (f) { f.removeAttribute("aria-invalid"); });
    var body;
    try {
      body = buildBody();
    } catch (err) {
      formMessage.appendChild(gb.message("error", null, err.message));
      if (err.field) {
        form.elements[err.field].setAttribute("aria-invalid", "true");
        form.elements[err.field].focus();
      }
      gb.resize();
      return;
    }
    gb.busy(submit, "Checking access…", function () {
      return gb.api("POST", "/integrations", body).then(function (integration) {
        form.reset();
        showAuthFields();
        closeForm();
        m.flash("success", "Repository added",
          "Added " + integration.display_name + ". Indexing has been queued; progress shows below.");
        return m.refresh();
      }, function (err) {
        formMessage.appendChild(gb.message("error", "Could not add the repository", err.message));
        formMessage.scrollIntoView({ block: "nearest" });
        gb.resize();
      });
    });
  });

  showAuthFields();

  // -- OAuth ------------------------------------------------------------------------

  /* "Connect with <Host>" for hosts with oauth: true. Call from a click (popup blockers
   * allow only those): opens the host's consent page in a popup, waits for our callback
   * page there to name the grant (postMessage), and resolves with the auth to send to
   * POST /integrations/preview and /integrations: {type: "oauth", grant: id}. */
  function oauthConnect(host, baseUrl) {
    var popup = window.open("", "gitbridge-oauth", "popup,width=720,height=760");
    if (!popup) {
      return Promise.reject(new Error("The browser blocked the sign-in window; allow pop-ups for this page and try again."));
    }
    var body = baseUrl ? { base_url: baseUrl } : {};
    return gb.api("POST", "/oauth/" + encodeURIComponent(host.kind) + "/start", body).then(function (data) {
      popup.location.href = data.authorize_url;
      return new Promise(function (resolve, reject) {
        var timer = setInterval(function () {
          if (popup.closed) { done(); reject(new Error("The sign-in window was closed before " + host.name + " authorized Gitbridge.")); }
        }, 500);
        function done() { clearInterval(timer); window.removeEventListener("message", onMessage); }
        function onMessage(ev) {
          var data = ev.data || {};
          if (ev.origin !== window.location.origin || ev.source !== popup || typeof data.gitbridgeOAuthGrant !== "string" || data.kind !== host.kind) { return; }
          done();
          resolve({ type: "oauth", grant: data.gitbridgeOAuthGrant });
        }
        window.addEventListener("message", onMessage);
      });
    }, function (err) { popup.close(); throw err; });
  }
  gb.oauthConnect = oauthConnect;

  m.openForm = openForm;
  m.closeForm = closeForm;
  m.quickStart = quickStart;
  m.value = value;
  m.oauthConnect = oauthConnect;
}());
