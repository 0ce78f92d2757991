// Portico API docs: open the operation named by the URL fragment
// (#op-<key> or #op-<operationId>) and copy code samples. No inline
// handlers: everything is wired here.
(function () {
  "use strict";

  function openFromHash() {
    var hash = decodeURIComponent(window.location.hash || "");
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

  window.addEventListener("hashchange", openFromHash);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openFromHash);
  } else {
    openFromHash();
  }
})();
