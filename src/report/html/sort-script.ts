/**
 * The report's one inline script (its hash is in the CSP): click a header of a `sortable`
 * table, or press Enter/Space on it, to sort by that column; again to reverse. Numeric columns
 * (`data-type="number"`) sort largest first on the first click, text columns A→Z, by code
 * unit (no locale, so every browser gives the same order); ties keep the previous order.
 * Listeners are attached with addEventListener: inline handlers would need 'unsafe-inline'.
 * The page is complete without it.
 */
export const SORT_SCRIPT = `
(function () {
  'use strict';
  function key(row, col, numeric) {
    var cell = row.cells[col];
    if (!cell) return numeric ? NaN : '';
    var raw = cell.getAttribute('data-sort');
    if (raw === null) raw = cell.textContent.trim();
    return numeric ? parseFloat(raw) : raw.toLowerCase();
  }
  function compare(a, b, numeric) {
    if (numeric) {
      var an = isNaN(a), bn = isNaN(b);
      if (an || bn) return an === bn ? 0 : an ? 1 : -1;
      return a - b;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  }
  function sortBy(table, th, col) {
    var numeric = th.getAttribute('data-type') === 'number';
    var current = th.getAttribute('aria-sort');
    var descending = current === 'none' ? numeric : current === 'ascending';
    var body = table.tBodies[0];
    var rows = Array.prototype.map.call(body.rows, function (row, index) {
      return {row: row, index: index, key: key(row, col, numeric)};
    });
    rows.sort(function (a, b) {
      var c = compare(a.key, b.key, numeric);
      if (numeric && (isNaN(a.key) || isNaN(b.key))) return c || a.index - b.index;
      return (descending ? -c : c) || a.index - b.index;
    });
    rows.forEach(function (r) { body.appendChild(r.row); });
    Array.prototype.forEach.call(th.parentNode.cells, function (other) { other.setAttribute('aria-sort', 'none'); });
    th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    if (!table.tHead || !table.tBodies[0]) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.setAttribute('tabindex', '0');
      th.setAttribute('aria-sort', 'none');
      th.setAttribute('title', 'Sort by this column');
      th.addEventListener('click', function () { sortBy(table, th, col); });
      th.addEventListener('keydown', function (event) {
        if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); sortBy(table, th, col); }
      });
    });
    table.classList.add('sort-ready');
  });
})();
`
