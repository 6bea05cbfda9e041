// When a page gets a second look: it shows more passes (their printed labels) than identifiers read.
import t from 'tap'
import { passesSeen } from '../../server/modules/pass-reading/read-page.ts'

t.test('passes are counted by what each one prints once, the best-read label wins', async (t) => {
  const text = ['Pass numérique', '10,00 €', 'N° du pass PN19A0000001', 'Carnet n° 0548459', "Valable jusqu'au 31/12/2019",
    'Pass numérique', '10.00 €', 'N° du Pass', "squ'au 31/12/2020", 'Offert par : Gironde'].join('\n')
  t.equal(passesSeen(text), 2, 'two passes, though the second identifier was not read')
  t.equal(passesSeen(''), 0)
  t.equal(passesSeen('Carnet n° 1\nCarnet n° 2\nCarnet n° 3'), 3)
})
