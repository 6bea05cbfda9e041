// Progress of a reading without reloading the page: polls the job's small JSON state, updates the
// status, the progress bar and each page's line, and offers to show new results (a reload would
// lose a correction being typed). Without JavaScript, the page refreshes itself instead.
(function () {
  var root = document.getElementById('lecture')
  if (!root || !root.dataset.running) return
  var url = root.dataset.progress
  var shown = document.querySelectorAll('.candidate').length
  function text(el, value) { if (el) el.textContent = value }
  function tick() {
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null })
      .then(function (s) {
        if (!s) return setTimeout(tick, 5000)
        var status = s.statusLabel + (s.pagesTotal ? ' — ' + s.pagesDone + ' page(s) lue(s) sur ' + s.pagesTotal : '') + (s.error ? '. ' + s.error : '')
        text(document.getElementById('etat'), status)
        var bar = document.getElementById('progression')
        if (bar && s.pagesTotal) { bar.max = s.pagesTotal; bar.value = s.pagesDone }
        s.pages.forEach(function (p) {
          var li = document.querySelector('#pages li[data-page="' + p.page + '"] .page-status')
          text(li, p.statusLabel + (p.candidates ? ' — ' + p.candidates + ' pass lu(s)' : '') + (p.error ? ' — ' + p.error : ''))
        })
        var fresh = s.candidates - shown
        var done = s.status !== 'queued' && s.status !== 'running'
        var notice = document.getElementById('nouveaux')
        if (notice && (fresh > 0 || done)) {
          notice.hidden = false
          text(notice.querySelector('span'), (fresh > 0 ? fresh + ' nouveau(x) pass lu(s).' : '') + (done ? ' Lecture ' + s.statusLabel + '.' : ''))
          notice.querySelector('a').onclick = function () { location.reload(); return false }
        }
        if (!done) setTimeout(tick, 2000)
      })
      .catch(function () { setTimeout(tick, 5000) })
  }
  // The no-JavaScript refresh is not needed here.
  var meta = document.querySelector('meta[http-equiv="refresh"]')
  if (meta) meta.parentNode.removeChild(meta)
  setTimeout(tick, 1500)
})()
