// Each test file gets its own database, cloned from the template that test/run.ts migrated.
import pg from 'pg'

let counter = 0

export async function freshDatabaseUrl(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const adminUrl = process.env.TEST_PG_ADMIN_URL
  const template = process.env.TEST_PG_TEMPLATE
  if (!adminUrl || !template) throw new Error('run the tests through `npm test` (it prepares the database server)')
  const name = `creances_test_${process.env.TEST_RUN_ID}_${process.pid}_${counter++}`
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`)
  await client.end()
  t.teardown(async () => {
    const c = new pg.Client({ connectionString: adminUrl })
    await c.connect()
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    await c.end()
  })
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}
