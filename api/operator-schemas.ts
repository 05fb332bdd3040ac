import { z } from 'zod'
import { MAX_SIWE_MESSAGE_LENGTH } from '../core/index.js'

/** POST /operator/session: the operator token, or a Sign-In with Ethereum message and its signature. */
export const sessionRequestSchema = z.union([
  z.strictObject({ token: z.string().max(200) }),
  z.strictObject({
    message: z.string().max(MAX_SIWE_MESSAGE_LENGTH),
    signature: z.string().max(200),
  }),
])

/** GET, POST and DELETE /operator/session: whether this browser is signed in as the operator. */
export const sessionSchema = z.object({ operator: z.boolean() })

/** GET /operator/siwe: a single-use nonce, and the domain, chain and version the message must name. */
export const siweNonceSchema = z.object({
  nonce: z.string(),
  issuedAt: z.string(),
  /** After this, the nonce is refused. */
  expiresAt: z.string(),
  domain: z.string().optional(),
  chainId: z.number().int(),
  version: z.literal('1'),
})
