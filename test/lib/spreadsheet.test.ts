import t from 'tap'
import ExcelJS from 'exceljs'
import { MAX_TABLE_ROWS, detectDelimiter, readTable } from '../../server/lib/spreadsheet.ts'
import type { SheetTable, SpreadsheetErrorCode } from '../../server/lib/spreadsheet.ts'

// A claim file as a French structure saves it from Excel: ';', CRLF, decimal commas, accents,
// a quoted cell holding a ';', a blank line left in the middle and a trailing one.
const FRENCH_CSV = [
  'Identifiant;Valeur faciale;Date d’utilisation;Commanditaire',
  'PN2019A0001234;10,00;12/03/2023;Département de la Gironde',
  ' PN2019A0001235 ; 10,00 ;12/03/2023;"Mairie de Bègles; CCAS"',
  '',
  'PN2019A0001236;10,00 €;14/03/2023;Bordeaux Métropole',
  '',
].join('\r\n')

const EXPECTED_HEADER = ['Identifiant', 'Valeur faciale', 'Date d’utilisation', 'Commanditaire']
const EXPECTED_ROWS = [
  { rowNumber: 2, cells: ['PN2019A0001234', '10,00', '12/03/2023', 'Département de la Gironde'] },
  { rowNumber: 3, cells: ['PN2019A0001235', '10,00', '12/03/2023', 'Mairie de Bègles; CCAS'] },
  { rowNumber: 5, cells: ['PN2019A0001236', '10,00 €', '14/03/2023', 'Bordeaux Métropole'] },
]

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
const withBom = (bytes: Uint8Array): Uint8Array => new Uint8Array([0xef, 0xbb, 0xbf, ...bytes])

// Windows-1252 by hand, for the characters a French file uses beyond ASCII.
const CP1252: Record<string, number> = { 'é': 0xe9, 'è': 0xe8, 'à': 0xe0, 'ç': 0xe7, 'ô': 0xf4, '€': 0x80, '’': 0x92 }
function windows1252(text: string): Uint8Array {
  return new Uint8Array([...text].map((char) => {
    const code = char.charCodeAt(0)
    if (code < 0x80) return code
    const byte = CP1252[char]
    if (byte === undefined) throw new Error(`no Windows-1252 byte for ${char} in this test`)
    return byte
  }))
}

async function table(bytes: Uint8Array, kind: 'csv' | 'xlsx' = 'csv'): Promise<SheetTable> {
  const result = await readTable(bytes, kind)
  if (!result.ok) throw new Error(`unexpected error ${result.error.code}: ${result.error.message}`)
  return result.value
}

async function errorOf(bytes: Uint8Array, kind: 'csv' | 'xlsx' = 'csv'): Promise<{ code: SpreadsheetErrorCode; message: string }> {
  const result = await readTable(bytes, kind)
  if (result.ok) throw new Error('expected an error')
  return result.error
}

t.test('a French CSV in UTF-8 with a BOM', async (t) => {
  const sheet = await table(withBom(utf8(FRENCH_CSV)))
  t.equal(sheet.format, 'csv')
  t.equal(sheet.encoding, 'utf-8')
  t.equal(sheet.delimiter, ';', 'the comma of 10,00 is not taken for a delimiter')
  t.same(sheet.header, EXPECTED_HEADER, 'the BOM does not stick to the first title')
  t.same(sheet.rows, EXPECTED_ROWS, 'cells trimmed, quoted ";" kept, blank line dropped but row 5 stays row 5')
})

t.test('the same file saved in Windows-1252 reads the same', async (t) => {
  const bytes = windows1252(FRENCH_CSV)
  t.equal(bytes.includes(0xe9), true, 'the é really is the single byte 0xE9')
  const sheet = await table(bytes)
  t.equal(sheet.encoding, 'windows-1252')
  t.same(sheet.header, EXPECTED_HEADER)
  t.same(sheet.rows, EXPECTED_ROWS, '€ (0x80) and ’ (0x92) decoded too')
})

t.test('UTF-8 without BOM', async (t) => {
  const sheet = await table(utf8(FRENCH_CSV))
  t.equal(sheet.encoding, 'utf-8')
  t.same(sheet.rows, EXPECTED_ROWS)
})

t.test('a comma CSV with quoted decimal amounts', async (t) => {
  const csv = 'Identifier,Amount,Date\nPN2019A0001234,"10,00",2023-03-12\nPN2019A0001235,"10,50",2023-03-13\n'
  const sheet = await table(utf8(csv))
  t.equal(sheet.delimiter, ',')
  t.same(sheet.header, ['Identifier', 'Amount', 'Date'])
  t.same(sheet.rows.map((row) => row.cells), [['PN2019A0001234', '10,00', '2023-03-12'], ['PN2019A0001235', '10,50', '2023-03-13']])
})

t.test('a tab-separated file (copied from a spreadsheet)', async (t) => {
  const sheet = await table(utf8('Numéro\tMontant\tDate\nPN2019A0001234\t10,00\t12/03/2023\n'))
  t.equal(sheet.delimiter, '\t')
  t.same(sheet.rows, [{ rowNumber: 2, cells: ['PN2019A0001234', '10,00', '12/03/2023'] }])
})

t.test('Excel’s “Texte Unicode” export (UTF-16LE, tabs)', async (t) => {
  const text = '\uFEFFNuméro\tMontant\r\nPN2019A0001234\t10,00\r\n'
  const bytes = new Uint8Array(Buffer.from(text, 'utf16le'))
  const sheet = await table(bytes)
  t.equal(sheet.encoding, 'utf-16le')
  t.same(sheet.header, ['Numéro', 'Montant'])
  t.same(sheet.rows[0]?.cells, ['PN2019A0001234', '10,00'])
})

t.test('a quoted line break stays in its cell and row numbers follow the spreadsheet', async (t) => {
  const csv = 'Identifiant;Commentaire\nPN1;"première ligne\ndeuxième ligne"\nPN2;ok\n'
  const sheet = await table(utf8(csv))
  t.same(sheet.rows, [
    { rowNumber: 2, cells: ['PN1', 'première ligne\ndeuxième ligne'] },
    { rowNumber: 3, cells: ['PN2', 'ok'] },
  ])
})

t.test('rows are squared to the header; empty trailing columns and rows of bare separators vanish', async (t) => {
  const csv = 'Identifiant;Montant;\nPN1;;\n;;\nPN2\nPN3;10,00;;extra\n'
  const sheet = await table(utf8(csv))
  t.same(sheet.header, ['Identifiant', 'Montant', '', ''])
  t.same(sheet.rows, [
    { rowNumber: 2, cells: ['PN1', '', '', ''] },
    { rowNumber: 4, cells: ['PN2', '', '', ''] },
    { rowNumber: 5, cells: ['PN3', '10,00', '', 'extra'] },
  ])
})

t.test('delimiter detection respects quotes', async (t) => {
  t.equal(detectDelimiter('a;b;c\n1,5;2,5;3,5\n'), ';')
  t.equal(detectDelimiter('a,b,c\n"x;y",1,2\n"p;q;r",3,4\n'), ',')
  t.equal(detectDelimiter('"a;b",c\n"1;2",3\n'), ',', 'semicolons inside quoted titles do not count')
  t.equal(detectDelimiter('Identifiant\nPN1\n'), ';', 'a single column')
  t.equal(detectDelimiter('a;b,c\n1;2,3\n'), ';', 'a tie goes to the French ;')
})

t.test('refusals, each with a French message', async (t) => {
  t.equal((await errorOf(new Uint8Array())).code, 'empty_file')
  t.equal((await errorOf(withBom(utf8('\r\n  \r\n')))).code, 'empty_file')
  t.equal((await errorOf(utf8(';;;\n;;\n'))).code, 'empty_file')

  const noHeader = await errorOf(utf8('PN2019A0001234;10,00;12/03/2023\nPN2019A0001235;10,00;12/03/2023\n'))
  t.equal(noHeader.code, 'no_header')
  t.match(noHeader.message, /titres des colonnes.*« 10,00 »/)

  t.equal((await errorOf(utf8('Identifiant;Montant\n'))).code, 'no_rows')

  const unclosed = await errorOf(utf8('Identifiant;Commentaire\nPN1;"jamais fermé\nPN2;ok\n'))
  t.equal(unclosed.code, 'malformed_csv')
  t.match(unclosed.message, /guillemet/)

  t.equal((await errorOf(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0x00, 0x00]))).code, 'malformed_csv', 'an old .xls is not a CSV')
  t.equal((await errorOf(utf8('pas un classeur'), 'xlsx')).code, 'unreadable_xlsx')
  t.equal((await errorOf(new Uint8Array(), 'xlsx')).code, 'empty_file')
})

t.test(`more than ${MAX_TABLE_ROWS} rows is refused`, async (t) => {
  const lines = ['Identifiant']
  for (let i = 0; i <= MAX_TABLE_ROWS; i++) lines.push(`PN${i}`)
  const error = await errorOf(utf8(lines.join('\n')))
  t.equal(error.code, 'too_many_rows')
  t.match(error.message, /200\s000/)
  const atLimit = await table(utf8(lines.slice(0, -1).join('\n')))
  t.equal(atLimit.rows.length, MAX_TABLE_ROWS, 'exactly the limit is accepted')
})

async function xlsxBytes(build: (workbook: ExcelJS.Workbook) => void): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook()
  build(workbook)
  return new Uint8Array(await workbook.xlsx.writeBuffer())
}

t.test('an XLSX reads as the user sees it', async (t) => {
  const bytes = await xlsxBytes((workbook) => {
    const sheet = workbook.addWorksheet('Pass')
    sheet.addRow(['Identifiant', 'Montant', 'Date', 'Scanné le', 'Commanditaire', 'Payé'])
    sheet.addRow(['PN2019A0001234', 10.5, new Date(Date.UTC(2023, 2, 12)), new Date(Date.UTC(2023, 2, 12, 14, 32)), 'Gironde', true])
    sheet.addRow([]) // an empty row in the middle
    const row = sheet.addRow([
      { richText: [{ text: 'PN2019', font: { bold: true } }, { text: 'A0001235' }] },
      { formula: 'B2*2', result: 21 },
      { formula: 'C2+1', result: 44998 },
      null,
      { text: 'Mairie de Bègles', hyperlink: 'https://www.mairie-begles.fr' },
      false,
    ])
    row.getCell(3).numFmt = 'dd/mm/yyyy' // a formula whose number result is shown as a date
    const fixed = sheet.addRow(['PN2019A0001236', 10, null, null, '  Bordeaux  ', { formula: '1/0', result: { error: '#DIV/0!' } }])
    fixed.getCell(2).numFmt = '#,##0.00 "€"'
    sheet.addRow(['PN2019A0001237', 0.1 + 0.2])
  })
  const sheet = await table(bytes, 'xlsx')
  t.equal(sheet.format, 'xlsx')
  t.equal(sheet.encoding, undefined)
  t.same(sheet.header, ['Identifiant', 'Montant', 'Date', 'Scanné le', 'Commanditaire', 'Payé'])
  t.same(sheet.rows, [
    { rowNumber: 2, cells: ['PN2019A0001234', '10,5', '12/03/2023', '12/03/2023 14:32', 'Gironde', 'VRAI'] },
    { rowNumber: 4, cells: ['PN2019A0001235', '21', '13/03/2023', '', 'Mairie de Bègles', 'FAUX'] },
    { rowNumber: 5, cells: ['PN2019A0001236', '10,00', '', '', 'Bordeaux', '#DIV/0!'] },
    { rowNumber: 6, cells: ['PN2019A0001237', '0,3', '', '', '', ''] },
  ])
})

t.test('an XLSX: the first visible sheet, row numbers from the sheet', async (t) => {
  const bytes = await xlsxBytes((workbook) => {
    const hidden = workbook.addWorksheet('Paramètres', { state: 'hidden' })
    hidden.addRow(['ne pas lire'])
    const sheet = workbook.addWorksheet('Déclaration')
    sheet.getCell('A3').value = 'Identifiant'
    sheet.getCell('A4').value = 'PN2019A0001234'
  })
  const sheet = await table(bytes, 'xlsx')
  t.same(sheet.header, ['Identifiant'])
  t.same(sheet.rows, [{ rowNumber: 4, cells: ['PN2019A0001234'] }])
})

t.test('an XLSX without a header row or without data is refused like a CSV', async (t) => {
  const dataFirst = await xlsxBytes((workbook) => {
    workbook.addWorksheet('Pass').addRow(['PN2019A0001234', new Date(Date.UTC(2023, 2, 12))])
  })
  t.equal((await errorOf(dataFirst, 'xlsx')).code, 'no_header')
  const blank = await xlsxBytes((workbook) => {
    workbook.addWorksheet('Pass')
  })
  t.equal((await errorOf(blank, 'xlsx')).code, 'empty_file')
})
