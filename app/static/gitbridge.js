/* Shared helpers for Gitbridge pages: calls to our JSON API with a context token. */
window.gitbridge = {
  api: function (method, path, body) {
    return new Promise(function (resolve, reject) {
      AP.context.getToken(function (token) {
        fetch(path, {
          method: method,
          headers: { "Authorization": "JWT " + token, "Content-Type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body)
        }).then(function (r) {
          return r.json().then(function (data) { return r.ok ? resolve(data) : reject(data); });
        }, reject);
      });
    });
  }
};
