/* Alignment tree and regency goals: expand/collapse all, and open every branch to print. */
(function () {
  "use strict";
  function setAll(open) {
    document.querySelectorAll(".alignment details").forEach(function (el) { el.open = open; });
  }
  var expand = document.getElementById("expand-all");
  var collapse = document.getElementById("collapse-all");
  if (expand) { expand.addEventListener("click", function () { setAll(true); }); }
  if (collapse) { collapse.addEventListener("click", function () { setAll(false); }); }
  window.addEventListener("beforeprint", function () { setAll(true); });
})();
