// In a real browser: a structure uploads a 3-page scanned PDF of passes, watches the pages being
// read (the polling script updates the page), confirms what was read, and finds the passes among
// the claim's lines, marked as read from the scan.
import t from 'tap'
import { seedDemo } from '../../fixtures/demo.ts'
import { scannedPdf } from '../../fixtures/pass-images/pdf.ts'
import { Procedure } from '../../server/modules/procedure/entities.ts'
import { buildTestApp } from '../helpers/app.ts'
import { freePort } from '../helpers/server-process.ts'
import { STRONG_PASSWORD, makeStructure } from '../helpers/accounts.ts'
import { accessibilityViolations, launchBrowser } from '../helpers/browser.ts'
import { PASS_RULE } from '../helpers/pass-images.ts'

const browser = await launchBrowser()
if (!browser) {
  t.test('reading passes in a browser', { skip: 'no Chromium' }, async () => {})
} else {
  t.teardown(() => browser.close())
  const port = await freePort()
  const { app, runtime } = await buildTestApp(t, { PUBLIC_URL: `http://127.0.0.1:${port}` })
  await seedDemo(runtime.orm)
  await runtime.orm.em.fork().nativeUpdate(Procedure, {}, PASS_RULE)
  await makeStructure(runtime.orm, { siret: '35600000000048', name: 'Médiathèque de Lormont', members: ['lea@lormont.example'] })
  await runtime.startWorkers()
  await app.listen({ host: '127.0.0.1', port })
  const base = `http://127.0.0.1:${port}`
  const { pdf, pages } = await scannedPdf(31, [2, 1, 2])
  // A wait that times out says where the job stood (once, in a full run, its pages were never counted).
  const sql = (query: string) => runtime.orm.em.fork().getConnection().execute(query).catch((e: Error) => e.message)
  const explained = (wait: Promise<void>) =>
    wait.catch(async (error: Error) => {
      const reading = await sql(`select "status", "pages_total", "pages_done", "error", "updated_at" from "reading_job"`)
      const queue = await sql(`select "state", "retry_count", "output", "started_on" from "pgboss"."job" where "name" = 'pass-reading'`)
      throw new Error(`${error.message}\nreading_job: ${JSON.stringify(reading)}\nqueue: ${JSON.stringify(queue)}`)
    })
  const expected = pages.flat().map((p) => p.identifier).sort()

  t.test('upload a 3-page PDF, watch progress, confirm, see the lines', async (t) => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(e.message))
    await page.goto(`${base}/connexion`)
    await page.getByLabel('Adresse électronique').fill('lea@lormont.example')
    await page.getByLabel('Mot de passe').fill(STRONG_PASSWORD)
    await page.getByRole('button', { name: 'Se connecter' }).click()
    await page.getByRole('link', { name: 'Ma déclaration' }).click()
    await page.getByRole('button', { name: 'Commencer ma déclaration' }).click()
    await page.getByRole('link', { name: 'Lire des passes depuis des scans ou photos' }).click()
    t.same(await accessibilityViolations(page), [], 'the upload page passes axe')

    await page.getByLabel('Scans ou photos des pass').setInputFiles({ name: 'carnets-scannes.pdf', mimeType: 'application/pdf', buffer: pdf })
    await page.getByRole('button', { name: 'Lire les pass' }).click()
    await page.getByRole('heading', { name: /Lecture de « carnets-scannes\.pdf »/ }).waitFor()
    // The script fills in the status as pages are read, then offers to show the results.
    await explained(page.locator('#etat').filter({ hasText: /sur 3/ }).waitFor({ timeout: 120_000 }))
    await explained(page.locator('#nouveaux').filter({ hasText: /Lecture terminée/ }).waitFor({ timeout: 120_000 }))
    t.match(await page.locator('#etat').innerText(), /terminée — 3 page\(s\) lue\(s\) sur 3/, 'progress shown without reloading')
    await page.locator('#nouveaux a').click()
    await page.getByRole('heading', { name: /Pass lus \(5\)/ }).waitFor()
    t.equal(await page.locator('.candidate img').count(), 5, 'each reading with its crop')
    t.same(await accessibilityViolations(page), [], 'the review page passes axe')

    const read = (await page.locator('.candidate .identifier').allInnerTexts()).sort()
    t.same(read, expected, 'the five passes of the three pages')
    // One by hand, the rest in one go.
    await page.getByRole('button', { name: `Accepter ${read[0]}` }).click()
    t.match(await page.locator('[role=status]').first().innerText(), new RegExp(`${read[0]} ajouté`))
    await page.getByRole('button', { name: /Accepter les 4 lecture\(s\) sûre\(s\)/ }).click()
    t.match(await page.locator('[role=status]').first().innerText(), /4 pass ajouté\(s\)/)

    await page.goto(`${base}/connexion`)
    await page.getByRole('link', { name: 'Ma déclaration' }).click()
    await page.getByRole('link', { name: /Lignes \(5\)/ }).click()
    const table = await page.locator('table').first().innerText()
    for (const id of expected) t.match(table, id, `${id} is a line of the claim`)
    t.match(table, /lecture de scan/, 'marked as read from a scan')
    t.same(problems, [], 'no script errors')
    await context.close()
  })
}
