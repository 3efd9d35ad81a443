// honeyvault console enhancements. Every page works without this file; it
// only shows times in the viewer's zone (relative when recent, the exact
// UTC value stays in the title) and, on the incident list, brings in new
// incidents without a reload. Served from the binary: the CSP allows
// script-src 'self' and nothing inline.
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function relative(ms) {
    var s = Math.round(ms / 1000);
    if (s < 60) return "just now";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    if (s < 86400) return Math.floor(s / 3600) + " h ago";
    return null;
  }

  function localTimes(root) {
    var els = root.querySelectorAll("time[datetime]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d.getTime())) continue;
      var age = Date.now() - d.getTime();
      var rel = age >= 0 ? relative(age) : null;
      el.textContent = rel || (d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) +
        " " + pad(d.getHours()) + ":" + pad(d.getMinutes()));
    }
  }

  // live polls the JSON API for the newest incident and, when it changed,
  // swaps in the list as the server renders it now.
  function live() {
    var box = document.querySelector("[data-live-newest]");
    if (!box || !window.fetch) return;
    var newest = box.getAttribute("data-live-newest");
    var every = Math.max(parseInt(box.getAttribute("data-live-every"), 10) || 15000, 100);
    setInterval(function () {
      fetch("/api/v1/incidents?limit=1", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (list) {
          if (!list || !list.incidents) return;
          var id = list.incidents.length ? String(list.incidents[0].id) : "0";
          if (id === newest) return;
          newest = id;
          return fetch(location.href, { credentials: "same-origin" })
            .then(function (r) { return r.ok ? r.text() : null; })
            .then(function (html) {
              if (!html) return;
              var doc = new DOMParser().parseFromString(html, "text/html");
              var fresh = doc.querySelector("main");
              if (!fresh) return;
              document.querySelector("main").replaceWith(fresh);
              localTimes(fresh);
            });
        })
        .catch(function () {});
    }, every);
  }

  localTimes(document);
  live();
})();
