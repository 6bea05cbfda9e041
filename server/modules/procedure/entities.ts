import { defineEntity, p, type InferEntity } from '@mikro-orm/core'

/** One insolvency procedure (here: the liquidation of #APTIC). Dates are Europe/Paris calendar dates. */
export const Procedure = defineEntity({
  name: 'Procedure',
  tableName: 'procedure',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    code: p.string().unique(),
    debtorName: p.string(),
    debtorSiren: p.string().length(9),
    debtorAddress: p.text(),
    court: p.string().nullable(),
    judgmentDate: p.date(),
    bodaccPublicationDate: p.date().nullable(),
    liquidatorName: p.string().nullable(),
    liquidatorAddress: p.text().nullable(),
    liquidatorEmail: p.string().nullable(),
    faceValueCents: p.bigint('number'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
})
export type ProcedureEntity = InferEntity<typeof Procedure>
