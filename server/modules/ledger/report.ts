// The row-by-row report of a refused file: read again with a real CSV parser, every row checked
// with the same rules the load's CHECK constraints carry, the first REPORT_LIMIT problems listed.

import { createReadStream } from 'node:fs'
import { parse } from 'csv-parse'
import { LEDGER_FILES, checkRow, type LedgerKind, type RowProblem } from '../../lib/ledger-files.ts'

export const REPORT_LIMIT = 1000

export async function reportRowProblems(
  file: { readonly kind: LedgerKind; readonly path: string },
  identifierPattern: string,
): Promise<{ problems: RowProblem[]; problemCount: number }> {
  const spec = LEDGER_FILES[file.kind]
  const identifier = new RegExp(`^(?:${identifierPattern})$`, 'u')
  const problems: RowProblem[] = []
  let problemCount = 0
  const parser = createReadStream(file.path).pipe(
    parse({ delimiter: ';', bom: true, from_line: 2, relax_column_count: true, skip_empty_lines: true, info: true }),
  )
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      for (const problem of checkRow(spec, record, info.lines, identifier)) {
        problemCount += 1
        if (problems.length < REPORT_LIMIT) problems.push(problem)
      }
    }
  } catch (error) {
    // A quoting error stops the parser: report it where it happened.
    const line = typeof error === 'object' && error && 'lines' in error ? Number(error.lines) : 0
    problemCount += 1
    problems.push({ line, column: '', value: '', reason: `CSV mal formé : ${error instanceof Error ? error.message : String(error)}` })
  }
  if (problemCount === 0) {
    // The database refused a row the rules above accept (an impossible date, say): say so plainly.
    problems.push({ line: 0, column: '', value: '', reason: 'une ligne a été refusée par la base de données sans que la vérification la retrouve' })
    problemCount = 1
  }
  return { problems, problemCount }
}
