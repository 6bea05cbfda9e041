// Communes, départements and régions from the official split (@etalab/decoupage-administratif 6).
// A structure's commune decides its claim deadline (outside metropolitan France: +2 months,
// R622-24) and places it on the ministry's map. The package's index.js reads `./data` from the
// working directory, so its JSON files are read here directly, once, on first use.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

export interface TerritoryRef {
  readonly code: string
  readonly nom: string
}

export interface Region extends TerritoryRef {
  /** Outside metropolitan France (DROM, or a COM listed as its own région). */
  readonly overseas: boolean
}

export interface Departement extends TerritoryRef {
  readonly region: TerritoryRef
  readonly overseas: boolean
}

export interface Commune extends TerritoryRef {
  /** INSEE code (e.g. "33063", "2A004"), not a postal code. */
  readonly code: string
  readonly departement: TerritoryRef
  readonly region: TerritoryRef
  /** Any commune outside metropolitan France: DROM (971–974, 976) and COM (975, 977, 978, 98x). */
  readonly overseas: boolean
  readonly codesPostaux: readonly string[]
}

interface SearchEntry {
  readonly commune: Commune
  readonly key: string
  readonly population: number
}

interface TerritoryData {
  readonly communes: ReadonlyMap<string, Commune>
  /** Paris, Lyon and Marseille arrondissements → their commune (Sirene locates establishments by arrondissement). */
  readonly arrondissements: ReadonlyMap<string, string>
  readonly departements: ReadonlyMap<string, Departement>
  readonly regions: ReadonlyMap<string, Region>
  readonly searchIndex: readonly SearchEntry[]
}

export type JsonRecord = Readonly<Record<string, unknown>>

/** One data file of @etalab/decoupage-administratif (its index.js reads ./data from the cwd, so not used). */
export function readDecoupageData(file: string): JsonRecord[] {
  const dataDir = join(dirname(createRequire(import.meta.url).resolve('@etalab/decoupage-administratif/package.json')), 'data')
  const parsed: unknown = JSON.parse(readFileSync(join(dataDir, file), 'utf8'))
  if (!Array.isArray(parsed)) throw new TypeError(`${file}: expected an array`)
  return parsed.map((item: unknown, index) => {
    if (typeof item !== 'object' || item === null) throw new TypeError(`${file}[${index}]: expected an object`)
    return item as JsonRecord
  })
}

function text(record: JsonRecord, key: string): string {
  const value = record[key]
  if (typeof value !== 'string') throw new TypeError(`expected a string in "${key}" of ${JSON.stringify(record)}`)
  return value
}

function postalCodes(record: JsonRecord): string[] {
  const value = record['codesPostaux']
  // A few uninhabited places (Terres australes) have no postal code at all.
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((code): code is string => typeof code === 'string')) {
    throw new TypeError(`bad codesPostaux in ${JSON.stringify(record)}`)
  }
  return value
}

function ref(map: ReadonlyMap<string, TerritoryRef>, code: string, what: string): TerritoryRef {
  const found = map.get(code)
  if (found === undefined) throw new TypeError(`unknown ${what} code ${code}`)
  return { code: found.code, nom: found.nom }
}

/** Lower case, no accents, hyphens and apostrophes as spaces, "st"/"ste" spelled out. */
export function searchKey(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/œ/gu, 'oe')
    .replace(/æ/gu, 'ae')
    .replace(/[^a-z0-9]+/gu, ' ')
    .trim()
    .replace(/\bst\b/gu, 'saint')
    .replace(/\bste\b/gu, 'sainte')
}

function load(): TerritoryData {
  const isOverseas = (record: JsonRecord): boolean => text(record, 'zone') !== 'metro'

  const regions = new Map<string, Region>()
  for (const record of readDecoupageData('regions.json')) {
    regions.set(text(record, 'code'), { code: text(record, 'code'), nom: text(record, 'nom'), overseas: isOverseas(record) })
  }
  const departements = new Map<string, Departement>()
  for (const record of readDecoupageData('departements.json')) {
    departements.set(text(record, 'code'), {
      code: text(record, 'code'),
      nom: text(record, 'nom'),
      region: ref(regions, text(record, 'region'), 'région'),
      overseas: isOverseas(record),
    })
  }
  const communes = new Map<string, Commune>()
  const arrondissements = new Map<string, string>()
  const searchIndex: SearchEntry[] = []
  for (const record of readDecoupageData('communes.json')) {
    const type = text(record, 'type')
    if (type === 'arrondissement-municipal') arrondissements.set(text(record, 'code'), text(record, 'commune'))
    // Delegated and associated communes are former communes merged into a current one.
    if (type !== 'commune-actuelle') continue
    const commune: Commune = {
      code: text(record, 'code'),
      nom: text(record, 'nom'),
      departement: ref(departements, text(record, 'departement'), 'département'),
      region: ref(regions, text(record, 'region'), 'région'),
      overseas: isOverseas(record),
      codesPostaux: postalCodes(record),
    }
    communes.set(commune.code, commune)
    const population = record['population']
    searchIndex.push({ commune, key: searchKey(commune.nom), population: typeof population === 'number' ? population : 0 })
  }
  return { communes, arrondissements, departements, regions, searchIndex }
}

let cached: TerritoryData | undefined

function data(): TerritoryData {
  cached ??= load()
  return cached
}

/**
 * The current commune with this INSEE code, or null. A municipal arrondissement code (75111,
 * 69383, 13205…), as Sirene gives for establishments in Paris, Lyon and Marseille, resolves to
 * its commune (Paris 75056…).
 */
export function findCommune(inseeCode: string): Commune | null {
  const code = inseeCode.trim().toUpperCase()
  const { communes, arrondissements } = data()
  return communes.get(code) ?? communes.get(arrondissements.get(code) ?? '') ?? null
}

export function findDepartement(code: string): Departement | null {
  return data().departements.get(code.trim().toUpperCase()) ?? null
}

export function findRegion(code: string): Region | null {
  return data().regions.get(code.trim()) ?? null
}

/**
 * Autocomplete: communes whose name starts with the query (ignoring case, accents, hyphens and
 * "St"/"Saint"), or whose postal code starts with it when the query is digits. Exact names come
 * first, then the most populated, the likeliest for a structure.
 */
export function searchCommunes(query: string, limit = 10): Commune[] {
  const max = Math.max(0, Math.min(Math.trunc(limit), 100))
  const trimmed = query.trim()
  if (trimmed === '' || max === 0) return []
  const index = data().searchIndex
  if (/^\d{1,5}$/.test(trimmed)) {
    return index
      .filter((entry) => entry.commune.codesPostaux.some((postal) => postal.startsWith(trimmed)))
      .sort((a, b) => b.population - a.population || a.commune.code.localeCompare(b.commune.code))
      .slice(0, max)
      .map((entry) => entry.commune)
  }
  const key = searchKey(trimmed)
  if (key === '') return []
  return index
    .filter((entry) => entry.key.startsWith(key))
    .sort((a, b) => Number(b.key === key) - Number(a.key === key) || b.population - a.population || a.commune.code.localeCompare(b.commune.code))
    .slice(0, max)
    .map((entry) => entry.commune)
}

const byCode = (a: TerritoryRef, b: TerritoryRef): number => a.code.localeCompare(b.code)

/** All départements, by code (01 … 95, 2A, 2B among them, then overseas). */
export function listDepartements(): Departement[] {
  return [...data().departements.values()].sort(byCode)
}

export function listRegions(): Region[] {
  return [...data().regions.values()].sort(byCode)
}
