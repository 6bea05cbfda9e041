// A real browser (Debian's chromium driven by playwright-core) on the real server.
import { existsSync } from 'node:fs'
import t from 'tap'
import { chromium, type Browser } from 'playwright-core'
import { seedDemo } from '../../fixtures/demo.ts'
import { buildTestApp } from '../helpers/app.ts'

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
if (!existsSync(executablePath)) {
  const reason = `no Chromium at ${executablePath}: install Debian's chromium package (bash .ci/run does)`
  console.log(`# browser tests skipped: ${reason}`)
  t.test('browser tests', { skip: reason }, async () => {})
} else {
  const { app, runtime } = await buildTestApp(t, { DEMO: 'true' })
  await seedDemo(runtime.orm)
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const browser: Browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
  t.teardown(() => browser.close())

  t.test('the home page loads, explains the service and is navigable by keyboard', async (t) => {
    const page = await browser.newPage()
    const problems: string[] = []
    page.on('console', (m) => m.type() === 'error' && problems.push(`${m.text()} (${m.location().url})`))
    page.on('pageerror', (e) => problems.push(e.message))
    const response = await page.goto(base + '/')
    t.equal(response?.status(), 200)
    t.equal(await page.getAttribute('html', 'lang'), 'fr')
    t.equal(await page.locator('h1').innerText(), 'Suivi des créances du Pass numérique')
    t.match(await page.locator('main').innerText(), /#APTIC/)
    t.equal(await page.locator('header[role=banner], body > header').count(), 1, 'a banner landmark')
    t.equal(await page.locator('main').count(), 1, 'a main landmark')
    t.equal(await page.locator('footer').count(), 1, 'a contentinfo landmark')
    // First Tab reaches the skip link, which becomes visible and leads to the content.
    await page.keyboard.press('Tab')
    const focused = page.locator(':focus')
    t.equal(await focused.innerText(), 'Aller au contenu')
    const box = await focused.boundingBox()
    t.ok(box && box.x >= 0, 'the focused skip link is on screen')
    await page.keyboard.press('Enter')
    t.match(page.url(), /#contenu$/)
    t.same(problems, [], 'no console errors (the CSP blocks nothing we need)')
    if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/home.png`, fullPage: true })
    await page.close()
  })

  t.test('the home page is usable on a phone-sized screen', async (t) => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } })
    await page.goto(base + '/')
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    t.ok(overflow <= 0, `no horizontal scrolling (overflow ${overflow}px)`)
    await page.close()
  })

  t.test('the API documentation renders', async (t) => {
    const page = await browser.newPage()
    await page.goto(base + '/docs')
    await page.waitForSelector('text=/health', { timeout: 15_000 })
    t.pass('the OpenAPI UI lists the health route')
    await page.close()
  })
}
