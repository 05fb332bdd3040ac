import { z } from 'zod'

/** The BN254 scalar field's modulus: circuit signals, Poseidon hashes and Baby Jubjub coordinates live below it. */
export const SNARK_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

/** A BN254 field element as a decimal string (commitments, device ids, keys, salts, signatures). */
export const fieldElementSchema = z.string().regex(/^(0|[1-9][0-9]{0,76})$/, { message: 'must be a decimal field element' })
