import { z } from 'zod'

// Building blocks of the API's schemas: how numbers too large for JSON, addresses and ids travel.

/** A whole number as decimal text (wei, token units, seconds): JSON numbers cannot hold 256 bits. */
export const decimalSchema = z.string().regex(/^\d{1,78}$/, { message: 'must be a whole number' })
/** An EVM address, 0x and 40 hex digits. */
export const addressSchema = z.string().regex(/^0x[0-9a-fA-F]{40}$/, { message: 'must be a 0x address' })
/** A transaction hash. */
export const txHashSchema = z.string().regex(/^0x[0-9a-fA-F]{64}$/, { message: 'must be a 0x transaction hash' })
/** A dataset id in a path: a positive integer. */
export const datasetIdSchema = z.string().regex(/^[1-9]\d{0,15}$/, { message: 'must be a dataset id (a positive integer)' })
/** A job (publication) id in a path. */
export const jobIdSchema = z.string().min(1).max(200)
