// Page behaviour for every page, from a static file so the Content-Security-Policy allows no
// inline script: charts (teams/charts.py writes each as a div plus its figure as JSON), slider
// read-outs, confirmations, print buttons and auto-submitting filters. Runs on load and again on every
// piece of content htmx swaps in.
(function () {
  "use strict";

  function openLink(ev) {
    // A click on a chart point opens the detail behind it (the URL in the point's customdata).
    var d = ev.points && ev.points[0] && ev.points[0].customdata;
    var url = Array.isArray(d) ? d[0] : d;
    if (url) window.location.href = url;
  }

  function drawCharts(root) {
    if (!window.Plotly) return;
    root.querySelectorAll(".plotly-graph-div[data-figure]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var source = document.getElementById(el.dataset.figure);
      if (!source) return;
      el.dataset.drawn = "1";
      var figure = JSON.parse(source.textContent);
      el.style.width = el.dataset.width || "100%";
      el.style.height = el.dataset.height || "100%";
      Plotly.newPlot(el, figure.data, figure.layout, figure.config).then(function () {
        if (el.closest("[data-links]")) el.on("plotly_click", openLink);
      });
    });
  }

  function showSliderValues(root) {
    root.querySelectorAll(".slider-field input[type=range]").forEach(function (input) {
      var out = input.closest(".slider-field").querySelector(".slider-value");
      if (!out || input.dataset.wired) return;
      input.dataset.wired = "1";
      input.addEventListener("input", function () { out.textContent = input.value; });
    });
  }

  function enhance(root) {
    drawCharts(root);
    showSliderValues(root);
  }

  // Delegated, so content swapped in later behaves the same.
  document.addEventListener("submit", function (ev) {
    var form = ev.target.closest && ev.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) ev.preventDefault();
  });
  document.addEventListener("change", function (ev) {
    if (ev.target.matches && ev.target.matches("[data-autosubmit]") && ev.target.form) {
      ev.target.form.submit();
    }
  });
  document.addEventListener("click", function (ev) {
    if (ev.target.closest && ev.target.closest("[data-print]")) window.print();
  });
  document.addEventListener("htmx:load", function (ev) { enhance(ev.target); });

  // Charts draw before every grid column has its final width: fit each to its box once the
  // page is laid out.
  window.addEventListener("load", function () {
    if (!window.Plotly) return;
    document.querySelectorAll(".js-plotly-plot").forEach(function (el) { Plotly.Plots.resize(el); });
  });

  // Deferred: the document is parsed by now.
  enhance(document);
})();
