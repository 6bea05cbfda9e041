// A text column stored sealed (lib/secret-box.ts) with the process's sealing key, which lives
// outside the database (SEALING_KEY, or var/sealing.key): a copy of the database alone does not
// give away the TOTP seeds. The runtime sets the key before the ORM opens.
import { Type } from '@mikro-orm/core'
import type { EntityManager } from '@mikro-orm/postgresql'
import { isSealed, keyFrom, seal, unseal } from '../lib/secret-box.ts'

let sealingKey: Buffer | null = null

export function setSealingKey(secret: string): void {
  sealingKey = keyFrom(secret)
}

function key(): Buffer {
  if (!sealingKey) throw new Error('no sealing key: createRuntime sets it before the ORM opens')
  return sealingKey
}

export class SealedText extends Type<string | null | undefined, string | null | undefined> {
  override convertToDatabaseValue(value: string | null | undefined): string | null | undefined {
    return value == null || isSealed(value) ? value : seal(value, key())
  }

  override convertToJSValue(value: string | null | undefined): string | null | undefined {
    return value == null ? value : unseal(value, key())
  }

  override getColumnType(): string {
    return 'text'
  }
}

/** Seals TOTP seeds written before sealing existed (or by a bulk write that bypassed the type). */
export async function sealStoredSecrets(em: EntityManager): Promise<number> {
  const rows = await em.execute<{ id: string; totp_secret: string }[]>(`select "id", "totp_secret" from "account" where "totp_secret" is not null and "totp_secret" not like 'v1.%'`)
  for (const row of rows) await em.execute(`update "account" set "totp_secret" = ? where "id" = ?`, [seal(row.totp_secret, key()), row.id])
  return rows.length
}
