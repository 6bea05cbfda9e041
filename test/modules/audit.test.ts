import t from 'tap'
import { recordAudit, verifyAuditChain, SYSTEM_ACTOR, canonicalJson } from '../../server/modules/audit/service.ts'
import { createRuntime } from '../../server/runtime.ts'
import { testConfig } from '../helpers/app.ts'

const runtime = await createRuntime(await testConfig(t), { supervise: false })
t.teardown(() => runtime.stop())
const record = (entityId: string, after: Record<string, unknown>) =>
  runtime.orm.em.fork().transactional((em) =>
    recordAudit(em, { actor: SYSTEM_ACTOR, action: 'test.changed', entityType: 'test', entityId, after }),
  )

t.test('canonical JSON does not depend on key order', async (t) => {
  t.equal(canonicalJson({ b: 1, a: { d: [1, 2], c: null } }), canonicalJson({ a: { c: null, d: [1, 2] }, b: 1 }))
})

t.test('events chain to each other and the chain verifies', async (t) => {
  const first = await record('1', { amountCents: 1000, label: 'première' })
  const second = await record('2', { nested: { z: 1, a: 'é' } })
  t.equal(second.prevHash, first.hash)
  const result = await verifyAuditChain(runtime.orm.em.fork())
  t.same(result, { checked: 2, firstBroken: null })
})

t.test('the database refuses to rewrite or delete history', async (t) => {
  const conn = runtime.orm.em.fork().getConnection()
  await t.rejects(conn.execute(`update audit_event set action = 'forged'`), /append-only/)
  await t.rejects(conn.execute(`delete from audit_event`), /append-only/)
  await t.rejects(conn.execute(`truncate audit_event`), /append-only/)
})

t.test('a tampered row is reported as the first broken link', async (t) => {
  const conn = runtime.orm.em.fork().getConnection()
  const third = await record('3', { ok: true })
  // Only a superuser disabling the trigger can forge: verification must still catch it.
  await conn.execute(`alter table audit_event disable trigger audit_event_no_update_delete`)
  await conn.execute(`update audit_event set after = '{"ok": false}' where id = ${third.id}`)
  await conn.execute(`alter table audit_event enable trigger audit_event_no_update_delete`)
  const result = await verifyAuditChain(runtime.orm.em.fork())
  t.equal(result.firstBroken, third.id)
  t.equal(result.checked, 2)
})

t.test('concurrent writers still form a single chain', async (t) => {
  const fresh = await createRuntime(await testConfig(t), { supervise: false })
  t.teardown(() => fresh.stop())
  await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      fresh.orm.em.fork().transactional((em) =>
        recordAudit(em, { actor: SYSTEM_ACTOR, action: 'test.parallel', entityType: 'test', entityId: String(i) }),
      ),
    ),
  )
  t.same(await verifyAuditChain(fresh.orm.em.fork()), { checked: 12, firstBroken: null })
})
