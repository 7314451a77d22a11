/* Bầu cử Live — entry forms: keyboard navigation, countdowns, drafts kept in the browser.
 *
 * - Enter in an `.entry-field` moves to the next visible field of its form
 *   ([data-entry-form]); in an `.entry-save-on-enter` field it first presses the save
 *   button (`.entry-save`) of its row ([data-entry-row]). Enter on a checkbox ticks it.
 * - `[data-countdown]` elements count down from the server's number of seconds.
 * - window.dash_clientside.entry.* keep what is typed (local storage via dcc.Store).
 */
(function () {
  "use strict";

  /* Dash 4 wraps a dcc.Input in a div carrying its className: the box is the <input>
   * itself or the one inside the `.entry-field` element. */
  function boxOf(el) {
    if (!el) { return null; }
    return el.tagName === "INPUT" ? el : el.querySelector("input");
  }

  function fieldOf(el) {
    if (!el || !el.closest) { return null; }
    return el.classList.contains("entry-field") ? el : el.closest(".entry-field");
  }

  function visibleFields(scope) {
    return Array.prototype.map.call(scope.querySelectorAll(".entry-field"), boxOf)
      .filter(function (el) {
        // boxes folded inside a closed <details> (the optional breakdown) are skipped
        return el && !el.disabled && el.offsetParent !== null &&
          !el.closest("details:not([open])");
      });
  }

  /* Enter acts on key-up: moving the focus on key-down would hand the rest of the key
   * press to the next box (Dash 4 ticks a focused checklist box on Enter by itself). */
  var pressed = null;
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter" || ev.isComposing) { return; }
    var el = ev.target;
    if (!fieldOf(el) || el.tagName !== "INPUT") { return; }
    if (el.type !== "checkbox") { ev.preventDefault(); }
    pressed = el;
  }, true);

  document.addEventListener("keyup", function (ev) {
    if (ev.key !== "Enter") { return; }
    var el = ev.target;
    var marked = fieldOf(el);
    if (!marked || el !== pressed) { pressed = null; return; }
    pressed = null;
    ev.preventDefault();
    var row = el.closest("[data-entry-row]");
    if (marked.classList.contains("entry-save-on-enter") && row) {
      var button = row.querySelector(".entry-save");
      if (button && !button.disabled) { button.click(); }
    }
    var form = el.closest("[data-entry-form]") || document;
    var fields = visibleFields(form);
    var next = fields[fields.indexOf(el) + 1];
    if (next) {
      next.focus();
      if (next.select) { next.select(); }
    }
  }, true);

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var base = el.getAttribute("data-countdown");
      if (el._cdBase !== base) { el._cdBase = base; el._cdStart = now; }
      var left = Math.max(0, parseInt(base, 10) - Math.floor((now - el._cdStart) / 1000));
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      var text = (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s);
      // only on change: the observer below sees our own writes too
      if (el.textContent !== text) { el.textContent = text; }
      if (el.classList.contains("countdown-low") !== left < 300) {
        el.classList.toggle("countdown-low", left < 300);
      }
    });
  }
  setInterval(tick, 1000);
  /* When a form has just been drawn and nothing has the focus, put it in the first
   * box that is still empty (else the first box): typing can start at once. */
  function focusForm() {
    var active = document.activeElement;
    if (active && active !== document.body && active !== document.documentElement) { return; }
    var form = document.querySelector("[data-entry-form]");
    if (!form) { return; }
    var fields = visibleFields(form).filter(function (el) { return el.type !== "checkbox"; });
    var empty = fields.filter(function (el) { return el.value === ""; });
    var target = empty[0] || fields[0];
    if (target) { target.focus(); }
  }

  // new countdowns show at once, not up to a second later; new forms get the focus
  new MutationObserver(function (records) {
    var added = records.some(function (r) {
      return r.addedNodes.length && r.target.nodeType === 1 &&
        !r.target.hasAttribute("data-countdown");
    });
    if (added) { tick(); focusForm(); }
  }).observe(document.documentElement, { childList: true, subtree: true });

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function versionOf(list, key, value) {
    var found = null;
    (list || []).forEach(function (item) {
      if (item.id && item.id[key] === value) { found = item.value; }
    });
    return found === undefined ? null : found;
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    entry: {
      /* Turnout: one draft per polling area, dropped once it equals what was loaded. */
      turnoutDrafts: function (values, versions, ctx, drafts) {
        var cc = window.dash_clientside.callback_context;
        if (!ctx || !ctx.prefix || !ctx.editable) { return window.dash_clientside.no_update; }
        var out = Object.assign({}, drafts || {});
        var rows = {};
        cc.inputs_list[0].forEach(function (item) {
          var area = item.id.area, pos = { total: 0, male: 1, female: 2 }[item.id.f];
          rows[area] = rows[area] || ["", "", ""];
          rows[area][pos] = item.value == null ? "" : String(item.value);
        });
        Object.keys(rows).forEach(function (area) {
          var key = ctx.prefix + "|" + area;
          if (same(rows[area], (ctx.base || {})[area])) { delete out[key]; return; }
          out[key] = {
            v: rows[area],
            version: versionOf(cc.states_list[0], "area", area),
            at: new Date().toISOString()
          };
        });
        return out;
      },
      /* Tally: one draft per polling area × level. */
      tallyDrafts: function (counts, votes, types, version, ctx, drafts) {
        var cc = window.dash_clientside.callback_context;
        if (!ctx || !ctx.prefix || !ctx.editable) { return window.dash_clientside.no_update; }
        var out = Object.assign({}, drafts || {});
        var typed = { counts: {}, votes: {}, types: {} };
        cc.inputs_list[0].forEach(function (item) {
          typed.counts[item.id.f] = item.value == null ? "" : String(item.value);
        });
        cc.inputs_list[1].forEach(function (item) {
          typed.votes[String(item.id.cand)] = item.value == null ? "" : String(item.value);
        });
        cc.inputs_list[2].forEach(function (item) {
          typed.types[String(item.id.k)] = item.value == null ? "" : String(item.value);
        });
        var base = ctx.base || {};
        if (same(typed.counts, base.counts) && same(typed.votes, base.votes) &&
            same(typed.types, base.types || {})) {
          delete out[ctx.prefix];
        } else {
          out[ctx.prefix] = {
            counts: typed.counts, votes: typed.votes, types: typed.types,
            version: version === undefined ? null : version,
            at: new Date().toISOString()
          };
        }
        return out;
      }
    }
  });
})();
