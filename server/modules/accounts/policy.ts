// Authorization in one place: role × action × resource owner. Every route declares the action it
// performs (config.access) and the auth plugin asks `decide` before the handler runs; services
// that load a structure-owned resource ask `decide` again with the owner. Nothing else decides.
import type { Role } from './entities.ts'

export const ACTIONS = [
  'account.self', // one's own account: profile, data export, closure, second factor
  'structure.read',
  'structure.update',
  'structure.members.manage',
  'structure.bank.update',
  'admin.accounts.manage',
  'admin.procedure.manage',
  'audit.read',
  'claim.read',
  'claim.edit',
  'claim.submit',
  'evidence.read',
  'ledger.load', // load the operator's extracts
  'dashboard.read', // national figures: ledger, declared, admitted
  'claims.list', // the list of declared claims with proposals (L624-1)
  'claim.decide', // the liquidator's decisions on declared lines, proposals, letters, document requests
  'claim.answer', // the creditor's answer to a contestation (L622-27)
  'judge.record', // record the juge-commissaire's decisions (L624-2)
  'court.export', // the état des créances, the exports and the bundle for the court (R624-8)
] as const
export type Action = (typeof ACTIONS)[number]

/**
 * Who may do what. Ministry staff read aggregates and documents (their actions arrive with those
 * modules) and never change claims; the liquidator reads everything and decides; an administrator
 * configures but does not decide claims.
 */
const PERMISSIONS: Readonly<Record<Role, readonly Action[]>> = {
  structure: [
    'account.self',
    'structure.read',
    'structure.update',
    'structure.members.manage',
    'structure.bank.update',
    'claim.read',
    'claim.edit',
    'claim.submit',
    'evidence.read',
    'claim.answer',
  ],
  liquidator: ['account.self', 'structure.read', 'audit.read', 'claim.read', 'evidence.read', 'ledger.load', 'dashboard.read', 'claims.list', 'claim.decide', 'judge.record', 'court.export'],
  ministry: ['account.self', 'dashboard.read'],
  admin: ['account.self', 'structure.read', 'admin.accounts.manage', 'admin.procedure.manage', 'ledger.load'],
}

/** Roles whose members act for a structure and only see their own. */
const STRUCTURE_SCOPED: ReadonlySet<Role> = new Set(['structure'])

/** Professional accounts must pass a second factor (TOTP). */
export const ROLES_REQUIRING_MFA: ReadonlySet<Role> = new Set(['liquidator', 'ministry', 'admin'])

export type Actor =
  | { kind: 'anonymous' }
  | {
      kind: 'account'
      accountId: string
      role: Role
      sessionId: string
      /** False while a professional account has not yet passed its second factor in this session. */
      mfaVerified: boolean
      /** Structures this account is an active member of. */
      structureIds: readonly string[]
    }

export const ANONYMOUS: Actor = { kind: 'anonymous' }

export type Decision = 'allow' | 'unauthenticated' | 'mfa_required' | 'forbidden' | 'not_found'

export function roleMay(role: Role, action: Action): boolean {
  return PERMISSIONS[role].includes(action)
}

export function mfaSatisfied(actor: Actor): boolean {
  return actor.kind === 'account' && (actor.mfaVerified || !ROLES_REQUIRING_MFA.has(actor.role))
}

/**
 * `resource.structureId`: the structure owning what is touched. A structure member asking for
 * another structure's resource, or an unknown one, gets not_found: never a hint that it exists.
 */
export function decide(
  actor: Actor,
  action: Action,
  resource?: { structureId: string | null },
  options: { allowPendingMfa?: boolean } = {},
): Decision {
  if (actor.kind === 'anonymous') return 'unauthenticated'
  if (!options.allowPendingMfa && !mfaSatisfied(actor)) return 'mfa_required'
  if (!roleMay(actor.role, action)) return 'forbidden'
  if (resource && STRUCTURE_SCOPED.has(actor.role)) {
    if (resource.structureId === null || !actor.structureIds.includes(resource.structureId)) return 'not_found'
  }
  return 'allow'
}

/** For the audit trail: who acted, as which role. */
export function auditActor(actor: Actor): { id: string | null; role: string } {
  return actor.kind === 'account' ? { id: actor.accountId, role: actor.role } : { id: null, role: 'anonymous' }
}
