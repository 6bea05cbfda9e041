// The liquidator's desk in a real browser, with axe's WCAG 2.1 AA checks on every page — issue 7's
// journey: filter the queue to one département, admit the matched lines of a claim in bulk, contest
// two passes, make the proposal, generate the letter, record its sending and receipt; the structure
// sees the letter and its 30-day deadline (L622-27) and answers; the liquidator sees the answer.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadNationalFixture } from '../../fixtures/national/seed.ts'
import { todayInParis, addDays, formatFrenchDate } from '../../server/lib/calendar.ts'
import { answerDeadline } from '../../server/lib/deadlines.ts'
import { currentTotp } from '../../server/lib/totp.ts'
import { Membership } from '../../server/modules/structures/entities.ts'
import { STRONG_PASSWORD, makeProfessional, makeStructure } from '../helpers/accounts.ts'
import { buildTestApp } from '../helpers/app.ts'
import { markSubmitted } from '../helpers/claims.ts'
import { accessibilityViolations, launchBrowser, signIn } from '../helpers/browser.ts'

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
  const em = runtime.orm.em.fork()
  // The claim with the most matched passes, submitted (the fixture's claims are drafts), and a
  // member account for its structure.
  const [target] = await em.execute<{ departement: string; claim_id: string; structure_id: string }[]>(
    `select s."departement_code" as "departement", r."claim_id", s."id" as "structure_id" from "line_reconciliation" r join "claim" c on c."id" = r."claim_id"
     join "structure" s on s."id" = c."structure_id" where r."status" = 'matched' group by 1, 2, 3 order by count(*) desc limit 1`,
  )
  if (!target) throw new Error('fixture without matched lines')
  await markSubmitted(em, [target.claim_id])
  const { accounts } = await makeStructure(runtime.orm, { siret: '73282932000074', name: 'Autre structure', members: ['ines@tiers-lieu.example'] })
  await em.execute(`update "membership" set "structure_id" = ? where "account_id" = ?`, [target.structure_id, accounts[0]?.id])
  if (!(await runtime.orm.em.fork().count(Membership, { structureId: target.structure_id }))) throw new Error('the structure has no member')
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const today = todayInParis(new Date())
  const receivedOn = addDays(today, -3)
  let contested: string[] = []
  // One liquidator session for the whole journey: a second sign-in within the same 30 seconds
  // would reuse a TOTP code, which the product rightly refuses.
  const desk = await browser.newPage()

  t.test('the liquidator decides, proposes, and sends the contestation letter', async (t) => {
    const page = desk
    await signIn(page, base, 'etude@liquidation.example', STRONG_PASSWORD, () => currentTotp(secret))
    for (const path of ['/tableau-de-bord', '/grand-livre', '/liquidation/tribunal', '/liquidation']) {
      const response = await page.goto(base + path)
      t.equal(response?.status(), 200, path)
      t.same(await accessibilityViolations(page), [], `${path}: no WCAG 2.1 AA violation`)
    }
    await page.getByLabel('Département').fill(target.departement)
    await page.getByRole('button', { name: 'Filtrer' }).click()
    t.match(page.url(), new RegExp(`departement=${target.departement}`))
    const rows = page.locator('tbody tr')
    t.ok((await rows.count()) >= 1, 'claims of that département')
    for (const text of await rows.locator('td:nth-child(5)').allInnerTexts()) t.equal(text, target.departement)
    await page.locator(`a[href="/liquidation/declarations/${target.claim_id}"]`).click()
    t.same(await accessibilityViolations(page), [], 'claim review: no WCAG 2.1 AA violation')

    // Bulk: every matched pass of the claim admitted at once.
    const matched = page.locator('section.review-group').filter({ has: page.locator('#group-matched') })
    await matched.getByLabel('Décision').selectOption('admit')
    await matched.getByRole('button', { name: 'Décider tout le groupe' }).click()
    t.match(await page.locator('[role=status]').first().innerText(), /ligne\(s\) décidée\(s\)/)
    t.match(await matched.innerText(), /Décidées : (\d+) \/ \1/, 'all matched lines decided')

    // Two passes contested, ticked one by one.
    const boxes = page.locator('section.review-group').filter({ has: page.locator('#group-matched') }).locator('tbody input[type=checkbox]')
    contested = (await page.locator('section.review-group').filter({ has: page.locator('#group-matched') }).locator('tbody code').allInnerTexts()).slice(0, 2)
    await boxes.nth(0).check()
    await boxes.nth(1).check()
    const group = page.locator('section.review-group').filter({ has: page.locator('#group-matched') })
    await group.getByLabel('Décision').selectOption('contest')
    await group.getByLabel('Motif (pour contester ou rejeter)').selectOption({ label: 'Autre motif (voir le commentaire)' })
    await group.getByLabel('Commentaire (facultatif)').fill('Date de scan postérieure à la fermeture de la structure')
    await group.getByRole('button', { name: 'Décider les pass cochés' }).click()
    t.match(await page.locator('[role=status]').first().innerText(), /2 pass décidé\(s\)/)

    // The other lines as their reconciliation proposes, except double declarations (held).
    if (await page.getByRole('button', { name: /Appliquer la proposition par défaut/ }).count()) {
      await page.getByRole('button', { name: /Appliquer la proposition par défaut/ }).click()
    }
    const duplicates = page.locator('section.review-group').filter({ has: page.locator('#group-duplicate_declared') })
    if (await duplicates.count()) {
      await duplicates.getByLabel('Décision').selectOption('contest')
      await duplicates.getByLabel('Motif (pour contester ou rejeter)').selectOption({ label: 'Pass déclaré aussi par une autre structure' })
      await duplicates.getByRole('button', { name: 'Décider tout le groupe' }).click()
    }
    await page.getByRole('button', { name: 'Enregistrer la proposition' }).click()
    t.match(await page.locator('#etat').innerText(), /proposition faite/)
    t.match(await page.locator('#proposition-faite').innerText(), /admettre/)

    await page.getByRole('button', { name: 'Générer la lettre de contestation' }).click()
    t.match(await page.locator('[role=status]').first().innerText(), /Lettre LC-\d{4}-\d{6} générée/)
    const pdf = await page.request.get(await page.locator('#letter-link').getAttribute('href').then((h) => base + h))
    t.equal(pdf.headers()['content-type'], 'application/pdf')
    t.same(await accessibilityViolations(page), [], 'claim review with its letter: no WCAG 2.1 AA violation')

    await page.getByLabel('Mode d’envoi').selectOption('registered_letter')
    await page.getByLabel('N° de l’envoi recommandé').fill('1A 234 567 8901 2')
    await page.getByLabel('Envoyée le').fill(addDays(today, -5))
    await page.getByRole('button', { name: 'Enregistrer l’envoi et prévenir la structure' }).click()
    t.match(await page.locator('#etat').innerText(), /contestée, réponse attendue/)
    await page.getByLabel('Reçue le').fill(receivedOn)
    await page.getByRole('button', { name: 'Enregistrer la réception' }).click()
    t.match(await page.locator('#answer-deadline').innerText(), new RegExp(formatFrenchDate(answerDeadline(receivedOn))), 'the deadline runs 30 days from receipt')
  })

  t.test('the structure sees the letter and its deadline, and answers; the liquidator sees the answer', async (t) => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await signIn(page, base, 'ines@tiers-lieu.example', STRONG_PASSWORD)
    await page.goto(`${base}/structures/${target.structure_id}/declaration`)
    await page.getByRole('link', { name: 'Instruction par le liquidateur' }).click()
    t.same(await accessibilityViolations(page), [], 'the structure’s page: no WCAG 2.1 AA violation')
    const deadline = await page.locator('#answer-deadline').innerText()
    t.match(deadline, new RegExp(`jusqu’au ${formatFrenchDate(answerDeadline(receivedOn))}`))
    t.match(deadline, /jour\(s\) restant\(s\)/)
    const download = await page.request.get(base + (await page.locator('#letter-download').getAttribute('href')))
    t.equal(download.status(), 200, 'the structure downloads its letter')
    await page.getByLabel('Je conteste la proposition').check()
    await page.getByLabel('Vos explications (obligatoires pour contester)').fill('Les deux pass ont été scannés le jour de l’atelier ; la feuille d’émargement est jointe.')
    await page.getByRole('button', { name: 'Envoyer ma réponse' }).click()
    t.match(await page.locator('#my-answer').innerText(), /conteste la proposition/)
    t.equal(await page.getByRole('button', { name: 'Envoyer ma réponse' }).count(), 0, 'one answer only')
    await context.close()

    const liquidator = desk
    await liquidator.goto(`${base}/liquidation/declarations/${target.claim_id}`)
    t.match(await liquidator.locator('#etat').innerText(), /réponse reçue/)
    t.match(await liquidator.locator('#creditor-answer').innerText(), /feuille d’émargement/)
    t.equal(contested.length, 2)
    await desk.close()
  })
}
