import type { EddsaSignature } from '../core/index.js'
import { signEddsaPoseidon, verifyEddsaPoseidon } from './babyjub.js'
import { BatchInputError } from './batch-input-error.js'
import type { DeviceKey } from './device-key.js'
import { getPoseidon } from './key-commitment.js'
import { SNARK_FIELD } from './public-signals.js'

/** EdDSA-Poseidon signature of a batch statement (see batchMessage). */
export type BatchSignature = EddsaSignature

/** What a device signs for one batch: its commitment, its series, its place and whether the series ends with it. */
export interface BatchStatement {
  commitment: bigint
  /** seriesIdOf(device, meaning, band): binds the readings' metric, unit, encoding and valid band. */
  seriesId: bigint
  batchIndex: bigint
  /** True on the series' final batch: a verifier refuses a series whose last batch is not marked. */
  last: boolean
}

/** "assay.batch.v2" as a big-endian integer, the domain of SensorStatsV2's signed message. */
export const BATCH_DOMAIN = BigInt(
  `0x${Array.from(new TextEncoder().encode('assay.batch.v2'), (b) => b.toString(16).padStart(2, '0')).join('')}`,
)

/** The message a device signs for a batch: Poseidon(DOMAIN, commitment, seriesId, batchIndex + last · 2^32). */
export async function batchMessage(statement: BatchStatement): Promise<bigint> {
  const poseidon = await getPoseidon()
  const position = statement.batchIndex + (statement.last ? 1n << 32n : 0n)
  return poseidon.F.toObject(poseidon([BATCH_DOMAIN, statement.commitment, statement.seriesId, position]))
}

/** Signs a batch statement with the device key. */
export async function signBatch(device: DeviceKey, statement: BatchStatement): Promise<BatchSignature> {
  if (statement.batchIndex < 0n || statement.batchIndex >= 1n << 32n)
    throw new BatchInputError(`batch index ${statement.batchIndex} is not below 2^32`)
  return signEddsaPoseidon(device.privateKey, await batchMessage(statement))
}

/**
 * Whether `signature` is the device's signature of a batch statement (the check SensorStatsV2
 * makes, done before proving so a forged batch is refused with a reason instead of failing in the
 * witness).
 */
export async function verifyBatchSignature(
  device: Pick<DeviceKey, 'Ax' | 'Ay'>,
  statement: BatchStatement,
  signature: BatchSignature,
): Promise<boolean> {
  const inField = (x: bigint): boolean => x >= 0n && x < SNARK_FIELD
  if (![device.Ax, device.Ay, signature.R8x, signature.R8y, signature.S].every(inField)) return false
  if (statement.batchIndex < 0n || statement.batchIndex >= 1n << 32n) return false
  return verifyEddsaPoseidon(await batchMessage(statement), signature, [device.Ax, device.Ay])
}
