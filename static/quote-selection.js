// Quote by selecting text (the reading view): selecting a passage of a
// response's comment or suggested amendments fills that response's "Passage
// to quote" field and opens its quote form. Progressive enhancement only:
// without this script the policy team types or pastes the passage, and the
// server checks every quote the same way either way.
(function () {
  "use strict";
  if (!window.getSelection || !document.querySelector) {
    return;
  }

  function articleOf(node) {
    var el = node && (node.nodeType === 1 ? node : node.parentElement);
    return el ? el.closest("article") : null;
  }

  function sourceOf(node) {
    var el = node && (node.nodeType === 1 ? node : node.parentElement);
    return el ? el.closest("[data-quote-source]") : null;
  }

  // The selected text if it lies wholly within one response's words.
  function selectedPassage() {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || sel.rangeCount === 0) {
      return null;
    }
    var range = sel.getRangeAt(0);
    var start = sourceOf(range.startContainer);
    var end = sourceOf(range.endContainer);
    if (!start || start !== end) {
      return null;
    }
    var text = sel.toString().replace(/\s+/g, " ").trim();
    if (!text) {
      return null;
    }
    return { article: articleOf(start), text: text };
  }

  function fill() {
    var found = selectedPassage();
    if (!found || !found.article) {
      return;
    }
    var form = found.article.querySelector("[data-quote-form]");
    if (!form) {
      return; // the member asked not to be quoted: there is no form
    }
    var field = form.querySelector("textarea[name=excerpt]");
    var details = form.closest("details");
    if (details) {
      details.open = true;
    }
    field.value = found.text;
    var note = form.querySelector("[data-quote-filled]");
    if (!note) {
      note = document.createElement("p");
      note.className = "hint";
      note.setAttribute("data-quote-filled", "");
      note.setAttribute("role", "status");
      field.parentElement.appendChild(note);
    }
    note.textContent = "Filled from the text you selected. Check it, then add the quote.";
  }

  // A mouse selection ends with mouseup; a keyboard one (shift and the
  // arrow keys) with keyup.
  document.addEventListener("mouseup", function () { window.setTimeout(fill, 0); });
  document.addEventListener("keyup", function (e) {
    if (e.shiftKey || e.key === "Shift") {
      fill();
    }
  });
}());
