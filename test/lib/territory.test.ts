import t from 'tap'
import fc from 'fast-check'
import {
  findCommune,
  findDepartement,
  findRegion,
  listDepartements,
  listRegions,
  searchCommunes,
  searchKey,
} from '../../server/lib/territory.ts'

t.test('Bordeaux (33063): Gironde, Nouvelle-Aquitaine, metropolitan — the debtor’s seat', async (t) => {
  const bordeaux = findCommune('33063')
  t.match(bordeaux, {
    code: '33063',
    nom: 'Bordeaux',
    departement: { code: '33', nom: 'Gironde' },
    region: { code: '75', nom: 'Nouvelle-Aquitaine' },
    overseas: false,
  })
  t.ok(bordeaux?.codesPostaux.includes('33100'), '87 quai des Queyries, 33100 Bordeaux')
})

t.test('Saint-Denis (97411), La Réunion: overseas, hence +2 months to declare (R622-24)', async (t) => {
  t.match(findCommune('97411'), {
    nom: 'Saint-Denis',
    departement: { code: '974', nom: 'La Réunion' },
    region: { code: '04', nom: 'La Réunion' },
    overseas: true,
  })
})

t.test('Ajaccio (2A004), Corse-du-Sud: an island, but metropolitan France', async (t) => {
  t.match(findCommune('2A004'), { nom: 'Ajaccio', departement: { code: '2A' }, region: { code: '94', nom: 'Corse' }, overseas: false })
  t.equal(findCommune('2a004')?.nom, 'Ajaccio', 'lower-case Corsican code')
})

t.test('DROM and COM are overseas, everything else is metropolitan', async (t) => {
  t.equal(findCommune('97105')?.overseas, true, 'Basse-Terre, Guadeloupe')
  t.equal(findCommune('97209')?.overseas, true, 'Fort-de-France, Martinique')
  t.equal(findCommune('97302')?.overseas, true, 'Cayenne, Guyane')
  t.equal(findCommune('97611')?.overseas, true, 'Mamoudzou, Mayotte')
  t.equal(findCommune('97502')?.overseas, true, 'Saint-Pierre, Saint-Pierre-et-Miquelon (COM)')
  t.equal(findCommune('98735')?.overseas, true, 'Papeete, Polynésie française (COM)')
  const misplaced = listDepartements().filter((d) => d.overseas !== (d.code.startsWith('97') || d.code.startsWith('98')))
  t.same(misplaced, [], 'a département is overseas exactly when its code starts with 97 or 98')
})

t.test('unknown or former codes give null', async (t) => {
  t.equal(findCommune('00000'), null)
  t.equal(findCommune(''), null)
  t.equal(findCommune('33000'), null, 'a postal code is not an INSEE code')
  t.equal(findCommune('01039'), null, 'Béon, merged into a commune nouvelle (delegated communes are not current)')
  t.equal(findCommune('17277')?.nom, 'Essouvert', 'a commune nouvelle may keep the code of one of its former communes')
  t.equal(findDepartement('00'), null)
  t.equal(findRegion('99'), null)
})

t.test('Sirene’s arrondissement codes for Paris, Lyon and Marseille resolve to the commune', async (t) => {
  t.equal(findCommune('75111')?.code, '75056', 'Paris 11e')
  t.equal(findCommune('69383')?.nom, 'Lyon', 'Lyon 3e')
  t.equal(findCommune('13205')?.nom, 'Marseille', 'Marseille 5e')
})

t.test('search "saint-denis" finds several communes, exact names first', async (t) => {
  const results = searchCommunes('saint-denis', 20)
  const exact = results.filter((c) => c.nom === 'Saint-Denis')
  t.ok(exact.length >= 3, `${exact.length} Saint-Denis`)
  t.same(new Set(results.slice(0, exact.length).map((c) => c.nom)), new Set(['Saint-Denis']), 'exact names before longer ones')
  t.ok(exact.some((c) => c.code === '97411'), 'including La Réunion')
  t.ok(results.some((c) => c.nom.startsWith('Saint-Denis-')), 'and prefixed names such as Saint-Denis-d’Oléron')
})

t.test('search ignores case, accents, hyphens and "St"', async (t) => {
  const sameAs = (query: string): string[] => searchCommunes(query, 5).map((c) => c.code)
  t.same(sameAs('SAINT DENIS'), sameAs('saint-denis'))
  t.same(sameAs('st denis'), sameAs('saint-denis'))
  t.same(sameAs('St-Denis'), sameAs('saint-denis'))
  t.equal(searchCommunes('orleans', 1)[0]?.nom, 'Orléans')
  t.equal(searchCommunes('ILE DE BATZ', 1)[0]?.nom, 'Île-de-Batz')
  t.equal(searchCommunes('l’ile d’yeu', 1)[0]?.nom, "L'Île-d'Yeu", 'typographic or straight apostrophe')
  t.equal(searchCommunes('bordeaux', 1)[0]?.code, '33063')
})

t.test('search by postal code', async (t) => {
  t.same(searchCommunes('33100').map((c) => c.code), ['33063'], '33100 is Bordeaux only')
  const gironde = searchCommunes('331', 50)
  t.ok(gironde.length > 1)
  t.ok(gironde.every((c) => c.codesPostaux.some((p) => p.startsWith('331'))))
  t.same(searchCommunes('97400').map((c) => c.nom), ['Saint-Denis'])
})

t.test('search limits and empty queries', async (t) => {
  t.same(searchCommunes(''), [])
  t.same(searchCommunes('   '), [])
  t.same(searchCommunes('--'), [])
  t.same(searchCommunes('saint', 0), [])
  t.equal(searchCommunes('saint').length, 10, 'default limit')
  t.equal(searchCommunes('saint', 1000).length, 100, 'capped')
  t.same(searchCommunes('zzzzzz'), [])
})

t.test('property: every search result matches the query', async (t) => {
  const prefixes = fc.constantFrom('saint', 'la', 'le', 'mont', 'bor', 'é', 'vill', 'ch', 'ste', '75', '97', '2')
  fc.assert(
    fc.property(prefixes, fc.integer({ min: 1, max: 30 }), (query, limit) => {
      const results = searchCommunes(query, limit)
      return results.length <= limit && results.every((c) =>
        /^\d+$/.test(query) ? c.codesPostaux.some((p) => p.startsWith(query)) : searchKey(c.nom).startsWith(searchKey(query)))
    }),
    { numRuns: 50 },
  )
  t.pass()
})

t.test('départements and régions', async (t) => {
  const departements = listDepartements()
  t.equal(departements.length, 109, '101 départements and 8 other territories')
  t.match(findDepartement('33'), { nom: 'Gironde', region: { code: '75', nom: 'Nouvelle-Aquitaine' }, overseas: false })
  t.match(findDepartement('976'), { nom: 'Mayotte', overseas: true })
  const codes = departements.map((d) => d.code)
  t.ok(codes.indexOf('29') < codes.indexOf('2A') && codes.indexOf('2B') < codes.indexOf('30'), 'Corsica sorted where INSEE puts it')
  const regions = listRegions()
  t.equal(regions.filter((r) => !r.overseas).length, 13, '13 metropolitan régions')
  t.same(regions.filter((r) => r.code.length === 2 && r.overseas).map((r) => r.nom), ['Guadeloupe', 'Martinique', 'Guyane', 'La Réunion', 'Mayotte'])
})
