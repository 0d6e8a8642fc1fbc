"use strict";
(function () {
  function sortTable(table, col, kind) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var dir = table.getAttribute("data-col") === String(col) && table.getAttribute("data-dir") === "asc" ? "desc" : "asc";
    rows.sort(function (a, b) {
      var x = a.cells[col].textContent, y = b.cells[col].textContent;
      var c = kind === "num" ? Number(x) - Number(y) : x.localeCompare(y);
      return dir === "asc" ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    table.setAttribute("data-col", String(col));
    table.setAttribute("data-dir", dir);
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      var kind = th.getAttribute("data-sort");
      if (kind) { th.addEventListener("click", function () { sortTable(table, col, kind); }); }
    });
  });
  var code = document.getElementById("f-code");
  var sev = document.getElementById("f-sev");
  var path = document.getElementById("f-path");
  var count = document.getElementById("f-count");
  var items = document.querySelectorAll("#finding-list > li");
  function filter() {
    if (!code) { return; }
    var shown = 0;
    Array.prototype.forEach.call(items, function (li) {
      var ok = (!code.value || li.getAttribute("data-code") === code.value) &&
        (!sev.value || li.getAttribute("data-sev") === sev.value) &&
        (!path.value || li.getAttribute("data-path").indexOf(path.value) !== -1);
      li.classList.toggle("hidden", !ok);
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + items.length + " shown";
  }
  if (code) {
    code.addEventListener("change", filter);
    sev.addEventListener("change", filter);
    path.addEventListener("input", filter);
    document.getElementById("filters").addEventListener("submit", function (e) { e.preventDefault(); });
    Array.prototype.forEach.call(document.querySelectorAll("a.file"), function (a) {
      a.addEventListener("click", function () { path.value = a.getAttribute("data-path"); filter(); });
    });
    filter();
  }
  document.documentElement.setAttribute("data-ready", "1");
})();
