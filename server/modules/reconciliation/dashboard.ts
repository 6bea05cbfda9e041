// The national dashboard (issue 6): the DOMAIN §8 table computed from the loaded ledger, next to
// what structures declared, what the reconciliation proposes to admit, and what the liquidator
// admitted or contested; the same by région and département. Aggregates only: no pass, no person.

import type { EntityManager } from '@mikro-orm/postgresql'
import { nationalTable, type NationalTable, type PairRow } from '../../lib/programme-tables.ts'
import { findDepartement, findRegion } from '../../lib/territory.ts'
import { currentVersionIds } from '../ledger/versions.ts'

interface Versions {
  commanditaires: string | null
  passes: string | null
  scans: string | null
}

async function versions(em: EntityManager, procedureId: string): Promise<Versions> {
  const current = await currentVersionIds(em, procedureId)
  return { commanditaires: current.commanditaires ?? null, passes: current.passes ?? null, scans: current.scans ?? null }
}

const NONE = '00000000-0000-0000-0000-000000000000'

// Ledger versions never change once loaded: their aggregate (seconds over a million passes) is
// kept for the current set of versions, per process.
let cached: { key: string; pairs: Promise<PairRow[]> } | null = null

/** One row per commanditaire and programme: what the ledger says it bought and what was scanned. */
export async function ledgerPairs(em: EntityManager, procedureId: string): Promise<PairRow[] | null> {
  const v = await versions(em, procedureId)
  if (!v.commanditaires || !v.passes) return null
  const key = `${v.commanditaires}:${v.passes}:${v.scans ?? ''}`
  if (cached?.key !== key) {
    const pairs = computePairs(em, v)
    cached = { key, pairs }
    pairs.catch(() => {
      if (cached?.key === key) cached = null
    })
  }
  return cached.pairs
}

async function computePairs(em: EntityManager, v: Versions): Promise<PairRow[]> {
  const rows = await em.execute<{ programme: string; type: string | null; potential: string; bought: string; scanned: string; beneficiaries: string }[]>(
    `select c."programme", c."type", c."potential_passes" as "potential",
            coalesce(b."bought", 0) as "bought", coalesce(b."scanned", 0) as "scanned", coalesce(b."beneficiaries", 0) as "beneficiaries"
     from "ledger_commanditaire" c
     left join (
       select p."commanditaire_id", p."programme", count(*) as "bought", count(s."identifier") as "scanned",
              count(distinct p."carnet_id") filter (where s."identifier" is not null) as "beneficiaries"
       from "ledger_pass" p
       left join "ledger_scan" s on s."version_id" = ? and s."identifier" = p."identifier"
       where p."version_id" = ?
       group by p."commanditaire_id", p."programme"
     ) b on b."commanditaire_id" = c."id" and b."programme" = c."programme"
     where c."version_id" = ?`,
    [v.scans ?? NONE, v.passes, v.commanditaires],
  )
  return rows.map((r) => ({
    programme: r.programme,
    type: r.type,
    potential: Number(r.potential),
    bought: Number(r.bought),
    scanned: Number(r.scanned),
    beneficiaries: Number(r.beneficiaries),
  }))
}

export interface ClaimFigures {
  readonly key: string
  readonly label: string
  readonly declaredPasses: number
  readonly declaredCents: number
  readonly proposedCents: number
  readonly admittedPasses: number
  readonly admittedCents: number
  readonly contestedPasses: number
  readonly contestedCents: number
}

type ClaimRow = { key: string | null; declared: string; declared_cents: string; proposed_cents: string; admitted: string; admitted_cents: string; contested: string; contested_cents: string }

const CLAIM_COLUMNS = `
  count(*) as "declared", coalesce(sum(r."declared_cents"), 0) as "declared_cents", coalesce(sum(r."proposed_cents"), 0) as "proposed_cents",
  count(*) filter (where d."decision" = 'admit') as "admitted", coalesce(sum(d."admitted_cents") filter (where d."decision" = 'admit'), 0) as "admitted_cents",
  count(*) filter (where d."decision" = 'contest') as "contested", coalesce(sum(r."declared_cents") filter (where d."decision" = 'contest'), 0) as "contested_cents"`

const toFigures = (r: ClaimRow, label: (key: string) => string): ClaimFigures => ({
  key: r.key ?? '',
  label: label(r.key ?? ''),
  declaredPasses: Number(r.declared),
  declaredCents: Number(r.declared_cents),
  proposedCents: Number(r.proposed_cents),
  admittedPasses: Number(r.admitted),
  admittedCents: Number(r.admitted_cents),
  contestedPasses: Number(r.contested),
  contestedCents: Number(r.contested_cents),
})

/** Declared passes by programme and laureate type of the commanditaire that bought them. */
export async function claimsByProgramme(em: EntityManager, procedureId: string): Promise<ClaimFigures[]> {
  const v = await versions(em, procedureId)
  const rows = await em.execute<ClaimRow[]>(
    `select coalesce(p."programme", 'inconnu') || ' / ' || coalesce(c."type", 'sans type') as "key", ${CLAIM_COLUMNS}
     from "line_reconciliation" r
     left join "line_decision" d on d."claim_line_id" = r."claim_line_id" and d."superseded_at" is null
     left join "ledger_pass" p on p."version_id" = ? and p."identifier" = r."identifier"
     left join "ledger_commanditaire" c on c."version_id" = ? and c."id" = p."commanditaire_id" and c."programme" = p."programme"
     where r."procedure_id" = ? group by 1 order by 1`,
    [v.passes ?? NONE, v.commanditaires ?? NONE, procedureId],
  )
  return rows.map((r) => toFigures(r, (key) => key.replace('inconnu / sans type', 'pass inconnus du grand livre')))
}

/** Declared, proposed, admitted and contested by the structure's département (or région). */
export async function claimsByTerritory(em: EntityManager, procedureId: string, level: 'departement' | 'region'): Promise<ClaimFigures[]> {
  const column = level === 'departement' ? 'departement_code' : 'region_code'
  const rows = await em.execute<ClaimRow[]>(
    `select s."${column}" as "key", ${CLAIM_COLUMNS}
     from "line_reconciliation" r
     join "claim" cl on cl."id" = r."claim_id" join "structure" s on s."id" = cl."structure_id"
     left join "line_decision" d on d."claim_line_id" = r."claim_line_id" and d."superseded_at" is null
     where r."procedure_id" = ? group by 1 order by 1`,
    [procedureId],
  )
  const label = level === 'departement' ? (code: string) => `${code} ${findDepartement(code)?.nom ?? ''}`.trim() : (code: string) => findRegion(code)?.nom ?? code
  return rows.map((r) => toFigures(r, label))
}

export interface StatusCount {
  readonly status: string
  readonly lines: number
  readonly cents: number
}

export async function statusCounts(em: EntityManager, procedureId: string, claimId?: string): Promise<StatusCount[]> {
  const rows = await em.execute<{ status: string; lines: string; cents: string }[]>(
    `select "status", count(*) as "lines", coalesce(sum("declared_cents"), 0) as "cents" from "line_reconciliation"
     where "procedure_id" = ? ${claimId ? 'and "claim_id" = ?' : ''} group by 1 order by 2 desc`,
    claimId ? [procedureId, claimId] : [procedureId],
  )
  return rows.map((r) => ({ status: r.status, lines: Number(r.lines), cents: Number(r.cents) }))
}

export interface Dashboard {
  readonly ledger: NationalTable | null
  readonly byProgramme: ClaimFigures[]
  readonly byRegion: ClaimFigures[]
  readonly byDepartement: ClaimFigures[]
  readonly statuses: StatusCount[]
}

export async function dashboard(em: EntityManager, procedureId: string): Promise<Dashboard> {
  const pairs = await ledgerPairs(em, procedureId)
  return {
    ledger: pairs ? nationalTable(pairs) : null,
    byProgramme: await claimsByProgramme(em, procedureId),
    byRegion: await claimsByTerritory(em, procedureId, 'region'),
    byDepartement: await claimsByTerritory(em, procedureId, 'departement'),
    statuses: await statusCounts(em, procedureId),
  }
}
