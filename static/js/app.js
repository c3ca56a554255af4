/* wardsite's one script, on top of htmx. Every page works without it; with it:
   - the error summary (templates/_error_summary.html) takes the focus when htmx
     swaps it in, and its links move to the field with its label in view;
   - htmx never fails silently: an error answer or a lost connection is said in
     the live region #request-status, and the form stays as it was typed. A
     boosted link that fails shows the server's page, as without JavaScript. */
(function () {
  "use strict";

  function region() {
    return document.getElementById("request-status");
  }

  function say(message) {
    var box = region();
    if (!box) return;
    box.textContent = "";
    // A fresh text node, so that screen readers announce the same message twice.
    window.setTimeout(function () { box.textContent = message; }, 50);
  }

  function clear() {
    var box = region();
    if (box) box.textContent = "";
  }

  function focusSummary(root) {
    var summary = root && root.querySelector ? root.querySelector(".error-summary") : null;
    if (!summary) return;
    summary.focus({ preventScroll: true });
    summary.scrollIntoView({ block: "start" });
  }

  // The summary's links: the field gets the focus, its label or legend in view.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".error-summary a[href^='#']") : null;
    if (!link) return;
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    var shown = field.closest("fieldset") || field.closest(".field") || field;
    shown.scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    focusSummary(event.detail.target);
  });

  // The message an error answer carries: the error page's or fragment's text.
  function messageOf(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (type.indexOf("text/html") === 0 && xhr.responseText) {
      var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var message = page.querySelector("[data-error-message]");
      if (message) return { text: message.textContent.trim(), errorPage: true };
      return { text: "", errorPage: false, page: page };
    }
    return { text: "", errorPage: false };
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var xhr = detail.xhr;
    if (xhr.status < 400) {
      clear();
      return;
    }
    var answer = messageOf(xhr);
    var verb = (detail.requestConfig && detail.requestConfig.verb) || "get";
    if (detail.boosted && (verb === "get" || (!answer.errorPage && answer.page && answer.page.querySelector("main")))) {
      // A link that failed shows the error page; a form the server sent back
      // with what was wrong (a limit reached, say) is shown like any answer.
      detail.shouldSwap = true;
      detail.isError = false;
      return;
    }
    var box = region();
    say(answer.text || (box ? box.getAttribute("data-failed") : ""));
  });

  function lost() {
    var box = region();
    if (box) say(box.getAttribute("data-network"));
  }
  document.addEventListener("htmx:sendError", lost);
  document.addEventListener("htmx:timeout", lost);

  // Where htmx finds nothing to swap into, the request is made without it.
  document.addEventListener("htmx:targetError", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.tagName === "FORM") {
      HTMLFormElement.prototype.submit.call(elt);
    } else if (elt && elt.tagName === "A" && elt.href) {
      window.location.href = elt.href;
    }
  });
})();
