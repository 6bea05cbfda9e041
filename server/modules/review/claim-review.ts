// One claim on the liquidator's desk: its pass lines grouped by reconciliation status, each group
// with its default proposal and what has been decided, the first lines of each group shown.

import type { EntityManager } from '@mikro-orm/postgresql'
import { DomainError } from '../../errors.ts'
import { formatEuros } from '../../lib/money.ts'
import { isUuid } from '../../lib/uuid.ts'
import { STATUS_TEXT } from '../reconciliation/present.ts'
import { STATUSES, type ReconciliationStatus } from '../reconciliation/service.ts'
import { REASONS } from './decisions.ts'

const SHOWN_PER_GROUP = 25
const PROPOSALS: Record<string, string> = { admit: 'admettre', request_documents: 'demander les pièces', contest: 'contester', reject: 'rejeter', hold: 'mettre en attente' }
const DECISION_LABELS: Record<string, string> = { admit: 'admis', contest: 'contesté', reject: 'rejeté' }

export async function claimReview(em: EntityManager, procedureId: string, claimId: string) {
  const [claim] = isUuid(claimId)
    ? await em.execute<{ id: string; number: string; creditor: string; siret: string; structure_id: string; status: string }[]>(
        `select c."id", c."number", s."name" as "creditor", s."siret", s."id" as "structure_id", c."status"
         from "claim" c join "structure" s on s."id" = c."structure_id" where c."id" = ? and c."procedure_id" = ?`,
        [claimId, procedureId],
      )
    : []
  if (!claim) throw new DomainError('not_found', 'claim_not_found', 'Cette déclaration n’existe pas.')
  const lines = await em.execute<{ id: string; identifier: string; status: string; proposal: string; declared_cents: string; ledger_face_value_cents: string | null; use_date: string | null; after_judgment: boolean | null; suggestions: string[] | null; decision: string | null; reason_code: string | null; lock_version: number | null; rank: string }[]>(
    `select * from (
       select r."claim_line_id" as "id", r."identifier", r."status", r."proposal", r."declared_cents", r."ledger_face_value_cents",
              to_char(r."use_date", 'DD/MM/YYYY') as "use_date", r."after_judgment", r."suggestions", d."decision", d."reason_code", d."lock_version",
              row_number() over (partition by r."status" order by r."identifier") as "rank"
       from "line_reconciliation" r left join "line_decision" d on d."claim_line_id" = r."claim_line_id" and d."superseded_at" is null
       where r."claim_id" = ?) x
     where "rank" <= ${SHOWN_PER_GROUP} order by "status", "identifier"`,
    [claimId],
  )
  const groups = await em.execute<{ status: string; proposal: string; lines: string; declared: string; proposed: string; decided: string }[]>(
    `select r."status", min(r."proposal") as "proposal", count(*) as "lines", sum(r."declared_cents") as "declared", sum(r."proposed_cents") as "proposed",
            count(d."claim_line_id") as "decided"
     from "line_reconciliation" r left join "line_decision" d on d."claim_line_id" = r."claim_line_id" and d."superseded_at" is null
     where r."claim_id" = ? group by r."status"`,
    [claimId],
  )
  const order = (s: string) => STATUSES.indexOf(s as ReconciliationStatus)
  return {
    claim,
    reasons: Object.entries(REASONS).map(([code, label]) => ({ code, label })),
    groups: groups
      .sort((a, b) => order(a.status) - order(b.status))
      .map((g) => ({
        status: g.status,
        label: STATUS_TEXT[g.status as ReconciliationStatus]?.label ?? g.status,
        proposal: PROPOSALS[g.proposal] ?? g.proposal,
        lines: Number(g.lines),
        decided: Number(g.decided),
        declared: formatEuros(Number(g.declared)),
        proposed: formatEuros(Number(g.proposed)),
        more: Math.max(0, Number(g.lines) - SHOWN_PER_GROUP),
        rows: lines
          .filter((l) => l.status === g.status)
          .map((l) => ({
            ...l,
            declared: formatEuros(Number(l.declared_cents)),
            ledger: l.ledger_face_value_cents === null ? '—' : formatEuros(Number(l.ledger_face_value_cents)),
            decisionLabel: l.decision ? DECISION_LABELS[l.decision] : '',
            reasonLabel: l.reason_code ? REASONS[l.reason_code as keyof typeof REASONS] : '',
            suggestions: (l.suggestions ?? []).join(', '),
          })),
      })),
  }
}
