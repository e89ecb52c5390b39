/* Supportdesk agent workspace: keyboard shortcuts and two small enhancements.
 *
 * Loaded by the queue and the ticket page only; no build step, no framework.
 * Every shortcut is a single key, ignored while typing in a field or with a
 * modifier held, and listed on the page in <details id="keyboard-shortcuts">.
 *
 *   queue:  j / k  next / previous ticket row, Enter opens it
 *   ticket: r reply, n internal note, e escalate, s resolve,
 *           j / k  next / previous ticket of the queue the agent came from
 *   both:   ?  show or hide the list
 *
 * Also: "Use the suggested reply" fills the reply box without a reload, and
 * htmx swaps the 400/409 answers of the ticket page's forms in place, so the
 * error shows next to the field with the typed text kept.
 */
(function () {
  "use strict";

  var QUEUE_KEY = "supportdesk.queue";

  function isTyping(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function focusField(id) {
    var field = document.getElementById(id);
    if (!field) return false;
    var details = field.closest("details");
    if (details) details.open = true;
    field.scrollIntoView({ block: "center" });
    field.focus();
    return true;
  }

  function toggleHelp() {
    var help = document.getElementById("keyboard-shortcuts");
    if (!help) return;
    help.open = !help.open;
    if (help.open) help.querySelector("summary").focus();
  }

  // --- the queue: j/k move through the rows ---------------------------------------

  function queueLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("table[data-queue] tbody tr td.reference a"));
  }

  function rememberQueue() {
    var links = queueLinks();
    if (!links.length) return;
    try {
      var urls = links.map(function (link) { return link.getAttribute("href"); });
      window.sessionStorage.setItem(QUEUE_KEY, JSON.stringify({ urls: urls, back: window.location.href }));
    } catch (error) { /* storage may be off: j/k on a ticket page then go back to the queue */ }
  }

  function moveInQueue(step) {
    var links = queueLinks();
    if (!links.length) return;
    var current = links.indexOf(document.activeElement);
    var next = current === -1 ? (step > 0 ? 0 : links.length - 1) : current + step;
    if (next < 0 || next >= links.length) return;
    links.forEach(function (link) { link.closest("tr").classList.remove("is-current"); });
    links[next].closest("tr").classList.add("is-current");
    links[next].focus();
  }

  // --- the ticket page: j/k go to the neighbours in the remembered queue -------------

  function moveFromTicket(step) {
    var page = document.querySelector("[data-ticket-url]");
    if (!page) return;
    var remembered = null;
    try { remembered = JSON.parse(window.sessionStorage.getItem(QUEUE_KEY) || "null"); } catch (error) { remembered = null; }
    if (!remembered || !remembered.urls) return;
    var index = remembered.urls.indexOf(page.getAttribute("data-ticket-url"));
    var next = index === -1 ? -1 : index + step;
    if (next >= 0 && next < remembered.urls.length) {
      window.location.href = remembered.urls[next];
    } else if (remembered.back) {
      window.location.href = remembered.back;
    }
  }

  var ticketKeys = {
    r: function () { return focusField("id_reply-body"); },
    n: function () { return focusField("id_note-body"); },
    e: function () { return focusField("id_escalate-reason"); },
    s: function () { return focusField("id_resolve-resolution"); },
    j: function () { moveFromTicket(1); return true; },
    k: function () { moveFromTicket(-1); return true; }
  };
  var queueKeys = {
    j: function () { moveInQueue(1); return true; },
    k: function () { moveInQueue(-1); return true; }
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.key === "?") {
      toggleHelp();
      event.preventDefault();
      return;
    }
    var keys = document.querySelector("table[data-queue]") ? queueKeys : ticketKeys;
    var action = keys[event.key];
    if (action && action()) event.preventDefault();
  });

  // --- "Use the suggested reply": fill the box without a reload ----------------------

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-fill-into]") : null;
    if (!link) return;
    var box = document.getElementById(link.getAttribute("data-fill-into"));
    var source = document.getElementById(link.getAttribute("data-fill-from"));
    if (!box || !source) return;  // the link still works: the page comes back with the box filled
    event.preventDefault();
    var text = source.textContent.trim();
    box.value = box.value.trim() ? box.value.replace(/\s+$/, "") + "\n\n" + text : text;
    box.focus();
  });

  // --- htmx: show refusals and field errors in place ---------------------------------

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // After a swap, put the keyboard where the person is: the first field with an error.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    // An outerHTML swap replaced the element: look the panel up again by its id.
    var panel = target && target.id ? document.getElementById(target.id) : target;
    if (!panel || !panel.querySelector) return;
    var invalid = panel.querySelector("[aria-invalid='true']");
    if (invalid) {
      invalid.focus();
      return;
    }
    // The focused button went away with the old panel: keep the keyboard in the new one.
    var active = document.activeElement;
    if (!active || active === document.body || !document.body.contains(active)) {
      var first = panel.querySelector("textarea, select, input:not([type='hidden']), button");
      if (first) first.focus({ preventScroll: true });
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", rememberQueue);
  } else {
    rememberQueue();
  }
})();
