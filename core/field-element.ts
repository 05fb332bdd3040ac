import { z } from 'zod'

/** A BN254 field element as a decimal string (commitments, device ids, keys, salts, signatures). */
export const fieldElementSchema = z.string().regex(/^(0|[1-9][0-9]{0,76})$/, { message: 'must be a decimal field element' })
