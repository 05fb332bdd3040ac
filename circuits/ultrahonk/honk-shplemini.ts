import { FR_MODULUS, frAdd, frBatchInverse, frMul, frNeg, frSub } from './bn254-field.js'
import { checkLibraConsistency, SUBGROUP_GENERATOR } from './check-libra-consistency.js'
import type { G1Point } from './g1-point.js'
import type { HonkChallenges } from './honk-transcript.js'
import { NUMBER_OF_ENTITIES_ZK, type HonkProof } from './parse-honk-proof.js'
import { HONK_VK_COMMITMENTS } from './parse-honk-vk.js'

/** Unshifted evaluations with the masking polynomial's (NUMBER_UNSHIFTED_ZK); the five after them are w1…w4 and z_perm shifted. */
const NUMBER_UNSHIFTED_ZK = 37
const NUMBER_TO_BE_SHIFTED = NUMBER_OF_ENTITIES_ZK - NUMBER_UNSHIFTED_ZK

/**
 * The batch opening the pairing checks, P0 = Σ scalar·commitment and P1 = −[W] (the KZG quotient),
 * e(P0, [1]₂)·e(P1, [x]₂) = 1, split by where the commitments come from: the key's (the same for
 * every proof, so a batch can add up their scalars first), [1]₁'s, and the proof's own.
 */
export interface ShpleminiClaim {
  /** Scalars of the key's commitments, in HONK_VK_COMMITMENTS order. */
  vkScalars: bigint[]
  /** Scalar of [1]₁: the Shplonk constant term. */
  generatorScalar: bigint
  proofPoints: G1Point[]
  proofScalars: bigint[]
}

/**
 * The Solidity verifier's verifyShplemini up to its final batchMul: Gemini's fold evaluations
 * reconstructed from the sumcheck's claimed evaluations, and the Shplonk batching of every opening
 * claim (the multilinear evaluations at r and −r, each fold at ±r^(2^i), the Libra polynomials at
 * r, g·r and 1) into one set of scalars. Undefined where that verifier reverts before pairing:
 * the small-subgroup consistency check failing, or a denominator that is zero (InvertOfZero).
 */
export function shpleminiClaim(proof: HonkProof, t: HonkChallenges, logN: number): ShpleminiClaim | undefined {
  const { shplonkZ: z, shplonkNu: nu, rho, geminiR: r } = t
  const evals = proof.sumcheckEvaluations
  const powers = [r]
  for (let i = 1; i < logN; i++) powers.push(frMul(powers[i - 1]!, powers[i - 1]!))

  // Every inverse Shplemini needs, in one batch: 1/(z − r^(2^i)), 1/(z + r^(2^i)), 1/r,
  // 1/(z − g·r), 1/(z − 1), and the fold denominators r^(2^(i−1))·(1 − u_(i−1)) + u_(i−1).
  const foldDenominators = Array.from({ length: logN }, (_, i) => {
    const u = t.sumcheckChallenges[i]!
    return frAdd(frMul(powers[i]!, frSub(1n, u)), u)
  })
  const toInvert = [
    ...powers.map((p) => frSub(z, p)),
    ...powers.map((p) => frAdd(z, p)),
    r,
    frSub(z, frMul(SUBGROUP_GENERATOR, r)),
    frSub(z, 1n),
    ...foldDenominators,
  ]
  const inverses = frBatchInverse(toInvert)
  if (inverses === undefined) return undefined
  const posInverse = inverses.slice(0, logN)
  const negInverse = inverses.slice(logN, 2 * logN)
  const [rInverse, gRInverse, oneInverse] = inverses.slice(2 * logN, 2 * logN + 3) as [bigint, bigint, bigint]
  const foldInverse = inverses.slice(2 * logN + 3)

  const unshiftedScalar = frAdd(posInverse[0]!, frMul(nu, negInverse[0]!))
  const shiftedScalar = frMul(rInverse, frSub(posInverse[0]!, frMul(nu, negInverse[0]!)))
  const unshiftedNeg = frNeg(unshiftedScalar)
  const shiftedNeg = frNeg(shiftedScalar)

  // Scalars of the 37 unshifted commitments [masking, 28 key commitments, w1, w2, w3, w4, z_perm,
  // lookup inverses, read counts, read tags] and the batched evaluation, by powers of rho from 1.
  const unshifted = new Array<bigint>(NUMBER_UNSHIFTED_ZK)
  let batchingChallenge = 1n
  let batchedEvaluation = 0n
  for (let i = 0; i < NUMBER_UNSHIFTED_ZK; i++) {
    unshifted[i] = frMul(unshiftedNeg, batchingChallenge)
    batchedEvaluation += evals[i]! * batchingChallenge
    batchingChallenge = frMul(batchingChallenge, rho)
  }
  // The shifted w1…w4, z_perm share their unshifted commitments (indices 29…33 above).
  for (let i = 0; i < NUMBER_TO_BE_SHIFTED; i++) {
    const at = 1 + HONK_VK_COMMITMENTS.length + i
    unshifted[at] = frAdd(unshifted[at]!, frMul(shiftedNeg, batchingChallenge))
    batchedEvaluation += evals[NUMBER_UNSHIFTED_ZK + i]! * batchingChallenge
    batchingChallenge = frMul(batchingChallenge, rho)
  }
  batchedEvaluation %= FR_MODULUS

  // Gemini: A_l(r^(2^l)) for l = logN − 1 … 0 from the batched evaluation and A_l(−r^(2^l)).
  const a = proof.geminiAEvaluations
  const foldPos = new Array<bigint>(logN)
  let acc = batchedEvaluation
  for (let i = logN; i > 0; i--) {
    const cp = powers[i - 1]!
    const u = t.sumcheckChallenges[i - 1]!
    const num = frSub(frMul(frMul(cp, acc), 2n), frMul(a[i - 1]!, frSub(frMul(cp, frSub(1n, u)), u)))
    acc = frMul(num, foldInverse[i - 1]!)
    foldPos[i - 1] = acc
  }

  let constantTerm = frAdd(frMul(foldPos[0]!, posInverse[0]!), frMul(frMul(a[0]!, nu), negInverse[0]!))
  const nuSquared = frMul(nu, nu)
  batchingChallenge = nuSquared
  const foldScalars = new Array<bigint>(logN - 1)
  for (let i = 0; i < logN - 1; i++) {
    const scalingPos = frMul(batchingChallenge, posInverse[i + 1]!)
    const scalingNeg = frMul(frMul(batchingChallenge, nu), negInverse[i + 1]!)
    foldScalars[i] = frSub(frNeg(scalingNeg), scalingPos)
    constantTerm = frAdd(constantTerm, frAdd(frMul(scalingNeg, a[i + 1]!), frMul(scalingPos, foldPos[i + 1]!)))
    batchingChallenge = frMul(batchingChallenge, nuSquared)
  }

  // Libra: the opening claims at r, g·r, r, 1 (the boundary, claimed value 0) and r, grouped by
  // commitment: [G] at r, [A] at g·r, r and 1, [Q] at r.
  const denominators = [posInverse[0]!, gRInverse, posInverse[0]!, oneInverse, posInverse[0]!]
  const claimed = [proof.libraPolyEvals[0]!, proof.libraPolyEvals[1]!, proof.libraPolyEvals[2]!, 0n, proof.libraPolyEvals[3]!]
  const batchingScalars = denominators.map((d, i) => {
    const scaling = frMul(d, batchingChallenge)
    batchingChallenge = frMul(batchingChallenge, nu)
    constantTerm = frAdd(constantTerm, frMul(scaling, claimed[i]!))
    return frNeg(scaling)
  })
  const libraScalars = [
    batchingScalars[0]!,
    frAdd(frAdd(batchingScalars[1]!, batchingScalars[2]!), batchingScalars[3]!),
    batchingScalars[4]!,
  ]

  if (!checkLibraConsistency(proof.libraPolyEvals, r, t.sumcheckChallenges, proof.libraEvaluation)) return undefined

  const p = proof
  return {
    vkScalars: unshifted.slice(1, 1 + HONK_VK_COMMITMENTS.length),
    generatorScalar: constantTerm,
    proofPoints: [
      p.shplonkQ,
      p.geminiMaskingPoly,
      p.w1,
      p.w2,
      p.w3,
      p.w4,
      p.zPerm,
      p.lookupInverses,
      p.lookupReadCounts,
      p.lookupReadTags,
      ...p.geminiFoldComms,
      ...p.libraCommitments,
      p.kzgQuotient,
    ],
    proofScalars: [1n, unshifted[0]!, ...unshifted.slice(1 + HONK_VK_COMMITMENTS.length), ...foldScalars, ...libraScalars, z],
  }
}
