// The national table of DOMAIN §8, computed from the ledger: per programme and laureate type, the
// laureates, potential, bought, scanned passes and beneficiaries (started carnets), the "no data"
// rows, and laureates by conversion band. Pure: the SQL gives one row per commanditaire and
// programme, this file does the arithmetic the report does, conventions stated.

export const LAUREATE_TYPE_ORDER = ['conseil régional', 'conseil départemental', 'communes et EPCI', 'autre'] as const
export const BAND_ORDER = ['> 75 %', '50–75 %', '25–50 %', '< 25 %'] as const
export type Band = (typeof BAND_ORDER)[number]

export interface PairRow {
  readonly programme: string
  /** null: a "no data" row of the report, not a laureate. */
  readonly type: string | null
  readonly potential: number
  readonly bought: number
  readonly scanned: number
  readonly beneficiaries: number
}

export interface Figures {
  laureates: number
  potential: number
  bought: number
  scanned: number
  beneficiaries: number
}

export interface ProgrammeBlock {
  readonly programme: string
  readonly rows: readonly { readonly type: string; readonly figures: Figures }[]
  readonly noDataPotential: number
  /** Sum of the type rows (the "no data" potential left out). */
  readonly total: Figures
  /** The same total with the "no data" potential included. */
  readonly potentialWithNoData: number
}

export interface BandCell {
  scanned: number
  laureates: number
}

export interface NationalTable {
  readonly programmes: readonly ProgrammeBlock[]
  readonly total: Figures
  readonly bands: readonly { readonly type: string; readonly cells: Readonly<Record<Band, BandCell>> }[]
  readonly bandTotals: Readonly<Record<Band, BandCell>>
  /** Laureate-programme pairs without any scan (left out of the bands, as in the report). */
  readonly withoutScan: { laureates: number; potential: number }
}

const zero = (): Figures => ({ laureates: 0, potential: 0, bought: 0, scanned: 0, beneficiaries: 0 })
const add = (into: Figures, row: PairRow): void => {
  into.laureates += 1
  into.potential += row.potential
  into.bought += row.bought
  into.scanned += row.scanned
  into.beneficiaries += row.beneficiaries
}
const emptyBands = (): Record<Band, BandCell> => ({ '> 75 %': { scanned: 0, laureates: 0 }, '50–75 %': { scanned: 0, laureates: 0 }, '25–50 %': { scanned: 0, laureates: 0 }, '< 25 %': { scanned: 0, laureates: 0 } })

/** Band of scanned / bought in integers: exactly 75 % falls in 50–75 %, 50 % in 50–75 %, 25 % in 25–50 %. */
export function bandOf(scanned: number, bought: number): Band {
  if (scanned * 4 > bought * 3) return '> 75 %'
  if (scanned * 2 >= bought) return '50–75 %'
  if (scanned * 4 >= bought) return '25–50 %'
  return '< 25 %'
}

/** scanned / bought in per-mille, rounded half up; null when nothing was bought. */
export function conversionPermille(scanned: number, bought: number): number | null {
  return bought === 0 ? null : Math.floor((scanned * 1000 * 2 + bought) / (bought * 2))
}

export function nationalTable(pairs: readonly PairRow[]): NationalTable {
  const programmes = [...new Set(pairs.map((p) => p.programme))].sort()
  const total = zero()
  const blocks = programmes.map((programme) => {
    const mine = pairs.filter((p) => p.programme === programme)
    const types = [...LAUREATE_TYPE_ORDER, ...new Set(mine.flatMap((p) => (p.type && !LAUREATE_TYPE_ORDER.includes(p.type as never) ? [p.type] : [])))]
    const rows = types.map((type) => {
      const figures = zero()
      for (const p of mine) if (p.type === type) add(figures, p)
      return { type, figures }
    })
    const blockTotal = zero()
    for (const p of mine) if (p.type !== null) add(blockTotal, p)
    for (const key of Object.keys(total) as (keyof Figures)[]) total[key] += blockTotal[key]
    const noDataPotential = mine.filter((p) => p.type === null).reduce((n, p) => n + p.potential, 0)
    return { programme, rows, noDataPotential, total: blockTotal, potentialWithNoData: blockTotal.potential + noDataPotential }
  })
  const laureates = pairs.filter((p) => p.type !== null)
  const bandTotals = emptyBands()
  const bands = LAUREATE_TYPE_ORDER.map((type) => {
    const cells = emptyBands()
    for (const p of laureates) {
      if (p.type !== type || p.scanned === 0) continue
      const band = bandOf(p.scanned, p.bought)
      cells[band].scanned += p.scanned
      cells[band].laureates += 1
      bandTotals[band].scanned += p.scanned
      bandTotals[band].laureates += 1
    }
    return { type, cells }
  })
  const unscanned = laureates.filter((p) => p.scanned === 0)
  return {
    programmes: blocks,
    total,
    bands,
    bandTotals,
    withoutScan: { laureates: unscanned.length, potential: unscanned.reduce((n, p) => n + p.potential, 0) },
  }
}
