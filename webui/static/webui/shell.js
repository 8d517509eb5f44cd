// viewflow's shell navigates with Hotwire Turbo: a followed link swaps <body> without a page load,
// so htmx never sees the new page's hx-* attributes. Process each page Turbo renders (processing an
// element twice is harmless).
document.addEventListener("turbo:load", function () {
  if (window.htmx) {
    window.htmx.process(document.body);
  }
});
