// In a real browser with a real SMTP server: a structure imports a French CSV with three bad rows,
// fixes them, uploads a scan, submits, downloads the PDF; the acknowledgement arrives with the PDF,
// whose text carries the legal elements and the bordereau's hashes.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { seedDemo } from '../../fixtures/demo.ts'
import { Procedure } from '../../server/modules/procedure/entities.ts'
import { buildTestApp } from '../helpers/app.ts'
import { freePort } from '../helpers/server-process.ts'
import { STRONG_PASSWORD, makeStructure } from '../helpers/accounts.ts'
import { accessibilityViolations, launchBrowser } from '../helpers/browser.ts'
import { startSmtpCapture } from '../helpers/smtp.ts'

const browser = await launchBrowser()
if (!browser) {
  t.test('claim journey in a browser', { skip: 'no Chromium' }, async () => {})
} else {
  t.teardown(() => browser.close())
  const smtp = await startSmtpCapture(t)
  const port = await freePort()
  const { app, runtime } = await buildTestApp(t, { SMTP_URL: smtp.url, PUBLIC_URL: `http://127.0.0.1:${port}` })
  await seedDemo(runtime.orm)
  await runtime.orm.em.fork().nativeUpdate(Procedure, {}, { bodaccPublicationDate: new Date().toISOString().slice(0, 10), court: 'Tribunal judiciaire de Bordeaux' })
  const { structure } = await makeStructure(runtime.orm, { siret: '35600000000048', name: 'Médiathèque de Lormont', members: ['lea@lormont.example'] })
  await runtime.startWorkers()
  await app.listen({ host: '127.0.0.1', port })
  const base = `http://127.0.0.1:${port}`
  const dir = mkdtempSync(join(tmpdir(), 'claim-journey-'))

  const csv = (rows: string[]) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(["N° de pass;Date d'utilisation;Montant;Commanditaire", ...rows].join('\r\n'), 'utf8')])
  const good = ['PN2019A0000101;05/10/2023;10,00;Département de la Gironde', 'PN2019A0000102;06/10/2023;10,00;Département de la Gironde', 'PN2019A0000103;07/10/2023;10,00;Bordeaux Métropole']
  const bad = ['PN-?;08/10/2023;10,00;x', 'PN2019A0000105;32/10/2023;10,00;x', 'PN2019A0000106;09/10/2023;dix;x']
  const fixed = ['PN2019A0000104;08/10/2023;10,00;Bordeaux Métropole', 'PN2019A0000105;12/10/2023;10,00;Bordeaux Métropole', 'PN2019A0000106;09/10/2023;10,00;Bordeaux Métropole']

  t.test('import with errors, fix, add a scan, submit, download, get the acknowledgement', async (t) => {
    const context = await browser.newContext({ acceptDownloads: true })
    const page = await context.newPage()
    await page.goto(`${base}/connexion`)
    await page.getByLabel('Adresse électronique').fill('lea@lormont.example')
    await page.getByLabel('Mot de passe').fill(STRONG_PASSWORD)
    await page.getByRole('button', { name: 'Se connecter' }).click()
    await page.getByRole('link', { name: 'Ma déclaration' }).click()
    await page.getByRole('button', { name: 'Commencer ma déclaration' }).click()
    await page.getByRole('heading', { name: /Déclaration APTIC-2024-/ }).waitFor()
    t.match(await page.locator('.countdown').innerText(), /Date limite de déclaration/)

    await page.getByRole('link', { name: 'Importer un tableur' }).click()
    await page.getByLabel('Fichier CSV ou XLSX').setInputFiles({ name: 'export-aptic.csv', mimeType: 'text/csv', buffer: csv([...good, ...bad]) })
    await page.getByRole('button', { name: 'Lire le fichier' }).click()
    await page.locator('#bilan').waitFor()
    t.match(await page.locator('#bilan').innerText(), /3 ligne\(s\) valide\(s\) ; 3 problème/)
    t.equal(await page.locator('#erreurs-lignes tbody tr').count(), 3, 'three located errors')
    t.same(await accessibilityViolations(page), [], 'the import preview passes axe')

    await page.getByRole('link', { name: '← Autre fichier' }).click()
    await page.getByLabel('Fichier CSV ou XLSX').setInputFiles({ name: 'export-aptic-corrige.csv', mimeType: 'text/csv', buffer: csv([...good, ...fixed]) })
    await page.getByRole('button', { name: 'Lire le fichier' }).click()
    t.match(await page.locator('#bilan').innerText(), /6 ligne\(s\) valide\(s\) ; 0 problème/)
    await page.getByRole('button', { name: 'Importer', exact: true }).click()
    t.match(await page.locator('[role=status]').first().innerText(), /6 pass importé/)

    await page.goto(`${base}/structures/${structure.id}/declaration/pieces`)
    const scan = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex')
    await page.getByLabel('Type de pièce').selectOption('pass_scans')
    await page.getByLabel(/Fichier\(s\)/).setInputFiles({ name: 'carnet-scanne.png', mimeType: 'image/png', buffer: scan })
    await page.getByRole('button', { name: 'Déposer' }).click()
    await page.getByRole('link', { name: 'carnet-scanne.png' }).waitFor()

    await page.goto(`${base}/structures/${structure.id}/declaration/depot`)
    await page.getByLabel('Nom du signataire').fill('Léa Fontaine')
    await page.getByLabel(/Qualité/).fill('directrice')
    await page.getByLabel(/certifie sincère/).check()
    t.same(await accessibilityViolations(page), [], 'the submission form passes axe')
    await page.getByRole('button', { name: 'Déposer la déclaration' }).click()
    t.match(await page.locator('[role=status]').first().innerText(), /Déclaration déposée/)

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'PDF' }).click()])
    const pdfPath = join(dir, 'declaration.pdf')
    await download.saveAs(pdfPath)
    const pdf = readFileSync(pdfPath)
    t.equal(pdf.subarray(0, 5).toString(), '%PDF-')

    const ack = await smtp.waitFor('lea@lormont.example', (m) => /Accusé de réception/.test(m.subject))
    const attached = ack.parsed.attachments.find((a) => a.contentType === 'application/pdf')
    t.ok(attached, 'the PDF is attached')
    t.equal(createHash('sha256').update(attached?.content ?? Buffer.alloc(0)).digest('hex'), createHash('sha256').update(pdf).digest('hex'), 'the same PDF as the download')

    if (!existsSync('/usr/bin/pdftotext')) return t.comment('pdftotext missing: text checks skipped')
    const text = execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ')
    for (const expected of [/Déclaration de créance/i, /Médiathèque de Lormont/, /356 000 000 00048/, /843 739 418/, /16 janvier 2024/, /Tribunal judiciaire de Bordeaux/, /60,00 €/, /chirographaire/i, /L622-28/, /Léa Fontaine/, /directrice/, /PN2019A0000106/, /carnet-scanne\.png/, /export-aptic-corrige\.csv/]) {
      t.match(text, expected, `the PDF says ${expected}`)
    }
    const hashes = await runtime.orm.em.fork().getConnection().execute<{ sha256: string }[]>(`select sha256 from evidence`)
    for (const { sha256 } of hashes) t.match(text.replace(/ /g, ''), sha256, 'the bordereau gives each file’s SHA-256 in full')
    await context.close()
  })
}
