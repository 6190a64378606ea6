/* Template editor: the running total of the weights of the chosen forms (must be 100). */
(function () {
  "use strict";
  var output = document.getElementById("weight-total");
  var table = output && output.closest("table");
  if (!table) {
    return;
  }
  var format = new Intl.NumberFormat(document.documentElement.lang || "id", { maximumFractionDigits: 2 });

  function parse(text) {
    var value = parseFloat(String(text).trim().replace(",", "."));  // "33,5" or "33.5"
    return isFinite(value) ? value : 0;
  }

  function update() {
    var total = 0;
    table.querySelectorAll("tr.form-row").forEach(function (row) {
      var form = row.querySelector("select[name=form_version_id]");
      var weight = row.querySelector("input[name=weight]");
      if (form && form.value && weight) {
        total += parse(weight.value);
      }
    });
    var ok = Math.abs(total - 100) <= 0.01;
    output.textContent = format.format(total) + " % — " + output.getAttribute(ok ? "data-ok" : "data-off");
    output.className = ok ? "text-success" : "text-danger";
  }

  table.addEventListener("input", update);
  table.addEventListener("change", update);
  update();
})();
