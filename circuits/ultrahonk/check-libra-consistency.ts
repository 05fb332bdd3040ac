import { FR_MODULUS, frBatchInverse, frInverse, frMul, frPow2k, frSub } from './bn254-field.js'
import { LIBRA_EVALUATIONS, ZK_BATCHED_RELATION_PARTIAL_LENGTH } from './parse-honk-proof.js'

/** The multiplicative subgroup the small-subgroup IPA works over: its size and generator g (with g⁻¹), from the Solidity verifier. */
export const SUBGROUP_SIZE = 256
export const SUBGROUP_GENERATOR = 0x07b0c561a6148404f086204a9f36ffb0617942546750f230c893619174a57a76n
export const SUBGROUP_GENERATOR_INVERSE = 0x204bd3277422fad364751ad938e2b5e6a54cf8c68712848a692c553d0329f5d6n

let inversePowers: bigint[] | undefined
/** g^{−i} for i < 256, computed once. */
function subgroupInversePowers(): bigint[] {
  if (inversePowers === undefined) {
    inversePowers = [1n]
    for (let i = 1; i < SUBGROUP_SIZE; i++) inversePowers.push(frMul(inversePowers[i - 1]!, SUBGROUP_GENERATOR_INVERSE))
  }
  return inversePowers
}
const INVERSE_SUBGROUP_SIZE = frInverse(BigInt(SUBGROUP_SIZE))!

/**
 * The small-subgroup IPA's consistency check of the ZK sumcheck's Libra masking (the Solidity
 * checkEvalsConsistency): with the challenge polynomial's Lagrange coefficients (1, then for each
 * round 1, u, u², …, u⁸) evaluated at the Gemini challenge r through the subgroup's Lagrange
 * basis, L₁(r)·A(r) + (r − g⁻¹)·(A(g·r) − A(r) − G(r)·C(r)) + L_last(r)·(A(r) − s) − Z_H(r)·Q(r) = 0,
 * where G, A(g·r), A(r), Q are the four libraPolyEvals and s the claimed Libra evaluation. False
 * where the Solidity verifier reverts: r in the subgroup (GeminiChallengeInSubgroup) or the check failing.
 */
export function checkLibraConsistency(
  libraPolyEvals: readonly bigint[],
  geminiR: bigint,
  uChallenges: readonly bigint[],
  libraEvaluation: bigint,
): boolean {
  if (libraPolyEvals.length !== LIBRA_EVALUATIONS) return false
  const vanishing = frSub(frPow2k(geminiR, Math.log2(SUBGROUP_SIZE)), 1n)
  if (vanishing === 0n) return false
  const logN = uChallenges.length
  const length = ZK_BATCHED_RELATION_PARTIAL_LENGTH
  // Only the first 1 + 9·logN coefficients are nonzero; the last index is needed for L_last.
  const lagrange = [1n]
  for (let round = 0; round < logN; round++) {
    lagrange.push(1n)
    for (let k = 1; k < length; k++) lagrange.push(frMul(lagrange[lagrange.length - 1]!, uChallenges[round]!))
  }
  const powers = subgroupInversePowers()
  const indices = [...lagrange.keys(), SUBGROUP_SIZE - 1]
  // r is outside the subgroup (checked above), so no g^{−i}·r − 1 is zero.
  const denominators = frBatchInverse(indices.map((i) => frSub(frMul(powers[i]!, geminiR), 1n)))!
  let challengePolyEval = 0n
  for (let i = 0; i < lagrange.length; i++) challengePolyEval += lagrange[i]! * denominators[i]!
  const numerator = frMul(vanishing, INVERSE_SUBGROUP_SIZE)
  challengePolyEval = frMul(challengePolyEval % FR_MODULUS, numerator)
  const lagrangeFirst = frMul(denominators[0]!, numerator)
  const lagrangeLast = frMul(denominators[denominators.length - 1]!, numerator)
  const [p0, p1, p2, p3] = libraPolyEvals as [bigint, bigint, bigint, bigint]
  let diff = frMul(lagrangeFirst, p2)
  diff += frMul(frSub(geminiR, SUBGROUP_GENERATOR_INVERSE), frSub(frSub(p1, p2), frMul(p0, challengePolyEval)))
  diff += frMul(lagrangeLast, frSub(p2, libraEvaluation)) - frMul(vanishing, p3)
  return diff % FR_MODULUS === 0n
}
