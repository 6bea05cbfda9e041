// The passes' identifiers tested on their way to COPY (ledger/identifier-scan.ts): every data line's
// first field, however the file is cut into chunks, CRLF or not; a quote stops the scan (the load
// then checks in SQL), and an empty line fails as COPY would.
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import t from 'tap'
import { IdentifierRefused, IdentifierScan } from '../../server/modules/ledger/identifier-scan.ts'

const PATTERN = 'PN[0-9]{2}[A-Z][0-9]{7}'
const HEADER = 'identifier;carnet_id\n'

async function scan(text: string, chunkSize: number): Promise<'ok' | 'refused' | 'unsure'> {
  const bytes = Buffer.from(text)
  const chunks: Buffer[] = []
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize))
  const identifiers = new IdentifierScan(PATTERN)
  const passed: Buffer[] = []
  try {
    await pipeline(Readable.from(chunks), identifiers, new Writable({ write: (c: Buffer, _e, done) => (passed.push(c), done()) }))
  } catch (error) {
    if (error instanceof IdentifierRefused) return 'refused'
    throw error
  }
  if (!Buffer.concat(passed).equals(bytes)) throw new Error('the bytes were changed on the way')
  return identifiers.complete ? 'ok' : 'unsure'
}

const cases: [string, string, 'ok' | 'refused' | 'unsure'][] = [
  ['good lines', `${HEADER}PN19A0000001;K1\nPN19A0000002;K1\n`, 'ok'],
  ['no final newline', `${HEADER}PN19A0000001;K1\nPN19A0000002;K1`, 'ok'],
  ['CRLF', `${HEADER.replace('\n', '\r\n')}PN19A0000001;K1\r\nPN19A0000002;K1\r\n`, 'ok'],
  ['a header that is not an identifier is not tested', 'identifiant du pass;x\nPN19A0000001;K1\n', 'ok'],
  ['a bad identifier in the middle', `${HEADER}PN19A0000001;K1\nPN19-0000002;K1\nPN19A0000003;K1\n`, 'refused'],
  ['a bad identifier on the last line, no newline', `${HEADER}PN19A0000001;K1\nPN19A000000`, 'refused'],
  ['an identifier longer than the pattern', `${HEADER}PN19A00000011;K1\n`, 'refused'],
  ['an empty identifier', `${HEADER};K1\n`, 'refused'],
  ['an empty line', `${HEADER}PN19A0000001;K1\n\nPN19A0000002;K1\n`, 'refused'],
  ['a quote anywhere: left to SQL', `${HEADER}PN19A0000001;"K1"\n`, 'unsure'],
  ['a quoted bad identifier: left to SQL', `${HEADER}"PN19-0000001";K1\n`, 'unsure'],
]

for (const [name, text, expected] of cases) {
  t.test(name, async (t) => {
    for (const size of [1, 2, 5, 16, 1 << 20]) t.equal(await scan(text, size), expected, `chunks of ${size} bytes`)
  })
}
