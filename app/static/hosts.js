/* The git hosts the app supports, from the host registry (GET /hosts), loaded once per
 * page: names, sign-in forms, hints and webhook set-up steps all come from there, so no
 * page keeps its own table of hosts.
 *
 *   gitbridge.hosts.load() -> Promise<[host]>   (the same promise on every call)
 *   gitbridge.hosts.get(kind) -> host | undefined (after load)
 *   gitbridge.hosts.name(kind) -> the host's name, or the kind itself
 */
(function () {
  "use strict";
  var gb = window.gitbridge;
  var byKind = {};
  var loading = null;

  function load() {
    if (!loading) {
      loading = gb.api("GET", "/hosts").then(function (data) {
        var list = (data && data.hosts) || [];
        list.forEach(function (h) { byKind[h.kind] = h; });
        return list;
      }, function (err) { loading = null; throw err; });
    }
    return loading;
  }

  function get(kind) { return byKind[kind]; }
  function name(kind) { return (byKind[kind] && byKind[kind].name) || kind; }

  gb.hosts = { load: load, get: get, name: name };
}());
