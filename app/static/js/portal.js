/* Kinerja Mamuju: every page. Tables scroll inside their own box on a phone, the date
 * picker and select2 speak the page's language, and the portal's own confirmation
 * dialog replaces the browser's English "OK / Cancel" (window.portalConfirm and
 * data-confirm="message" on a form, link or submit button). No inline script (CSP). */
(function () {
  "use strict";

  var texts = {};
  var source = document.getElementById("portal-i18n");
  if (source) {
    try { texts = JSON.parse(source.textContent); } catch (error) { texts = {}; }
  }
  var lang = document.documentElement.lang || "en";

  /* The lists people work from on a phone become one card per row there (portal.css);
     each cell is captioned with its column heading. */
  var CARD_TABLES = "#my-submissions, .review-queue, #history-table, table.table-cards";

  function cardTables() {
    Array.prototype.forEach.call(document.querySelectorAll(CARD_TABLES), function (table) {
      var headings = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.classList.add("table-cards");
      Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          if (headings[column] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", headings[column]);
          }
          column += cell.colSpan || 1;
        });
      });
    });
  }

  /* Any other table wider than the screen scrolls inside its box, never the page. */
  function boxTables() {
    var tables = document.querySelectorAll(".container table:not(.table-cards)");
    Array.prototype.forEach.call(tables, function (table) {
      var parent = table.parentElement;
      if (parent.classList.contains("table-responsive") || table.closest(".table-responsive")) { return; }
      var box = document.createElement("div");
      box.className = "table-responsive";
      parent.insertBefore(box, table);
      box.appendChild(table);
    });
  }

  /* Month and day names of the page's language, from the browser's own locale data. */
  function datepickerLanguage() {
    var picker = window.jQuery && window.jQuery.fn.datepicker;
    if (!picker || lang === "en" || !window.Intl) { return; }
    var month = new Intl.DateTimeFormat(lang, { month: "long" });
    var monthShort = new Intl.DateTimeFormat(lang, { month: "short" });
    var day = new Intl.DateTimeFormat(lang, { weekday: "long" });
    var dayShort = new Intl.DateTimeFormat(lang, { weekday: "short" });
    var months = [], monthsShort = [], days = [], daysShort = [];
    for (var m = 0; m < 12; m++) {
      var first = new Date(2026, m, 1);
      months.push(month.format(first));
      monthsShort.push(monthShort.format(first));
    }
    for (var d = 0; d < 7; d++) {
      var sunday = new Date(2026, 10, 1 + d);  /* 1 November 2026 is a Sunday */
      days.push(day.format(sunday));
      daysShort.push(dayShort.format(sunday));
    }
    picker.dates[lang] = {
      days: days, daysShort: daysShort,
      daysMin: daysShort,
      months: months, monthsShort: monthsShort,
      today: texts.today || "Today", clear: texts.clear || "Clear",
      weekStart: 1, format: "yyyy-mm-dd"
    };
    picker.defaults.language = lang;
  }

  /* select2's own messages ("Remove all items", "No results found") and the English
     placeholders FAB's ab.js passes ("Select a State", "Select"). */
  var FAB_PLACEHOLDERS = { "Select a State": true, "Select": true };

  function select2Language() {
    var $ = window.jQuery;
    var select2 = $ && $.fn.select2;
    if (!select2 || !select2.defaults || lang === "en") { return; }
    select2.defaults.set("language", {
      removeAllItems: function () { return texts.removeAllItems; },
      noResults: function () { return texts.noResults; },
      searching: function () { return texts.searching; }
    });
    $.fn.select2 = $.extend(function (options) {
      var args = Array.prototype.slice.call(arguments);
      if (options && FAB_PLACEHOLDERS[options.placeholder]) {
        args[0] = $.extend({}, options, { placeholder: texts.choose });
      }
      return select2.apply(this, args);
    }, select2);
  }

  /* The portal's dialog: resolves true when the user confirms. */
  function portalConfirm(message) {
    var dialog = document.getElementById("portal-confirm");
    if (!dialog || typeof dialog.showModal !== "function") {
      return Promise.resolve(window.confirm(message));
    }
    document.getElementById("portal-confirm-text").textContent = message;
    return new Promise(function (resolve) {
      function close(answer) {
        return function () {
          dialog.removeEventListener("cancel", onCancel);
          ok.removeEventListener("click", onOk);
          cancel.removeEventListener("click", onCancelClick);
          if (dialog.open) { dialog.close(); }
          resolve(answer);
        };
      }
      var ok = document.getElementById("portal-confirm-ok");
      var cancel = document.getElementById("portal-confirm-cancel");
      var onOk = close(true), onCancel = close(false), onCancelClick = close(false);
      ok.addEventListener("click", onOk);
      cancel.addEventListener("click", onCancelClick);
      dialog.addEventListener("cancel", onCancel);  /* Escape */
      dialog.showModal();
      cancel.focus();
    });
  }
  window.portalConfirm = portalConfirm;

  /* data-confirm on a form (asked on submit) or on a link or button (asked on click). */
  function confirmed(element) { return element.dataset.confirmed === "yes"; }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = (event.submitter && event.submitter.dataset.confirm) || form.dataset.confirm;
    if (!message || confirmed(form)) { return; }
    event.preventDefault();
    var submitter = event.submitter;
    portalConfirm(message).then(function (yes) {
      if (!yes) { return; }
      form.dataset.confirmed = "yes";
      if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
      form.dataset.confirmed = "";
    });
  }, true);

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-confirm]");
    if (!link || confirmed(link)) { return; }
    event.preventDefault();
    portalConfirm(link.dataset.confirm).then(function (yes) {
      if (yes) { window.location.assign(link.href); }
    });
  }, true);

  /* A box that scrolls sideways can be reached and scrolled with the keyboard. */
  function focusableScrollBoxes() {
    var boxes = document.querySelectorAll(".table-responsive, .chart-box");
    Array.prototype.forEach.call(boxes, function (box) {
      if (box.scrollWidth > box.clientWidth) {
        box.tabIndex = 0;
      } else {
        box.removeAttribute("tabindex");
      }
    });
  }

  /* FAB's list checkboxes (bulk actions) carry no label. */
  function labelCheckboxes() {
    var all = document.getElementById("check_all");
    if (all) { all.setAttribute("aria-label", texts.selectAll || "Select all"); }
    Array.prototype.forEach.call(document.querySelectorAll("input.action_check"), function (box) {
      box.setAttribute("aria-label", texts.selectRow || "Select");
    });
  }

  /* FAB's "no choice" option shows its internal value "__None": show a dash. */
  function blankOptions() {
    Array.prototype.forEach.call(document.querySelectorAll('option[value="__None"]'), function (option) {
      if (option.textContent.trim() === "__None") { option.textContent = "—"; }
    });
  }

  blankOptions();
  cardTables();
  boxTables();
  focusableScrollBoxes();
  labelCheckboxes();
  window.addEventListener("resize", focusableScrollBoxes);
  datepickerLanguage();
  select2Language();
}());
