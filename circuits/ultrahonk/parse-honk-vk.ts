import { FR_MODULUS } from './bn254-field.js'
import { readWord } from './be-words.js'
import { readG1, type G1Point } from './g1-point.js'
import { keccak256 } from './keccak256.js'
import { UltraHonkVerifyError } from './ultrahonk-verify-error.js'

/**
 * The precomputed commitments of an UltraHonk key, in bb's order: the order of its binary key, of
 * the Solidity verifier's WIRE enum (the sumcheck evaluations) and of its Shplemini commitments.
 * Names are the Solidity VerificationKey's.
 */
export const HONK_VK_COMMITMENTS = [
  's1',
  's2',
  's3',
  's4',
  'id1',
  'id2',
  'id3',
  'id4',
  'lagrangeFirst',
  'lagrangeLast',
  'qLookup',
  't1',
  't2',
  't3',
  't4',
  'qm',
  'qr',
  'qo',
  'qc',
  'ql',
  'q4',
  'qArith',
  'qDeltaRange',
  'qElliptic',
  'qMemory',
  'qNnf',
  'qPoseidon2External',
  'qPoseidon2Internal',
] as const
export type HonkVkCommitment = (typeof HONK_VK_COMMITMENTS)[number]

/** bb's UltraHonk verification key (target evm), as its Solidity verifier holds it. */
export interface HonkVerificationKey {
  logCircuitSize: number
  circuitSize: number
  /** Public inputs including the 8 limbs of the pairing-point object the proof carries. */
  publicInputsSize: number
  /** Where the public inputs start in the trace (bb 5: 5, the Solidity verifier's fixed pubInputsOffset). */
  pubInputsOffset: number
  commitments: Readonly<Record<HonkVkCommitment, G1Point>>
  /** keccak256 of the key's bytes mod r: the transcript's first element (the Solidity VK_HASH). */
  vkHash: bigint
}

/** Three header words (log n, public inputs, offset) then each commitment as x, y words. */
export const HONK_VK_BYTES = 32 * 3 + 64 * HONK_VK_COMMITMENTS.length

/** Pairing-point limbs the key counts among its public inputs (PAIRING_POINTS_SIZE). */
export const PAIRING_POINTS_SIZE = 8

/** The only public-input offset bb's Solidity verifier knows (NUM_DISABLED_ROWS_IN_SUMCHECK + NUM_ZERO_ROWS). */
export const PUBLIC_INPUTS_OFFSET = 5

/** Sumcheck rounds the verifier's fixed-size arrays allow (CONST_PROOF_SIZE_LOG_N). */
export const MAX_LOG_CIRCUIT_SIZE = 25

/**
 * Parses bb's binary verification key (`bb write_vk -t evm`, 1,888 bytes for UltraHonk). Refuses
 * a key this port does not describe: another length, a circuit size out of 2^1…2^25, fewer public
 * inputs than the pairing-point limbs, another public-input offset, a commitment off the curve.
 *
 * @throws {UltraHonkVerifyError} naming the field at fault
 */
export function parseHonkVk(bytes: Uint8Array): HonkVerificationKey {
  if (bytes.length !== HONK_VK_BYTES) throw new UltraHonkVerifyError('vk', `${bytes.length} bytes, ${HONK_VK_BYTES} expected`)
  const [logN, publicInputs, offset] = [0, 1, 2].map((i) => readWord(bytes, 32 * i)) as [bigint, bigint, bigint]
  if (logN < 1n || logN > BigInt(MAX_LOG_CIRCUIT_SIZE)) throw new UltraHonkVerifyError('vk.logCircuitSize', `${logN} is not in 1…25`)
  if (publicInputs < BigInt(PAIRING_POINTS_SIZE) || publicInputs > 1n << 20n)
    throw new UltraHonkVerifyError('vk.publicInputsSize', `${publicInputs} is not a count of at least ${PAIRING_POINTS_SIZE}`)
  if (offset !== BigInt(PUBLIC_INPUTS_OFFSET))
    throw new UltraHonkVerifyError('vk.pubInputsOffset', `${offset}; the Solidity verifier fixes it at ${PUBLIC_INPUTS_OFFSET}`)
  const commitments = Object.fromEntries(HONK_VK_COMMITMENTS.map((name, i) => [name, readG1(bytes, 96 + 64 * i, `vk.${name}`)])) as Record<
    HonkVkCommitment,
    G1Point
  >
  return {
    logCircuitSize: Number(logN),
    circuitSize: 2 ** Number(logN),
    publicInputsSize: Number(publicInputs),
    pubInputsOffset: Number(offset),
    commitments,
    vkHash: readWord(keccak256(bytes), 0) % FR_MODULUS,
  }
}
