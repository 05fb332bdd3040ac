import { FR_MODULUS, frMul } from './bn254-field.js'
import { readWord, writeWord } from './be-words.js'
import { keccak256 } from './keccak256.js'
import type { HonkProof } from './parse-honk-proof.js'
import { ZK_BATCHED_RELATION_PARTIAL_LENGTH } from './parse-honk-proof.js'
import type { HonkVerificationKey } from './parse-honk-vk.js'

/** Subrelations of the Ultra relation (NUMBER_OF_SUBRELATIONS); the first is weighted 1, the rest by powers of alpha. */
export const NUMBER_OF_SUBRELATIONS = 29

/** Every Fiat–Shamir challenge of a ZK UltraHonk proof (the Solidity ZKTranscript, before publicInputsDelta). */
export interface HonkChallenges {
  eta: bigint
  beta: bigint
  gamma: bigint
  /** alpha, alpha², …, alpha^28. */
  alphas: bigint[]
  /** gate_0 and its successive squares, one per round. */
  gateChallenges: bigint[]
  libraChallenge: bigint
  sumcheckChallenges: bigint[]
  rho: bigint
  geminiR: bigint
  shplonkNu: bigint
  shplonkZ: bigint
}

const LOW_127 = (1n << 127n) - 1n

/**
 * The challenges of bb's keccak transcript as the Solidity verifier's generateTranscript derives
 * them: each round hashes the previous challenge (the first round the key's hash and the public
 * inputs) followed by what the prover sent since, as 32-byte words (abi.encodePacked); the hash
 * mod r is the next "previous challenge", and a challenge is its low 127 bits (beta and gamma:
 * low and high halves). What the prover sent is hashed as the proof's own words, which the parser
 * has already found to be canonical (so they equal the values the Solidity verifier re-encodes).
 *
 * @param publicInputWords the public inputs without the pairing-point limbs, 32 bytes each, as the verifier's bytes32[]
 */
export function honkChallenges(vk: HonkVerificationKey, proof: HonkProof, publicInputWords: Uint8Array): HonkChallenges {
  const { bytes, layout } = proof
  const logN = vk.logCircuitSize
  const words = (from: number, count: number): Uint8Array => bytes.subarray(32 * from, 32 * (from + count))
  let previous = 0n
  /** keccak256 of `previous` then `parts`; the result mod r becomes `previous`. */
  const round = (...parts: Uint8Array[]): bigint => {
    const input = new Uint8Array(32 + parts.reduce((n, p) => n + p.length, 0))
    writeWord(input, 0, previous)
    let at = 32
    for (const p of parts) {
      input.set(p, at)
      at += p.length
    }
    previous = readWord(keccak256(input), 0) % FR_MODULUS
    return previous
  }
  const low = (c: bigint): bigint => c & LOW_127

  // Round 0: vk hash, public inputs, pairing-point limbs, Gemini masking commitment, w1, w2, w3
  // (the words before them in the proof, in that order); w4 waits for eta.
  previous = vk.vkHash
  const c0 = round(publicInputWords, words(0, layout.lookupReadCounts))
  const eta = low(c0)
  // Round 1: lookup read counts and tags, w4.
  const c1 = round(words(layout.lookupReadCounts, 6))
  const [beta, gamma] = [low(c1), c1 >> 127n]
  // Alpha: lookup inverses and z_perm.
  const alpha = low(round(words(layout.lookupInverses, 4)))
  const alphas = [alpha]
  for (let i = 1; i < NUMBER_OF_SUBRELATIONS - 1; i++) alphas.push(frMul(alphas[i - 1]!, alpha))
  // Gate challenges: the previous challenge alone, then squares.
  const gateChallenges = [low(round())]
  for (let i = 1; i < logN; i++) gateChallenges.push(frMul(gateChallenges[i - 1]!, gateChallenges[i - 1]!))
  // Libra: its first commitment and claimed sum.
  const libraChallenge = low(round(words(layout.libraCommitment0, 3)))
  const sumcheckChallenges = Array.from({ length: logN }, (_, i) =>
    low(round(words(layout.sumcheckUnivariates + ZK_BATCHED_RELATION_PARTIAL_LENGTH * i, ZK_BATCHED_RELATION_PARTIAL_LENGTH))),
  )
  // Rho: the 42 evaluations, the Libra evaluation and the Libra commitments 1 and 2 (contiguous).
  const rho = low(round(words(layout.sumcheckEvaluations, layout.geminiFoldComms - layout.sumcheckEvaluations)))
  const geminiR = low(round(words(layout.geminiFoldComms, 2 * (logN - 1))))
  // Nu: Gemini's evaluations then the four Libra polynomial evaluations (contiguous).
  const shplonkNu = low(round(words(layout.geminiAEvaluations, layout.shplonkQ - layout.geminiAEvaluations)))
  const shplonkZ = low(round(words(layout.shplonkQ, 2)))
  return { eta, beta, gamma, alphas, gateChallenges, libraChallenge, sumcheckChallenges, rho, geminiR, shplonkNu, shplonkZ }
}
