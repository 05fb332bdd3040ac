import { assertBatch, type BatchReadings } from './assert-batch.js'
import { getPoseidon } from './key-commitment.js'
import type { SensorStatsParams } from './sensor-stats-params.js'

/** Pads a batch with zero slots up to B (what the circuit commits to). */
export function padBatch(batch: BatchReadings, params: SensorStatsParams): { values: bigint[]; times: bigint[] } {
  const fill = params.batchSize - batch.values.length
  return { values: [...batch.values, ...Array<bigint>(fill).fill(0n)], times: [...batch.times, ...Array<bigint>(fill).fill(0n)] }
}

/**
 * The batch commitment, bit for bit as BatchCommitment computes it: readings packed as
 * time · 2^valueBits + value, three per field element, sixteen elements per Poseidon(16), chained
 * with Poseidon(2) from Poseidon(salt, count).
 */
export async function computeBatchCommitment(batch: BatchReadings, salt: bigint, params: SensorStatsParams): Promise<bigint> {
  assertBatch(batch, params)
  const poseidon = await getPoseidon()
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
  let h = poseidon.F.toObject(poseidon([salt, BigInt(batch.values.length)]))
  for (let k = 0; k < Math.ceil(elements.length / 16); k++) {
    const chunk = Array.from({ length: 16 }, (_, j) => elements[16 * k + j] ?? 0n)
    h = poseidon.F.toObject(poseidon([h, poseidon.F.toObject(poseidon(chunk))]))
  }
  return h
}
