// The Ultra relation at the sumcheck's final point: each subrelation of bb's UltraFlavor evaluated
// on the claimed evaluations, then batched by powers of alpha. A line-by-line port of the Solidity
// verifier's RelationsLib (accumulateRelationEvaluations); subrelation indices are its `evals[i]`.
import { FR_MODULUS } from './bn254-field.js'
import { NUMBER_OF_SUBRELATIONS } from './honk-transcript.js'

const R = FR_MODULUS

/** Indices of the 41 entities in the sumcheck evaluations (the Solidity WIRE enum, UltraFlavor's EntityId order). */
export const WIRE = {
  SIGMA_1: 0,
  SIGMA_2: 1,
  SIGMA_3: 2,
  SIGMA_4: 3,
  ID_1: 4,
  ID_2: 5,
  ID_3: 6,
  ID_4: 7,
  LAGRANGE_FIRST: 8,
  LAGRANGE_LAST: 9,
  Q_LOOKUP: 10,
  TABLE_1: 11,
  TABLE_2: 12,
  TABLE_3: 13,
  TABLE_4: 14,
  Q_M: 15,
  Q_R: 16,
  Q_O: 17,
  Q_C: 18,
  Q_L: 19,
  Q_4: 20,
  Q_ARITH: 21,
  Q_RANGE: 22,
  Q_ELLIPTIC: 23,
  Q_MEMORY: 24,
  Q_NNF: 25,
  Q_POSEIDON2_EXTERNAL: 26,
  Q_POSEIDON2_INTERNAL: 27,
  W_L: 28,
  W_R: 29,
  W_O: 30,
  W_4: 31,
  Z_PERM: 32,
  LOOKUP_INVERSES: 33,
  LOOKUP_READ_COUNTS: 34,
  LOOKUP_READ_TAGS: 35,
  W_L_SHIFT: 36,
  W_R_SHIFT: 37,
  W_O_SHIFT: 38,
  W_4_SHIFT: 39,
  Z_PERM_SHIFT: 40,
} as const

/** The relation parameters: eta, beta, gamma from the transcript and the public-input delta derived from them. */
export interface RelationParameters {
  eta: bigint
  beta: bigint
  gamma: bigint
  publicInputsDelta: bigint
}

/** -(-17): Grumpkin's b negated, for the elliptic relation's doubling identity. */
const GRUMPKIN_CURVE_B_PARAMETER_NEGATED = 17n
/** −1/2 mod r. */
const NEG_HALF = (R - 1n) / 2n
/** The non-native field relation's limb and sublimb shifts. */
const LIMB_SIZE = 1n << 68n
const SUBLIMB_SHIFT = 1n << 14n
/** Poseidon2's internal matrix diagonal (minus one), BN254, width 4. */
const INTERNAL_MATRIX_DIAGONAL = [
  0x10dc6e9c006ea38b04b1e03b4bd9490c0d03f98929ca1d7fb56821fd19d3b6e7n,
  0x0c28145b6a44df3e0149b3d0a30b3bb599df9756d4dd9b84a86b38cfb45a740bn,
  0x00544b8338791518b2c7645a50392798b21f75bb60e3596170067d00141cac15n,
  0x222c01175718386f2e2e82eb122789e352e105a3b8fa852613bc534433ee428bn,
] as const

// Intermediate values may leave [0, r) (sums, differences): every product is reduced, and each
// subrelation is reduced into [0, r) once at the end, which gives the same residues as the
// Solidity verifier's addmod/mulmod at every step.
const m = (a: bigint, b: bigint): bigint => (a * b) % R
const reduce = (a: bigint): bigint => {
  const v = a % R
  return v < 0n ? v + R : v
}

/**
 * The batched Ultra relation Σ_i alpha^i · subrelation_i (subrelation 0 weighted 1) at the claimed
 * evaluations `p` (41 entities, WIRE order), each subrelation scaled by `powPartialEval` (the
 * Solidity `domainSep`).
 */
export function accumulateRelationEvaluations(
  p: readonly bigint[],
  rp: RelationParameters,
  alphas: readonly bigint[],
  powPartialEval: bigint,
): bigint {
  const w = (i: number): bigint => p[i]!
  const evals = new Array<bigint>(NUMBER_OF_SUBRELATIONS).fill(0n)
  const d = powPartialEval

  // Arithmetic (subrelations 6, 7).
  const qArith = w(WIRE.Q_ARITH)
  {
    let accum = m(m(qArith - 3n, m(m(w(WIRE.Q_M), w(WIRE.W_R)), w(WIRE.W_L))), NEG_HALF)
    accum =
      accum +
      m(w(WIRE.Q_L), w(WIRE.W_L)) +
      m(w(WIRE.Q_R), w(WIRE.W_R)) +
      m(w(WIRE.Q_O), w(WIRE.W_O)) +
      m(w(WIRE.Q_4), w(WIRE.W_4)) +
      w(WIRE.Q_C)
    accum = accum + m(qArith - 1n, w(WIRE.W_4_SHIFT))
    evals[6] = m(m(accum, qArith), d)
  }
  {
    let accum = w(WIRE.W_L) + w(WIRE.W_4) - w(WIRE.W_L_SHIFT) + w(WIRE.Q_M)
    accum = m(m(m(accum, qArith - 2n), qArith - 1n), qArith)
    evals[7] = m(accum, d)
  }

  // Permutation (0, 1, 2).
  {
    const { beta, gamma } = rp
    const num = m(
      m(
        m(w(WIRE.W_L) + m(w(WIRE.ID_1), beta) + gamma, w(WIRE.W_R) + m(w(WIRE.ID_2), beta) + gamma),
        w(WIRE.W_O) + m(w(WIRE.ID_3), beta) + gamma,
      ),
      w(WIRE.W_4) + m(w(WIRE.ID_4), beta) + gamma,
    )
    const den = m(
      m(
        m(w(WIRE.W_L) + m(w(WIRE.SIGMA_1), beta) + gamma, w(WIRE.W_R) + m(w(WIRE.SIGMA_2), beta) + gamma),
        w(WIRE.W_O) + m(w(WIRE.SIGMA_3), beta) + gamma,
      ),
      w(WIRE.W_4) + m(w(WIRE.SIGMA_4), beta) + gamma,
    )
    const acc =
      m(w(WIRE.Z_PERM) + w(WIRE.LAGRANGE_FIRST), num) - m(w(WIRE.Z_PERM_SHIFT) + m(w(WIRE.LAGRANGE_LAST), rp.publicInputsDelta), den)
    evals[0] = m(acc, d)
    evals[1] = m(m(w(WIRE.LAGRANGE_LAST), w(WIRE.Z_PERM_SHIFT)), d)
    evals[2] = m(m(w(WIRE.LAGRANGE_FIRST), w(WIRE.Z_PERM)), d)
  }

  // Log-derivative lookup (3, 4, 5).
  {
    const { beta, gamma } = rp
    const betaSqr = m(beta, beta)
    const betaCube = m(betaSqr, beta)
    const tableTerm = w(WIRE.TABLE_1) + gamma + m(w(WIRE.TABLE_2), beta) + m(w(WIRE.TABLE_3), betaSqr) + m(w(WIRE.TABLE_4), betaCube)
    const derived1 = w(WIRE.W_L) + gamma + m(w(WIRE.Q_R), w(WIRE.W_L_SHIFT))
    const derived2 = w(WIRE.W_R) + m(w(WIRE.Q_M), w(WIRE.W_R_SHIFT))
    const derived3 = w(WIRE.W_O) + m(w(WIRE.Q_C), w(WIRE.W_O_SHIFT))
    const lookupTerm = derived1 + m(derived2, beta) + m(derived3, betaSqr) + m(w(WIRE.Q_O), betaCube)
    const inverses = w(WIRE.LOOKUP_INVERSES)
    const lookupInverse = m(inverses, tableTerm)
    const tableInverse = m(inverses, lookupTerm)
    const readTags = w(WIRE.LOOKUP_READ_TAGS)
    const qLookup = w(WIRE.Q_LOOKUP)
    const inverseExistsXor = readTags + qLookup - m(readTags, qLookup)
    evals[3] = m(m(m(lookupTerm, tableTerm), inverses) - inverseExistsXor, d)
    evals[4] = m(qLookup, lookupInverse) - m(w(WIRE.LOOKUP_READ_COUNTS), tableInverse)
    evals[5] = m(m(readTags, readTags) - readTags, d)
  }

  // Delta range (8–11): each adjacent difference in {0, 1, 2, 3}.
  {
    const qRange = w(WIRE.Q_RANGE)
    const deltas = [w(WIRE.W_R) - w(WIRE.W_L), w(WIRE.W_O) - w(WIRE.W_R), w(WIRE.W_4) - w(WIRE.W_O), w(WIRE.W_L_SHIFT) - w(WIRE.W_4)]
    deltas.forEach((delta, i) => {
      evals[8 + i] = m(m(m(m(m(delta, delta - 1n), delta - 2n), delta - 3n), qRange), d)
    })
  }

  // Elliptic (12, 13): addition, or doubling where q_m (is_double) is set.
  {
    const x1 = w(WIRE.W_R)
    const y1 = w(WIRE.W_O)
    const x2 = w(WIRE.W_L_SHIFT)
    const y2 = w(WIRE.W_4_SHIFT)
    const y3 = w(WIRE.W_O_SHIFT)
    const x3 = w(WIRE.W_R_SHIFT)
    const qSign = w(WIRE.Q_L)
    const qIsDouble = w(WIRE.Q_M)
    const qElliptic = w(WIRE.Q_ELLIPTIC)
    const xDiff = x2 - x1
    const y1Sqr = m(y1, y1)
    const notDouble = 1n - qIsDouble
    // Addition: x and y identities (12, 13), off where the gate doubles.
    const y2Sqr = m(y2, y2)
    const y1y2 = m(m(y1, y2), qSign)
    const xAdd = m(m(x3 + x2 + x1, xDiff), xDiff) - y2Sqr - y1Sqr + y1y2 + y1y2
    const yAdd = m(y1 + y3, xDiff) + m(x3 - x1, m(y2, qSign) - y1)
    // Doubling, with x1³ = y1² − b (Grumpkin) to lower the degree: (x3 + 2·x1)·4y1² − 9·x1⁴ and 3x1²·(x1 − x3) − 2y1·(y1 + y3).
    const xPow4 = m(y1Sqr + GRUMPKIN_CURVE_B_PARAMETER_NEGATED, x1)
    const xDouble = m(x3 + x1 + x1, 4n * y1Sqr) - 9n * xPow4
    const yDouble = m(m(3n * x1, x1), x1 - x3) - m(y1 + y1, y1 + y3)
    evals[12] = m(m(m(xAdd, d), qElliptic), notDouble) + m(m(m(xDouble, d), qElliptic), qIsDouble)
    evals[13] = m(m(m(yAdd, d), qElliptic), notDouble) + m(m(m(yDouble, d), qElliptic), qIsDouble)
  }

  // Memory (14–19): ROM/RAM record, consistency and timestamp checks.
  {
    const { eta } = rp
    const etaTwo = m(eta, eta)
    const etaThree = m(etaTwo, eta)
    const qL = w(WIRE.Q_L)
    const qR = w(WIRE.Q_R)
    const qO = w(WIRE.Q_O)
    const qMemory = m(w(WIRE.Q_MEMORY), d)
    const partialRecordCheck = m(w(WIRE.W_O), etaThree) + m(w(WIRE.W_R), etaTwo) + m(w(WIRE.W_L), eta) + w(WIRE.Q_C)
    const memoryRecordCheck = partialRecordCheck - w(WIRE.W_4)
    const indexDelta = w(WIRE.W_L_SHIFT) - w(WIRE.W_L)
    const recordDelta = w(WIRE.W_4_SHIFT) - w(WIRE.W_4)
    const indexIsMonotonicallyIncreasing = m(indexDelta, indexDelta - 1n)
    const notIndexDelta = 1n - indexDelta
    const adjacentValuesMatch = m(notIndexDelta, recordDelta)
    const qLqR = m(qL, qR)
    evals[15] = m(m(adjacentValuesMatch, qLqR), qMemory)
    evals[16] = m(m(indexIsMonotonicallyIncreasing, qLqR), qMemory)
    const romConsistency = m(memoryRecordCheck, qLqR)

    const accessType = w(WIRE.W_4) - partialRecordCheck
    const accessCheck = m(accessType, accessType - 1n)
    const nextGateAccessType =
      w(WIRE.W_4_SHIFT) - (m(w(WIRE.W_O_SHIFT), etaThree) + m(w(WIRE.W_R_SHIFT), etaTwo) + m(w(WIRE.W_L_SHIFT), eta))
    const valueDelta = w(WIRE.W_O_SHIFT) - w(WIRE.W_O)
    const adjacentMatchIfRead = m(m(notIndexDelta, valueDelta), 1n - nextGateAccessType)
    const nextGateAccessTypeIsBoolean = m(nextGateAccessType, nextGateAccessType) - nextGateAccessType
    evals[17] = m(m(adjacentMatchIfRead, qO), qMemory)
    evals[18] = m(m(indexIsMonotonicallyIncreasing, qO), qMemory)
    evals[19] = m(m(nextGateAccessTypeIsBoolean, qO), qMemory)
    const ramConsistency = m(accessCheck, qO)

    const timestampDelta = w(WIRE.W_R_SHIFT) - w(WIRE.W_R)
    const ramTimestampCheck = m(notIndexDelta, timestampDelta) - w(WIRE.W_O)

    let memoryIdentity = romConsistency
    memoryIdentity += m(ramTimestampCheck, m(w(WIRE.Q_4), qL))
    memoryIdentity += m(memoryRecordCheck, m(w(WIRE.Q_M), qL))
    memoryIdentity += ramConsistency
    evals[14] = m(memoryIdentity, qMemory)
  }

  // Non-native field (20).
  {
    const wL = w(WIRE.W_L)
    const wR = w(WIRE.W_R)
    const wO = w(WIRE.W_O)
    const w4 = w(WIRE.W_4)
    const wLs = w(WIRE.W_L_SHIFT)
    const wRs = w(WIRE.W_R_SHIFT)
    const wOs = w(WIRE.W_O_SHIFT)
    const w4s = w(WIRE.W_4_SHIFT)
    let limbSubproduct = m(wL, wRs) + m(wLs, wR)
    let gate2 = m(wL, w4) + m(wR, wO) - wOs
    gate2 = m(gate2, LIMB_SIZE) - w4s + limbSubproduct
    gate2 = m(gate2, w(WIRE.Q_4))
    limbSubproduct = m(limbSubproduct, LIMB_SIZE) + m(wLs, wRs)
    const gate1 = m(limbSubproduct - (wO + w4), w(WIRE.Q_O))
    const gate3 = m(limbSubproduct + w4 - (wOs + w4s), w(WIRE.Q_M))
    const nonNativeFieldIdentity = m(gate1 + gate2 + gate3, w(WIRE.Q_R))

    let limbAccumulator1 = m(wRs, SUBLIMB_SHIFT) + wLs
    limbAccumulator1 = m(limbAccumulator1, SUBLIMB_SHIFT) + wO
    limbAccumulator1 = m(limbAccumulator1, SUBLIMB_SHIFT) + wR
    limbAccumulator1 = m(limbAccumulator1, SUBLIMB_SHIFT) + wL
    limbAccumulator1 = m(limbAccumulator1 - w4, w(WIRE.Q_4))
    let limbAccumulator2 = m(wOs, SUBLIMB_SHIFT) + wRs
    limbAccumulator2 = m(limbAccumulator2, SUBLIMB_SHIFT) + wLs
    limbAccumulator2 = m(limbAccumulator2, SUBLIMB_SHIFT) + w4
    limbAccumulator2 = m(limbAccumulator2, SUBLIMB_SHIFT) + wO
    limbAccumulator2 = m(limbAccumulator2 - w4s, w(WIRE.Q_M))
    const limbAccumulatorIdentity = m(limbAccumulator1 + limbAccumulator2, w(WIRE.Q_O))
    evals[20] = m(nonNativeFieldIdentity + limbAccumulatorIdentity, m(w(WIRE.Q_NNF), d))
  }

  // Poseidon2 external round (21–24): S-box on all four lanes, then the matrix M_E.
  {
    const pow5 = (s: bigint): bigint => {
      const s2 = m(s, s)
      return m(m(s2, s2), s)
    }
    const u1 = pow5(w(WIRE.W_L) + w(WIRE.Q_L))
    const u2 = pow5(w(WIRE.W_R) + w(WIRE.Q_R))
    const u3 = pow5(w(WIRE.W_O) + w(WIRE.Q_O))
    const u4 = pow5(w(WIRE.W_4) + w(WIRE.Q_4))
    const t0 = u1 + u2
    const t1 = u3 + u4
    const t2 = u2 + u2 + t1
    const t3 = u4 + u4 + t0
    const v4 = 4n * t1 + t3
    const v2 = 4n * t0 + t2
    const v1 = t3 + v2
    const v3 = t2 + v4
    const q = m(w(WIRE.Q_POSEIDON2_EXTERNAL), d)
    evals[21] = m(q, v1 - w(WIRE.W_L_SHIFT))
    evals[22] = m(q, v2 - w(WIRE.W_R_SHIFT))
    evals[23] = m(q, v3 - w(WIRE.W_O_SHIFT))
    evals[24] = m(q, v4 - w(WIRE.W_4_SHIFT))
  }

  // Poseidon2 internal round (25–28): S-box on the first lane, then diag(D) + 1.
  {
    const s1 = w(WIRE.W_L) + w(WIRE.Q_L)
    const s1Sqr = m(s1, s1)
    const u = [m(m(s1Sqr, s1Sqr), s1), w(WIRE.W_R), w(WIRE.W_O), w(WIRE.W_4)] as const
    const uSum = u[0] + u[1] + u[2] + u[3]
    const q = m(w(WIRE.Q_POSEIDON2_INTERNAL), d)
    const shifted = [w(WIRE.W_L_SHIFT), w(WIRE.W_R_SHIFT), w(WIRE.W_O_SHIFT), w(WIRE.W_4_SHIFT)] as const
    for (let i = 0; i < 4; i++) evals[25 + i] = m(q, m(u[i]!, INTERNAL_MATRIX_DIAGONAL[i]!) + uSum - shifted[i]!)
  }

  // Batch: subrelation 0 weighted 1, subrelation i by alpha^i.
  let accumulator = 0n
  evals.forEach((e, i) => {
    accumulator = (accumulator + (i === 0 ? reduce(e) : m(reduce(e), alphas[i - 1]!))) % R
  })
  return accumulator
}
