// Fills the job page's environments panel once the page is shown: the clusters are read then, within a short timeout,
// so a slow or unreachable cluster never holds the job page up (an adjunct, not an inline script: Jenkins' CSP).
document.querySelectorAll(".mtd-environments-panel[data-url]").forEach(function (panel) {
  fetch(panel.getAttribute("data-url"))
    .then(function (rsp) {
      return rsp.ok ? rsp.text() : Promise.reject(rsp.status);
    })
    .then(function (html) {
      panel.innerHTML = html;
    })
    .catch(function () {
      var loading = panel.querySelector(".mtd-loading");
      if (loading) {
        loading.textContent = panel.getAttribute("data-failed");
      }
    });
});
