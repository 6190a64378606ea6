/*
 * Kinerja Mamuju — searchable multi-selects (vendor Tom Select, served locally).
 *
 * Enhances <select multiple data-searchable> and, on the fill page, every multiple
 * select with many options: type to filter, chosen items shown as removable chips.
 * The original <select> stays in the form and receives the choices (and "change"
 * events), so posting and the live evaluation work as before; without this script
 * the plain list remains. Texts come from the element's data-* attributes.
 */
(function () {
  "use strict";

  var MANY_OPTIONS = 8;
  if (typeof window.TomSelect !== "function") {
    return;
  }

  function enhance(select) {
    if (select.tomselect) {
      return;
    }
    var owner = select.form || select;
    var noResults =
      select.getAttribute("data-no-results") || owner.getAttribute("data-no-results") || "—";
    var label = select.labels && select.labels[0] ? select.labels[0].textContent.trim() : "";
    // eslint-disable-next-line no-new
    new window.TomSelect(select, {
      plugins: ["remove_button"],
      maxOptions: null,
      hidePlaceholder: true,
      placeholder: select.getAttribute("data-placeholder") || "",
      render: {
        no_results: function () {
          var node = document.createElement("div");
          node.className = "no-results";
          node.textContent = noResults;
          return node;
        },
      },
    });
    // Tom Select moves the label to its own input; the original list (still in the form,
    // hidden) keeps an accessible name too.
    if (label && !select.getAttribute("aria-label")) {
      select.setAttribute("aria-label", label);
    }
  }

  var selects = document.querySelectorAll(
    "select[multiple][data-searchable], #fill-form select[multiple]"
  );
  Array.prototype.forEach.call(selects, function (select) {
    if (select.hasAttribute("data-searchable") || select.options.length > MANY_OPTIONS) {
      enhance(select);
    }
  });
})();
