// `npm run cli -- <command> [--option value]`: operator commands. Each command is a small
// function over the runtime; the list below is the help text.
import { parseArgs } from 'node:util'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { loadConfig } from './config.ts'
import { DomainError } from './errors.ts'
import { migrate } from './db/orm.ts'
import { createRuntime, type Runtime } from './runtime.ts'
import { recordAudit, verifyAuditChain } from './modules/audit/service.ts'
import { queueMail } from './modules/notifications/service.ts'
import { createProfessionalAccount } from './modules/accounts/lifecycle.ts'
import { ROLES } from './modules/accounts/entities.ts'

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
