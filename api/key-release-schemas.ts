import { z } from 'zod'
import { addressSchema } from './wire-types.js'

const hex = (bytes: number[], what: string) =>
  z.string().refine((s) => new RegExp(`^0x([0-9a-fA-F]{2}){${bytes.join(',')}}$`).test(s) && bytes.includes((s.length - 2) / 2), {
    message: `must be 0x and ${bytes.join(' or ')} bytes of hex (${what})`,
  })

/** POST /datasets/:id/key body: the buyer's EIP-712 key request and its signature. */
export const keyRequestBodySchema = z.strictObject({
  request: z.strictObject({
    buyer: addressSchema,
    datasetId: z.string().regex(/^[1-9]\d{0,76}$/, { message: 'must be a dataset id' }),
    ephemeralPublicKey: hex([33, 65], 'a secp256k1 public key'),
    nonce: hex([32], 'random'),
    expiry: z.string().regex(/^\d{1,19}$/, { message: 'must be unix seconds' }),
  }),
  signature: hex([65], 'an EIP-712 signature'),
})

/** The data key, wrapped (ECIES) to the request's ephemeral key for this context. */
export const keyReleaseSchema = z.object({
  datasetId: z.string(),
  /** base64 */
  wrappedKey: z.string(),
  context: z.string(),
  keyCommitment: z.string(),
})
