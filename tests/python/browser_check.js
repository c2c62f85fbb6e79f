// Injected at the end of a copy of the page by test_html_browser.py: after the load event
// it checks the rendered page and writes the findings as JSON into <pre id="browser-test">.
window.addEventListener('load', function () {
  var out = {errors: window.__pageErrors || []};
  var answer = document.getElementById('answer');
  var images = Array.prototype.slice.call(document.images);
  out.answer = !!answer;
  out.images = images.length;
  out.undecoded = images.filter(function (i) { return !(i.complete && i.naturalWidth > 0); })
    .map(function (i) { return i.alt; });
  out.answerFirst = !!answer && images.length > 0 &&
    !!(answer.compareDocumentPosition(images[0]) & Node.DOCUMENT_POSITION_FOLLOWING);
  var rows = answer ? answer.querySelectorAll('table.answer tbody tr') : [];
  out.answerRows = rows.length;
  out.answerBottom = rows.length ? rows[rows.length - 1].getBoundingClientRect().bottom : -1;
  out.viewport = window.innerHeight;
  // Sort the runs table by speedup: ascending, then descending on a second click.
  var table = document.getElementById('runs-table');
  var column = -1;
  var heads = table ? table.tHead.rows[0].cells : [];
  for (var i = 0; i < heads.length; i++) if (heads[i].textContent.trim() === 'speedup') column = i;
  function values() {
    return Array.prototype.map.call(table.tBodies[0].rows, function (r) {
      var s = r.cells[column].getAttribute('data-sort');
      return s === null ? null : parseFloat(s);
    }).filter(function (v) { return v !== null; });
  }
  function sorted(v, up) {
    for (var k = 1; k < v.length; k++) if (up ? v[k - 1] > v[k] : v[k - 1] < v[k]) return false;
    return v.length > 1;
  }
  if (column >= 0) {
    var before = values();
    heads[column].querySelector('button').click();
    out.sortedUp = sorted(values(), true);
    heads[column].querySelector('button').click();
    out.sortedDown = sorted(values(), false);
    out.sortChanged = JSON.stringify(before) !== JSON.stringify(values());
    out.ariaSort = heads[column].getAttribute('aria-sort');
  }
  out.filterShown = !!document.getElementById('filter-row') &&
    !document.getElementById('filter-row').hidden;
  var pre = document.createElement('pre');
  pre.id = 'browser-test';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
