// Near matches for the lines found unknown (DOMAIN §5): the issued identifiers one slip away,
// as lib/near-matches.ts defines them, generated and looked up in one statement next to the
// ledger. Sending the ~116 000 variants of 1 000 unknown lines from Node as parameter arrays and
// joining them took 0.7–0.9 s on the national fixture; generated in SQL and probed in the
// ledger's key index, 0.3–0.4 s (RECONCILE_TRACE=1).
import { sql, type Kysely } from 'kysely'
import { rankNeighbours, substitutionAlphabets } from '../../lib/near-matches.ts'
import { positionClasses } from '../../lib/pass-reading-classes.ts'
import type { IdentifierRule } from '../../lib/pass-identifier.ts'
import { withPlanner } from './sql.ts'

async function procedureRule(db: Kysely<unknown>, procedureId: string): Promise<IdentifierRule> {
  const { rows } = await sql<{ pattern: string; uppercase: boolean; strip: boolean; example: string }>`
    select "identifier_pattern" as "pattern", "identifier_uppercase" as "uppercase", "identifier_strip_separators" as "strip",
           "identifier_example" as "example" from "procedure" where "id" = ${procedureId}
  `.execute(db)
  const row = rows[0]
  if (!row) throw new Error(`procedure ${procedureId} not found`)
  return { pattern: row.pattern, uppercase: row.uppercase, stripSeparators: row.strip, example: row.example }
}

/** Issued identifiers one substitution or one adjacent swap away from each unknown line's, by line. */
export async function nearMatchesOfUnknown(db: Kysely<unknown>, procedureId: string, passesVersion: string, claimIds: readonly string[] | null): Promise<Map<string, { identifier: string; near: string[] }>> {
  const { byPosition, otherwise } = substitutionAlphabets(positionClasses(await procedureRule(db, procedureId)))
  const alphabets = byPosition ?? []
  // The planner cannot count the generated variants and would hash the whole ledger for them;
  // one index probe per variant is what this is (2 µs each).
  const { rows } = await withPlanner(db, { enable_hashjoin: 'off', enable_mergejoin: 'off' }, () => sql<{ claim_line_id: string; identifier: string; near: string[] }>`
    with "unknown" as (
      select "claim_line_id", "identifier" from "line_reconciliation"
      where "procedure_id" = ${procedureId} and "status" = 'unknown'
        and (${claimIds === null} or "claim_id" = any(${claimIds ?? []}::uuid[]))
    ),
    "variants" as (
      select u."claim_line_id", u."identifier", overlay(u."identifier" placing c from i for 1) as "candidate"
      from "unknown" u
      cross join lateral generate_series(1, length(u."identifier")) i
      cross join lateral string_to_table(case when length(u."identifier") = cardinality(${alphabets}::text[])
        then (${alphabets}::text[])[i] else ${otherwise} end, null) c
      where c <> substr(u."identifier", i, 1)
      union all
      select u."claim_line_id", u."identifier", overlay(u."identifier" placing substr(u."identifier", i + 1, 1) || substr(u."identifier", i, 1) from i for 2)
      from "unknown" u cross join lateral generate_series(1, length(u."identifier") - 1) i
      where substr(u."identifier", i, 1) <> substr(u."identifier", i + 1, 1)
    )
    select v."claim_line_id", v."identifier", array_agg(distinct p."identifier") as "near"
    from "variants" v
    join "ledger_pass" p on p."version_id" = ${passesVersion}::uuid and p."identifier" = v."candidate"
    group by v."claim_line_id", v."identifier"
  `.execute(db))
  return new Map(rows.map((r) => [r.claim_line_id, { identifier: r.identifier, near: r.near }]))
}

/** Writes the ranked near matches (OCR confusions first, at most five) on the unknown lines. */
export async function suggestNearMatches(db: Kysely<unknown>, procedureId: string, passesVersion: string, claimIds: readonly string[] | null): Promise<void> {
  const found = await nearMatchesOfUnknown(db, procedureId, passesVersion, claimIds)
  if (found.size === 0) return
  const ids = [...found.keys()]
  // A text[] per row does not travel in a parameter array of arrays: join, split in SQL.
  const lists = [...found.values()].map(({ identifier, near }) => rankNeighbours(identifier, near).join(' '))
  await sql`
    update "line_reconciliation" r set "suggestions" = string_to_array(u."list", ' ')
    from unnest(${ids}::uuid[], ${lists}::text[]) as u("id", "list") where r."claim_line_id" = u."id"
  `.execute(db)
}
