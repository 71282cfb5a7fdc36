// keydesk's front-end behaviour. Everything here is an enhancement: without
// JavaScript every link and form still works with full page loads. No inline
// scripts or handlers anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";

  var modal = document.getElementById("modal");
  var modalBody = document.getElementById("modal-body");
  var opener = null;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // Every htmx request carries the CSRF token as a header.
  document.body.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  function showFlash(message, isError) {
    var target = modal && modal.open ? modalBody : document.getElementById("flash");
    if (!target) return;
    var old = target.querySelector(":scope > .flash");
    if (old) old.remove();
    var p = document.createElement("p");
    p.className = "flash" + (isError ? " flash-error" : "");
    p.setAttribute("role", isError ? "alert" : "status");
    p.textContent = message;
    target.prepend(p);
    if (!isError) {
      setTimeout(function () { p.remove(); }, 6000);
    }
  }

  // Errors (400, 403, 404, 409, 5xx) are not swapped into the page: their
  // message is shown in the status area, or in the open dialog.
  document.body.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    var message = "The request failed (" + xhr.status + "). Reload the page and try again.";
    if (xhr.status === 401 && xhr.getResponseHeader("HX-Redirect")) return;
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var el = doc.getElementById("error-message");
      if (el && el.textContent.trim()) message = el.textContent.trim();
    } catch (err) { /* keep the generic message */ }
    showFlash(message, true);
  });
  document.body.addEventListener("htmx:sendError", function () {
    showFlash("keydesk cannot be reached. Check your connection and try again.", true);
  });
  document.body.addEventListener("flash", function (e) {
    if (e.detail && e.detail.value) showFlash(e.detail.value, false);
  });

  // ---- dialogs ---------------------------------------------------------
  function focusFirst(root) {
    var el = root.querySelector("[data-autofocus]") ||
      root.querySelector("input:not([type=hidden]):not([disabled]), select:not([disabled]), button:not([hidden]), a[href]");
    if (el) el.focus();
  }

  document.body.addEventListener("htmx:beforeRequest", function (e) {
    var target = e.detail.target;
    if (target === modalBody && !modal.open) opener = e.detail.elt;
  });

  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target === modalBody) {
      enhance(modalBody);
      if (!modal.open) modal.showModal();
      focusFirst(modalBody);
    }
  });

  document.body.addEventListener("close-modal", function () {
    if (modal && modal.open) modal.close();
  });

  // Where focus goes back after a dialog: the element that opened it. After
  // Save or Delete the list refresh replaces that element, and the dialog's
  // close, the browser's own focus restoring and the refresh can land in any
  // order; so the target is remembered (by href, or "the list") for a moment
  // and every one of those events tries again while focus is lost.
  var restoreHref = null;
  var restoreUntil = 0;

  // Lost: on <body>, or on a container the browser fell back to (a click on
  // a row's text focuses <main>, and closing the dialog returns there).
  function focusLost() {
    var a = document.activeElement;
    return !a || a === document.body || a.id === "main" || a === modal || !document.body.contains(a);
  }

  function restoreFocus() {
    if (Date.now() > restoreUntil || (modal && modal.open) || !focusLost()) return;
    var list = document.getElementById("key-list");
    var el = restoreHref && document.querySelector('a[href="' + CSS.escape(restoreHref) + '"]');
    el = el || (list && list.querySelector("a.row-link, input:not([disabled]), button:not([disabled]), a[href]"));
    if (el) el.focus();
  }

  if (modal) {
    modal.addEventListener("close", function () {
      modalBody.innerHTML = "";
      var back = opener;
      opener = null;
      restoreHref = back && back.getAttribute("href");
      restoreUntil = Date.now() + 2000;
      if (back && document.body.contains(back)) back.focus();
      restoreFocus();
      setTimeout(restoreFocus, 50);
      setTimeout(restoreFocus, 300);
    });
    modal.addEventListener("click", function (e) {
      var closer = e.target.closest("[data-close-dialog]");
      if (closer && modal.contains(closer)) {
        e.preventDefault();
        modal.close();
      }
    });
  }

  // ---- secrets: hidden until "Show", copied with "Copy" ----------------
  function copyText(input, button) {
    var done = function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 2500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { legacyCopy(input) && done(); });
    } else if (legacyCopy(input)) {
      done();
    }
  }

  function legacyCopy(input) {
    var type = input.type;
    input.type = "text";
    input.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
    input.type = type;
    input.setSelectionRange(0, 0);
    return ok;
  }

  function enhanceSecrets(root) {
    root.querySelectorAll("input[data-secret]").forEach(function (input) { input.type = "password"; });
    root.querySelectorAll("[data-reveal], [data-copy]").forEach(function (b) { b.hidden = false; });
  }

  document.addEventListener("click", function (e) {
    var reveal = e.target.closest("[data-reveal]");
    if (reveal) {
      var input = document.getElementById(reveal.getAttribute("data-reveal"));
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      reveal.textContent = show ? "Hide" : "Show";
      reveal.setAttribute("aria-pressed", show ? "true" : "false");
      return;
    }
    var copy = e.target.closest("[data-copy]");
    if (copy) {
      copyText(document.getElementById(copy.getAttribute("data-copy")), copy);
    }
  });

  // ---- role rows: "Add Role" and "Remove role" --------------------------
  function enhanceRoles(root) {
    root.querySelectorAll("[data-add-role], [data-role-rows] [data-remove-role]").forEach(function (b) { b.hidden = false; });
  }

  document.addEventListener("click", function (e) {
    var add = e.target.closest("[data-add-role]");
    if (add) {
      var fieldset = add.closest("fieldset");
      var rows = fieldset.querySelector("[data-role-rows]");
      var template = fieldset.querySelector("#role-row-template");
      var row = template.content.firstElementChild.cloneNode(true);
      row.querySelectorAll("[data-remove-role]").forEach(function (b) { b.hidden = false; });
      rows.appendChild(row);
      row.querySelector("select").focus();
      return;
    }
    var remove = e.target.closest("[data-remove-role]");
    if (remove) {
      var row2 = remove.closest("[data-role-row]");
      var fieldset2 = row2.closest("fieldset");
      row2.remove();
      var addButton = fieldset2.querySelector("[data-add-role]");
      if (addButton) addButton.focus();
    }
  });

  // ---- the key list: row click, selection, focus after swaps -----------
  document.addEventListener("click", function (e) {
    var row = e.target.closest("tr[data-row-link]");
    if (!row || e.target.closest("a, button, input, label, select, details")) return;
    var link = row.querySelector("a.row-link");
    if (link) link.click();
  });

  function updateSelection(root) {
    var boxes = root.querySelectorAll('input[type=checkbox][name="id"]');
    var checked = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
    root.querySelectorAll("[data-needs-selection]").forEach(function (b) {
      b.disabled = checked === 0;
      b.textContent = checked > 1 ? "Delete (" + checked + ")" : "Delete";
    });
    var all = root.querySelector("[data-select-all]");
    if (all) {
      all.checked = boxes.length > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
  }

  document.addEventListener("change", function (e) {
    var list = e.target.closest("#key-list");
    if (!list) return;
    if (e.target.matches("[data-select-all]")) {
      list.querySelectorAll('input[type=checkbox][name="id"]').forEach(function (b) { b.checked = e.target.checked; });
    }
    if (e.target.type === "checkbox") updateSelection(list);
  });

  var focusedId = null;
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "key-list") {
      focusedId = document.activeElement && document.activeElement.id;
    }
  });
  document.body.addEventListener("htmx:afterSettle", function (e) {
    var list = document.getElementById("key-list");
    if (list && (e.detail.target === list || e.detail.elt === list)) {
      updateSelection(list);
      if (focusedId) {
        var el = document.getElementById(focusedId);
        if (el) el.focus();
        focusedId = null;
      }
    }
    restoreFocus();
  });

  // ---- key life: permission grid, stores, expiry date ------------------
  // Header boxes of the grid tick or clear a whole row or column; ticking
  // Edit, Create or Delete ticks View too (the server insists on it).
  function gridBoxes(grid, attr, value) {
    return grid.querySelectorAll('input[name="grant"][' + attr + '="' + value + '"]:not([disabled])');
  }

  function syncGridHeaders(grid) {
    grid.querySelectorAll("[data-grid-col], [data-grid-row]").forEach(function (h) {
      var boxes = h.hasAttribute("data-grid-col") ?
        gridBoxes(grid, "data-action", h.getAttribute("data-grid-col")) :
        gridBoxes(grid, "data-function", h.getAttribute("data-grid-row"));
      var on = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
      h.checked = boxes.length > 0 && on === boxes.length;
      h.indeterminate = on > 0 && on < boxes.length;
    });
  }

  function enhanceGrids(root) {
    root.querySelectorAll("[data-perm-grid]").forEach(function (grid) {
      if (grid.querySelector('input[name="grant"]:not([disabled])')) {
        grid.querySelectorAll("[data-grid-col], [data-grid-row]").forEach(function (h) { h.hidden = false; });
      }
      syncGridHeaders(grid);
    });
  }

  document.addEventListener("change", function (e) {
    var grid = e.target.closest("[data-perm-grid]");
    if (!grid) return;
    var t = e.target;
    if (t.hasAttribute("data-grid-col")) {
      gridBoxes(grid, "data-action", t.getAttribute("data-grid-col")).forEach(function (b) { b.checked = t.checked; });
      if (t.checked && t.getAttribute("data-grid-col") !== "view") {
        gridBoxes(grid, "data-action", "view").forEach(function (b) { b.checked = true; });
      }
      // Without View nothing else stands.
      if (!t.checked && t.getAttribute("data-grid-col") === "view") {
        grid.querySelectorAll('input[name="grant"]:not([disabled])').forEach(function (b) { b.checked = false; });
      }
    } else if (t.hasAttribute("data-grid-row")) {
      gridBoxes(grid, "data-function", t.getAttribute("data-grid-row")).forEach(function (b) { b.checked = t.checked; });
    } else if (t.name === "grant") {
      var f = t.getAttribute("data-function");
      var view = grid.querySelector('input[name="grant"][data-function="' + f + '"][data-action="view"]');
      if (t.checked && t.getAttribute("data-action") !== "view" && view) view.checked = true;
      // Clearing View clears what needs it.
      if (!t.checked && t.getAttribute("data-action") === "view") {
        gridBoxes(grid, "data-function", f).forEach(function (b) { b.checked = false; });
      }
    }
    syncGridHeaders(grid);
  });

  function syncStorePicker(fieldset) {
    var individual = fieldset.querySelector('input[data-access-type][value="individual"]');
    var picker = fieldset.querySelector("[data-store-picker]");
    if (picker && individual) picker.hidden = !individual.checked;
  }

  function filterStores(picker, text) {
    var q = text.trim().toLowerCase();
    var shown = 0;
    picker.querySelectorAll("[data-store-text]").forEach(function (li) {
      var match = !q || li.getAttribute("data-store-text").toLowerCase().indexOf(q) >= 0;
      li.hidden = !match;
      if (match) shown++;
    });
    var none = picker.querySelector("[data-store-none]");
    if (none) none.hidden = shown > 0;
  }

  function syncExpiry(root) {
    root.querySelectorAll("select[data-expiry]").forEach(function (select) {
      var box = select.parentElement.querySelector("[data-expiry-date]");
      if (box) box.hidden = select.value !== "date";
    });
  }

  function enhanceLife(root) {
    enhanceGrids(root);
    root.querySelectorAll("fieldset.store-access").forEach(syncStorePicker);
    root.querySelectorAll("[data-store-search]").forEach(function (s) { s.hidden = false; });
    syncExpiry(root);
  }

  document.addEventListener("change", function (e) {
    if (e.target.matches("input[data-access-type]")) syncStorePicker(e.target.closest("fieldset"));
    if (e.target.matches("select[data-expiry]")) {
      syncExpiry(e.target.parentElement);
      if (e.target.value === "date") {
        var date = e.target.parentElement.querySelector("[data-expiry-date] input");
        if (date) date.focus();
      }
    }
  });
  document.addEventListener("input", function (e) {
    if (e.target.matches("[data-store-search]")) filterStores(e.target.closest("[data-store-picker]"), e.target.value);
  });
  // Enter in the store search filters; it must not submit the dialog.
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target.matches("[data-store-search]")) e.preventDefault();
  });

  // ---- Allowed API Methods: mode, block toggles, search ----------------
  // A block's title is a checkbox (revealed here): it ticks or clears every
  // method of the block (seed 003's note), and shows whether all, some or
  // none are ticked.
  function blockBoxes(block) {
    return block.querySelectorAll('input[name="method"]:not([disabled])');
  }

  function syncBlock(block) {
    var toggle = block.querySelector("[data-block-toggle]");
    if (!toggle) return;
    var boxes = blockBoxes(block);
    var on = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
    toggle.checked = boxes.length > 0 && on === boxes.length;
    toggle.indeterminate = on > 0 && on < boxes.length;
  }

  function syncMethodPicker(fieldset) {
    var chosen = fieldset.querySelector('input[data-methods-mode][value="chosen"]');
    var picker = fieldset.querySelector("[data-method-picker]");
    if (picker && chosen) picker.hidden = !chosen.checked;
  }

  function filterMethods(picker, text) {
    var q = text.trim().toLowerCase();
    var shown = 0;
    picker.querySelectorAll("[data-method-block]").forEach(function (block) {
      var inBlock = 0;
      block.querySelectorAll("[data-method-text]").forEach(function (item) {
        var match = !q || item.getAttribute("data-method-text").toLowerCase().indexOf(q) >= 0;
        item.hidden = !match;
        if (match) inBlock++;
      });
      block.hidden = inBlock === 0;
      shown += inBlock;
    });
    var none = picker.querySelector("[data-method-none]");
    if (none) none.hidden = shown > 0;
  }

  function enhanceMethods(root) {
    root.querySelectorAll("fieldset.methods-field").forEach(function (fieldset) {
      fieldset.querySelectorAll("[data-block-toggle], [data-method-search]").forEach(function (el) { el.hidden = false; });
      fieldset.querySelectorAll("[data-method-block]").forEach(syncBlock);
      syncMethodPicker(fieldset);
    });
  }

  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches("input[data-methods-mode]")) {
      syncMethodPicker(t.closest("fieldset.methods-field"));
      return;
    }
    var block = t.closest && t.closest("[data-method-block]");
    if (!block) return;
    if (t.hasAttribute("data-block-toggle")) {
      blockBoxes(block).forEach(function (b) { b.checked = t.checked; });
    }
    syncBlock(block);
  });
  document.addEventListener("input", function (e) {
    if (e.target.matches("[data-method-search]")) filterMethods(e.target.closest("[data-method-picker]"), e.target.value);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target.matches("[data-method-search]")) e.preventDefault();
  });

  function enhance(root) {
    enhanceSecrets(root);
    enhanceRoles(root);
    enhanceLife(root);
    enhanceMethods(root);
    var list = root.querySelector ? root.querySelector("#key-list") : null;
    if (list) updateSelection(list);
  }

  enhance(document);
})();
