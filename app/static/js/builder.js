/*
 * Kinerja Mamuju — browser editor for indicator form definitions.
 *
 * Plain ES2017, no build step, no external library. The page template embeds
 * the draft, the URLs and the translated texts in <script id="builder-data">.
 * The definition is edited in memory; every change is checked and previewed by
 * the server (debounced). User-typed text is only ever written with
 * textContent / value / attributes — the single innerHTML assignment is the
 * server-rendered (server-escaped) preview.
 */
(function () {
  "use strict";

  var DATA_ELEMENT = document.getElementById("builder-data");
  var APP = document.getElementById("builder-app");
  if (!DATA_ELEMENT || !APP) {
    return;
  }

  var DATA = JSON.parse(DATA_ELEMENT.textContent || "{}");
  var URLS = DATA.urls || {};
  var UI = DATA.ui_text || {};
  var DEBOUNCE_MS = 400;

  /** Translated UI text from the server, or the English fallback. */
  function t(key, fallback) {
    var value = UI[key];
    return typeof value === "string" && value !== "" ? value : fallback;
  }

  /** `t()` with %(name)s placeholders filled in. */
  function tf(key, fallback, params) {
    return t(key, fallback).replace(/%\((\w+)\)s/g, function (match, name) {
      return Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : match;
    });
  }

  // ------------------------------------------------------------------ field types
  // Mirrors forms/definition.py ALLOWED_PROPERTIES: which properties each type accepts.
  var COMMON = ["key", "type", "label", "help", "relevant"];
  var VALUE = COMMON.concat(["required", "constraint", "constraint_message", "default", "calculate"]);
  var NUMERIC = VALUE.concat(["min", "max", "indicator"]);
  var TEXT = VALUE.concat(["min", "max", "pattern"]);
  var ALLOWED = {
    integer: NUMERIC,
    decimal: NUMERIC,
    percent: NUMERIC,
    text: TEXT,
    textarea: TEXT,
    date: VALUE,
    select: VALUE.concat(["choices"]),
    multiselect: VALUE.filter(function (p) { return p !== "calculate"; }).concat(["choices", "min", "max"]),
    boolean: VALUE,
    evidence: VALUE.filter(function (p) { return p !== "default" && p !== "calculate"; }),
    repeat: COMMON.concat(["required", "min", "max", "fields"]),
    section: COMMON
  };
  var NUMERIC_TYPES = ["integer", "decimal", "percent"];
  // Types a column of a repeat group (table) cannot have.
  var NOT_IN_TABLE = ["repeat", "section", "evidence"];

  function allowed(type, prop) {
    var list = ALLOWED[type];
    return list ? list.indexOf(prop) !== -1 : true;
  }

  // ------------------------------------------------------------------ state
  var state = {
    definition: normaliseDefinition(DATA.definition),
    revision: DATA.revision || 0,
    selected: null, // index of the selected field, null = form properties
    group: null, // index of the repeat group whose columns are edited, null = the form's fields
    rawErrors: [], // definition errors as the server gave them (paths from the form)
    dirty: false,
    changeCounter: 0, // increases on every edit; lets a save know whether edits happened meanwhile
    saving: false,
    errors: [], // definition errors from the last check
    checkPending: false,
    lang: "id",
    touched: {}, // preview keys the user has typed into
    showAllAnswerErrors: false,
    seq: { check: 0, preview: 0, evaluate: 0 },
    timers: { change: null, evaluate: null },
    lastAnswers: {},
    previewShown: false
  };

  function normaliseDefinition(raw) {
    var definition = raw && typeof raw === "object" && !Array.isArray(raw) ? raw : {};
    if (!Array.isArray(definition.fields)) {
      definition.fields = [];
    }
    if (!definition.title || typeof definition.title !== "object") {
      definition.title = { id: "" };
    }
    return definition;
  }

  /** The fields being edited: the form's, or the columns of the open repeat group. */
  function fields() {
    var group = state.group === null ? null : state.definition.fields[state.group];
    if (group && group.type === "repeat") {
      if (!Array.isArray(group.fields)) {
        group.fields = [];
      }
      return group.fields;
    }
    state.group = null;
    return state.definition.fields;
  }

  function selectedField() {
    var index = state.selected;
    return index === null || index >= fields().length ? null : fields()[index];
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function localText(value, lang) {
    return isObject(value) && typeof value[lang] === "string" ? value[lang] : "";
  }

  function fieldLabel(field) {
    return localText(field.label, "id") || localText(field.label, "en");
  }

  // ------------------------------------------------------------------ DOM helpers
  function $id(id) {
    return document.getElementById(id);
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) {
        return;
      }
      if (name === "text") {
        node.textContent = value;
      } else if (name === "className") {
        node.className = value;
      } else if (name.slice(0, 2) === "on" && typeof value === "function") {
        node.addEventListener(name.slice(2), value);
      } else {
        node.setAttribute(name, value === true ? "" : String(value));
      }
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  function optionLabels(selectId) {
    var labels = {};
    var select = $id(selectId);
    if (select) {
      Array.prototype.forEach.call(select.options, function (option) {
        labels[option.value] = option.textContent;
      });
    }
    return labels;
  }

  var TYPE_LABELS = optionLabels("builder-add-type");

  function debounce(name, fn, delay) {
    clearTimeout(state.timers[name]);
    state.timers[name] = setTimeout(fn, delay);
  }

  // ------------------------------------------------------------------ server calls
  var CSRF = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  /** POST JSON; resolves to {status, ok, data} and never rejects. */
  function postJSON(url, body) {
    if (!url) {
      return Promise.resolve({ status: 0, ok: false, data: { message: t("error_no_url", "This action is not available.") } });
    }
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
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("json") === -1 && (response.redirected || response.status === 401)) {
        return {
          status: response.status || 401,
          ok: false,
          data: { message: t("session_expired", "Your session has ended. Log in again in another tab, then save again; your changes are kept in this page.") }
        };
      }
      if (type.indexOf("json") === -1) {
        return {
          status: response.status,
          ok: false,
          data: { message: tf("error_http", "The server answered with status %(status)s. Your changes are kept in this page.", { status: response.status }) }
        };
      }
      return response.json().then(function (data) {
        return { status: response.status, ok: response.ok, data: data || {} };
      }, function () {
        return { status: response.status, ok: false, data: { message: t("error_bad_response", "The server sent an unreadable answer.") } };
      });
    }, function () {
      return { status: 0, ok: false, data: { message: t("network_error", "The server cannot be reached. Your changes are kept in this page.") } };
    });
  }

  function messageOf(data, fallback) {
    if (data && typeof data.message === "string" && data.message) {
      return data.message;
    }
    if (data && Array.isArray(data.message)) {
      return data.message.join(" ");
    }
    if (data && isObject(data.message)) {
      return Object.keys(data.message).map(function (k) { return String(data.message[k]); }).join(" ");
    }
    return fallback;
  }

  // ------------------------------------------------------------------ change tracking
  function setStatus(kind, text) {
    var status = $id("builder-status");
    status.setAttribute("data-state", kind);
    status.className = "builder-status builder-status-" + kind;
    status.textContent = text;
  }

  function statusText(kind) {
    switch (kind) {
      case "saved": return t("saved", "Saved");
      case "dirty": return t("unsaved", "Not saved yet");
      case "saving": return t("saving", "Saving…");
      default: return "";
    }
  }

  /** Called after every edit of the definition. */
  function changed(options) {
    state.dirty = true;
    state.changeCounter += 1;
    if (!state.saving && $id("builder-status").getAttribute("data-state") !== "conflict") {
      setStatus("dirty", statusText("dirty"));
    }
    state.checkPending = true;
    updatePublishButton();
    renderJSON();
    if (!options || options.list !== false) {
      renderFieldList();
    }
    debounce("change", refresh, DEBOUNCE_MS);
  }

  /** Check and preview the current definition. */
  function refresh() {
    runCheck();
    runPreview();
  }

  function snapshot() {
    return JSON.parse(JSON.stringify(state.definition));
  }

  function runCheck() {
    var seq = ++state.seq.check;
    var counter = state.changeCounter;
    state.checkPending = true;
    updatePublishButton();
    return postJSON(URLS.check, { definition: snapshot() }).then(function (result) {
      if (seq !== state.seq.check) {
        return;
      }
      if (result.ok && Array.isArray(result.data.errors)) {
        setErrors(result.data.errors);
        state.checkPending = counter !== state.changeCounter;
      } else {
        setErrors([{ field: null, path: null, message: messageOf(result.data, t("error_check", "The form could not be checked.")) }]);
        state.checkPending = false;
      }
      updatePublishButton();
    });
  }

  // ------------------------------------------------------------------ errors
  var FIELD_PATH = /^fields\[(\d+)\](?:\.(.*))?$/;

  /** Where an error belongs: {index: field index or null, prop: property path or ""};
      inside an open repeat group, the index of its column ("fields[2].fields[0].min"). */
  function locate(error, definition) {
    var path = typeof error.path === "string" ? error.path : "";
    var match = FIELD_PATH.exec(path);
    if (match && state.group !== null) {
      var column = Number(match[1]) === state.group ? FIELD_PATH.exec(match[2] || "") : null;
      return column ? { index: Number(column[1]), prop: column[2] || "" } : { index: null, prop: path };
    }
    if (match) {
      return { index: Number(match[1]), prop: match[2] || "" };
    }
    if (error.field) {
      var list = definition.fields || [];
      for (var i = 0; i < list.length; i++) {
        if (list[i] && list[i].key === error.field) {
          return { index: i, prop: "" };
        }
      }
    }
    return { index: null, prop: path === "definition" ? "" : path };
  }

  function setErrors(errors) {
    state.rawErrors = errors;
    state.errors = errors.map(function (error) {
      var where = locate(error, state.definition);
      return {
        message: String(error.message || error.code || "?"),
        code: error.code || "",
        field: error.field || null,
        path: error.path || null,
        index: where.index,
        prop: where.prop
      };
    });
    renderErrors();
    renderFieldList();
    renderPropertyErrors();
  }

  function errorsForField(index) {
    return state.errors.filter(function (error) { return error.index === index; });
  }

  function renderErrors() {
    var list = $id("builder-errors");
    clear(list);
    var formErrors = state.errors.filter(function (e) { return e.index === null; });
    var fieldErrors = state.errors.filter(function (e) { return e.index !== null; });
    formErrors.concat(fieldErrors).forEach(function (error) {
      var item = el("li", { className: "builder-error text-danger", "data-field": error.field, "data-path": error.path });
      item.appendChild(el("i", { className: "fa fa-exclamation-circle", "aria-hidden": "true" }));
      item.appendChild(document.createTextNode(" "));
      if (error.index !== null) {
        var field = fields()[error.index];
        var key = field && field.key ? field.key : "#" + (error.index + 1);
        item.appendChild(el("a", {
          href: "#",
          className: "builder-error-link",
          text: key,
          onclick: function (event) {
            event.preventDefault();
            select(error.index);
          }
        }));
        item.appendChild(document.createTextNode(": "));
      }
      item.appendChild(document.createTextNode(error.message));
      list.appendChild(item);
    });
    var count = $id("builder-error-count");
    count.textContent = String(state.errors.length);
    count.className = "badge" + (state.errors.length ? " builder-badge-error" : " builder-badge-ok");
    renderFormPanelErrors(formErrors);
  }

  function renderFormPanelErrors(formErrors) {
    var panel = $id("builder-form-panel");
    panel.querySelectorAll(".has-error").forEach(function (node) { node.classList.remove("has-error"); });
    panel.querySelectorAll(".builder-prop-error").forEach(function (node) { node.remove(); });
    var general = panel.querySelector('[data-errors-for="_form"]');
    clear(general);
    formErrors.forEach(function (error) {
      var group = groupForPath(panel, error.prop);
      if (group) {
        group.classList.add("has-error");
        group.appendChild(el("p", { className: "help-block builder-prop-error", text: error.message }));
      } else {
        general.appendChild(el("li", { className: "text-danger builder-prop-error", text: error.message }));
      }
    });
  }

  /** The form-group in `panel` showing the property `prop` ("min", "label.en", "indicator.target", "choices[1].value"). */
  function groupForPath(panel, prop) {
    if (!prop) {
      return null;
    }
    var candidate = prop;
    while (candidate) {
      var group = panel.querySelector('[data-path="' + candidate.replace(/"/g, "") + '"]');
      if (group && !group.closest("[hidden]")) {
        return group;
      }
      // "label.id" -> "label", "choices[1].value" -> "choices[1]" -> "choices"
      var cut = Math.max(candidate.lastIndexOf("."), candidate.lastIndexOf("["));
      candidate = cut > 0 ? candidate.slice(0, cut) : "";
    }
    return null;
  }

  function renderPropertyErrors() {
    var panel = $id("builder-field-panel");
    panel.querySelectorAll(".has-error").forEach(function (node) { node.classList.remove("has-error"); });
    panel.querySelectorAll(".builder-prop-error").forEach(function (node) { node.remove(); });
    var general = $id("prop-errors");
    clear(general);
    if (state.selected === null) {
      return;
    }
    errorsForField(state.selected).forEach(function (error) {
      var choiceMatch = /^choices\[(\d+)\]/.exec(error.prop);
      var row = choiceMatch ? $id("prop-choices").children[Number(choiceMatch[1])] : null;
      if (row) {
        row.classList.add("has-error");
      }
      var group = groupForPath(panel, error.prop);
      if (group) {
        group.classList.add("has-error");
        group.appendChild(el("p", { className: "help-block builder-prop-error", text: error.message }));
      } else {
        general.appendChild(el("li", { className: "text-danger builder-prop-error", text: error.message }));
      }
    });
  }

  // ------------------------------------------------------------------ field list
  function renderFieldList() {
    var list = $id("builder-field-list");
    clear(list);
    renderGroupBar();
    fields().forEach(function (field, index) {
      var errors = errorsForField(index);
      var type = field && typeof field.type === "string" ? field.type : "";
      var key = field && typeof field.key === "string" ? field.key : "";
      var row = el("li", {
        className: "builder-field-row" +
          (index === state.selected ? " active" : "") +
          (errors.length ? " has-errors" : "") +
          (type === "section" ? " builder-row-section" : ""),
        "data-key": key,
        "data-index": index,
        tabindex: "0",
        "aria-current": index === state.selected ? "true" : "false"
      });
      row.addEventListener("click", function () { select(index); });
      row.addEventListener("keydown", function (event) {
        if ((event.key === "Enter" || event.key === " ") && event.target === row) {
          event.preventDefault();
          select(index);
        }
      });

      var main = el("div", { className: "builder-row-main" }, [
        el("span", { className: "label label-default builder-row-type", text: TYPE_LABELS[type] || type || "?" }),
        " ",
        el("code", { className: "builder-row-key", text: key || "?" }),
        field && field.indicator ? el("span", { className: "label label-info builder-row-indicator", title: t("indicator", "Performance indicator"), text: "IKI" }) : null,
        field && field.required ? el("span", { className: "builder-row-required", title: t("required", "Required"), text: "*" }) : null,
        field && field.calculate ? el("i", { className: "fa fa-calculator builder-row-flag", title: t("calculated", "Calculated"), "aria-hidden": "true" }) : null,
        field && field.relevant ? el("i", { className: "fa fa-eye-slash builder-row-flag", title: t("conditional", "Shown only when a condition holds"), "aria-hidden": "true" }) : null,
        field && type === "repeat" ? el("span", { className: "badge builder-row-columns", title: t("columns", "Columns"), text: String((field.fields || []).length) }) : null
      ]);
      var label = el("div", { className: "builder-row-label", text: fieldLabel(field || {}) || t("no_label", "(no label)") });

      var tools = el("div", { className: "builder-row-tools btn-group btn-group-xs" }, [
        rowButton("up", "fa-arrow-up", t("move_up", "Move up"), index === 0, function () { move(index, -1); }),
        rowButton("down", "fa-arrow-down", t("move_down", "Move down"), index === fields().length - 1, function () { move(index, 1); }),
        rowButton("remove", "fa-trash", t("remove", "Remove"), false, function () { removeField(index); })
      ]);

      row.appendChild(tools);
      row.appendChild(main);
      row.appendChild(label);
      if (errors.length) {
        var errorList = el("ul", { className: "builder-row-errors list-unstyled" });
        errors.forEach(function (error) {
          errorList.appendChild(el("li", { className: "text-danger", text: error.message }));
        });
        row.appendChild(errorList);
      }
      list.appendChild(row);
    });
    if (!fields().length) {
      list.appendChild(el("li", { className: "builder-empty text-muted", text: t("no_fields", "No fields yet. Add one below.") }));
    }
  }

  function rowButton(action, icon, title, disabled, handler) {
    var button = el("button", {
      type: "button",
      className: "btn btn-default builder-row-" + action,
      title: title,
      "aria-label": title,
      disabled: disabled
    }, [el("i", { className: "fa " + icon, "aria-hidden": "true" })]);
    button.addEventListener("click", function (event) {
      event.stopPropagation();
      handler();
    });
    return button;
  }

  function move(index, delta) {
    var list = fields();
    var target = index + delta;
    if (target < 0 || target >= list.length) {
      return;
    }
    var item = list.splice(index, 1)[0];
    list.splice(target, 0, item);
    if (state.selected === index) {
      state.selected = target;
    } else if (state.selected === target) {
      state.selected = index;
    }
    // Errors refer to old positions until the next check: drop their positions now.
    remapErrorsAfterMove(index, target);
    changed();
    renderPropertyErrors();
    var row = $id("builder-field-list").children[target];
    var button = row && row.querySelector(delta < 0 ? ".builder-row-up" : ".builder-row-down");
    if (button && !button.disabled) {
      button.focus();
    } else if (row) {
      row.focus();
    }
  }

  /** Move a field from one position to another (drag and drop). */
  function moveTo(from, to) {
    var list = fields();
    if (from === to || to < 0 || to >= list.length || from < 0 || from >= list.length) {
      return;
    }
    list.splice(to, 0, list.splice(from, 1)[0]);
    var shift = function (i) {
      if (i === from) {
        return to;
      }
      if (from < to && i > from && i <= to) {
        return i - 1;
      }
      return from > to && i >= to && i < from ? i + 1 : i;
    };
    if (state.selected !== null) {
      state.selected = shift(state.selected);
    }
    state.errors.forEach(function (error) {
      if (error.index !== null) {
        error.index = shift(error.index);
      }
    });
    changed();
    renderPropertyErrors();
  }

  /** Drag and drop on the field list (SortableJS); the arrow buttons stay for keyboards. */
  function enableDragAndDrop() {
    if (typeof window.Sortable === "undefined") {
      return;
    }
    window.Sortable.create($id("builder-field-list"), {
      animation: 150,
      filter: ".builder-row-tools",
      preventOnFilter: false,
      onEnd: function (event) {
        if (event.oldIndex !== event.newIndex) {
          moveTo(event.oldIndex, event.newIndex);
        }
      }
    });
  }

  function remapErrorsAfterMove(from, to) {
    state.errors.forEach(function (error) {
      if (error.index === from) {
        error.index = to;
      } else if (error.index === to) {
        error.index = from;
      }
    });
  }

  function removeField(index) {
    var field = fields()[index];
    var name = (field && (fieldLabel(field) || field.key)) || "#" + (index + 1);
    window.portalConfirm(tf("confirm_remove", "Remove the field “%(name)s”?", { name: name })).then(function (yes) {
      if (yes) { dropField(index); }
    });
  }

  function dropField(index) {
    fields().splice(index, 1);
    state.errors = state.errors.filter(function (error) { return error.index !== index; });
    state.errors.forEach(function (error) {
      if (error.index !== null && error.index > index) {
        error.index -= 1;
      }
    });
    if (state.selected === index) {
      state.selected = null;
    } else if (state.selected !== null && state.selected > index) {
      state.selected -= 1;
    }
    renderErrors();
    changed();
    showPanel();
  }

  function uniqueKey() {
    var keys = {};
    fields().forEach(function (field) {
      if (field && field.key) {
        keys[field.key] = true;
      }
    });
    var n = fields().length + 1;
    while (keys["field_" + n]) {
      n += 1;
    }
    return "field_" + n;
  }

  /** What a field of `type` needs to be valid from the start: choices, a first column. */
  function addStarterParts(field) {
    var type = field.type;
    if ((type === "select" || type === "multiselect") && !Array.isArray(field.choices)) {
      field.choices = [
        { value: "1", label: { id: tf("new_choice_label", "Pilihan %(n)s", { n: 1 }) } },
        { value: "2", label: { id: tf("new_choice_label", "Pilihan %(n)s", { n: 2 }) } }
      ];
    }
    if (type === "repeat" && !Array.isArray(field.fields)) {
      field.fields = [{ key: "kolom_1", type: "text", label: { id: tf("new_column_label", "Kolom %(n)s", { n: 1 }) } }];
    }
  }

  function addField() {
    var type = $id("builder-add-type").value;
    if (state.group !== null && NOT_IN_TABLE.indexOf(type) !== -1) {
      type = "text";
    }
    var field = { key: uniqueKey(), type: type, label: { id: t("new_field_label", "Isian baru") } };
    addStarterParts(field);
    var at = state.selected === null ? fields().length : state.selected + 1;
    fields().splice(at, 0, field);
    state.errors.forEach(function (error) {
      if (error.index !== null && error.index >= at) {
        error.index += 1;
      }
    });
    state.selected = at;
    changed();
    showPanel();
    var key = $id("prop-key");
    key.focus();
    key.select();
  }

  function select(index) {
    state.selected = index;
    renderFieldList();
    showPanel();
  }

  // ------------------------------------------------------------------ repeat groups
  /** Edit the columns of the repeat group at `index` (null: back to the form's fields),
      with the same list and property panel as the form's fields. */
  function openGroup(index) {
    var back = state.group;
    state.group = index;
    state.selected = index === null ? back : (fields().length ? 0 : null);
    setErrors(state.rawErrors);
    showPanel();
    var focus = index === null ? $id("builder-field-list").children[back] : $id("builder-group-back");
    if (focus) {
      focus.focus();
    }
  }

  function renderGroupBar() {
    var bar = $id("builder-group-bar");
    var group = state.group === null ? null : state.definition.fields[state.group];
    bar.hidden = !group;
    $id("builder-group-name").textContent = group ? fieldLabel(group) || group.key || "" : "";
    Array.prototype.forEach.call($id("builder-add-type").options, function (option) {
      option.disabled = Boolean(group) && NOT_IN_TABLE.indexOf(option.value) !== -1;
    });
    if (group && NOT_IN_TABLE.indexOf($id("builder-add-type").value) !== -1) {
      $id("builder-add-type").value = "text";
    }
  }

  // ------------------------------------------------------------------ properties panel
  function showPanel() {
    var field = selectedField();
    document.querySelectorAll(".condition-builder").forEach(function (box) { box.open = false; });
    $id("builder-form-panel").hidden = field !== null;
    $id("builder-field-panel").hidden = field === null;
    $id("builder-form-props").classList.toggle("active", field === null);
    if (field === null) {
      state.selected = null;
      fillFormPanel();
    } else {
      fillFieldPanel(field);
    }
    renderPropertyErrors();
  }

  function fillFormPanel() {
    var d = state.definition;
    $id("form-title-id").value = localText(d.title, "id");
    $id("form-title-en").value = localText(d.title, "en");
    $id("form-description-id").value = localText(d.description, "id");
    $id("form-description-en").value = localText(d.description, "en");
  }

  function numberText(value) {
    return typeof value === "number" && isFinite(value) ? String(value) : "";
  }

  function fillFieldPanel(field) {
    var type = field.type;
    $id("prop-heading-key").textContent = field.key || "";
    $id("prop-key").value = field.key || "";
    var typeSelect = $id("prop-type");
    typeSelect.value = type;
    if (typeSelect.value !== type) {
      // An unknown type from an imported definition: show it as it is.
      typeSelect.appendChild(el("option", { value: type, text: String(type) }));
      typeSelect.value = type;
    }
    $id("prop-label-id").value = localText(field.label, "id");
    $id("prop-label-en").value = localText(field.label, "en");
    $id("prop-help-id").value = localText(field.help, "id");
    $id("prop-help-en").value = localText(field.help, "en");
    $id("prop-required").checked = field.required === true;
    $id("prop-min").value = numberText(field.min);
    $id("prop-max").value = numberText(field.max);
    $id("prop-pattern").value = field.pattern || "";
    $id("prop-relevant").value = field.relevant || "";
    $id("prop-calculate").value = field.calculate || "";
    $id("prop-constraint").value = field.constraint || "";
    $id("prop-constraint-message-id").value = localText(field.constraint_message, "id");
    $id("prop-constraint-message-en").value = localText(field.constraint_message, "en");
    $id("prop-default").value = defaultText(field);
    fillIndicator(field);
    renderChoices(field);
    applyVisibility(field);
  }

  function defaultText(field) {
    var value = field.default;
    if (value === undefined || value === null) {
      return "";
    }
    if (Array.isArray(value)) {
      return value.join(", ");
    }
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }

  function fillIndicator(field) {
    var indicator = isObject(field.indicator) ? field.indicator : null;
    $id("prop-indicator").checked = indicator !== null;
    $id("prop-indicator-details").hidden = indicator === null;
    var ind = indicator || {};
    setSelect("prop-ind-group", ind.group, "utama");
    setSelect("prop-ind-aspect", ind.aspect, "kuantitas");
    setSelect("prop-ind-polarity", ind.polarity, "higher");
    $id("prop-ind-target").value = numberText(ind.target);
    $id("prop-ind-unit").value = typeof ind.unit === "string" ? ind.unit : "";
    $id("prop-ind-weight").value = numberText(ind.weight);
    $id("prop-ind-parent").value = typeof ind.parent === "string" ? ind.parent : "";
    $id("prop-ind-rhk-id").value = localText(ind.rhk, "id");
    $id("prop-ind-rhk-en").value = localText(ind.rhk, "en");
    var options = $id("prop-ind-parent-options");
    clear(options);
    fields().forEach(function (other) {
      if (other !== field && other && other.indicator && other.key) {
        options.appendChild(el("option", { value: other.key, text: fieldLabel(other) }));
      }
    });
  }

  function setSelect(id, value, fallback) {
    var node = $id(id);
    node.value = value || fallback;
    if (value && node.value !== value) {
      node.appendChild(el("option", { value: value, text: String(value) }));
      node.value = value;
    }
  }

  function applyVisibility(field) {
    var panel = $id("builder-field-panel");
    var inTable = state.group !== null;
    panel.querySelectorAll("[data-prop]").forEach(function (node) {
      var prop = node.getAttribute("data-prop");
      node.hidden = !allowed(field.type, prop) || (inTable && prop === "indicator");
    });
    Array.prototype.forEach.call($id("prop-type").options, function (option) {
      option.disabled = inTable ? NOT_IN_TABLE.indexOf(option.value) !== -1 : false;
    });
    $id("prop-columns-count").textContent = String((field.fields || []).length);
    var rows = field.type === "repeat";
    panel.querySelectorAll(".prop-bound-rows").forEach(function (n) { n.hidden = !rows; });
    var counting = field.type === "text" || field.type === "textarea" || field.type === "multiselect" || rows;
    panel.querySelectorAll(".prop-bound-number").forEach(function (n) { n.hidden = counting; });
    panel.querySelectorAll(".prop-bound-count").forEach(function (n) { n.hidden = !counting || rows; });
    ["prop-min", "prop-max"].forEach(function (id) {
      $id(id).step = counting || field.type === "integer" ? "1" : "any";
      $id(id).min = counting ? "0" : "";
    });
    var hasCalculation = typeof field.calculate === "string" && field.calculate.trim() !== "";
    $id("prop-default").disabled = hasCalculation;
    $id("prop-required").disabled = false;
    var hint = panel.querySelector(".prop-default-hint");
    hint.textContent = hasCalculation
      ? t("default_calculated", "A calculated field has no default value.")
      : defaultHint(field.type);
  }

  function defaultHint(type) {
    switch (type) {
      case "boolean": return t("default_boolean", "true or false");
      case "date": return t("default_date", "A date as YYYY-MM-DD");
      case "multiselect": return t("default_multiselect", "Choice values separated by commas");
      case "select": return t("default_select", "One of the choice values");
      default: return "";
    }
  }

  // --- writing properties back into the definition
  function setLocal(owner, prop, lang, value, keepEmpty) {
    var current = isObject(owner[prop]) ? owner[prop] : {};
    if (value.trim() === "") {
      delete current[lang];
    } else {
      current[lang] = value;
    }
    if (Object.keys(current).length === 0 && !keepEmpty) {
      delete owner[prop];
    } else {
      owner[prop] = current;
    }
  }

  function setOptional(owner, prop, value) {
    if (value === null || value === undefined || (typeof value === "string" && value.trim() === "")) {
      delete owner[prop];
    } else {
      owner[prop] = value;
    }
  }

  /** A number input's value as a number, or null when empty; raw text when unreadable. */
  function readNumber(input) {
    var raw = input.value.trim();
    if (raw === "") {
      return input.validity && input.validity.badInput ? NaN : null;
    }
    var number = Number(raw);
    return isFinite(number) ? number : NaN;
  }

  function setNumber(owner, prop, input) {
    var number = readNumber(input);
    if (number === null) {
      delete owner[prop];
    } else if (!isNaN(number)) {
      owner[prop] = number;
    }
    // NaN: the browser holds unfinished input ("1e", "-"); keep the last good value.
  }

  function parseDefault(field, raw) {
    var text = raw.trim();
    if (text === "") {
      return null;
    }
    if (NUMERIC_TYPES.indexOf(field.type) !== -1) {
      var number = Number(text.replace(",", "."));
      return isFinite(number) && /^[+-]?\d+([.,]\d+)?$/.test(text) ? number : raw;
    }
    if (field.type === "boolean") {
      var lower = text.toLowerCase();
      if (["true", "ya", "yes", "1"].indexOf(lower) !== -1) { return true; }
      if (["false", "tidak", "no", "0"].indexOf(lower) !== -1) { return false; }
      return raw;
    }
    if (field.type === "multiselect") {
      return text.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
    }
    return raw;
  }

  function withField(fn, options) {
    return function (event) {
      var field = selectedField();
      if (!field) {
        return;
      }
      fn(field, event.target);
      changed(options);
    };
  }

  function bind(id, eventName, handler) {
    $id(id).addEventListener(eventName, handler);
  }

  function bindFormPanel() {
    var d = function () { return state.definition; };
    bind("form-title-id", "input", function (e) {
      setLocal(d(), "title", "id", e.target.value, true);
      $id("builder-form-title").textContent = e.target.value;
      changed({ list: false });
    });
    bind("form-title-en", "input", function (e) { setLocal(d(), "title", "en", e.target.value, true); changed({ list: false }); });
    bind("form-description-id", "input", function (e) { setLocal(d(), "description", "id", e.target.value); changed({ list: false }); });
    bind("form-description-en", "input", function (e) { setLocal(d(), "description", "en", e.target.value); changed({ list: false }); });
    bind("builder-form-props", "click", function () { select(null); });
  }

  function bindFieldPanel() {
    bind("prop-key", "focus", function (event) { state.keyBefore = event.target.value.trim(); });
    bind("prop-key", "input", withField(function (field, input) {
      field.key = input.value.trim();
      $id("prop-heading-key").textContent = field.key;
    }));
    bind("prop-key", "change", function (event) { offerRename(state.keyBefore, event.target.value.trim()); });
    bind("builder-rename-skip", "click", function () { $id("builder-rename").hidden = true; });
    bind("prop-type", "change", withField(function (field, input) {
      changeType(field, input.value);
    }));
    bind("prop-label-id", "input", withField(function (f, i) { setLocal(f, "label", "id", i.value, true); }));
    bind("prop-label-en", "input", withField(function (f, i) { setLocal(f, "label", "en", i.value, true); }));
    bind("prop-help-id", "input", withField(function (f, i) { setLocal(f, "help", "id", i.value); }, { list: false }));
    bind("prop-help-en", "input", withField(function (f, i) { setLocal(f, "help", "en", i.value); }, { list: false }));
    bind("prop-required", "change", withField(function (f, i) { setOptional(f, "required", i.checked ? true : null); }));
    bind("prop-min", "input", withField(function (f, i) { setNumber(f, "min", i); }, { list: false }));
    bind("prop-max", "input", withField(function (f, i) { setNumber(f, "max", i); }, { list: false }));
    bind("prop-pattern", "input", withField(function (f, i) { setOptional(f, "pattern", i.value); }, { list: false }));
    bind("prop-relevant", "input", withField(function (f, i) { setOptional(f, "relevant", i.value); }));
    bind("prop-calculate", "input", withField(function (f, i) {
      setOptional(f, "calculate", i.value);
      applyVisibility(f);
    }));
    bind("prop-constraint", "input", withField(function (f, i) { setOptional(f, "constraint", i.value); }, { list: false }));
    bind("prop-constraint-message-id", "input", withField(function (f, i) { setLocal(f, "constraint_message", "id", i.value); }, { list: false }));
    bind("prop-constraint-message-en", "input", withField(function (f, i) { setLocal(f, "constraint_message", "en", i.value); }, { list: false }));
    bind("prop-default", "input", withField(function (f, i) { setOptional(f, "default", parseDefault(f, i.value)); }, { list: false }));

    bind("prop-indicator", "change", withField(function (field, input) {
      if (input.checked) {
        field.indicator = state.savedIndicators && state.savedIndicators[field.key] || newIndicator(field);
      } else {
        state.savedIndicators = state.savedIndicators || {};
        if (field.indicator) {
          state.savedIndicators[field.key] = field.indicator;
        }
        delete field.indicator;
      }
      fillIndicator(field);
    }));
    var indicator = function (fn) {
      return withField(function (field, input) {
        if (!isObject(field.indicator)) {
          field.indicator = newIndicator(field);
        }
        fn(field.indicator, input);
      }, { list: false });
    };
    bind("prop-ind-group", "change", indicator(function (ind, i) { ind.group = i.value; }));
    bind("prop-ind-aspect", "change", indicator(function (ind, i) { ind.aspect = i.value; }));
    bind("prop-ind-polarity", "change", indicator(function (ind, i) { ind.polarity = i.value; }));
    bind("prop-ind-target", "input", indicator(function (ind, i) { setNumber(ind, "target", i); }));
    bind("prop-ind-weight", "input", indicator(function (ind, i) { setNumber(ind, "weight", i); }));
    bind("prop-ind-unit", "input", indicator(function (ind, i) { setOptional(ind, "unit", i.value); }));
    bind("prop-ind-parent", "input", indicator(function (ind, i) { setOptional(ind, "parent", i.value.trim()); }));
    bind("prop-ind-rhk-id", "input", indicator(function (ind, i) { setLocal(ind, "rhk", "id", i.value); }));
    bind("prop-ind-rhk-en", "input", indicator(function (ind, i) { setLocal(ind, "rhk", "en", i.value); }));

    bind("prop-choice-add", "click", withField(function (field) {
      if (!Array.isArray(field.choices)) {
        field.choices = [];
      }
      var n = field.choices.length + 1;
      var values = field.choices.map(function (c) { return c && c.value; });
      while (values.indexOf(String(n)) !== -1) {
        n += 1;
      }
      field.choices.push({ value: String(n), label: { id: tf("new_choice_label", "Pilihan %(n)s", { n: n }) } });
      renderChoices(field);
      var rows = $id("prop-choices").children;
      var last = rows[rows.length - 1];
      if (last) {
        last.querySelector("input").focus();
      }
    }, { list: false }));
  }

  /** Weight left over by the other indicators (so a new one keeps the total at 100). */
  function newIndicator(field) {
    var used = fields().reduce(function (sum, other) {
      return other !== field && other && isObject(other.indicator) && typeof other.indicator.weight === "number"
        ? sum + other.indicator.weight : sum;
    }, 0);
    var weight = Math.max(0, Math.round((100 - used) * 100) / 100);
    var indicator = { group: "utama", aspect: "kuantitas", target: 100, polarity: "higher" };
    if (weight > 0) {
      indicator.weight = weight;
    }
    if (field.type === "percent") {
      indicator.unit = "%";
    }
    return indicator;
  }

  function changeType(field, type) {
    field.type = type;
    Object.keys(field).forEach(function (prop) {
      if (prop !== "key" && prop !== "type" && !allowed(type, prop)) {
        delete field[prop];
      }
    });
    addStarterParts(field);
    if (field.calculate && allowed(type, "default")) {
      delete field["default"];
    }
    fillFieldPanel(field);
  }

  function renderChoices(field) {
    var body = $id("prop-choices");
    clear(body);
    var choices = Array.isArray(field.choices) ? field.choices : [];
    choices.forEach(function (choice, index) {
      var item = isObject(choice) ? choice : {};
      var update = function (fn) {
        return function (event) {
          var current = selectedField();
          if (current !== field || !Array.isArray(field.choices)) {
            return;
          }
          if (!isObject(field.choices[index])) {
            field.choices[index] = {};
          }
          fn(field.choices[index], event.target);
          changed({ list: false });
        };
      };
      var value = el("input", {
        type: "text", className: "form-control input-sm input-monospace choice-value",
        "aria-label": t("choice_value", "Value"), spellcheck: "false"
      });
      value.value = typeof item.value === "string" ? item.value : "";
      value.addEventListener("input", update(function (c, i) { c.value = i.value.trim(); }));
      var labelId = el("input", { type: "text", className: "form-control input-sm choice-label-id", "aria-label": t("choice_label_id", "Label (Indonesian)") });
      labelId.value = localText(item.label, "id");
      labelId.addEventListener("input", update(function (c, i) { setLocal(c, "label", "id", i.value, true); }));
      var labelEn = el("input", { type: "text", className: "form-control input-sm choice-label-en", "aria-label": t("choice_label_en", "Label (English)") });
      labelEn.value = localText(item.label, "en");
      labelEn.addEventListener("input", update(function (c, i) { setLocal(c, "label", "en", i.value, true); }));
      var remove = el("button", {
        type: "button", className: "btn btn-default btn-xs choice-remove",
        title: t("remove_choice", "Remove choice"), "aria-label": t("remove_choice", "Remove choice")
      }, [el("i", { className: "fa fa-times", "aria-hidden": "true" })]);
      remove.addEventListener("click", function () {
        if (selectedField() !== field) {
          return;
        }
        field.choices.splice(index, 1);
        renderChoices(field);
        changed({ list: false });
      });
      body.appendChild(el("tr", { "data-path": "choices[" + index + "]", className: "choice-row" }, [
        el("td", {}, [value]), el("td", {}, [labelId]), el("td", {}, [labelEn]), el("td", {}, [remove])
      ]));
    });
  }

  // ------------------------------------------------------------------ condition builder
  var OPERATORS = [
    ["eq", "="], ["ne", "!="], ["lt", "<"], ["le", "<="], ["gt", ">"], ["ge", ">="],
    ["selected", null], ["empty", null], ["filled", null]
  ];
  var NUMERIC = ["integer", "decimal", "percent"];

  function quoted(value) {
    return value.indexOf("'") === -1 ? "'" + value + "'" : "\"" + value.replace(/"/g, "") + "\"";
  }

  function literal(field, value) {
    var text = String(value).trim();
    if (field && NUMERIC.indexOf(field.type) !== -1 && /^-?\d+([.,]\d+)?$/.test(text)) {
      return text.replace(",", ".");
    }
    if (field && field.type === "boolean" && (text === "true" || text === "false")) {
      return text;
    }
    return quoted(text);
  }

  function conditionText(row) {
    var key = row.querySelector(".cb-field").value;
    var op = row.querySelector(".cb-op").value;
    var value = row.querySelector(".cb-value").value;
    var field = fields().filter(function (f) { return f && f.key === key; })[0];
    if (!key) {
      return "";
    }
    if (op === "selected") {
      return "selected(" + key + ", " + quoted(String(value).trim()) + ")";
    }
    if (op === "empty" || op === "filled") {
      return "count(" + key + ")" + (op === "empty" ? " = 0" : " > 0");
    }
    var symbol = OPERATORS.filter(function (o) { return o[0] === op; })[0][1];
    return key + " " + symbol + " " + literal(field, value);
  }

  function conditionRow(target) {
    var own = selectedField();
    var choices = fields().filter(function (f) {
      return f && f.key && f.type !== "section" && (target === "prop-constraint" || f !== own);
    });
    var fieldSelect = el("select", { className: "form-control input-sm cb-field", "aria-label": t("cb_field", "Field") },
      choices.map(function (f) { return el("option", { value: f.key, text: f.key + " — " + fieldLabel(f) }); }));
    if (target === "prop-constraint" && own && own.key) {
      fieldSelect.value = own.key;
    }
    var opSelect = el("select", { className: "form-control input-sm cb-op", "aria-label": t("cb_operator", "Condition") },
      OPERATORS.map(function (o) { return el("option", { value: o[0], text: t("op_" + o[0], o[0]) }); }));
    var value = el("input", { type: "text", className: "form-control input-sm cb-value", "aria-label": t("cb_value", "Value") });
    var remove = el("button", { type: "button", className: "btn btn-default btn-sm cb-remove", title: t("remove", "Remove"), "aria-label": t("remove", "Remove") },
      [el("i", { className: "fa fa-times", "aria-hidden": "true" })]);
    var row = el("div", { className: "cb-row form-inline" }, [fieldSelect, " ", opSelect, " ", value, " ", remove]);
    remove.addEventListener("click", function () { row.remove(); });
    opSelect.addEventListener("change", function () {
      value.hidden = opSelect.value === "empty" || opSelect.value === "filled";
    });
    return row;
  }

  /** A small form under an expression input that writes the expression for you. */
  function addConditionBuilder(target) {
    var input = $id(target);
    if (!input) {
      return;
    }
    var rows = el("div", { className: "cb-rows" });
    var join = el("select", { className: "form-control input-sm cb-join", "aria-label": t("cb_operator", "Condition") }, [
      el("option", { value: "and", text: t("cb_all", "all of these (and)") }),
      el("option", { value: "or", text: t("cb_any", "any of these (or)") })
    ]);
    var add = el("button", { type: "button", className: "btn btn-default btn-sm cb-add", text: t("cb_add", "Add a condition") });
    var write = el("button", { type: "button", className: "btn btn-primary btn-sm cb-write", text: t("cb_write", "Write the expression") });
    var box = el("details", { className: "condition-builder", "data-for": target }, [
      el("summary", { text: t("cb_summary", "Build the condition") }), join, rows, add, " ", write
    ]);
    box.addEventListener("toggle", function () {
      clear(rows);  // the fields may have changed since it was last open
      if (box.open) {
        rows.appendChild(conditionRow(target));
      }
    });
    add.addEventListener("click", function () { rows.appendChild(conditionRow(target)); });
    write.addEventListener("click", function () {
      var parts = Array.prototype.map.call(rows.querySelectorAll(".cb-row"), conditionText).filter(Boolean);
      if (!parts.length) {
        return;
      }
      var glue = " " + join.value + " ";
      input.value = parts.join(glue);
      input.dispatchEvent(new Event("input", { bubbles: true }));
      box.open = false;
      clear(rows);
      input.focus();
    });
    input.parentNode.appendChild(box);
  }

  // ------------------------------------------------------------------ renaming a key
  /** After a key changed, offer to update the expressions that used the old key. */
  function offerRename(oldKey, newKey) {
    var box = $id("builder-rename");
    box.hidden = true;
    state.keyBefore = newKey;
    if (!oldKey || !newKey || oldKey === newKey || !URLS.rename) {
      return;
    }
    postJSON(URLS.rename, { definition: snapshot(), old: oldKey, new: newKey }).then(function (result) {
      var found = result.ok && Array.isArray(result.data.rewrites) ? result.data.rewrites : [];
      if (!found.length) {
        return;
      }
      var list = $id("builder-rename-list");
      clear(list);
      found.forEach(function (item) {
        list.appendChild(el("li", {}, [
          el("code", { text: item.key + "." + item.property }), " ",
          el("del", { text: item.before }), " → ", el("ins", { text: item.after })
        ]));
      });
      $id("builder-rename-text").textContent =
        tf("rename_found", "%(n)s expressions use the old key “%(old)s”. Update them to “%(new)s”?",
          { n: found.length, old: oldKey, new: newKey });
      var apply = $id("builder-rename-apply");
      apply.textContent = t("rename_apply", "Update them");
      apply.onclick = function () {
        found.forEach(function (item) {
          var target = state.definition.fields[item.index];
          if (target && typeof item.column === "number") {
            target = Array.isArray(target.fields) ? target.fields[item.column] : null;
          }
          if (target && target[item.property] === item.before) {
            target[item.property] = item.after;
          }
        });
        $id("builder-rename-text").textContent =
          tf("rename_done", "%(n)s expressions now use “%(new)s”.", { n: found.length, new: newKey });
        clear(list);
        apply.hidden = true;
        $id("builder-rename-skip").hidden = true;
        changed();
        showPanel();
        box.hidden = false;
      };
      apply.hidden = false;
      $id("builder-rename-skip").hidden = false;
      box.hidden = false;
    });
  }

  // ------------------------------------------------------------------ preview
  function runPreview() {
    var seq = ++state.seq.preview;
    var definition = snapshot();
    return postJSON(URLS.preview, { definition: definition, lang: state.lang }).then(function (result) {
      if (seq !== state.seq.preview) {
        return;
      }
      var preview = $id("builder-preview");
      var notice = $id("builder-preview-notice");
      if (result.ok && typeof result.data.html === "string" && result.data.html.trim() !== "") {
        var answers = collectAnswers();
        // The only innerHTML in this file: HTML rendered and escaped by the server.
        preview.innerHTML = result.data.html;
        state.previewShown = true;
        notice.hidden = true;
        restoreAnswers(answers);
        runEvaluate();
        return;
      }
      var message = result.ok
        ? t("preview_unavailable", "Fix the problems listed above to see the preview.")
        : messageOf(result.data, t("error_preview", "The preview could not be made."));
      if (state.previewShown) {
        // Keep the last good preview (and the answers typed into it) while the definition is broken.
        notice.textContent = result.ok ? t("preview_stale", "The preview shows the last valid version of the form.") : message;
        notice.hidden = false;
      } else {
        clear(preview);
        preview.appendChild(el("p", { className: "text-muted builder-preview-empty", text: message }));
        $id("preview-achievement").textContent = "—";
      }
    });
  }

  function previewControls(key) {
    var preview = $id("builder-preview");
    return Array.prototype.filter.call(preview.querySelectorAll("[name]"), function (node) {
      return node.name === key;
    });
  }

  /** Current preview answers: {key: value} (arrays for multi-selects, booleans for checkboxes). */
  function collectAnswers() {
    var answers = {};
    var types = {};
    fields().forEach(function (f) {
      if (f && f.key) {
        types[f.key] = f.type;
      }
    });
    var names = {};
    $id("builder-preview").querySelectorAll("input[name], select[name], textarea[name]").forEach(function (node) {
      names[node.name] = true;
    });
    Object.keys(names).forEach(function (name) {
      if (name === "csrf_token") {
        return;
      }
      var controls = previewControls(name).filter(function (node) {
        return ["file", "submit", "button", "reset", "image"].indexOf(node.type) === -1;
      });
      if (!controls.length || controls.some(function (n) { return n.hasAttribute("data-calculate"); })) {
        return; // nothing to answer, or calculated by the server
      }
      var checkboxes = controls.filter(function (n) { return n.type === "checkbox"; });
      var radios = controls.filter(function (n) { return n.type === "radio"; });
      var multiSelect = controls.filter(function (n) { return n.tagName === "SELECT" && n.multiple; })[0];
      if (multiSelect) {
        answers[name] = Array.prototype.filter.call(multiSelect.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else if (checkboxes.length && (types[name] === "multiselect" || checkboxes.length > 1)) {
        answers[name] = checkboxes.filter(function (n) { return n.checked; }).map(function (n) { return n.value; });
      } else if (checkboxes.length) {
        answers[name] = checkboxes[0].checked;
      } else if (radios.length) {
        var chosen = radios.filter(function (n) { return n.checked; })[0];
        answers[name] = chosen ? chosen.value : "";
      } else {
        var visible = controls.filter(function (n) { return n.type !== "hidden"; })[0] || controls[0];
        answers[name] = visible.value;
      }
    });
    return answers;
  }

  function restoreAnswers(answers) {
    Object.keys(answers).forEach(function (name) {
      var value = answers[name];
      previewControls(name).forEach(function (node) {
        if (node.readOnly || node.type === "file" || node.type === "hidden") {
          return;
        }
        if (node.type === "checkbox") {
          node.checked = Array.isArray(value) ? value.indexOf(node.value) !== -1 : value === true;
        } else if (node.type === "radio") {
          node.checked = node.value === value;
        } else if (node.tagName === "SELECT" && node.multiple) {
          Array.prototype.forEach.call(node.options, function (o) {
            o.selected = Array.isArray(value) && value.indexOf(o.value) !== -1;
          });
        } else if (typeof value === "string") {
          node.value = value;
        }
      });
    });
  }

  function onPreviewInput(event) {
    var target = event.target;
    if (!target || !target.name) {
      return;
    }
    state.touched[target.name] = true;
    debounce("evaluate", runEvaluate, DEBOUNCE_MS);
  }

  function runEvaluate() {
    var seq = ++state.seq.evaluate;
    var answers = collectAnswers();
    state.lastAnswers = answers;
    return postJSON(URLS.evaluate, { definition: snapshot(), answers: answers, lang: state.lang }).then(function (result) {
      if (seq !== state.seq.evaluate) {
        return;
      }
      if (!result.ok) {
        $id("preview-achievement").textContent = "—";
        return;
      }
      if (Array.isArray(result.data.definition_errors) && result.data.definition_errors.length) {
        return; // the definition is being edited; the preview keeps its last state
      }
      applyEvaluation(result.data, answers);
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
      return JSON.stringify(value);
    }
    return String(value);
  }

  function hasAnswer(value) {
    return !(value === undefined || value === null || value === "" || value === false ||
      (Array.isArray(value) && value.length === 0));
  }

  function errorMessages(list) {
    if (!Array.isArray(list)) {
      return list ? [String(isObject(list) ? list.message : list)] : [];
    }
    return list.map(function (item) { return isObject(item) ? String(item.message || item.code || "") : String(item); });
  }

  function applyEvaluation(result, answers) {
    var preview = $id("builder-preview");
    var relevant = isObject(result.relevant) ? result.relevant : {};
    var values = isObject(result.values) ? result.values : {};
    var errors = isObject(result.errors) ? result.errors : {};

    preview.querySelectorAll(".preview-field[data-key], .preview-section[data-key]").forEach(function (node) {
      var key = node.getAttribute("data-key");
      var hidden = relevant[key] === false;
      node.hidden = hidden;
      node.classList.toggle("preview-hidden", hidden);
    });

    preview.querySelectorAll("[data-calculate]").forEach(function (node) {
      var key = node.name || (node.closest(".preview-field") || { getAttribute: function () { return ""; } }).getAttribute("data-key");
      if (key && Object.prototype.hasOwnProperty.call(values, key)) {
        node.value = displayValue(values[key]);
      }
    });

    preview.querySelectorAll(".preview-field[data-key]").forEach(function (wrapper) {
      var key = wrapper.getAttribute("data-key");
      var box = wrapper.querySelector(".field-errors");
      var show = state.showAllAnswerErrors || state.touched[key] || hasAnswer(answers[key]);
      var messages = show && relevant[key] !== false ? errorMessages(errors[key]) : [];
      wrapper.classList.toggle("has-error", messages.length > 0);
      if (box) {
        box.textContent = messages.join(" ");
      }
    });

    var achievement = result.achievement;
    var out = $id("preview-achievement");
    if (typeof achievement === "number" && isFinite(achievement)) {
      out.textContent = formatNumber(achievement) + "%";
    } else if (achievement !== null && achievement !== undefined && achievement !== "") {
      out.textContent = String(achievement);
    } else {
      out.textContent = "—";
    }
  }

  function formatNumber(value) {
    var locale = state.lang === "en" ? "en-GB" : "id-ID";
    try {
      return value.toLocaleString(locale, { maximumFractionDigits: 2 });
    } catch (e) {
      return String(Math.round(value * 100) / 100);
    }
  }

  function setLanguage(lang) {
    state.lang = lang;
    ["id", "en"].forEach(function (code) {
      var button = $id("preview-lang-" + code);
      button.classList.toggle("active", code === lang);
      button.setAttribute("aria-pressed", code === lang ? "true" : "false");
    });
    runPreview();
  }

  // ------------------------------------------------------------------ save and publish
  function save() {
    if (state.saving) {
      return Promise.resolve(false);
    }
    state.saving = true;
    var counter = state.changeCounter;
    setStatus("saving", statusText("saving"));
    updatePublishButton();
    return postJSON(URLS.draft, { definition: snapshot(), revision: state.revision }).then(function (result) {
      state.saving = false;
      var ok = false;
      if (result.ok && typeof result.data.revision === "number") {
        state.revision = result.data.revision;
        ok = true;
        if (Array.isArray(result.data.errors)) {
          setErrors(result.data.errors);
          state.checkPending = counter !== state.changeCounter;
        }
        if (counter === state.changeCounter) {
          state.dirty = false;
          setStatus("saved", statusText("saved"));
        } else {
          setStatus("dirty", statusText("dirty"));
        }
      } else if (result.status === 409) {
        setStatus("conflict", messageOf(result.data, t("conflict", "This draft was changed by someone else. Reload it before saving.")));
      } else {
        setStatus("error", messageOf(result.data, t("status_save_failed", "The draft could not be saved.")));
      }
      updatePublishButton();
      return ok;
    });
  }

  function publishBlocker() {
    if (DATA.form && DATA.form.archived) {
      return t("publish_archived", "This form is archived.");
    }
    if (state.saving) {
      return t("publish_saving", "Saving…");
    }
    if (state.errors.length) {
      return t("publish_blocked", "Fix the problems before publishing.");
    }
    if (state.checkPending) {
      return t("publish_checking", "Checking the form…");
    }
    if ($id("builder-status").getAttribute("data-state") === "conflict") {
      return t("publish_conflict", "Reload the draft before publishing.");
    }
    return "";
  }

  function updatePublishButton() {
    var reason = publishBlocker();
    var button = $id("builder-publish");
    button.disabled = reason !== "";
    var tip = reason || t("publish_hint", "Save the draft and publish it as a new version");
    button.title = tip;
    $id("builder-publish-wrap").title = tip;
    $id("builder-save").disabled = state.saving || Boolean(DATA.form && DATA.form.archived);
  }

  function publish() {
    if (publishBlocker()) {
      return;
    }
    window.portalConfirm(t("confirm_publish", "Publish this draft as a new version? Published versions cannot be changed.")).then(function (yes) {
      if (yes) { saveAndPublish(); }
    });
  }

  function saveAndPublish() {
    save().then(function (ok) {
      if (!ok || state.errors.length) {
        updatePublishButton();
        return;
      }
      state.dirty = false;
      $id("builder-publish").disabled = true;
      $id("builder-publish-form").submit();
    });
  }

  // ------------------------------------------------------------------ misc
  function renderJSON() {
    var pre = $id("builder-json");
    if (pre && pre.closest("details").open) {
      pre.textContent = JSON.stringify(state.definition, null, 2);
    }
  }

  function init() {
    bindFormPanel();
    bindFieldPanel();
    bind("builder-add-field", "click", addField);
    bind("prop-edit-columns", "click", function () {
      if (state.group === null && selectedField() && selectedField().type === "repeat") {
        openGroup(state.selected);
      }
    });
    bind("builder-group-back", "click", function () { openGroup(null); });
    bind("builder-save", "click", function () { save(); });
    bind("builder-publish", "click", publish);
    bind("preview-lang-id", "click", function () { setLanguage("id"); });
    bind("preview-lang-en", "click", function () { setLanguage("en"); });
    bind("preview-validate", "click", function () {
      state.showAllAnswerErrors = true;
      runEvaluate();
    });
    bind("preview-reset", "click", function () {
      state.touched = {};
      state.showAllAnswerErrors = false;
      state.lastAnswers = {};
      runPreview();
    });
    var preview = $id("builder-preview");
    preview.addEventListener("input", onPreviewInput);
    preview.addEventListener("change", onPreviewInput);
    preview.addEventListener("submit", function (event) { event.preventDefault(); });
    var details = $id("builder-json") && $id("builder-json").closest("details");
    if (details) {
      details.addEventListener("toggle", renderJSON);
    }
    document.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && event.key === "s") {
        event.preventDefault();
        save();
      }
    });
    window.addEventListener("beforeunload", function (event) {
      if (state.dirty) {
        event.preventDefault();
        event.returnValue = "";
        return "";
      }
      return undefined;
    });

    if (DATA.form && DATA.form.archived) {
      APP.classList.add("builder-archived");
    }
    setStatus("saved", statusText("saved"));
    renderFieldList();
    enableDragAndDrop();
    addConditionBuilder("prop-relevant");
    addConditionBuilder("prop-constraint");
    showPanel();
    renderErrors();
    updatePublishButton();
    refresh();
  }

  // Exposed for debugging and tests only (read-only use).
  window.KinerjaBuilder = {
    state: state,
    definition: function () { return snapshot(); }
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
