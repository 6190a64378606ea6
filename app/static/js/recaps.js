/*
 * Kinerja Mamuju — recap downloads: the chosen period and unit always apply (one form);
 * while a document renders its buttons are disabled and the status says so. The file
 * is fetched and saved from the page; without this script the form downloads directly.
 */
(function () {
  "use strict";

  var FORM = document.getElementById("recap-choice");
  var STATUS = document.getElementById("recap-status");
  if (!FORM || !STATUS || !window.fetch) {
    return;
  }
  var buttons = FORM.querySelectorAll("#recap-downloads button");

  function busy(on, text) {
    Array.prototype.forEach.call(buttons, function (button) {
      button.disabled = on;
    });
    FORM.setAttribute("aria-busy", on ? "true" : "false");
    STATUS.textContent = text || "";
  }

  function fileName(response, fallback) {
    var header = response.headers.get("Content-Disposition") || "";
    var star = /filename\*=UTF-8''([^;]+)/i.exec(header);
    if (star) {
      return decodeURIComponent(star[1]);
    }
    var plain = /filename="?([^";]+)"?/i.exec(header);
    return plain ? plain[1] : fallback;
  }

  function save(blob, name) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    setTimeout(function () {
      URL.revokeObjectURL(link.href);
      link.remove();
    }, 1000);
  }

  FORM.addEventListener("submit", function (event) {
    var format = event.submitter ? event.submitter.value : "pdf";
    var params = new URLSearchParams(new FormData(FORM));
    params.set("format", format);
    var url = FORM.action + "?" + params.toString();
    event.preventDefault();
    busy(true, STATUS.getAttribute("data-rendering"));
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("text/html") === 0) {
          window.location.assign(response.ok ? response.url : url); // shows the reason
          return null;
        }
        return response.blob().then(function (blob) {
          save(blob, fileName(response, "rekap." + format));
          busy(false, "");
        });
      })
      .catch(function () {
        busy(false, STATUS.getAttribute("data-failed"));
      });
  });
})();
