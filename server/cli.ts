// `npm run cli -- <command> [--option value]`: operator commands. Each command is a small
// function over the runtime; the list below is the help text.
import { parseArgs } from 'node:util'
import { readdirSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig } from './config.ts'
import { DomainError } from './errors.ts'
import { migrate } from './db/orm.ts'
import { createRuntime, type Runtime } from './runtime.ts'
import { recordAudit, verifyAuditChain } from './modules/audit/service.ts'
import { queueMail } from './modules/notifications/service.ts'
import { createProfessionalAccount } from './modules/accounts/lifecycle.ts'
import { ROLES } from './modules/accounts/entities.ts'
import { currentProcedure } from './modules/claims/service.ts'
import { identifyFiles, runLoad } from './modules/ledger/service.ts'
import { loadNationalFixture } from '../fixtures/national/seed.ts'

const PROFESSIONAL_ROLES = ROLES.filter((r) => r !== 'structure')

type Command = {
  summary: string
  options?: Record<string, { type: 'string' | 'boolean'; description: string }>
  needsRuntime: boolean
  run: (args: Record<string, string | boolean | undefined>, runtime: Runtime | null) => Promise<number>
}

const commands: Record<string, Command> = {
  'db:migrate': {
    summary: 'Applique les migrations en attente.',
    needsRuntime: true,
    run: async (_args, runtime) => {
      const applied = await migrate(runtime!.orm)
      console.log(applied.length ? `Migrations appliquées : ${applied.join(', ')}` : 'Base à jour.')
      return 0
    },
  },
  'db:migration:create': {
    summary: 'Crée un fichier de migration vide à compléter (--name nom_court).',
    options: { name: { type: 'string', description: 'nom court en snake_case' } },
    needsRuntime: false,
    run: async (args) => {
      const name = String(args.name ?? '')
      if (!/^[a-z][a-z0-9_]{2,60}$/.test(name)) {
        console.error('--name est requis : minuscules, chiffres et _ (ex. --name claims_lines).')
        return 2
      }
      const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14)
      const className = `Migration${stamp}_${name}`
      const file = fileURLToPath(new URL(`./db/migrations/${className}.ts`, import.meta.url))
      writeFileSync(
        file,
        `import { Migration } from '@mikro-orm/migrations'\n\nexport class ${className} extends Migration {\n` +
          `  override up(): void {\n    this.addSql(\`\`)\n  }\n\n  override down(): void {\n    this.addSql(\`\`)\n  }\n}\n`,
      )
      console.log(`Créé : ${file}`)
      return 0
    },
  },
  'mail:test': {
    summary: "Envoie un courriel de test (--to adresse) pour vérifier la configuration d'envoi.",
    options: { to: { type: 'string', description: 'destinataire' } },
    needsRuntime: true,
    run: async (args, runtime) => {
      const rt = runtime!
      const to = String(args.to ?? '')
      if (!/^[^@\s]+@[^@\s]+$/.test(to)) {
        console.error('--to est requis (une adresse électronique).')
        return 2
      }
      const mail = await rt.orm.em.fork().transactional(async (em) => {
        const queued = await queueMail(em, { boss: rt.boss, templates: rt.templates, mailFrom: rt.config.mailFrom, publicUrl: rt.config.publicUrl }, {
          to,
          template: 'smtp-test',
          data: { publicUrl: rt.config.publicUrl, requestedBy: 'ligne de commande' },
        })
        await recordAudit(em, { actor: { id: null, role: 'cli' }, action: 'mail.test_queued', entityType: 'mail_message', entityId: queued.id, after: { recipient: to } })
        return queued
      })
      console.log(`Courriel ${mail.id} mis en file ; il part dès qu'un processus de travail tourne (npm start ou npm run worker).`)
      return 0
    },
  },
  'user:create': {
    summary: 'Crée un compte liquidateur, ministère ou administrateur et envoie le lien pour choisir le mot de passe.',
    options: {
      role: { type: 'string', description: 'liquidator | ministry | admin' },
      email: { type: 'string', description: 'adresse électronique' },
      name: { type: 'string', description: 'nom affiché' },
    },
    needsRuntime: true,
    run: async (args, runtime) => {
      const rt = runtime!
      const role = PROFESSIONAL_ROLES.find((r) => r === args.role)
      if (!role || typeof args.email !== 'string') {
        console.error(`--role (${PROFESSIONAL_ROLES.join(', ')}) et --email sont requis.`)
        return 2
      }
      const mail = { boss: rt.boss, templates: rt.templates, mailFrom: rt.config.mailFrom, publicUrl: rt.config.publicUrl }
      const { account, link } = await rt.orm.em.fork().transactional((em) =>
        createProfessionalAccount(em, mail, { role, email: args.email as string, displayName: String(args.name ?? args.email) }, { actor: { id: null, role: 'cli' }, requestId: null }),
      )
      console.log(`Compte ${role} créé pour ${account.email}.`)
      console.log(`Lien pour choisir le mot de passe (valable 72 h, aussi envoyé par courriel) : ${link}`)
      console.log('Le second facteur (TOTP) sera activé à la première connexion.')
      return 0
    },
  },
  'ledger:load': {
    summary: "Charge des extractions du grand livre de l'opérateur (CSV ; le type est reconnu à l'en-tête), puis rapproche toutes les déclarations.",
    options: {
      dir: { type: 'string', description: 'dossier dont tous les .csv sont chargés' },
      files: { type: 'string', description: 'fichiers séparés par des virgules' },
    },
    needsRuntime: true,
    run: async (args, runtime) => {
      const rt = runtime!
      const paths = ledgerPaths(args)
      if (paths.length === 0) {
        console.error('--dir ou --files est requis.')
        return 2
      }
      const em = rt.orm.em.fork()
      const procedure = await currentProcedure(em)
      // A folder may hold other files (the national fixture's structures.csv): only ledger headers count.
      const files = await identifyFiles(paths.map((path) => ({ path, name: basename(path) })), { skipUnknown: typeof args.dir === 'string' })
      const started = performance.now()
      let last = ''
      const result = await runLoad(em, rt.databaseUrl, {
        procedureId: procedure.id,
        files,
        actor: { id: null, role: 'cli' },
        onProgress: (p) => {
          const line = `  ${p.kind.padEnd(15)} ${p.phase.padEnd(6)} ${Math.round((100 * p.bytesDone) / Math.max(1, p.bytesTotal))} %`
          if (line !== last) console.log(line)
          last = line
        },
      })
      const seconds = ((performance.now() - started) / 1000).toFixed(1)
      if (!result.ok) {
        for (const report of result.reports) {
          console.error(`Fichier refusé en entier : ${report.name} (${report.problemCount} problème(s)) ; la version précédente reste en service.`)
          for (const p of report.problems) console.error(`  ligne ${p.line}${p.column ? `, colonne ${p.column}` : ''} : ${p.reason}${p.value ? ` (« ${p.value} »)` : ''}`)
          if (report.problemCount > report.problems.length) console.error(`  … et ${report.problemCount - report.problems.length} autre(s).`)
        }
        return 1
      }
      for (const v of result.versions) console.log(`  ${v.kind.padEnd(15)} ${String(v.rows).padStart(9)} lignes  version ${v.id}`)
      console.log(`Grand livre chargé en ${seconds} s ; ${result.reconciled} ligne(s) de pass rapprochée(s).`)
      return 0
    },
  },
  'national:load': {
    summary: 'Charge le jeu national (npm run fixtures:national) : procédure, grand livre, structures, déclarations, rapprochement.',
    options: { dir: { type: 'string', description: 'dossier du jeu (défaut var/fixtures/national)' } },
    needsRuntime: true,
    run: async (args, runtime) => {
      const rt = runtime!
      const started = performance.now()
      const dir = typeof args.dir === 'string' ? args.dir : 'var/fixtures/national'
      const result = await loadNationalFixture(rt.orm.em.fork(), rt.databaseUrl, dir)
      if (!result.ledger.ok) {
        console.error(`Grand livre refusé : ${JSON.stringify(result.ledger.reports).slice(0, 2000)}`)
        return 1
      }
      console.log(`Jeu national chargé en ${((performance.now() - started) / 1000).toFixed(1)} s : ${result.lines} lignes déclarées, ${result.reconciled} rapprochées.`)
      return 0
    },
  },
  'audit:verify': {
    summary: "Recalcule la chaîne d'audit et signale le premier maillon rompu.",
    needsRuntime: true,
    run: async (_args, runtime) => {
      const result = await verifyAuditChain(runtime!.orm.em.fork())
      if (result.firstBroken === null) {
        console.log(`Chaîne d'audit intacte : ${result.checked} événements vérifiés.`)
        return 0
      }
      console.error(`Chaîne d'audit rompue à l'événement n° ${result.firstBroken} (après ${result.checked} événements valides).`)
      return 1
    },
  },
}

function ledgerPaths(args: Record<string, string | boolean | undefined>): string[] {
  if (typeof args.dir === 'string') {
    return readdirSync(args.dir).filter((f) => f.toLowerCase().endsWith('.csv')).sort().map((f) => join(args.dir as string, f))
  }
  return typeof args.files === 'string' ? args.files.split(',').map((f) => f.trim()).filter(Boolean) : []
}

function help(): void {
  console.log('Usage : npm run cli -- <commande> [options]\n')
  for (const [name, c] of Object.entries(commands)) {
    console.log(`  ${name.padEnd(22)} ${c.summary}`)
    for (const [opt, o] of Object.entries(c.options ?? {})) console.log(`      --${opt.padEnd(16)} ${o.description}`)
  }
}

const [name, ...rest] = process.argv.slice(2)
const command = name ? commands[name] : undefined
if (!command) {
  help()
  process.exit(name && name !== 'help' ? 2 : 0)
}
const { values } = parseArgs({
  args: rest,
  options: Object.fromEntries(Object.entries(command.options ?? {}).map(([k, o]) => [k, { type: o.type }])),
  strict: true,
})
const runtime = command.needsRuntime
  ? await createRuntime(loadConfig(), { migrate: name !== 'db:migrate', supervise: false })
  : null
let code = 1
try {
  code = await command.run(values, runtime)
} catch (error) {
  // Refusals a person can fix are printed plainly; anything else keeps its stack.
  if (!(error instanceof DomainError)) throw error
  console.error(`${error.message}${error.errors.map((e) => `\n  ${e.path} : ${e.message}`).join('')}`)
  code = 2
} finally {
  await runtime?.stop()
}
process.exit(code)
