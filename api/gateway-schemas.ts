import { z } from 'zod'

/** `/ipfs/:cid`: the CID (base32, base58btc or any multibase; identity CIDs carry their block, so the length is capped). */
export const gatewayParamsSchema = z.strictObject({ cid: z.string().min(1).max(512) })

/** `/ipfs/:cid/*path`: and a UnixFS path under it (CAR only). */
export const gatewayPathParamsSchema = z.strictObject({
  cid: z.string().min(1).max(512),
  path: z.string().describe('a UnixFS path under the CID, `/`-separated (CAR answers only)'),
})

/** The trustless gateway's query (specs.ipfs.tech/http-gateways/trustless-gateway). */
export const gatewayQuerySchema = z.object({
  format: z.enum(['car', 'raw']).optional().describe('wins over Accept; one of them is required'),
  'dag-scope': z.enum(['block', 'entity', 'all']).optional().describe('CAR: which blocks past the path (default all)'),
  'entity-bytes': z
    .string()
    .regex(/^-?\d+:(-?\d+|\*)$/)
    .optional()
    .describe('CAR: only the blocks of this byte range of a UnixFS file (from:to, inclusive; negative from the end; * the end)'),
  'car-version': z.literal('1').optional().describe('CAR: only CARv1'),
  'car-order': z.enum(['dfs', 'unk']).optional().describe('CAR: blocks are always sent depth-first'),
  'car-dups': z.enum(['y', 'n']).optional().describe('CAR: a block each time it is linked (y) or once (n, default)'),
})
