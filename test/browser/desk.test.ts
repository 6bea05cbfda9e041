// The liquidator's pages in a real browser, with axe's WCAG 2.1 AA checks: the national dashboard,
// the ledger page, the queue filtered to one département, a claim's review and a group decision.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadNationalFixture } from '../../fixtures/national/seed.ts'
import { currentTotp } from '../../server/lib/totp.ts'
import { STRONG_PASSWORD, makeProfessional } from '../helpers/accounts.ts'
import { buildTestApp } from '../helpers/app.ts'
import { accessibilityViolations, launchBrowser } from '../helpers/browser.ts'

const browser = await launchBrowser()
if (!browser) {
  t.test('browser tests', { skip: 'no Chromium' }, async () => {})
} else {
  t.teardown(() => browser.close())
  const { app, runtime } = await buildTestApp(t)
  const dir = mkdtempSync(join(tmpdir(), 'creances-desk-browser-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  execFileSync(process.execPath, ['fixtures/national/cli.ts', '--small', '--out', dir], { stdio: 'ignore' })
  await loadNationalFixture(runtime.orm.em.fork(), runtime.databaseUrl, dir)
  const { secret } = await makeProfessional(runtime.orm, 'liquidator', 'etude@liquidation.example')
  const base = await app.listen({ host: '127.0.0.1', port: 0 })

  t.test('the liquidator filters the queue to one département and admits a group of matched passes', async (t) => {
    const page = await browser.newPage()
    await page.goto(`${base}/connexion`)
    await page.getByLabel('Adresse électronique').fill('etude@liquidation.example')
    await page.getByLabel('Mot de passe').fill(STRONG_PASSWORD)
    await page.getByRole('button', { name: /connecter/i }).click()
    await page.getByLabel('Code à 6 chiffres').fill(currentTotp(secret))
    await page.getByRole('button', { name: /valider|vérifier|continuer/i }).click()

    for (const path of ['/tableau-de-bord', '/grand-livre', '/liquidation']) {
      const response = await page.goto(base + path)
      t.equal(response?.status(), 200, path)
      t.same(await accessibilityViolations(page), [], `${path}: no WCAG 2.1 AA violation`)
    }
    const [target] = await runtime.orm.em.fork().execute<{ departement: string; claim_id: string }[]>(
      `select s."departement_code" as "departement", r."claim_id" from "line_reconciliation" r join "claim" c on c."id" = r."claim_id"
       join "structure" s on s."id" = c."structure_id" where r."status" = 'matched' group by 1, 2 order by count(*) desc limit 1`,
    )
    await page.getByLabel('Département').fill(target?.departement ?? '')
    await page.getByRole('button', { name: 'Filtrer' }).click()
    t.match(page.url(), new RegExp(`departement=${target?.departement}`))
    const rows = page.locator('tbody tr')
    t.ok((await rows.count()) >= 1, 'claims of that département')
    for (const text of await rows.locator('td:nth-child(4)').allInnerTexts()) t.equal(text, target?.departement)
    await page.goto(`${base}/liquidation/declarations/${target?.claim_id}`)
    t.same(await accessibilityViolations(page), [], 'claim review: no WCAG 2.1 AA violation')
    await page.getByLabel('Décision').first().selectOption('admit')
    await page.getByRole('button', { name: 'Enregistrer pour ce groupe' }).first().click()
    t.match(await page.locator('[role=status]').first().innerText(), /ligne\(s\) décidée\(s\)/)
    t.match(await page.locator('main').innerText(), /Décidées : (\d+) \/ \1/)
    await page.close()
  })
}
