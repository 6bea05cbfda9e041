// Debian's Chromium driven by playwright-core, plus an accessibility check with axe-core.
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { chromium, type Browser, type Page } from 'playwright-core'

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Null (with the reason printed) where no Chromium is installed: the caller skips its tests. */
export async function launchBrowser(): Promise<Browser | null> {
  if (!existsSync(chromiumPath)) {
    console.log(`# browser tests skipped: no Chromium at ${chromiumPath}; install Debian's chromium package (bash .ci/run does)`)
    return null
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** WCAG 2.1 A/AA violations axe-core finds on the current page, as readable lines. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource) // evaluated through the debugging protocol: the page's CSP does not apply
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
  })
  return violations
}

/** Signs in through the login page; with a TOTP secret, passes the second factor too. */
export async function signIn(page: Page, base: string, email: string, password: string, totp?: () => string): Promise<void> {
  await page.goto(`${base}/connexion`)
  await page.getByLabel('Adresse électronique').fill(email)
  await page.getByLabel('Mot de passe').fill(password)
  await page.getByRole('button', { name: /connecter/i }).click()
  if (totp) {
    await page.getByLabel('Code à 6 chiffres').fill(totp())
    await page.getByRole('button', { name: /valider|vérifier|continuer/i }).click()
  }
}
