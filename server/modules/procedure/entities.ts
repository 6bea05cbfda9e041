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
    /** The pass identifier's format is not public: a setting of the procedure (DOMAIN §4). */
    identifierPattern: p.text().default('[A-Z0-9]{6,16}'),
    identifierUppercase: p.boolean().default(true),
    identifierStripSeparators: p.boolean().default(true),
    identifierExample: p.string().default('PN2019A0001234'),
    programmes: p.json<string[]>().default(['AAP 2019', 'AAP 2020', 'autre'] as never),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
})
export type ProcedureEntity = InferEntity<typeof Procedure>
