/*
 * Kinerja Mamuju — live relevance and calculations on the "Kinerja Saya" fill page.
 *
 * Plain ES2017, no external library. Inputs are named "<form version id>:<key>";
 * after each change (debounced) the answers are POSTed as JSON to the page's
 * evaluate URL, and the answer shows or hides fields, fills calculated values
 * and the achievement per form. Text is only ever written with textContent/value.
 * Saving and submitting stay plain form posts: without this script the page works.
 */
(function () {
  "use strict";

  var DATA_ELEMENT = document.getElementById("fill-data");
  var FORM = document.getElementById("fill-form");
  if (!DATA_ELEMENT || !FORM) {
    return;
  }
  var DATA = JSON.parse(DATA_ELEMENT.textContent || "{}");
  var URLS = DATA.urls || {};
  var UI = DATA.ui_text || {};
  var CSRF = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  // "<form>:<key>" or a cell of a repeat group "<form>:<group>.<row>.<column>";
  // field keys never hold "__" (a row's "__row" marker and the "__i__" template are no answers)
  var KEY = "[a-z](?:_?[a-z0-9])*_?";
  var NAME = new RegExp("^(\\d+):(" + KEY + "(?:\\.\\d+\\." + KEY + ")?)$");
  var CELL = /^([^.]+)\.(\d+)\.(.+)$/;
  var DEBOUNCE_MS = 400;
  var state = { seq: 0, timer: null, dirty: false, touched: {} };

  function t(key, fallback) {
    return typeof UI[key] === "string" && UI[key] ? UI[key] : fallback;
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  /** {formId: {key: [row, …]}}: one empty answer object per row of every repeat group. */
  function emptyTables() {
    var answers = {};
    FORM.querySelectorAll(".fill-repeat[data-ref]").forEach(function (box) {
      var ref = box.getAttribute("data-ref");
      var formId = ref.split(":")[0];
      var rows = box.querySelectorAll(".repeat-rows > .repeat-row");
      (answers[formId] || (answers[formId] = {}))[ref.slice(formId.length + 1)] =
        Array.prototype.map.call(rows, function () { return {}; });
    });
    return answers;
  }

  /** The answer object an input writes to: its form's, or its row's in a repeat group. */
  function answerHolder(answers, formId, key) {
    var group = answers[formId] || (answers[formId] = {});
    var cell = CELL.exec(key);
    if (!cell || !Array.isArray(group[cell[1]]) || !group[cell[1]][Number(cell[2])]) {
      return { owner: group, key: key };
    }
    return { owner: group[cell[1]][Number(cell[2])], key: cell[3] };
  }

  /** {formId: {key: value}} from the inputs of the form (files and calculated fields left out). */
  function collectAnswers() {
    var answers = emptyTables();
    Array.prototype.forEach.call(FORM.elements, function (node) {
      var match = NAME.exec(node.name || "");
      if (!match || node.type === "file" || node.hasAttribute("data-calculate")) {
        return;
      }
      var formId = match[1];
      var holder = answerHolder(answers, formId, match[2]);
      var key = holder.key;
      var group = holder.owner;
      if (node.tagName === "SELECT" && node.multiple) {
        group[key] = Array.prototype.filter.call(node.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else if (node.type === "checkbox") {
        if (node.getAttribute("data-type") === "multiselect") {
          var list = Array.isArray(group[key]) ? group[key] : [];
          if (node.checked) {
            list.push(node.value);
          }
          group[key] = list;
        } else {
          group[key] = node.checked;
        }
      } else if (node.type === "radio") {
        if (node.checked) {
          group[key] = node.value;
        } else if (!(key in group)) {
          group[key] = "";
        }
      } else {
        group[key] = node.value;
      }
    });
    return answers;
  }

  function postJSON(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": CSRF,
        "X-Requested-With": "XMLHttpRequest"
      },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) {
        return null;
      }
      return response.json().catch(function () { return null; });
    }, function () {
      return null;
    });
  }

  function displayValue(value) {
    if (value === null || value === undefined) {
      return "";
    }
    if (Array.isArray(value)) {
      return value.join(", ");
    }
    if (typeof value === "object") {
      return "";
    }
    return String(value);
  }

  function formatPercent(value) {
    if (typeof value !== "number" || !isFinite(value)) {
      return "—";
    }
    var locale = (document.documentElement.lang || "id").indexOf("en") === 0 ? "en-GB" : "id-ID";
    try {
      return value.toLocaleString(locale, { maximumFractionDigits: 2 }) + "%";
    } catch (e) {
      return String(Math.round(value * 100) / 100) + "%";
    }
  }

  function apply(formId, result) {
    var relevant = isObject(result.relevant) ? result.relevant : {};
    var calculated = isObject(result.calculated) ? result.calculated : {};
    var errors = isObject(result.errors) ? result.errors : {};
    FORM.querySelectorAll('[data-ref^="' + formId + ':"]').forEach(function (node) {
      var key = node.getAttribute("data-ref").slice(formId.length + 1);
      if (node.classList.contains("fill-field") || node.classList.contains("fill-section")) {
        var hasServerError = node.classList.contains("has-error") && !state.touched[formId + ":" + key];
        node.hidden = relevant[key] === false && !hasServerError;
      }
      if (node.classList.contains("field-errors") && state.touched[formId + ":" + key]) {
        var messages = relevant[key] === false ? [] : (errors[key] || []);
        node.textContent = messages.map(String).join(" ");
        var wrapper = node.closest(".fill-field");
        if (wrapper) {
          wrapper.classList.toggle("has-error", messages.length > 0);
        }
      }
    });
    Object.keys(calculated).forEach(function (key) {
      var input = FORM.elements.namedItem(formId + ":" + key);
      if (input && input.hasAttribute && input.hasAttribute("data-calculate")) {
        input.value = displayValue(calculated[key]);
      }
    });
    FORM.querySelectorAll('.fill-achievement[data-form="' + formId + '"]').forEach(function (node) {
      node.textContent = formatPercent(result.achievement);
    });
  }

  function runEvaluate() {
    var seq = ++state.seq;
    var status = document.getElementById("fill-status");
    postJSON(URLS.evaluate, { answers: collectAnswers() }).then(function (data) {
      if (seq !== state.seq) {
        return;
      }
      if (!data || !isObject(data.forms)) {
        if (status) {
          status.textContent = t("network_error", "The server could not be reached.");
        }
        return;
      }
      if (status) {
        status.textContent = "";
      }
      Object.keys(data.forms).forEach(function (formId) {
        if (isObject(data.forms[formId])) {
          apply(formId, data.forms[formId]);
        }
      });
    });
  }

  function onInput(event) {
    var match = NAME.exec((event.target && event.target.name) || "");
    if (!match) {
      return;
    }
    state.dirty = true;
    state.touched[match[1] + ":" + match[2]] = true;
    clearTimeout(state.timer);
    state.timer = setTimeout(runEvaluate, DEBOUNCE_MS);
  }

  /** Submitting asks once, in the page: the Submit button shows the confirmation. */
  function bindSubmitConfirmation() {
    var submit = document.getElementById("fill-submit");
    var box = document.getElementById("submit-confirm");
    if (!submit || !box) {
      return;
    }
    submit.addEventListener("click", function (event) {
      event.preventDefault();
      box.hidden = false;
      document.getElementById("fill-submit-confirm").focus();
    });
    document.getElementById("fill-submit-cancel").addEventListener("click", function () {
      box.hidden = true;
      submit.focus();
    });
  }

  // ------------------------------------------------------------------ repeat groups
  var NUMBERED = ["name", "id", "for", "data-ref"];

  /** Give every row of a group its position: input names, ids and refs, the row number. */
  function renumber(box) {
    var ref = box.getAttribute("data-ref");
    var pattern = new RegExp("^(" + ref.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "\\.)(?:\\d+|__i__)\\.");
    box.querySelectorAll(".repeat-rows > .repeat-row").forEach(function (row, index) {
      [row].concat(Array.prototype.slice.call(row.querySelectorAll("*"))).forEach(function (node) {
        NUMBERED.forEach(function (name) {
          var value = node.getAttribute(name);
          if (value && pattern.test(value)) {
            node.setAttribute(name, value.replace(pattern, "$1" + index + "."));
          }
        });
      });
      row.querySelector(".repeat-index").textContent = String(index + 1);
    });
    updateRowButtons(box);
  }

  /** At least `data-min` rows stay, at most `data-max` can be added. */
  function updateRowButtons(box) {
    var count = box.querySelectorAll(".repeat-rows > .repeat-row").length;
    var min = Number(box.getAttribute("data-min")) || 0;
    var max = box.getAttribute("data-max") ? Number(box.getAttribute("data-max")) : Infinity;
    box.querySelector(".repeat-add").disabled = count >= max;
    box.querySelectorAll(".repeat-rows .repeat-remove").forEach(function (button) {
      button.disabled = count <= min;
    });
  }

  function tableChanged(box) {
    renumber(box);
    state.dirty = true;
    state.touched[box.getAttribute("data-ref")] = true;
    clearTimeout(state.timer);
    state.timer = setTimeout(runEvaluate, DEBOUNCE_MS);
  }

  function addRow(box) {
    var template = box.querySelector("template.repeat-template");
    var rows = box.querySelector(".repeat-rows");
    rows.appendChild(document.importNode(template.content, true));
    tableChanged(box);
    var added = rows.lastElementChild;
    var first = added && added.querySelector("input:not([type=hidden]):not([readonly]), select, textarea");
    if (first) {
      first.focus();
    }
  }

  function removeRow(box, row) {
    var next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    tableChanged(box);
    var focus = next ? next.querySelector(".repeat-remove") : box.querySelector(".repeat-add");
    if (focus && !focus.disabled) {
      focus.focus();
    } else {
      box.querySelector(".repeat-add").focus();
    }
  }

  function bindTables() {
    FORM.querySelectorAll(".fill-repeat").forEach(function (box) {
      box.addEventListener("click", function (event) {
        var button = event.target.closest("button");
        if (!button || button.disabled) {
          return;
        }
        if (button.classList.contains("repeat-add")) {
          addRow(box);
        } else if (button.classList.contains("repeat-remove")) {
          removeRow(box, button.closest(".repeat-row"));
        }
      });
      updateRowButtons(box);
    });
  }

  bindTables();
  bindSubmitConfirmation();
  FORM.addEventListener("input", onInput);
  FORM.addEventListener("change", onInput);
  FORM.addEventListener("submit", function () {
    state.dirty = false;
  });
  window.addEventListener("beforeunload", function (event) {
    if (state.dirty) {
      event.preventDefault();
      event.returnValue = t("leave_unsaved", "");
      return event.returnValue;
    }
    return undefined;
  });
})();
