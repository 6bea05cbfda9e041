// A realistic claim of any size, for previewing the claim templates, the tests and the benchmark.
// Deterministic: the same arguments always give the same data (no clock, no randomness).
import { addDays } from '../../lib/calendar.ts'
import type { ClaimDocumentData, ClaimEvidence, ClaimOtherLine, ClaimPassLine } from './claim-pdf.ts'

const FUNDERS = [
  'Région Nouvelle-Aquitaine',
  'Département de la Gironde',
  'Bordeaux Métropole',
  'CCAS de Mérignac',
  'CAF de la Gironde',
  'Communauté d’agglomération du Pays Basque — programme « Inclusion numérique » 2020',
]

export interface SampleClaimOptions {
  /** Passes used on or after the judgment (shown apart); default 0. */
  readonly afterJudgment?: number
  readonly evidence?: number
  readonly late?: boolean
  readonly draft?: boolean
}

const JUDGMENT = '2024-01-16'

export function sampleClaimData(passCount: number, options: SampleClaimOptions = {}): ClaimDocumentData {
  const afterCount = options.afterJudgment ?? 0
  const passLines: ClaimPassLine[] = []
  for (let i = 0; i < passCount; i++) {
    const after = i >= passCount - afterCount
    const serviceDate = after ? addDays(JUDGMENT, 1 + (i % 12)) : i % 97 === 5 ? null : addDays('2023-01-09', i % 360)
    passLines.push({
      identifier: `PN${2023 - (i % 2)}-${String(100_000 + ((i * 7919) % 900_000)).padStart(6, '0')}-${String.fromCharCode(65 + (i % 26))}`,
      faceValueCents: i % 10 === 9 ? 500 : 1000,
      serviceDate,
      scanDate: after || serviceDate === null || i % 5 === 0 ? null : addDays(serviceDate, 1 + (i % 4)),
      funder: i % 13 === 0 ? null : (FUNDERS[i % FUNDERS.length] ?? null),
      afterJudgment: after ? true : serviceDate === null ? null : false,
    })
  }
  const otherLines: ClaimOtherLine[] = [
    { kind: 'subscription', label: 'Abonnement annuel à la plateforme #APTIC 2023 (77 € HT)', invoiceNumber: 'AB-2023-0412', date: '2023-02-01', amountCents: 9240 },
    { kind: 'invoice', label: 'Remboursement des pass scannés en décembre 2023 & frais « d’impression »', invoiceNumber: null, date: '2024-01-05', amountCents: 12_350 },
  ]
  const evidenceCount = options.evidence ?? 3
  const evidence: ClaimEvidence[] = []
  for (let i = 0; i < evidenceCount; i++) {
    const hex = (seed: number) => Array.from({ length: 64 }, (_, k) => ((seed * 31 + k * 17 + ((seed * k) % 7)) % 16).toString(16)).join('')
    evidence.push({
      fileName: [
        'export-console-aptic-2023-structure-mediation-numerique-bibliotheque-municipale.csv',
        'photo_pass_carnet_12.jpg',
        'facture abonnement 2023.pdf',
      ][i % 3] ?? 'piece.pdf',
      kind: ['Export de la console de scan', 'Photographie de pass', 'Facture'][i % 3] ?? 'Pièce',
      sizeBytes: [1_834_221, 245_310, 812][i % 3] ?? 1000,
      sha256: hex(i + 1),
    })
  }
  const passCents = passLines.filter((line) => line.afterJudgment !== true).reduce((sum, line) => sum + line.faceValueCents, 0)
  const otherCents = otherLines.reduce((sum, line) => sum + line.amountCents, 0)
  return {
    claim: {
      number: 'APTIC-2024-000123',
      version: options.late ? 2 : 1,
      kind: options.late ? 'late_supplement' : 'initial',
      submittedAt: options.draft ? null : options.late ? '2024-06-20T08:30:00.000Z' : '2024-05-21T14:05:00.000Z',
    },
    creditor: {
      name: 'Association L’Établi numérique & Cie',
      siret: '13002526500013',
      address: '12 rue de l’Œuvre\nBâtiment B',
      commune: 'Saint-Denis',
      departement: 'La Réunion (974)',
      overseas: true,
      email: 'contact@etabli-numerique.example',
    },
    debtor: { name: '#APTIC, SCIC SA', siren: '843739418', address: '87 quai des Queyries, 33100 Bordeaux' },
    procedure: {
      court: 'Tribunal judiciaire de Bordeaux',
      judgmentDate: JUDGMENT,
      bodaccPublicationDate: '2024-01-28',
      liquidator: { name: 'Me Camille Dupont-Lefèvre', address: '10 cours du Chapeau-Rouge, 33000 Bordeaux' },
      deadline: '2024-05-28',
      late: options.late ?? false,
    },
    totals: {
      dueCents: passCents + otherCents,
      toFallDueCents: 4000,
      toFallDueDates: ['2024-03-31'],
      nature: 'chirographaire',
      interestNote: null,
    },
    passLines,
    otherLines: [...otherLines, { kind: 'invoice', label: 'Solde de l’abonnement 2024, à échoir', invoiceNumber: 'AB-2024-0001', date: '2024-03-31', amountCents: 4000 }],
    evidence,
    signer: {
      name: 'Zoé Nguyễn-Martin',
      capacity: 'Présidente de l’association',
      statement: 'Je certifie sincère et véritable le montant de la présente déclaration de créance, arrêté au jour du jugement d’ouverture.',
    },
    relief: options.late ? { reason: 'La structure, située outre-mer, n’a été informée de la liquidation qu’en juin 2024 : l’opérateur ne l’avait pas inscrite sur la liste de ses créanciers.' } : null,
  }
}
