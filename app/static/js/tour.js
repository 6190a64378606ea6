/*
 * Kinerja Mamuju — the first-login tour: a few highlighted parts of the landing page.
 * Steps come from #tour-data (JSON). Finishing or skipping it tells the server, which never
 * shows it again. Keyboard: the buttons take the focus; Escape skips.
 */
(function () {
  "use strict";
  var source = document.getElementById("tour-data");
  if (!source) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var steps = data.steps || [];
  var index = 0;
  var highlighted = null;

  var box = document.createElement("div");
  box.id = "portal-tour";
  box.className = "portal-tour popover";
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-live", "polite");
  var text = document.createElement("p");
  text.id = "portal-tour-text";
  box.setAttribute("aria-labelledby", text.id);
  var next = document.createElement("button");
  next.type = "button";
  next.id = "portal-tour-next";
  next.className = "btn btn-primary btn-sm";
  var skip = document.createElement("button");
  skip.type = "button";
  skip.id = "portal-tour-skip";
  skip.className = "btn btn-link btn-sm";
  skip.textContent = data.labels.skip;
  var count = document.createElement("small");
  count.className = "text-muted portal-tour-count";
  var buttons = document.createElement("div");
  buttons.className = "portal-tour-buttons";
  buttons.appendChild(skip);
  buttons.appendChild(count);
  buttons.appendChild(next);
  box.appendChild(text);
  box.appendChild(buttons);

  function visible(node) {
    return node && node.getClientRects().length > 0;
  }

  function place(target) {
    if (highlighted) {
      highlighted.classList.remove("portal-tour-target");
    }
    highlighted = visible(target) ? target : null;
    if (!highlighted) {
      box.classList.add("portal-tour-centre");
      box.style.top = "";
      box.style.left = "";
      return;
    }
    box.classList.remove("portal-tour-centre");
    highlighted.classList.add("portal-tour-target");
    var rect = highlighted.getBoundingClientRect();
    var width = Math.min(320, window.innerWidth - 16);
    var left = Math.max(8, Math.min(rect.left, window.innerWidth - width - 8));
    box.style.top = window.scrollY + rect.bottom + 8 + "px";
    box.style.left = left + "px";
  }

  function show() {
    var step = steps[index];
    text.textContent = step.text;
    count.textContent = index + 1 + " / " + steps.length;
    next.textContent = index === steps.length - 1 ? data.labels.finish : data.labels.next;
    place(step.target ? document.querySelector(step.target) : null);
    next.focus();
  }

  function end() {
    if (highlighted) {
      highlighted.classList.remove("portal-tour-target");
    }
    box.remove();
    document.removeEventListener("keydown", onKey);
    fetch(data.done_url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": data.csrf },
    });
  }

  function onKey(event) {
    if (event.key === "Escape") {
      end();
    }
  }

  next.addEventListener("click", function () {
    if (index < steps.length - 1) {
      index += 1;
      show();
    } else {
      end();
    }
  });
  skip.addEventListener("click", end);
  document.addEventListener("keydown", onKey);
  if (steps.length) {
    document.body.appendChild(box);
    show();
  }
})();
