// Rules that span rows, checked with set-based SQL on a freshly COPYed table: no key twice, and
// every reference (a pass's commanditaire, a scan's or payment's pass) present in the same load or
// in the current version. Line numbers come from the physical order of a table just filled by
// COPY (ctid order = file order), so no column is spent on them.

import type { ClientBase } from 'pg'
import { validateSiret } from '../../lib/identifiers.ts'
import type { LedgerKind, RowProblem } from '../../lib/ledger-files.ts'
import { REPORT_LIMIT } from './report.ts'

const trace = process.env.LEDGER_TRACE ? (label: string, since: number) => console.log(`  [ledger] ${label} ${(performance.now() - since).toFixed(0)} ms`) : () => {}

export interface CrossProblems {
  readonly rows: RowProblem[]
  readonly count: number
}

interface Reference {
  readonly target: LedgerKind
  readonly join: string
  readonly column: string
  readonly reason: string
  readonly where?: string
}

const KEYS: Readonly<Record<LedgerKind, { columns: string[]; unique: boolean; reason: string }>> = {
  commanditaires: { columns: ['id', 'programme'], unique: true, reason: 'commanditaire déjà présent pour ce programme' },
  passes: { columns: ['identifier'], unique: true, reason: 'identifiant de pass en double' },
  scans: { columns: ['identifier'], unique: true, reason: 'pass scanné deux fois' },
  payments: { columns: ['identifier'], unique: false, reason: '' },
  creditors: { columns: ['siret'], unique: true, reason: 'SIRET en double dans la liste' },
}

const REFERENCES: Partial<Record<LedgerKind, Reference>> = {
  passes: {
    target: 'commanditaires',
    join: 't."commanditaire_id" = r."id" and t."programme" = r."programme"',
    column: 'commanditaire_id',
    reason: 'commanditaire inconnu pour ce programme (absent du fichier des commanditaires)',
  },
  scans: { target: 'passes', join: 't."identifier" = r."identifier"', column: 'identifier', reason: 'pass absent du fichier des pass émis' },
  payments: {
    target: 'passes',
    join: 't."identifier" = r."identifier"',
    column: 'identifier',
    reason: 'pass absent du fichier des pass émis',
    where: 't."identifier" is not null',
  },
}

const SIRET_KINDS: ReadonlySet<LedgerKind> = new Set(['scans', 'payments', 'creditors'])

const TABLES: Readonly<Record<LedgerKind, string>> = {
  commanditaires: 'ledger_commanditaire',
  passes: 'ledger_pass',
  scans: 'ledger_scan',
  payments: 'ledger_payment',
  creditors: 'ledger_creditor',
}

async function numbered(client: ClientBase, table: string, where: string, column: string, reason: string, value: string): Promise<CrossProblems> {
  const { rows } = await client.query<{ line: string; value: string | null; total: string }>(
    `with numbered as (select t.*, row_number() over (order by t.ctid) + 1 as "line" from "${table}" t)
     select t."line", ${value} as "value", count(*) over () as "total" from numbered t where ${where} order by t."line" limit ${REPORT_LIMIT}`,
  )
  return {
    count: Number(rows[0]?.total ?? 0),
    rows: rows.map((r) => ({ line: Number(r.line), column, value: (r.value ?? '').slice(0, 80), reason })),
  }
}

async function keyProblems(client: ClientBase, kind: LedgerKind, table: string): Promise<CrossProblems> {
  const key = KEYS[kind]
  const columns = ['version_id', ...key.columns].map((c) => `"${c}"`).join(', ')
  await client.query('savepoint key_index')
  try {
    // The index is needed anyway to attach the partition; building it is also the quickest
    // way to learn there is no duplicate.
    await client.query(`create ${key.unique ? 'unique ' : ''}index on "${table}" (${columns})`)
    await client.query('release savepoint key_index')
    return { rows: [], count: 0 }
  } catch (error) {
    await client.query('rollback to savepoint key_index')
    if (!(typeof error === 'object' && error && 'code' in error && error.code === '23505')) throw error
  }
  const keyList = key.columns.map((c) => `t."${c}"`).join(', ')
  const where = `(${keyList}) in (select ${keyList} from "${table}" t group by ${keyList} having count(*) > 1)`
  return numbered(client, table, where, key.columns.join(' + '), key.reason, key.columns.map((c) => `t."${c}"`).join(` || ' ' || `))
}

/** A staged table of this load, or a current version: either way, one version's rows. */
export interface VersionTable {
  readonly table: string
  readonly versionId: string
}

async function referenceSource(client: ClientBase, target: LedgerKind, batch: Partial<Record<LedgerKind, VersionTable>>, procedureId: string): Promise<string | null> {
  const inBatch = batch[target]
  // The version_id condition lets the planner read the key index alone (see referenceProblems).
  if (inBatch) return `(select * from "${inBatch.table}" where "version_id" = '${inBatch.versionId}')`
  const { rows } = await client.query<{ id: string }>(
    `select "id" from "ledger_version" where "procedure_id" = $1 and "kind" = $2 and "status" = 'current'`,
    [procedureId, target],
  )
  const current = rows[0]?.id
  return current ? `(select * from "${TABLES[target]}" where "version_id" = '${current}')` : null
}

/** Rules within one file: no key twice, valid SIRET checksums. Creates the key index when clean. */
export async function fileProblems(client: ClientBase, kind: LedgerKind, table: string): Promise<CrossProblems> {
  let since = performance.now()
  const keys = await keyProblems(client, kind, table)
  trace(`${kind} key index`, since)
  if (keys.count > 0 || !SIRET_KINDS.has(kind)) return keys
  since = performance.now()
  // A few hundred distinct SIRETs for hundreds of thousands of rows: checked once each, in JS
  // with the same rule (lib/identifiers) that explains refusals to people.
  const { rows } = await client.query<{ siret: string }>(`select distinct "siret" from "${table}"`)
  const bad = rows.map((r) => r.siret).filter((siret) => !validateSiret(siret).ok)
  trace(`${kind} siret`, since)
  if (bad.length === 0) return keys
  // Safe to inline: the table's CHECK let only 14-digit strings in.
  return numbered(client, table, `t."siret" = any('{${bad.join(',')}}'::text[])`, 'siret', 'SIRET invalide : la clé de contrôle (Luhn) ne correspond pas', 't."siret"')
}

/** The kind a file's rows refer to, if any (a pass to its commanditaire, a scan to its pass…). */
export const referenceTarget = (kind: LedgerKind): LedgerKind | null => REFERENCES[kind]?.target ?? null

/**
 * References of a staged table: to the same load's tables (`batch`) or to the current version.
 * References to passes run once both key indexes exist: a merge anti-join of two index-only
 * scans (COPY FREEZE marked every page all-visible) reads a million keys in a quarter of a
 * second, where a hash join took half as long again. A reference to the commanditaires (a few dozen
 * rows) is a hash anti-join on the heap, which needs no index.
 */
export async function referenceProblems(
  client: ClientBase,
  kind: LedgerKind,
  own: VersionTable,
  batch: Partial<Record<LedgerKind, VersionTable>>,
  procedureId: string,
): Promise<CrossProblems> {
  const reference = REFERENCES[kind]
  if (!reference) return { rows: [], count: 0 }
  const since = performance.now()
  const source = await referenceSource(client, reference.target, batch, procedureId)
  if (source === null) {
    const reason = `chargez d'abord le fichier « ${reference.target === 'passes' ? 'pass émis' : 'commanditaires'} », ou joignez-le à ce chargement`
    return { count: 1, rows: [{ line: 1, column: reference.column, value: '', reason }] }
  }
  const where = `t."version_id" = '${own.versionId}' and ${reference.where ? `${reference.where} and ` : ''}not exists (select 1 from ${source} r where ${reference.join})`
  // The plan is forced: the tables are seconds old and not all analysed yet, and a nested loop
  // over a million rows would take hours.
  const plan = reference.target === 'passes' ? ['enable_nestloop', 'enable_hashjoin'] : ['enable_nestloop', 'enable_mergejoin']
  await client.query('begin')
  try {
    for (const setting of plan) await client.query(`set local ${setting} = off`)
    const { rows } = await client.query<{ bad: boolean }>(`select exists (select 1 from "${own.table}" t where ${where}) as "bad"`)
    trace(`${kind} reference`, since)
    if (!rows[0]?.bad) return { rows: [], count: 0 }
    return await numbered(client, own.table, where, reference.column, reference.reason, `t."${reference.column}"`)
  } finally {
    await client.query('rollback')
  }
}
