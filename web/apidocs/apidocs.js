// Portico API docs: open the operation named by the URL fragment
// (#op-<key> or #op-<operationId>), copy code samples, show a running
// try-it call and keep the samples in step with the form. No inline
// handlers: everything is wired here.
(function () {
  "use strict";

  // #model-<id> and #webhook-<key>: the server opens them (?model=,
  // ?webhook=); a bare fragment the page does not hold yet asks for it.
  function openItemFromHash(hash) {
    var m = /^#(model|webhook)-([A-Za-z0-9_.-]+)$/.exec(hash);
    if (!m) return;
    var el = document.getElementById(m[1] + "-" + m[2]);
    if (el && el.tagName === "DETAILS") {
      el.open = true;
      el.scrollIntoView({ block: "start" });
      return;
    }
    var url = new URL(window.location.href);
    if (!document.querySelector('[data-testid="api-definition"]') || url.searchParams.get(m[1]) === m[2]) return;
    url.searchParams.set(m[1], m[2]);
    window.location.replace(url.toString());
  }

  // show opens an operation (or item) of the page, scrolls to it and
  // marks it in the sidebar.
  function show(el) {
    if (el.tagName === "DETAILS") el.open = true;
    el.scrollIntoView({ block: "start" });
    markCurrent(el.id);
  }

  // markCurrent highlights the sidebar's entry for the element with id.
  function markCurrent(id) {
    var nav = document.getElementById("api-sidebar-nav");
    if (!nav || !id) return;
    var old = nav.querySelectorAll("a[aria-current]");
    for (var i = 0; i < old.length; i++) old[i].removeAttribute("aria-current");
    var links = nav.querySelectorAll("a[data-target]");
    for (var j = 0; j < links.length; j++) {
      if (links[j].getAttribute("data-target") === id) links[j].setAttribute("aria-current", "location");
    }
  }

  // loadOperation replaces the page's operations with the run holding the
  // operation named (key or operationId), rendered open, and shows it.
  function loadOperation(name) {
    var nav = document.getElementById("api-sidebar-nav");
    var list = document.getElementById("op-list");
    if (!nav || !list || !window.htmx) return false;
    var url = nav.getAttribute("data-ops-url") + "?op=" + encodeURIComponent(name);
    htmx.ajax("GET", url, { target: "#op-list", swap: "innerHTML" }).then(function () {
      var el = findOperation(name);
      if (el) show(el);
    });
    return true;
  }

  function findOperation(name) {
    var el = document.getElementById("op-" + name);
    if (el) return el;
    var all = document.querySelectorAll("details.op[data-operation-id]");
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute("data-operation-id") === name) return all[i];
    }
    return null;
  }

  // openFromHash opens what the URL names: #op-<key or operationId>, a
  // bare #<operationId>, or ?op= (rendered open by the server). An
  // operation the page does not hold yet is fetched with its neighbours.
  function openFromHash() {
    var hash = decodeURIComponent(window.location.hash || "");
    openItemFromHash(hash);
    var name = "";
    if (hash.indexOf("#op-") === 0) name = hash.slice(4);
    else if (hash.length > 1 && !document.getElementById(hash.slice(1)) && !/^#(model|webhook)-/.test(hash)) name = hash.slice(1);
    if (!name) {
      var open = document.querySelector("details.op[open]");
      if (open && new URLSearchParams(window.location.search).get("op")) show(open);
      return;
    }
    var el = findOperation(name);
    if (el) show(el);
    else if (document.getElementById("op-list")) loadOperation(name);
  }

  // Sidebar links open their operation in place when the page holds it,
  // fetch it (with the operations around it) when it does not, and close
  // the phone drawer. The URL follows, so reload and back work.
  document.addEventListener("click", function (evt) {
    var a = evt.target.closest ? evt.target.closest("#api-sidebar-nav a[data-target]") : null;
    if (!a || evt.button !== 0 || evt.metaKey || evt.ctrlKey || evt.shiftKey || evt.altKey) return;
    var el = document.getElementById(a.getAttribute("data-target"));
    var key = new URL(a.href, window.location.href).searchParams.get("op");
    if (!el && !key) return;
    evt.preventDefault();
    if (el) show(el);
    else if (!loadOperation(key)) { window.location.assign(a.href); return; }
    history.pushState(null, "", a.getAttribute("href"));
    var drawer = document.getElementById("sidebar-open");
    if (drawer) drawer.checked = false;
  });

  // Opening an operation marks it in the sidebar. Hovering or focusing a
  // closed one fetches it ahead (op-prefetch, see operationItem), so it
  // is there when clicked; a second request for it is dropped.
  document.addEventListener("toggle", function (evt) {
    var op = evt.target;
    if (op.tagName === "DETAILS" && op.classList.contains("op") && op.open) markCurrent(op.id);
  }, true);

  function prefetch(evt) {
    var sum = evt.target.closest ? evt.target.closest("details.op > summary") : null;
    if (!sum) return;
    var op = sum.parentElement;
    if (op.open || op._prefetched || !op.hasAttribute("hx-get")) return;
    op._prefetched = true;
    op.dispatchEvent(new CustomEvent("op-prefetch"));
  }
  document.addEventListener("pointerover", prefetch);
  document.addEventListener("focusin", prefetch);

  // A small definition's operations are all fetched once the page has
  // loaded (#op-list[data-prefetch=all]): a few requests, and opening one
  // needs no round trip.
  function prefetchAll() {
    var ops = document.querySelectorAll('#op-list[data-prefetch="all"] details.op[hx-get]:not([open])');
    for (var i = 0; i < ops.length; i++) {
      if (ops[i]._prefetched) continue;
      ops[i]._prefetched = true;
      ops[i].dispatchEvent(new CustomEvent("op-prefetch"));
    }
  }
  window.addEventListener("load", function () {
    if (window.requestIdleCallback) requestIdleCallback(prefetchAll, { timeout: 500 }); else setTimeout(prefetchAll, 50);
  });

  document.addEventListener("htmx:before:request", function (evt) {
    var op = evt.target;
    if (op.tagName === "DETAILS" && op.classList.contains("op") && op.querySelector('.op-body [data-testid="operation-details"]')) evt.preventDefault();
  });

  document.addEventListener("click", function (evt) {
    var btn = evt.target.closest ? evt.target.closest("button[data-copy-target]") : null;
    if (!btn) return;
    evt.preventDefault();
    var pre = document.getElementById(btn.getAttribute("data-copy-target"));
    if (!pre) {
      var box = btn.closest("details");
      pre = box ? box.querySelector("pre") : null;
    }
    if (!pre || !navigator.clipboard) return;
    navigator.clipboard.writeText(pre.textContent).then(function () {
      var old = btn.textContent;
      btn.textContent = "Copied";
      setTimeout(function () { btn.textContent = old; }, 1500);
    });
  });

  // Try it out: while a call runs, Send is disabled, the result region is
  // aria-busy and a spinner counts the seconds.
  function tryForm(el) {
    return el && el.closest ? el.closest('form[data-testid="try-form"], form[data-testid="graphql-form"]') : null;
  }

  document.addEventListener("htmx:before:request", function (evt) {
    var form = tryForm(evt.target);
    if (!form || form.getAttribute("data-busy") === "true") return;
    form.setAttribute("data-busy", "true");
    var btn = form.querySelector('[data-testid="try-send"]');
    if (btn) { btn.disabled = true; btn.setAttribute("aria-disabled", "true"); }
    var result = form.querySelector(".try-result");
    if (result) result.setAttribute("aria-busy", "true");
    var busy = document.createElement("p");
    busy.className = "try-busy";
    busy.setAttribute("role", "status");
    busy.setAttribute("data-testid", "try-busy");
    var spin = document.createElement("span");
    spin.className = "try-spinner";
    spin.setAttribute("aria-hidden", "true");
    var text = document.createElement("span");
    busy.appendChild(spin);
    busy.appendChild(text);
    var start = Date.now();
    var tick = function () { text.textContent = "Sending… " + ((Date.now() - start) / 1000).toFixed(1) + " s"; };
    tick();
    form._tryTimer = setInterval(tick, 100);
    if (btn) btn.insertAdjacentElement("afterend", busy); else form.appendChild(busy);
  });

  document.addEventListener("htmx:finally:request", function (evt) {
    var form = tryForm(evt.target);
    if (!form || form.getAttribute("data-busy") !== "true") return;
    form.removeAttribute("data-busy");
    clearInterval(form._tryTimer);
    var btn = form.querySelector('[data-testid="try-send"]');
    if (btn) { btn.disabled = false; btn.removeAttribute("aria-disabled"); }
    var result = form.querySelector(".try-result");
    if (result) result.removeAttribute("aria-busy");
    var busy = form.querySelector('[data-testid="try-busy"]');
    if (busy) busy.remove();
  });

  // The code samples follow the fields: 300 ms after the last keystroke the
  // portal builds them again from the form (nothing is called).
  function refreshSamples(form) {
    var seq = (form._samplesSeq || 0) + 1;
    form._samplesSeq = seq;
    var url = form.getAttribute("action").replace(/\/try$/, "/samples");
    fetch(url, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { "HX-Request": "true" },
      credentials: "same-origin",
    }).then(function (res) { return res.text(); }).then(function (html) {
      if (seq !== form._samplesSeq) return;
      var result = form.querySelector(".try-result");
      if (!result) return;
      var old = result.querySelector('[data-testid="samples"]');
      if (old) old.outerHTML = html; else result.insertAdjacentHTML("beforeend", html);
    }).catch(function () {});
  }

  function fieldChanged(evt) {
    var form = tryForm(evt.target);
    // Only operations have samples; a GraphQL query runs when asked.
    if (!form || form.getAttribute("data-testid") !== "try-form" || evt.target.name === "_csrf") return;
    clearTimeout(form._samplesTimer);
    form._samplesTimer = setTimeout(function () { refreshSamples(form); }, 300);
  }
  document.addEventListener("input", fieldChanged);
  document.addEventListener("change", fieldChanged);

  // Authorize: one panel per definition keeps each scheme's values in the
  // tab's session storage (key: the definition's URL) and fills them into
  // the credential inputs of every operation whose security uses the
  // scheme. Nothing is sent anywhere until a try-it call is made.
  function loadAuth(key) {
    try { return JSON.parse(sessionStorage.getItem("portico.auth:" + key) || "{}") || {}; } catch (e) { return {}; }
  }
  function saveAuth(key, all) {
    try { sessionStorage.setItem("portico.auth:" + key, JSON.stringify(all)); } catch (e) {}
  }
  function filled(c) { return !!(c && (c.value || c.user || c.password)); }

  // setInput fills a per-call input from the panel unless the person typed
  // their own value there; a change refreshes the code samples, which then
  // read the secret from an environment variable.
  function setInput(input, v) {
    if (!input) return;
    if (input.value === "" || input.getAttribute("data-from-auth") === "true") {
      var changed = input.value !== (v || "");
      input.value = v || "";
      if (v) input.setAttribute("data-from-auth", "true"); else input.removeAttribute("data-from-auth");
      if (changed) input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  // applyAuth brings every panel and operation on the page in step with
  // the stored values.
  function applyAuth() {
    var panels = document.querySelectorAll("[data-authorize]");
    for (var i = 0; i < panels.length; i++) {
      var panel = panels[i];
      panel.hidden = false;
      var all = loadAuth(panel.getAttribute("data-authorize"));
      var forms = panel.querySelectorAll("form[data-auth-scheme]");
      var authorized = 0;
      for (var j = 0; j < forms.length; j++) {
        var ok = filled(all[forms[j].getAttribute("data-auth-scheme")]);
        if (ok) authorized++;
        var st = forms[j].querySelector("[data-auth-state]");
        if (st) st.textContent = ok ? "authorized" : "not authorized";
      }
      var count = panel.querySelector("[data-auth-count]");
      if (count) {
        var n = forms.length;
        count.textContent = "(" + n + (n === 1 ? " scheme, " : " schemes, ") + authorized + " authorized)";
      }
    }
    var ops = document.querySelectorAll("[data-auth-key]");
    for (var k = 0; k < ops.length; k++) {
      var box = ops[k];
      var stored = loadAuth(box.getAttribute("data-auth-key"));
      var form = box.closest("form");
      var items = box.querySelectorAll("[data-auth-scheme]");
      for (var m = 0; m < items.length; m++) {
        var name = items[m].getAttribute("data-auth-scheme");
        var c = stored[name] || {};
        var state = items[m].querySelector("[data-auth-state]");
        if (state) state.textContent = filled(c) ? "authorized" : "not authorized";
        if (!form) continue;
        setInput(form.elements.namedItem("cred." + name), c.value);
        setInput(form.elements.namedItem("cred." + name + ".user"), c.user);
        setInput(form.elements.namedItem("cred." + name + ".password"), c.password);
      }
    }
  }

  function schemeForm(el) { return el && el.closest ? el.closest("form[data-auth-scheme]") : null; }
  function panelOf(el) { return el.closest("[data-authorize]"); }

  function storeScheme(form, value) {
    var key = panelOf(form).getAttribute("data-authorize");
    var all = loadAuth(key);
    var name = form.getAttribute("data-auth-scheme");
    if (value && filled(value)) all[name] = value; else delete all[name];
    saveAuth(key, all);
    applyAuth();
  }

  document.addEventListener("submit", function (evt) {
    var form = schemeForm(evt.target);
    if (!form || evt.target !== form) return;
    evt.preventDefault();
    var v = {};
    var fields = form.querySelectorAll("[data-field]");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value) v[fields[i].getAttribute("data-field")] = fields[i].value;
    }
    storeScheme(form, v);
  });

  document.addEventListener("click", function (evt) {
    var clear = evt.target.closest ? evt.target.closest("[data-auth-clear]") : null;
    if (clear) {
      var form = schemeForm(clear);
      var fields = form.querySelectorAll("input");
      for (var i = 0; i < fields.length; i++) { if (fields[i].type !== "checkbox") fields[i].value = ""; }
      storeScheme(form, null);
      return;
    }
    var run = evt.target.closest ? evt.target.closest("[data-oauth-run]") : null;
    if (run) runOAuth(run.closest("[data-oauth-flow]"));
  });

  // runOAuth asks the portal to run an OAuth2 flow: client credentials
  // answer a token at once; authorization code answers where to sign in.
  function runOAuth(box) {
    var form = schemeForm(box);
    var status = box.querySelector("[data-oauth-status]");
    var body = new URLSearchParams();
    var fields = box.querySelectorAll("[data-oauth-field]");
    for (var i = 0; i < fields.length; i++) body.append(fields[i].getAttribute("data-oauth-field"), fields[i].value);
    var scopes = box.querySelectorAll("[data-oauth-scope]:checked");
    for (var j = 0; j < scopes.length; j++) body.append("scope", scopes[j].value);
    status.textContent = "Asking the token URL…";
    fetch(box.getAttribute("data-oauth-url"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRF-Token": panelOf(box).getAttribute("data-csrf") || "", "Accept": "application/json" },
    }).then(function (res) { return res.json(); }).then(function (out) {
      if (out.error) { status.textContent = out.error; return; }
      if (out.redirect) { status.textContent = "Signing in…"; window.location.assign(out.redirect); return; }
      var value = form.querySelector('[data-field="value"]');
      if (value) value.value = out.accessToken;
      var id = box.querySelector('[data-oauth-field="client_id"]');
      storeScheme(form, tokenEntry(out, id ? id.value : "", box.getAttribute("data-oauth-refresh")));
      status.textContent = "Token received" + (out.expiresIn ? " (expires in " + out.expiresIn + " s)" : "") + ".";
    }).catch(function () { status.textContent = "The portal did not answer: try again."; });
  }

  // tokenEntry is what the tab keeps of a token answer: the token, and
  // what it takes to refresh it when it expires.
  function tokenEntry(out, clientId, refreshUrl) {
    var e = { value: out.accessToken };
    if (out.refreshToken && refreshUrl) {
      e.refresh = out.refreshToken; e.client = clientId; e.refreshUrl = refreshUrl;
      if (out.expiresIn) e.expiresAt = Date.now() + out.expiresIn * 1000;
    }
    return e;
  }

  // refreshDue trades the refresh token of every stored token that has
  // expired (or will within 10 s) for a new one, through the portal. A
  // confidential client's secret is sent only while it is still typed in
  // the panel; it is never stored.
  function refreshDue() {
    var panels = document.querySelectorAll("[data-authorize]");
    for (var i = 0; i < panels.length; i++) {
      var panel = panels[i];
      var key = panel.getAttribute("data-authorize");
      var all = loadAuth(key);
      Object.keys(all).forEach(function (name) {
        var e = all[name];
        if (!e || !e.refresh || !e.expiresAt || e.expiresAt - 10000 > Date.now() || refreshing[key + name]) return;
        if (e.refreshUrl.charAt(0) !== "/" || e.refreshUrl.charAt(1) === "/") return;
        var form = panel.querySelector('form[data-auth-scheme="' + CSS.escape(name) + '"]');
        var status = form ? form.querySelector("[data-oauth-status]") : null;
        var body = new URLSearchParams({ refresh_token: e.refresh, client_id: e.client || "" });
        var secret = form ? form.querySelector('[data-oauth-field="client_secret"]') : null;
        if (secret && secret.value) body.append("client_secret", secret.value);
        refreshing[key + name] = true;
        fetch(e.refreshUrl, {
          method: "POST", body: body, credentials: "same-origin",
          headers: { "X-CSRF-Token": panel.getAttribute("data-csrf") || "", "Accept": "application/json" },
        }).then(function (res) { return res.json(); }).then(function (out) {
          var now = loadAuth(key);
          if (out.error) {
            delete now[name];
            if (status) status.textContent = out.error;
          } else {
            now[name] = tokenEntry(out, e.client, e.refreshUrl);
            if (status) status.textContent = "Token refreshed" + (out.expiresIn ? " (expires in " + out.expiresIn + " s)" : "") + ".";
          }
          saveAuth(key, now);
          applyAuth();
        }).catch(function () {}).then(function () { delete refreshing[key + name]; });
      });
    }
  }
  var refreshing = {};
  setInterval(refreshDue, 2000);

  // The authorization-code callback page hands its token over here.
  function finishOAuth() {
    var done = document.querySelector("[data-oauth-done]");
    if (!done) return;
    var key = done.getAttribute("data-oauth-done");
    var all = loadAuth(key);
    all[done.getAttribute("data-scheme")] = tokenEntry({
      accessToken: done.getAttribute("data-token"), refreshToken: done.getAttribute("data-refresh"),
      expiresIn: Number(done.getAttribute("data-expires-in")) || 0,
    }, done.getAttribute("data-client"), done.getAttribute("data-refresh-url"));
    saveAuth(key, all);
    var back = done.getAttribute("data-return");
    if (back && back.charAt(0) === "/" && back.charAt(1) !== "/") window.location.replace(back);
  }

  document.addEventListener("htmx:after:swap", applyAuth);
  document.addEventListener("htmx:after:settle", applyAuth);

  function start() { applyAuth(); finishOAuth(); openFromHash(); refreshDue(); }

  window.addEventListener("hashchange", openFromHash);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
