// Accessible names that match what a reader sees (WCAG 2.5.3, "label in name"), and every
// piece of page content inside a landmark. Run once the page (and the icon script) is ready.
(function () {
  "use strict";
  function fixNames() {
    // The search buttons show "Search Ctrl+K": their name comes from that text.
    document.querySelectorAll(".search-button-field[aria-label]").forEach(function (button) {
      button.removeAttribute("aria-label");
    });
    // The colour-mode button is named "Color mode"; its icons' titles are not its name.
    document.querySelectorAll(".theme-switch-button .theme-switch").forEach(function (icon) {
      icon.setAttribute("aria-hidden", "true");
      icon.removeAttribute("title");
      icon.querySelectorAll("title").forEach(function (title) { title.remove(); });
    });
    // The site title above the sidebar's navigation: a named region of its own.
    document.querySelectorAll(".bd-sidebar-primary .navbar-brand").forEach(function (brand) {
      var item = brand.parentElement;
      if (item && !item.hasAttribute("role")) {
        item.setAttribute("role", "region");
        item.setAttribute("aria-label", "Course title");
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fixNames);
  } else {
    fixNames();
  }
  window.addEventListener("load", fixNames); // after the icon script has drawn its icons
})();
