// A text column stored sealed (lib/secret-box.ts) with the process's sealing key, which lives
// outside the database (SEALING_KEY, or var/sealing.key): a copy of the database alone does not
// give away the TOTP seeds. The runtime sets the key before the ORM opens. To rotate it, the old
// key is given as SEALING_KEY_PREVIOUS beside the new one for one start: values sealed with it
// are read, and sealed again with the new key at start-up.
import { Type } from '@mikro-orm/core'
import type { EntityManager } from '@mikro-orm/postgresql'
import { SYSTEM_ACTOR, recordAudit } from '../modules/audit/service.ts'
import { isSealed, keyFrom, seal, unsealWithAny } from '../lib/secret-box.ts'

/** The current key first, then the previous one during a rotation. */
let sealingKeys: Buffer[] = []

export function setSealingKey(secret: string, previous?: string): void {
  sealingKeys = [keyFrom(secret), ...(previous ? [keyFrom(previous)] : [])]
}

function keys(): readonly [Buffer, ...Buffer[]] {
  const [current, ...previous] = sealingKeys
  if (!current) throw new Error('no sealing key: createRuntime sets it before the ORM opens')
  return [current, ...previous]
}

export class SealedText extends Type<string | null | undefined, string | null | undefined> {
  override convertToDatabaseValue(value: string | null | undefined): string | null | undefined {
    return value == null || isSealed(value) ? value : seal(value, keys()[0])
  }

  override convertToJSValue(value: string | null | undefined): string | null | undefined {
    return value == null ? value : unsealWithAny(value, keys()).plain
  }

  override getColumnType(): string {
    return 'text'
  }
}

/**
 * Seals TOTP seeds written before sealing existed (or by a bulk write that bypassed the type), and
 * seals again with the current key those sealed with the previous one; each change audited.
 * A seed no key opens is left as it is: its account must enrol its second factor again.
 */
export async function sealStoredSecrets(em: EntityManager): Promise<number> {
  const [current] = keys()
  return em.transactional(async (tx) => {
    // Without a previous key only seeds never sealed can need it: the others are not opened at each start.
    const rotating = keys().length > 1
    const rows = await tx.execute<{ id: string; totp_secret: string }[]>(
      `select "id", "totp_secret" from "account" where "totp_secret" is not null and (? or "totp_secret" not like 'v1.%') for update`,
      [rotating],
    )
    let changed = 0
    for (const row of rows) {
      const change = toSealAgain(row.totp_secret)
      if (!change) continue
      await tx.execute(`update "account" set "totp_secret" = ? where "id" = ?`, [seal(change.plain, current), row.id])
      await recordAudit(tx, { actor: SYSTEM_ACTOR, requestId: null, action: 'account.second_factor_resealed', entityType: 'account', entityId: row.id, after: { reason: change.reason } })
      changed++
    }
    return changed
  })
}

/** A stored value's plaintext when it must be sealed (again) with the current key; null when it is fine or unreadable. */
function toSealAgain(stored: string): { plain: string; reason: 'sealed' | 'key_rotated' } | null {
  if (!isSealed(stored)) return { plain: stored, reason: 'sealed' }
  try {
    const { plain, keyIndex } = unsealWithAny(stored, keys())
    return keyIndex === 0 ? null : { plain, reason: 'key_rotated' }
  } catch {
    return null
  }
}
