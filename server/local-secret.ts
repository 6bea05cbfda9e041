// A secret given by the environment, or else generated once under var/ and kept there (mode 0600):
// the fresh-machine path needs no configuration, production passes its own (config.ts requires it).
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export function localSecret(given: string | undefined, varDir: string, fileName: string): string {
  if (given) return given
  const file = join(varDir, fileName)
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(varDir, { recursive: true })
  const secret = randomBytes(32).toString('base64url')
  writeFileSync(file, secret + '\n', { mode: 0o600 })
  return secret
}
