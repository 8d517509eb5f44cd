// viewflow's shell navigates with Hotwire Turbo: a followed link swaps <body> without a page load,
// so htmx never sees the new page's hx-* attributes. Process each page Turbo renders (processing an
// element twice is harmless).
document.addEventListener("turbo:load", function () {
  if (window.htmx) {
    window.htmx.process(document.body);
  }
});

// History: Turbo restores the entries it pushed ({turbo: …} state), htmx the ones it pushed for filters
// and pages ({htmx: true}). htmx keeps the last <body> it saw as the snapshot of its current URL, but it
// does not see Turbo's visits, so Back from a task page to a filtered list would "restore" the task page
// under the list's URL. Without a snapshot cache htmx reloads the page for its own entries instead.
if (window.htmx) {
  window.htmx.config.historyCacheSize = 0;
  window.htmx.config.refreshOnHistoryMiss = true;
}

