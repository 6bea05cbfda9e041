// Importing a French spreadsheet into a claim, and uploading evidence: the sniffed type decides,
// limits are stated, and a refused upload leaves nothing behind.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { seedDemo } from '../../fixtures/demo.ts'
import { ClaimLine, Evidence } from '../../server/modules/claims/entities.ts'
import { buildTestApp } from '../helpers/app.ts'
import { client } from '../helpers/client.ts'
import { STRONG_PASSWORD, makeStructure } from '../helpers/accounts.ts'

const { app, runtime, config } = await buildTestApp(t)
const orm = runtime.orm
await seedDemo(orm)
const { structure } = await makeStructure(orm, { siret: '35600000000048', name: 'Point numérique', members: ['eva@point.example'] })
const eva = client(app)
await eva.post('/connexion', { email: 'eva@point.example', password: STRONG_PASSWORD }, { from: '/connexion' })
const base = `/structures/${structure.id}/declaration`
await eva.post(base, {}, { from: base })

const csv = (rows: string[]) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(['Identifiant;Date d\'utilisation;Valeur;Commanditaire', ...rows].join('\r\n'), 'utf8')])
const good = (i: number) => `PN2019A${String(i).padStart(7, '0')};${String((i % 28) + 1).padStart(2, '0')}/11/2023;10,00;Département de la Gironde`
const storedFiles = () => {
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [e.name]))
  try {
    return walk(join(config.varDir, 'evidence'))
  } catch {
    return []
  }
}

t.test('a CSV with bad rows is previewed with located errors, and nothing is imported until fixed', async (t) => {
  await eva.get(`${base}/import`)
  const rows = [good(1), good(2), 'PN-?;12/11/2023;10,00;x', good(3), 'PN2019A0000009;31/11/2023;10,00;x', 'PN2019A0000010;12/11/2023;dix euros;x', good(1)]
  const uploaded = await eva.upload(`${base}/import`, { kind: 'platform_export' }, [{ filename: 'export.csv', content: csv(rows) }])
  t.equal(uploaded.statusCode, 302)
  const preview = await eva.follow(uploaded)
  t.match(preview.body, /CSV \(utf-8, séparateur « ; »\)/)
  t.match(preview.body, /<strong>2<\/strong> ligne\(s\) valide\(s\) ; <strong>4<\/strong> problème/, 'rows 3 and 5 are fine; 4, 6, 7 are wrong and 2 = 8 are duplicates')
  t.match(preview.body, /<td>4<\/td><td>A \(Identifiant\)<\/td>/, 'row 4 (after the header), column A')
  t.match(preview.body, /<td>6<\/td><td>B \(Date d&#x27;utilisation\)<\/td>/)
  t.match(preview.body, /<td>7<\/td><td>C \(Valeur\)<\/td>/)
  t.match(preview.body, /aux lignes 2, 8/, 'duplicates with both row numbers')
  const action = /action="([^"]+\/import\/[0-9a-f-]+)"/.exec(preview.body)?.[1] as string
  const refused = await eva.post(action, { col0: 'identifier', col1: 'serviceDate', col2: 'faceValue', col3: 'funder' })
  t.equal(refused.statusCode, 400)
  t.match(refused.body, /rien n’a été importé/)
  t.equal(await orm.em.fork().count(ClaimLine, {}), 0)
  const partial = await eva.post(action, { col0: 'identifier', col1: 'serviceDate', col2: 'faceValue', col3: 'funder', onlyValid: 'on' })
  t.equal(partial.statusCode, 302)
  t.equal(await orm.em.fork().count(ClaimLine, { source: 'import' }), 2, 'only the rows without problems (the duplicated one is out too)')
  t.equal(await orm.em.fork().count(Evidence, { kind: 'platform_export' }), 1, 'the file is kept as evidence')
  const [source] = await orm.em.fork().find(Evidence, { kind: 'platform_export' })
  t.equal(await orm.em.fork().count(ClaimLine, { evidenceId: source?.id }), 2, 'each imported line is linked to its file')
  t.match((await eva.get(`${base}/lignes`)).body, /export\.csv<\/a>, ligne 3/, 'and the lines table says which file and row')
})

t.test('a clean file imports in full; a pass already in the claim is reported, not added twice', async (t) => {
  await eva.get(`${base}/import`)
  const clean = await eva.follow(await eva.upload(`${base}/import`, { kind: 'platform_export' }, [{ filename: 'export-corrige.csv', content: csv([good(4), good(5)]) }]))
  t.match(clean.body, /<strong>2<\/strong> ligne\(s\) valide\(s\) ; <strong>0<\/strong>/)
  const action = /action="([^"]+\/import\/[0-9a-f-]+)"/.exec(clean.body)?.[1] as string
  t.equal((await eva.post(action, {})).statusCode, 302)
  t.equal(await orm.em.fork().count(ClaimLine, { source: 'import' }), 4)
  await eva.get(`${base}/import`)
  const again = await eva.follow(await eva.upload(`${base}/import`, { kind: 'platform_export' }, [{ filename: 'export-2.csv', content: csv([good(5), good(6)]) }]))
  t.match(again.body, /Déjà dans la déclaration/)
  t.match(again.body, /PN2019A0000005/)
})

t.test('an executable named .pdf is refused as evidence and leaves nothing', async (t) => {
  const before = storedFiles().length
  const rows = await orm.em.fork().count(Evidence, {})
  await eva.get(`${base}/pieces`)
  const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(5000, 1)])
  const res = await eva.upload(`${base}/pieces`, { kind: 'pass_scans' }, [{ filename: 'scan.pdf', content: elf }])
  t.equal(res.statusCode, 415)
  t.match(res.body, /exécutable/)
  t.equal(storedFiles().length, before)
  t.equal(await orm.em.fork().count(Evidence, {}), rows)
})

t.test('a 26 MB file is refused with the limit in the message and leaves nothing', async (t) => {
  const before = storedFiles().length
  await eva.get(`${base}/pieces`)
  const big = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(26 * 1024 * 1024, 0x20)])
  const res = await eva.upload(`${base}/pieces`, { kind: 'pass_scans' }, [{ filename: 'gros.pdf', content: big }])
  t.equal(res.statusCode, 413)
  t.match(res.body, /25 Mo/)
  t.equal(storedFiles().length, before)
})

t.test('a scan is stored once, listed with its hash, and downloaded as an attachment', async (t) => {
  await eva.get(`${base}/pieces`)
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex')
  const res = await eva.upload(`${base}/pieces`, { kind: 'pass_scans' }, [{ filename: 'carnet.png', content: png }])
  t.equal(res.statusCode, 302)
  const panel = await eva.follow(res)
  t.match(panel.body, /carnet\.png/)
  t.match(panel.body, /[0-9a-f]{64}/)
  const link = /href="([^"]+\/pieces\/[0-9a-f-]{36})">carnet\.png/.exec(panel.body)?.[1] as string
  const file = await eva.get(link)
  t.equal(file.statusCode, 200)
  t.match(file.headers['content-disposition'], /^attachment/)
  t.equal(file.headers['content-type'], 'image/png')
  t.same(file.rawPayload, png)
  const home = await eva.get(base)
  t.notMatch(home.body, /✗<\/span>\s*<span class="sr-only">à faire :<\/span>\s*Justificatif pour les pass/, 'the pass evidence item is now satisfied')
})
