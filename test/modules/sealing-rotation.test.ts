// Rotating the sealing key: started once with the new key and the old one as SEALING_KEY_PREVIOUS,
// the application reads what the old key sealed and seals it again with the new one (audited);
// afterwards the new key alone suffices. A seed no key opens is left alone.
import t from 'tap'
import { keyFrom, unseal } from '../../server/lib/secret-box.ts'
import { Account } from '../../server/modules/accounts/entities.ts'
import { createRuntime } from '../../server/runtime.ts'
import { makeProfessional } from '../helpers/accounts.ts'
import { testConfig } from '../helpers/app.ts'

const OLD = 'the old sealing key, thirty-two characters at least'
const NEW = 'the new sealing key, also thirty-two characters or more'
const base = await testConfig(t, { SEALING_KEY: OLD })

async function withRuntime<T>(keys: { sealingKey: string; previousSealingKey?: string }, work: (runtime: Awaited<ReturnType<typeof createRuntime>>) => Promise<T>): Promise<T> {
  const runtime = await createRuntime({ ...base, ...keys, previousSealingKey: keys.previousSealingKey }, { supervise: false })
  try {
    return await work(runtime)
  } finally {
    await runtime.stop()
  }
}
const stored = async (runtime: Awaited<ReturnType<typeof createRuntime>>) =>
  (await runtime.orm.em.fork().execute<{ totp_secret: string }[]>(`select "totp_secret" from "account" where "email" = 'rotation@ministere.example'`))[0]?.totp_secret as string

t.test('a seed sealed with the old key is sealed again with the new one at start-up', async (t) => {
  const { secret, before } = await withRuntime({ sealingKey: OLD }, async (runtime) => {
    const { secret } = await makeProfessional(runtime.orm, 'ministry', 'rotation@ministere.example')
    return { secret, before: await stored(runtime) }
  })
  t.equal(unseal(before, keyFrom(OLD)), secret, 'sealed with the old key')

  const after = await withRuntime({ sealingKey: NEW, previousSealingKey: OLD }, async (runtime) => {
    const after = await stored(runtime)
    t.not(after, before, 'written again')
    t.equal(unseal(after, keyFrom(NEW)), secret, 'now sealed with the new key')
    t.throws(() => unseal(after, keyFrom(OLD)), 'the old key no longer opens it')
    const [event] = await runtime.orm.em.fork().execute<{ after: { reason: string } }[]>(`select "after" from "audit_event" where "action" = 'account.second_factor_resealed'`)
    t.equal(event?.after.reason, 'key_rotated', 'audited, without the secret')
    return after
  })

  await withRuntime({ sealingKey: NEW }, async (runtime) => {
    const account = await runtime.orm.em.fork().findOneOrFail(Account, { email: 'rotation@ministere.example' })
    t.equal(account.totpSecret, secret, 'the new key alone reads it')
  })

  await withRuntime({ sealingKey: 'a third key that opens nothing stored here, 32+' }, async (runtime) => {
    t.equal(await stored(runtime), after, 'a seed no key opens is left as it is')
  })
})
