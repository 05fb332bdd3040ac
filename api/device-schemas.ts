import { z } from 'zod'
import { fieldElementSchema } from '../core/index.js'
import { addressSchema, txHashSchema } from './wire-types.js'

/** POST /devices body: a device's public key and its signature of the registration message. */
export const registerDeviceSchema = z.strictObject({
  publicKey: z.strictObject({ x: fieldElementSchema, y: fieldElementSchema }),
  /** The device key's signature of the node's registration message (GET /devices/registration). */
  proof: z.strictObject({ nonce: fieldElementSchema, R8x: fieldElementSchema, R8y: fieldElementSchema, S: fieldElementSchema }),
  label: z.string().trim().max(200).optional(),
})

/** GET /devices/registration: what a device key signs to be registered to the node's account. */
export const registrationTermsSchema = z.object({
  owner: addressSchema,
  chainId: z.string(),
  registry: addressSchema,
  nonce: z.string(),
})

/** POST /devices answer: registered now (201, with the transaction) or already (200). */
export const deviceRegisteredSchema = z.object({
  deviceId: z.string(),
  owner: addressSchema,
  txHash: txHashSchema.optional(),
  alreadyRegistered: z.boolean(),
})

/** `:id` of GET /devices/:id. */
export const deviceParamsSchema = z.strictObject({
  id: z.string().regex(/^(0|[1-9][0-9]{0,76})$/, { message: 'must be a decimal device id' }),
})

/** GET /devices/:id: a device's owner and status. */
export const deviceSchema = z.object({
  deviceId: z.string(),
  owner: addressSchema,
  registeredAt: z.number().int(),
  revokedAt: z.number().int().nullable(),
  publishableByThisNode: z.boolean(),
})
