import { z } from 'zod'
import { deploymentSchema } from '../contracts/index.js'

/** One service's health; `detail` and `error` are shown to the operator only. */
export const serviceHealthSchema = z.object({
  ok: z.boolean(),
  embedded: z.boolean(),
  detail: z.record(z.string(), z.unknown()),
  error: z.string().optional(),
})

/** One circuit's build state: a node builds missing circuits in the background while it serves. */
export const circuitStateSchema = z.object({
  state: z.enum(['ready', 'pending', 'building', 'failed']),
  /** How long its build took, once built by this node. */
  seconds: z.number().optional(),
  error: z.string().optional(),
})

/** GET /health: every service up (200) or not (503). */
export const healthReportSchema = z.object({
  /** Every service answers. Circuits still building do not count: everything but proving works. */
  ok: z.boolean(),
  services: z.record(z.string(), serviceHealthSchema),
  circuits: z
    .object({
      ready: z.number().int(),
      total: z.number().int(),
      /** The circuit being built right now, if any. */
      building: z.string().optional(),
      circuits: z.record(z.string(), circuitStateSchema),
    })
    .optional(),
})

/** GET /deployment: chain and contracts (and the RPC URL of a local development chain). */
export const deploymentResponseSchema = deploymentSchema.extend({ rpcUrl: z.string().optional() })

/** `:id` of GET /circuits/:id/vkey.json. */
export const circuitParamsSchema = z.strictObject({ id: z.string().min(1).max(100) })

/** A Groth16 verification key as snarkjs exports it (check its sha256 against the artifact manifest). */
export const verificationKeySchema = z.looseObject({ protocol: z.string(), curve: z.string(), nPublic: z.number().int() })
