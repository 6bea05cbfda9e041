// Which lines of a page get a closer look, and which reading is kept (reread.ts); the crop read
// itself runs in pass-reading-decode's page tests and bench:ocr.
import t from 'tap'
import { createLedgerIndex } from '../../server/lib/pass-reading.ts'
import type { IdentifierRule } from '../../server/lib/pass-identifier.ts'
import { doubtfulLines, MAX_REREADS_PER_PAGE, readingScore, startsAnIdentifier } from '../../server/modules/pass-reading/reread.ts'
import type { OcrLine } from '../../server/modules/pass-reading/ocr-pool.ts'

const rule: IdentifierRule = { pattern: 'PN[0-9]{2}[A-Z][0-9]{7}', uppercase: true, stripSeparators: true, example: 'PN19A0000001' }
const index = createLedgerIndex(['PN19Y7989640', 'PN19Y7989646', 'PN20R2842832', 'PN19D0721982'])
const line = (text: string, confidence = 95, y = 0): OcrLine => ({ text, confidence, box: { x: 10, y, width: 300, height: 30 } })

t.test('a clean, sure, issued reading is left alone; a doubtful one is read again', async (t) => {
  t.same(doubtfulLines([line('N° du pass'), line('PN20R2842832')], rule, index), [], 'exact, issued, confident')
  t.same(doubtfulLines([line('N° du pass'), line('PN19Y79896460', 56)], rule, index), [[1]], 'an extra digit on a doubtful line, though its first twelve are issued')
  t.same(doubtfulLines([line('PN19Y79896460', 95)], rule, index), [[0]], 'cut out of a longer word, even when Tesseract is sure')
  t.same(doubtfulLines([line('PN19Y7989641')], rule, index), [[0]], 'issued only after a correction')
  t.same(doubtfulLines([line('Carnet n° 0548459'), line('pN19D07')], rule, index), [[1]], 'the start of an identifier and nothing found: the line was read short')
  t.same(doubtfulLines([line('PN20R28'), line('42832')], rule, index), [], 'split over two lines but read exactly: nothing to do')
})

t.test('what a decoded code gave is not read again from its print', async (t) => {
  t.same(doubtfulLines([line('PN19Y7989641')], rule, index, ['PN19Y7989640']), [], 'the print read with a slip, the code exact')
  t.same(doubtfulLines([line('pN19Y79')], rule, index, ['PN19Y7989640']), [], 'the print read short, its start is the code\'s')
  t.same(doubtfulLines([line('PN19Y7989641'), line('pN19D07')], rule, index, ['PN20R2842832']), [[1], [0]], 'a code of another pass changes nothing')
})

t.test('the worst readings are read again first, a page buys a bounded number', async (t) => {
  const lines = Array.from({ length: MAX_REREADS_PER_PAGE + 4 }, (_, i) => line(i === 3 ? 'pN19' : `PN19Y798964${i % 10}`, 60 + i))
  const groups = doubtfulLines(lines, rule, index)
  t.equal(groups.length, MAX_REREADS_PER_PAGE)
  t.same(groups[0], [3], 'a line that gave no identifier at all comes first')
})

t.test('the start of an identifier is told by the pattern, not by any digits', async (t) => {
  t.ok(startsAnIdentifier('pN19D07', rule))
  t.ok(startsAnIdentifier('N° du pass PN 2O', rule), 'O read for a zero in a digit position still fits')
  t.notOk(startsAnIdentifier('Carnet n° 0548459', rule))
  t.notOk(startsAnIdentifier('anything', { ...rule, pattern: '[A-Z0-9]{6,16}' }), 'no fixed classes: no guess')
})

t.test('a second reading replaces the first only when it reads better identifiers, or the same more surely', async (t) => {
  const [was, wasSure] = readingScore([line('PN19Y79896460', 56)], rule, index)
  const [now, nowSure] = readingScore([line('| PN19Y7989640', 90)], rule, index)
  t.equal(now, was, 'both readings hold one issued identifier')
  t.ok(nowSure > wasSure, 'the crop is read more surely')
  t.same(readingScore([line('pN19D07')], rule, index), [0, 95], 'nothing found scores nothing')
  t.ok(readingScore([line('PN19D0721982')], rule, null)[0] > readingScore([line('PN19D0721982', 95), line('PN19D072198')], rule, null)[0] - 4, 'no ledger: pattern matches count')
})
