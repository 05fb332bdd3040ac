import { FR_MODULUS, frAdd, frInverse, frMul, frSub } from './bn254-field.js'
import { accumulateRelationEvaluations, type RelationParameters } from './honk-relations.js'
import type { HonkChallenges } from './honk-transcript.js'
import { ZK_BATCHED_RELATION_PARTIAL_LENGTH, type HonkProof } from './parse-honk-proof.js'

const R = FR_MODULUS
const LENGTH = ZK_BATCHED_RELATION_PARTIAL_LENGTH

/** Π_{j≠i} (i − j) for the nodes 0…8: the barycentric weights' denominators (the Solidity BARYCENTRIC_LAGRANGE_DENOMINATORS). */
export const BARYCENTRIC_LAGRANGE_DENOMINATORS: readonly bigint[] = Array.from({ length: LENGTH }, (_, i) => {
  let d = 1n
  for (let j = 0; j < LENGTH; j++) if (j !== i) d = (d * BigInt(i - j)) % R
  return d < 0n ? d + R : d
})

/** 1/d_i: each Lagrange basis polynomial on the nodes 0…8 is Π_{j≠i} (X − j) / d_i. */
const INVERSE_DENOMINATORS = BARYCENTRIC_LAGRANGE_DENOMINATORS.map((d) => frInverse(d)!)

/**
 * The ZK sumcheck of the Solidity verifier's verifySumcheck: the first target is the Libra sum
 * times its challenge; each round's univariate (9 evaluations at 0…8) must sum to the target over
 * {0, 1}, and its value at the round's challenge is the next target; the last target must equal
 * the batched Ultra relation at the claimed evaluations times the pow polynomial's partial
 * evaluation, with the first two rows' contributions disabled, plus the Libra evaluation times its
 * challenge. False where the Solidity verifier reverts with SumcheckFailed, or with InvertOfZero in
 * its barycentric evaluation (a challenge among the nodes 0…8).
 */
export function verifyHonkSumcheck(proof: HonkProof, t: HonkChallenges, rp: RelationParameters, logN: number): boolean {
  let target = frMul(t.libraChallenge, proof.libraSum)
  let powPartialEvaluation = 1n
  const prefix = new Array<bigint>(LENGTH)
  const suffix = new Array<bigint>(LENGTH)
  for (let round = 0; round < logN; round++) {
    const univariate = proof.sumcheckUnivariates[round]!
    if ((univariate[0]! + univariate[1]!) % R !== target) return false
    const u = t.sumcheckChallenges[round]!
    if (u < BigInt(LENGTH)) return false
    // The univariate at u by Lagrange interpolation: Σ_i univariate[i] · Π_{j≠i} (u − j) / d_i, the
    // products from prefix and suffix products (the Solidity verifier's B(u)·Σ univariate[i] / (d_i·(u − i)), without inverses).
    prefix[0] = 1n
    suffix[LENGTH - 1] = 1n
    for (let i = 1; i < LENGTH; i++) {
      prefix[i] = frMul(prefix[i - 1]!, u - BigInt(i - 1))
      suffix[LENGTH - 1 - i] = frMul(suffix[LENGTH - i]!, u - BigInt(LENGTH - i))
    }
    let sum = 0n
    for (let i = 0; i < LENGTH; i++) sum += frMul(frMul(univariate[i]!, INVERSE_DENOMINATORS[i]!), frMul(prefix[i]!, suffix[i]!))
    target = sum % R
    powPartialEvaluation = frMul(powPartialEvaluation, frAdd(1n, frMul(u, frSub(t.gateChallenges[round]!, 1n))))
  }

  // The evaluations after the Gemini masking polynomial's are the relation's entities.
  let grandHonkRelationSum = accumulateRelationEvaluations(proof.sumcheckEvaluations.slice(1), rp, t.alphas, powPartialEvaluation)
  // Row-disabling polynomial: 1 − Π_{i≥2} (1 − u_i).
  let evaluation = 1n
  for (let i = 2; i < logN; i++) evaluation = frMul(evaluation, frSub(1n, t.sumcheckChallenges[i]!))
  grandHonkRelationSum = (frMul(grandHonkRelationSum, frSub(1n, evaluation)) + frMul(proof.libraEvaluation, t.libraChallenge)) % R
  return grandHonkRelationSum === target
}
