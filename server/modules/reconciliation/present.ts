// What each reconciliation status means to people (DOMAIN §5), and what a structure can do about it.
import type { ReconciliationStatus } from './service.ts'

export const STATUS_TEXT: Readonly<Record<ReconciliationStatus, { label: string; todo: string }>> = {
  matched: { label: 'Conforme au grand livre', todo: 'Rien à faire : scanné par votre structure et jamais payé.' },
  unscanned_known: { label: 'Émis, jamais scanné', todo: 'Joignez une pièce (photo ou scan du pass) : sans elle, le liquidateur vous la demandera.' },
  scanned_elsewhere: { label: 'Scanné par une autre structure', todo: 'Vérifiez l’identifiant ; si le pass est bien à vous, joignez une preuve (photo du pass, facture).' },
  already_paid: { label: 'Déjà payé', todo: 'Le grand livre indique un paiement : retirez la ligne, ou joignez un relevé bancaire montrant qu’il n’a pas été reçu.' },
  unknown: { label: 'Inconnu du grand livre', todo: 'Vérifiez l’identifiant (faute de frappe ?) : les identifiants proches sont proposés.' },
  duplicate_declared: { label: 'Déclaré aussi ailleurs', todo: 'Ce pass figure dans une autre déclaration : il est mis en attente jusqu’à ce que le liquidateur tranche.' },
  expired_at_use: { label: 'Utilisé après sa validité', todo: 'Vérifiez la date d’utilisation : un pass valait jusqu’au 31 décembre de son année, accepté jusqu’au 31 janvier suivant.' },
  value_mismatch: { label: 'Valeur différente du grand livre', todo: 'Le liquidateur retiendra la valeur du grand livre ; corrigez la valeur si besoin.' },
}
