// Letters in bulk (omnibus-style): the liquidator selects claims, a job generates one letter per
// claim with progress on the batch; a claim that cannot have a letter (no proposal yet, nothing
// discussed, a letter already sent) is listed with the reason and the others go on.
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql'
import type { PgBoss } from 'pg-boss'
import { DomainError } from '../../errors.ts'
import { enqueue } from '../../jobs/boss.ts'
import { isUuid } from '../../lib/uuid.ts'
import { recordAudit, type Actor } from '../audit/service.ts'
import type { EvidenceStore } from '../evidence/store.ts'
import { LETTERS_QUEUE } from './jobs.ts'
import { generateLetter } from './letters.ts'

export const MAX_BATCH = 1000

export interface LettersJob {
  batchId: string
  actor: Actor
}

export async function queueLetterBatch(em: EntityManager, boss: PgBoss, procedureId: string, claimIds: readonly string[], actor: Actor, requestId: string | null = null): Promise<string> {
  const ids = [...new Set(claimIds.filter(isUuid))]
  if (ids.length === 0) throw new DomainError('invalid', 'selection_empty', 'Cochez au moins une déclaration.', [{ path: 'claims', message: 'aucune déclaration choisie' }])
  if (ids.length > MAX_BATCH) throw new DomainError('invalid', 'selection_too_large', `Au plus ${MAX_BATCH} déclarations par lot.`)
  const [known] = await em.execute<{ n: string }[]>(`select count(*) as "n" from "claim" where "procedure_id" = ? and "id" = any(?::uuid[])`, [procedureId, `{${ids.join(',')}}`])
  if (Number(known?.n) !== ids.length) throw new DomainError('invalid', 'selection_unknown', 'Une des déclarations choisies n’existe pas.')
  const id = crypto.randomUUID()
  await em.execute(`insert into "letter_batch" ("id", "procedure_id", "claim_ids", "requested_by", "requested_at") values (?, ?, ?::uuid[], ?, now())`, [id, procedureId, `{${ids.join(',')}}`, actor.id])
  await recordAudit(em, { actor, requestId, action: 'letters.batch_queued', entityType: 'letter_batch', entityId: id, after: { claims: ids.length } })
  await enqueue(boss, em, LETTERS_QUEUE, { batchId: id, actor } satisfies LettersJob)
  return id
}

export interface BatchView {
  readonly id: string
  readonly total: number
  readonly done: number
  readonly failed: number
  readonly status: string
  readonly failures: { claimId: string; number: string; message: string }[]
  readonly letters: { claimId: string; claimNumber: string; number: string; creditor: string }[]
}

export async function letterBatch(em: EntityManager, batchId: string): Promise<BatchView> {
  const [batch] = isUuid(batchId)
    ? await em.execute<{ id: string; total: number; done: number; failed: number; status: string; failures: BatchView['failures'] }[]>(
        `select "id", cardinality("claim_ids") as "total", "done", "failed", "status", "failures" from "letter_batch" where "id" = ?`,
        [batchId],
      )
    : []
  if (!batch) throw new DomainError('not_found', 'batch_not_found', 'Ce lot de lettres n’existe pas.')
  const letters = await em.execute<BatchView['letters']>(
    `select l."claim_id" as "claimId", c."number" as "claimNumber", l."number", s."name" as "creditor"
     from "contestation_letter" l join "claim" c on c."id" = l."claim_id" join "structure" s on s."id" = c."structure_id"
     where l."batch_id" = ? order by c."number"`,
    [batchId],
  )
  return { ...batch, letters }
}

/** Runs a batch. A retried job skips the claims that already have a letter from this batch. */
export async function runLetterBatch(deps: { orm: MikroORM; files: EvidenceStore; publicUrl: string }, job: LettersJob): Promise<void> {
  const em = deps.orm.em.fork()
  const [batch] = await em.execute<{ claim_ids: string[] }[]>(`update "letter_batch" set "status" = 'running' where "id" = ? returning "claim_ids"`, [job.batchId])
  if (!batch) return
  for (const claimId of batch.claim_ids) {
    const [seen] = await em.execute<{ n: string }[]>(
      `select count(*) as "n" from "letter_batch" b where b."id" = ? and (exists (select 1 from "contestation_letter" l where l."batch_id" = b."id" and l."claim_id" = ?)
         or b."failures" @> jsonb_build_array(jsonb_build_object('claimId', ?::text)))`,
      [job.batchId, claimId, claimId],
    )
    if (Number(seen?.n ?? 0) > 0) continue
    try {
      await em.fork().transactional(async (tx) => {
        await generateLetter(tx, deps, claimId, job.actor, { batchId: job.batchId })
        await tx.execute(`update "letter_batch" set "done" = "done" + 1 where "id" = ?`, [job.batchId])
      })
    } catch (error) {
      // Only the product's own refusals are expected here; anything else fails the job for a retry.
      if (!(error instanceof DomainError)) throw error
      const [claim] = await em.execute<{ number: string }[]>(`select "number" from "claim" where "id" = ?`, [claimId])
      await em.execute(
        `update "letter_batch" set "failed" = "failed" + 1, "failures" = "failures" || jsonb_build_array(jsonb_build_object('claimId', ?::text, 'number', ?::text, 'message', ?::text)) where "id" = ?`,
        [claimId, claim?.number ?? '', error.message, job.batchId],
      )
    }
  }
  await em.execute(`update "letter_batch" set "status" = 'done', "finished_at" = now() where "id" = ?`, [job.batchId])
}
