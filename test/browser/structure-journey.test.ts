// In a real browser with a real SMTP server: a structure signs up, confirms its address with the
// link it received, logs in, invites a colleague who joins; another structure cannot open its page.
import t from 'tap'
import { buildTestApp } from '../helpers/app.ts'
import { freePort } from '../helpers/server-process.ts'
import { STRONG_PASSWORD, makeStructure } from '../helpers/accounts.ts'
import { accessibilityViolations, launchBrowser } from '../helpers/browser.ts'
import { startSmtpCapture } from '../helpers/smtp.ts'

const browser = await launchBrowser()
if (!browser) {
  t.test('structure journey in a browser', { skip: 'no Chromium' }, async () => {})
} else {
  t.teardown(() => browser.close())
  const smtp = await startSmtpCapture(t)
  const port = await freePort()
  const { app, runtime } = await buildTestApp(t, { SMTP_URL: smtp.url, PUBLIC_URL: `http://127.0.0.1:${port}` })
  await runtime.startWorkers()
  await app.listen({ host: '127.0.0.1', port })
  const base = `http://127.0.0.1:${port}`

  async function linkFor(to: string, path: string): Promise<string> {
    const mail = await smtp.waitFor(to, (m) => m.text.includes(path))
    return new RegExp(`${base}${path}[\\w-]+`).exec(mail.text)?.[0] as string
  }

  t.test('sign up, confirm by mail, log in, invite a colleague who joins', async (t) => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${base}/inscription`)
    t.same(await accessibilityViolations(page), [], 'the sign-up form passes axe (WCAG 2.1 AA)')
    await page.getByLabel('SIRET').fill('732 829 320 00074')
    await page.getByLabel('Raison sociale').fill('Fabrique numérique de Talence')
    await page.getByLabel('Commune (nom ou code postal)').fill('Talence')
    const option = page.locator('#communes option').first()
    await option.waitFor({ state: 'attached' })
    await page.getByLabel('Commune (nom ou code postal)').fill((await option.getAttribute('value')) as string)
    await page.getByLabel('Adresse postale').fill('5 avenue de l’Université, 33400 Talence')
    await page.getByLabel('Adresse électronique de contact de la structure').fill('contact@fabrique.example')
    await page.getByLabel('Prénom et nom').fill('Inès Garnier')
    await page.getByLabel('Votre adresse électronique (identifiant)').fill('ines@fabrique.example')
    await page.getByLabel('Mot de passe').fill(STRONG_PASSWORD)
    await page.getByRole('button', { name: 'Créer le compte' }).click()
    await page.getByRole('heading', { name: 'Vérifiez votre messagerie' }).waitFor()

    await page.goto(await linkFor('ines@fabrique.example', '/verification/'))
    t.match(await page.locator('[role=status]').innerText(), /Adresse confirmée/)
    t.same(await accessibilityViolations(page), [], 'the login page passes axe')
    await page.getByLabel('Adresse électronique').fill('ines@fabrique.example')
    await page.getByLabel('Mot de passe').fill(STRONG_PASSWORD)
    await page.getByRole('button', { name: 'Se connecter' }).click()
    await page.getByRole('heading', { name: 'Fabrique numérique de Talence' }).waitFor()
    t.match(await page.locator('main').innerText(), /Talence, Gironde \(33\)/)
    t.same(await accessibilityViolations(page), [], 'the profile passes axe')

    await page.getByRole('link', { name: 'Membres et invitations' }).click()
    await page.getByLabel('Adresse électronique du collègue').fill('yanis@fabrique.example')
    await page.getByRole('button', { name: "Envoyer l'invitation" }).click()
    t.match(await page.locator('[role=status]').innerText(), /Invitation envoyée/)

    const colleague = await (await browser.newContext()).newPage()
    await colleague.goto(await linkFor('yanis@fabrique.example', '/invitation/'))
    await colleague.getByLabel('Prénom et nom').fill('Yanis Roux')
    await colleague.getByLabel('Mot de passe').fill('Quatre mots au hasard 7')
    await colleague.getByRole('button', { name: 'Rejoindre la structure' }).click()
    await colleague.getByRole('heading', { name: 'Fabrique numérique de Talence' }).waitFor()
    t.pass('the colleague is inside the structure')

    await page.reload()
    t.match(await page.locator('main').innerText(), /Yanis Roux/, 'and listed among its members')
    t.teardown(() => context.close())
  })

  t.test("another structure cannot open the first one's profile", async (t) => {
    await makeStructure(runtime.orm, { siret: '35600000000048', name: 'Bureau voisin', members: ['voisin@bureau.example'] })
    const page = await (await browser.newContext()).newPage()
    await page.goto(`${base}/connexion`)
    await page.getByLabel('Adresse électronique').fill('voisin@bureau.example')
    await page.getByLabel('Mot de passe').fill(STRONG_PASSWORD)
    await page.getByRole('button', { name: 'Se connecter' }).click()
    await page.getByRole('heading', { name: 'Bureau voisin' }).waitFor()
    const target = await runtime.orm.em.fork().getConnection().execute<{ id: string }[]>(`select id from structure where siret = '73282932000074'`)
    const response = await page.goto(`${base}/structures/${target[0]?.id}`)
    t.equal(response?.status(), 404)
    t.notMatch(await page.content(), /Fabrique numérique/, 'nothing of the other structure is shown')
  })
}
