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
  var NAME = /^(\d+):([a-z](?:_?[a-z0-9])*_?)$/; // field keys never hold "__"
  var DEBOUNCE_MS = 400;
  var state = { seq: 0, timer: null, dirty: false, touched: {} };

  function t(key, fallback) {
    return typeof UI[key] === "string" && UI[key] ? UI[key] : fallback;
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  /** {formId: {key: value}} from the inputs of the form (files and calculated fields left out). */
  function collectAnswers() {
    var answers = {};
    Array.prototype.forEach.call(FORM.elements, function (node) {
      var match = NAME.exec(node.name || "");
      if (!match || node.type === "file" || node.hasAttribute("data-calculate")) {
        return;
      }
      var formId = match[1];
      var key = match[2];
      var group = answers[formId] || (answers[formId] = {});
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
