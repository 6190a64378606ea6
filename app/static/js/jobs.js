/* Progress of a background job: polls its status and shows the result or the error. */
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var delay = 1000;

  function show(id, visible) { document.getElementById(id).hidden = !visible; }

  function render(job) {
    var percent = job.total ? Math.floor(100 * job.progress / job.total) : (job.state === "done" ? 100 : 0);
    var bar = document.getElementById("job-bar");
    bar.style.width = percent + "%";
    bar.textContent = percent + "%";
    bar.setAttribute("aria-valuenow", String(percent));
    bar.classList.toggle("progress-bar-danger", job.state === "failed");
    bar.classList.toggle("active", job.state === "queued" || job.state === "running");
    document.getElementById("job-state").textContent = job.state_label;
    document.getElementById("job-count").textContent = job.progress + " / " + job.total;
    box.setAttribute("data-state", job.state);
    document.getElementById("job-error").textContent = job.error || "";
    show("job-error", Boolean(job.error));
    show("job-retry", job.state === "failed");
    show("job-waiting", job.state === "queued" || job.state === "running");
    if (job.result_url) {
      document.getElementById("job-download").href = job.result_url;
      document.getElementById("job-result-name").textContent = job.result_name;
    }
    show("job-result", Boolean(job.result_url));
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (job) {
        render(job);
        if (job.state === "queued" || job.state === "running") {
          delay = Math.min(delay * 1.5, 5000);
          window.setTimeout(poll, delay);
        } else if (job.summary && (job.summary.errors || job.summary.created !== undefined)) {
          if (!document.getElementById("job-summary") && !document.getElementById("import-errors")) {
            window.location.reload();  /* the import's report is drawn by the server */
          }
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  var state = box.getAttribute("data-state");
  if (state === "queued" || state === "running") { window.setTimeout(poll, delay); }
}());
