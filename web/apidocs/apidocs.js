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

  function openFromHash() {
    var hash = decodeURIComponent(window.location.hash || "");
    openItemFromHash(hash);
    if (hash.indexOf("#op-") !== 0) return;
    var want = hash.slice(4);
    var el = document.getElementById("op-" + want);
    if (!el) {
      var all = document.querySelectorAll("details.op[data-operation-id]");
      for (var i = 0; i < all.length; i++) {
        if (all[i].getAttribute("data-operation-id") === want) { el = all[i]; break; }
      }
    }
    if (el && el.tagName === "DETAILS") {
      el.open = true;
      el.scrollIntoView({ block: "start" });
    }
  }

  document.addEventListener("click", function (evt) {
    var btn = evt.target.closest ? evt.target.closest("button[data-copy-target]") : null;
    if (!btn) return;
    evt.preventDefault();
    var box = btn.closest("details");
    var pre = box ? box.querySelector("pre") : null;
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
    return el && el.closest ? el.closest('form[data-testid="try-form"]') : null;
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
    if (!form || evt.target.name === "_csrf") return;
    clearTimeout(form._samplesTimer);
    form._samplesTimer = setTimeout(function () { refreshSamples(form); }, 300);
  }
  document.addEventListener("input", fieldChanged);
  document.addEventListener("change", fieldChanged);

  window.addEventListener("hashchange", openFromHash);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openFromHash);
  } else {
    openFromHash();
  }
})();
