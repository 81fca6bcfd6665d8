// Read-only boxes holding an address to copy (the calendar feed) select their whole
// text on focus. A file rather than an onfocus attribute: the Content-Security-Policy
// runs no inline script.
(function () {
  "use strict";
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("input[data-select-on-focus]")) {
      event.target.select();
    }
  });
})();
