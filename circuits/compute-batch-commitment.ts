import { assertBatch, type BatchReadings } from './assert-batch.js'
import { BatchInputError } from './batch-input-error.js'
import { getPoseidon } from './key-commitment.js'
import { poseidon2Hash } from './poseidon2.js'
import { SNARK_FIELD } from './public-signals.js'
import type { SensorStatsParams } from './sensor-stats-params.js'

/** Pads a batch with zero slots up to B (what the circuit commits to). */
export function padBatch(batch: BatchReadings, params: SensorStatsParams): { values: bigint[]; times: bigint[] } {
  const fill = params.batchSize - batch.values.length
  return { values: [...batch.values, ...Array<bigint>(fill).fill(0n)], times: [...batch.times, ...Array<bigint>(fill).fill(0n)] }
}

/**
 * Commitment v3's first input, 3·2^40 + B·2^24 + VB·2^16 + TB·2^8 + GB: its version and the
 * circuit's parameters, so no two circuits share a commitment (at one sponge length, one batch's
 * readings could otherwise be re-read under another value width).
 */
export function commitmentV3Tag(params: SensorStatsParams): bigint {
  const { batchSize, valueBits, timeBits, gapBits } = params
  return (3n << 40n) + (BigInt(batchSize) << 24n) + (BigInt(valueBits) << 16n) + (BigInt(timeBits) << 8n) + BigInt(gapBits)
}

/**
 * The batch commitment, bit for bit as the circuit computes it: readings packed as
 * time · 2^valueBits + value, three per field element; then, by `params.commitment`, sixteen elements
 * per Poseidon(16), chained with Poseidon(2) from Poseidon(salt, count) (`poseidon`, circom's
 * BatchCommitment and Noir's batch_commitment), or the Poseidon2 sponge over [commitmentV3Tag, salt, count, elements…]
 * (`poseidon2`, Noir's batch_commitment_v3).
 */
export async function computeBatchCommitment(batch: BatchReadings, salt: bigint, params: SensorStatsParams): Promise<bigint> {
  assertBatch(batch, params)
  if (salt < 0n || salt >= SNARK_FIELD) throw new BatchInputError(`batch salt ${salt} is not a field element`)
  const { values, times } = padBatch(batch, params)
  const readingBits = BigInt(params.valueBits + params.timeBits + 1)
  const elements: bigint[] = []
  for (let e = 0; e < Math.ceil(params.batchSize / 3); e++) {
    let element = 0n
    for (let r = 0; r < 3; r++) {
      const i = 3 * e + r
      if (i < params.batchSize) element += ((times[i]! << BigInt(params.valueBits)) + values[i]!) << (BigInt(r) * readingBits)
    }
    elements.push(element)
  }
  if (params.commitment === 'poseidon2') return poseidon2Hash([commitmentV3Tag(params), salt, BigInt(batch.values.length), ...elements])
  const poseidon = await getPoseidon()
  let h = poseidon.F.toObject(poseidon([salt, BigInt(batch.values.length)]))
  for (let k = 0; k < Math.ceil(elements.length / 16); k++) {
    const chunk = Array.from({ length: 16 }, (_, j) => elements[16 * k + j] ?? 0n)
    h = poseidon.F.toObject(poseidon([h, poseidon.F.toObject(poseidon(chunk))]))
  }
  return h
}
