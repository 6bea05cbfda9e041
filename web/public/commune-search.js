// Commune autocomplete for the sign-up form. Without JavaScript the server resolves the typed
// name or postal code itself; with it, the list fills as one types and the choice sets the code.
(function () {
  const input = document.querySelector('[data-commune-search]')
  if (!input) return
  const list = document.getElementById(input.getAttribute('list'))
  const code = document.getElementById('communeCode')
  let timer
  let options = []
  const label = (c) => `${c.nom} (${c.departement}) — ${c.codesPostaux.slice(0, 3).join(', ')}`
  input.addEventListener('input', () => {
    const chosen = options.find((c) => label(c) === input.value)
    code.value = chosen ? chosen.code : ''
    if (chosen) return
    clearTimeout(timer)
    timer = setTimeout(async () => {
      if (input.value.trim().length < 2) return
      const res = await fetch('/api/communes?q=' + encodeURIComponent(input.value.trim()))
      if (!res.ok) return
      options = await res.json()
      list.replaceChildren(...options.map((c) => Object.assign(document.createElement('option'), { value: label(c) })))
    }, 150)
  })
})()
