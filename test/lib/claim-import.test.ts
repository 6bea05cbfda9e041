import t from 'tap'
import { performance } from 'node:perf_hooks'
import { columnLetter, guessMapping, validateRows } from '../../server/lib/claim-import.ts'
import type { ColumnRole, ImportOptions } from '../../server/lib/claim-import.ts'
import { DEFAULT_IDENTIFIER_RULE } from '../../server/lib/pass-identifier.ts'
import { readTable } from '../../server/lib/spreadsheet.ts'
import type { SheetTable } from '../../server/lib/spreadsheet.ts'

const options: ImportOptions = {
  rule: DEFAULT_IDENTIFIER_RULE,
  defaultFaceValueCents: 1000,
  judgmentDate: '2024-01-16', // liquidation of #APTIC
  today: '2024-06-30',
}

/** A table as readTable returns it: the header is row 1, data rows follow. */
function sheet(header: string[], ...rows: string[][]): SheetTable {
  return { format: 'csv', header, rows: rows.map((cells, i) => ({ rowNumber: i + 2, cells })) }
}

const FULL_HEADER = ['Identifiant', 'Montant', 'Date', 'Date de scan', 'Commanditaire']
const FULL_MAPPING: ColumnRole[] = ['identifier', 'faceValue', 'serviceDate', 'scanDate', 'funder']

t.test('columnLetter names columns like a spreadsheet', async (t) => {
  t.same([0, 1, 25, 26, 27, 51, 52, 701, 702].map(columnLetter), ['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA', 'ZZ', 'AAA'])
  t.throws(() => columnLetter(-1), RangeError)
})

t.test('guessMapping reads French titles, any case, with or without accents', async (t) => {
  t.same(guessMapping(['N° de pass', 'Valeur faciale (€)', 'Date de l’atelier', 'Date de scan', 'Financeur', 'Remarques']),
    ['identifier', 'faceValue', 'serviceDate', 'scanDate', 'funder', 'ignore'])
  t.same(guessMapping(['IDENTIFIANT', 'MONTANT', 'UTILISÉ LE', 'SCANNÉ LE', 'ACHETEUR']),
    ['identifier', 'faceValue', 'serviceDate', 'scanDate', 'funder'])
  t.same(guessMapping(['numero', 'prix', 'date d utilisation', 'scanne le', 'commanditaire']),
    ['identifier', 'faceValue', 'serviceDate', 'scanDate', 'funder'])
  t.same(guessMapping(['Code', 'Valeur', 'Date de service']), ['identifier', 'faceValue', 'serviceDate'])
})

t.test('guessMapping reads English exports', async (t) => {
  t.same(guessMapping(['Serial', 'Amount', 'Date', 'Scanned at', 'Buyer']), ['identifier', 'faceValue', 'serviceDate', 'scanDate', 'funder'])
  t.same(guessMapping(['id', 'Face value', 'Funder']), ['identifier', 'faceValue', 'funder'])
})

t.test('guessMapping leaves look-alikes and second candidates alone', async (t) => {
  t.same(guessMapping(['N° SIRET', 'Numéro de carnet', 'Numéro du pass', 'Date d’émission', 'Date']),
    ['ignore', 'ignore', 'identifier', 'ignore', 'serviceDate'], 'SIRET, carnet and issue date are not ours')
  t.same(guessMapping(['Date de scan', 'Code scanné']), ['scanDate', 'identifier'], 'a scanned code is an identifier')
  t.same(guessMapping(['Numéro', 'Code']), ['identifier', 'ignore'], 'one column per role, the first one wins')
  t.same(guessMapping(['Montant du pass', 'Montant']), ['faceValue', 'ignore'])
  t.same(guessMapping(['', 'Observations']), ['ignore', 'ignore'])
})

t.test('good rows become lines', async (t) => {
  const result = validateRows(sheet(FULL_HEADER,
    ['pn-2019-a000-1234', '10,00', '12/03/2023', '12/03/2023', 'Gironde'],
    ['PN2019A0001235', '', '2024-02-01', '05/02/2024 14:32', ''],
    ['PN2019A0001236', '5', '', '', 'Bordeaux Métropole'],
  ), FULL_MAPPING, options)
  t.same(result.errors, [])
  t.same(result.duplicates, [])
  t.same(result.lines, [
    { rowNumber: 2, identifier: 'PN2019A0001234', faceValueCents: 1000, faceValueOverridden: true, serviceDate: '2023-03-12', scanDate: '2023-03-12', funder: 'Gironde', afterJudgment: false },
    { rowNumber: 3, identifier: 'PN2019A0001235', faceValueCents: 1000, faceValueOverridden: false, serviceDate: '2024-02-01', scanDate: '2024-02-05', funder: null, afterJudgment: true },
    { rowNumber: 4, identifier: 'PN2019A0001236', faceValueCents: 500, faceValueOverridden: true, serviceDate: null, scanDate: null, funder: 'Bordeaux Métropole', afterJudgment: null },
  ])
})

t.test('a file with identifiers only takes the default face value', async (t) => {
  const result = validateRows(sheet(['Numéro', 'Notes'], ['PN2019A0001234', 'atelier CV']), ['identifier', 'ignore'], { ...options, defaultFaceValueCents: 1000 })
  t.same(result.lines.map((line) => [line.faceValueCents, line.faceValueOverridden, line.serviceDate, line.afterJudgment]), [[1000, false, null, null]])
})

t.test('the judgment takes effect at 0:00 on its own day: a pass used that day is post-opening', async (t) => {
  const result = validateRows(sheet(['Identifiant', 'Date'], ['PN2019A0001233', '15/01/2024'], ['PN2019A0001234', '16/01/2024'], ['PN2019A0001235', '17/01/2024']), ['identifier', 'serviceDate'], options)
  t.same(result.lines.map((line) => line.afterJudgment), [false, true, true])
})

t.test('three bad rows give three located errors; the good rows still become lines', async (t) => {
  const result = validateRows(sheet(['Identifiant', 'Montant', 'Date'],
    ['PN2019A0001234', '10,00', '12/03/2023'],
    ['PN/2019', '10,00', '12/03/2023'],
    ['PN2019A0001236', '10,00', '13/03/2023'],
    ['PN2019A0001237', 'dix euros', '13/03/2023'],
    ['PN2019A0001238', '10,00', '13/03/23'],
    ['PN2019A0001239', '10,00', '14/03/2023'],
  ), ['identifier', 'faceValue', 'serviceDate'], options)
  t.same(result.errors, [
    { rowNumber: 3, column: 'A (Identifiant)', value: 'PN/2019', reason: 'numéro de pass au mauvais format', fix: 'recopiez le numéro tel qu’il est imprimé sur le pass, au format PN2019A0001234' },
    { rowNumber: 5, column: 'B (Montant)', value: 'dix euros', reason: 'montant illisible', fix: 'écrivez le montant en euros, par exemple 10,00' },
    { rowNumber: 6, column: 'C (Date)', value: '13/03/23', reason: 'année sur deux chiffres', fix: 'écrivez la date au format jj/mm/aaaa avec l’année sur quatre chiffres, par exemple 16/01/2024' },
  ])
  t.same(result.lines.map((line) => line.rowNumber), [2, 4, 7])
})

t.test('each cell rule, with its reason', async (t) => {
  const reasons = (rows: string[][]): [number, string, string][] =>
    validateRows(sheet(FULL_HEADER, ...rows), FULL_MAPPING, options).errors.map((e) => [e.rowNumber, e.column, e.reason])
  t.same(reasons([
    ['', '10,00', '', '', 'Total'],
    ['PN2019A0001001', '0', '', '', ''],
    ['PN2019A0001002', '-10,00', '', '', ''],
    ['PN2019A0001003', '1 000,01', '', '', ''],
    ['PN2019A0001004', '1 000,00', '', '', ''],
    ['PN2019A0001005', '10,00', '31/04/2023', '', ''],
    ['PN2019A0001006', '10,00', '01/07/2024', '', ''],
    ['PN2019A0001007', '10,00', 'hier', '', ''],
    ['PN2019A0001008', '10,00', '12/03/2023', '11/03/2023', ''],
    ['PN2019A0001009', '10,00', '12/03/2023', '2023-03-12T09:15:00Z', ''],
  ]), [
    [2, 'A (Identifiant)', 'numéro de pass manquant'],
    [3, 'B (Montant)', 'montant nul ou négatif'],
    [4, 'B (Montant)', 'montant nul ou négatif'],
    [5, 'B (Montant)', 'montant supérieur à 1\u00A0000,00\u00A0€'],
    [7, 'C (Date)', 'date inexistante'],
    [8, 'C (Date)', 'date dans le futur'],
    [9, 'C (Date)', 'date illisible'],
    [10, 'D (Date de scan)', 'date de scan antérieure à la date d’utilisation'],
  ])
})

t.test('one row can carry several errors, and is then not a line', async (t) => {
  const result = validateRows(sheet(FULL_HEADER, ['PN2019A0001234', 'gratuit', '12/03/23', '', '']), FULL_MAPPING, options)
  t.same(result.errors.map((e) => e.column), ['B (Montant)', 'C (Date)'])
  t.same(result.lines, [])
})

t.test('a column without a title is named by its letter', async (t) => {
  const result = validateRows(sheet(['Identifiant', ''], ['PN2019A0001234', 'x']), ['identifier', 'faceValue'], options)
  t.same(result.errors.map((e) => [e.column, e.value]), [['B', 'x']])
})

t.test('without an identifier column nothing can be imported', async (t) => {
  const result = validateRows(sheet(['Montant', 'Date'], ['10,00', '12/03/2023']), ['faceValue', 'serviceDate'], options)
  t.same(result.lines, [])
  t.equal(result.errors.length, 1)
  t.match(result.errors[0], { rowNumber: 0, column: '', reason: 'aucune colonne ne contient le numéro des pass', fix: /« Montant », « Date »/ })
})

t.test('two columns for the same role must be resolved first', async (t) => {
  const result = validateRows(sheet(['Identifiant', 'Montant', 'Prix'], ['PN2019A0001234', '10', '10']), ['identifier', 'faceValue', 'faceValue'], options)
  t.same(result.errors, [{ rowNumber: 0, column: 'B (Montant), C (Prix)', value: '', reason: 'plusieurs colonnes contiennent le montant', fix: 'choisissez une seule colonne pour le montant et ignorez les autres' }])
})

t.test('duplicates are reported once with every row number and kept out of the lines', async (t) => {
  const result = validateRows(sheet(['Identifiant', 'Montant'],
    ['PN2019A0001234', '10,00'],
    ['PN2019A0001235', '10,00'],
    ['PN2019A0009999', '10,00'],
    ['pn 2019 a000 1234', '10,00'],
    ['PN2019A0009999', 'douze'],
    ['PN2019A0009999', '10,00'],
  ), ['identifier', 'faceValue'], options)
  t.same(result.duplicates, [
    { identifier: 'PN2019A0001234', rowNumbers: [2, 5] },
    { identifier: 'PN2019A0009999', rowNumbers: [4, 6, 7] },
  ], 'the same pass written differently is still the same pass')
  t.same(result.lines.map((line) => line.rowNumber), [3])
  t.same(result.errors.map((e) => e.rowNumber), [6], 'other errors on a duplicated row are still reported')
})

t.test('from bytes to lines: a French CSV through readTable, guessMapping and validateRows', async (t) => {
  const csv = '\uFEFFN° de pass;Valeur faciale;Date d’utilisation;Commanditaire\r\nPN2019A0001234;10,00;12/03/2023;"Mairie de Bègles; CCAS"\r\n\r\nPN2019A0001235;10,00;31/02/2023;Gironde\r\n'
  const read = await readTable(new TextEncoder().encode(csv), 'csv')
  if (!read.ok) throw new Error(read.error.message)
  const mapping = guessMapping(read.value.header)
  t.same(mapping, ['identifier', 'faceValue', 'serviceDate', 'funder'])
  const result = validateRows(read.value, mapping, options)
  t.same(result.lines.map((line) => [line.rowNumber, line.funder]), [[2, 'Mairie de Bègles; CCAS']])
  t.same(result.errors.map((e) => [e.rowNumber, e.column, e.reason]), [[4, 'C (Date d’utilisation)', 'date inexistante']], 'row 4 as in the spreadsheet, past the blank line')
})

t.test('validateRows is linear (timing printed, not asserted)', async (t) => {
  const generate = (count: number): SheetTable => sheet(FULL_HEADER, ...Array.from({ length: count }, (_, i) => [
    `PN2019A${String(i).padStart(7, '0')}`,
    i % 10 === 0 ? '' : '10,00',
    `${String((i % 28) + 1).padStart(2, '0')}/0${(i % 9) + 1}/2023`,
    `${String((i % 28) + 1).padStart(2, '0')}/0${(i % 9) + 1}/2023 10:00`,
    i % 2 === 0 ? 'Département de la Gironde' : '',
  ]))
  const time = (table: SheetTable): number => {
    const start = performance.now()
    const result = validateRows(table, FULL_MAPPING, options)
    const elapsed = performance.now() - start
    t.equal(result.lines.length, table.rows.length, `${table.rows.length} rows all valid`)
    return elapsed
  }
  const small = generate(10_000)
  const large = generate(40_000)
  time(small) // warm-up
  const smallMs = time(small)
  const largeMs = time(large)
  t.comment(`validateRows: 10 000 rows in ${smallMs.toFixed(1)} ms; 40 000 rows in ${largeMs.toFixed(1)} ms (×${(largeMs / smallMs).toFixed(1)} for ×4 rows)`)
})
