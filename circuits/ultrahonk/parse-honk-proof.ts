import { FQ_MODULUS, FR_MODULUS } from './bn254-field.js'
import { readWord } from './be-words.js'
import { checkG1, readG1, type G1Point } from './g1-point.js'
import { PAIRING_POINTS_SIZE } from './parse-honk-vk.js'
import { UltraHonkVerifyError } from './ultrahonk-verify-error.js'

/** Entities the sumcheck evaluates (NUMBER_OF_ENTITIES), and with ZK's Gemini masking polynomial first. */
export const NUMBER_OF_ENTITIES = 41
export const NUMBER_OF_ENTITIES_ZK = NUMBER_OF_ENTITIES + 1
/** Evaluations of each round's univariate the ZK sumcheck sends (ZK_BATCHED_RELATION_PARTIAL_LENGTH). */
export const ZK_BATCHED_RELATION_PARTIAL_LENGTH = 9
/** Evaluations of the small-subgroup IPA's polynomials (LIBRA_EVALUATIONS). */
export const LIBRA_EVALUATIONS = 4

/**
 * Where each part of a ZK UltraHonk proof (bb's UltraKeccakZKFlavor, target evm) starts, in 32-byte
 * words, for a circuit of 2^logN rows: the order the Solidity verifier's loadProof reads them in.
 * The transcript hashes runs of these words exactly as they are in the proof.
 */
export function honkProofLayout(logN: number) {
  const sumcheckUnivariates = 29
  const sumcheckEvaluations = sumcheckUnivariates + ZK_BATCHED_RELATION_PARTIAL_LENGTH * logN
  const libraEvaluation = sumcheckEvaluations + NUMBER_OF_ENTITIES_ZK
  const libraCommitment1 = libraEvaluation + 1
  const geminiFoldComms = libraCommitment1 + 4
  const geminiAEvaluations = geminiFoldComms + 2 * (logN - 1)
  const libraPolyEvals = geminiAEvaluations + logN
  const shplonkQ = libraPolyEvals + LIBRA_EVALUATIONS
  return {
    pairingPointObject: 0,
    geminiMaskingPoly: 8,
    w1: 10,
    w2: 12,
    w3: 14,
    lookupReadCounts: 16,
    lookupReadTags: 18,
    w4: 20,
    lookupInverses: 22,
    zPerm: 24,
    libraCommitment0: 26,
    libraSum: 28,
    sumcheckUnivariates,
    sumcheckEvaluations,
    libraEvaluation,
    libraCommitment1,
    libraCommitment2: libraCommitment1 + 2,
    geminiFoldComms,
    geminiAEvaluations,
    libraPolyEvals,
    shplonkQ,
    kzgQuotient: shplonkQ + 2,
    /** The proof's length in words (the Solidity calculateProofSize / 32). */
    words: shplonkQ + 4,
  }
}
export type HonkProofLayout = ReturnType<typeof honkProofLayout>

/** A ZK UltraHonk proof, every element checked (field elements below r, points on the curve). */
export interface HonkProof {
  /** The proof as received: the transcript hashes its words. */
  bytes: Uint8Array
  layout: HonkProofLayout
  /** The pairing-point object's limbs [P0.x lo, hi, P0.y lo, hi, P1.x lo, hi, P1.y lo, hi] (all zero: none). */
  pairingPointObject: bigint[]
  geminiMaskingPoly: G1Point
  w1: G1Point
  w2: G1Point
  w3: G1Point
  w4: G1Point
  lookupReadCounts: G1Point
  lookupReadTags: G1Point
  lookupInverses: G1Point
  zPerm: G1Point
  libraCommitments: [G1Point, G1Point, G1Point]
  libraSum: bigint
  /** logN rounds of 9 evaluations each. */
  sumcheckUnivariates: bigint[][]
  /** The Gemini masking polynomial's evaluation, then the 41 entities' in the WIRE enum's order. */
  sumcheckEvaluations: bigint[]
  libraEvaluation: bigint
  geminiFoldComms: G1Point[]
  geminiAEvaluations: bigint[]
  libraPolyEvals: bigint[]
  shplonkQ: G1Point
  kzgQuotient: G1Point
}

/** Largest pairing-point limbs: lo limbs (even index) below 2^136, hi limbs below 2^120 (68-bit limbs, bigfield). */
const LIMB_BOUND = [1n << 136n, 1n << 120n] as const

/**
 * Reads a proof for a circuit of 2^logN rows as bb's Solidity verifier's loadProof does, with every
 * check that verifier makes on an element before its sumcheck (and the on-curve checks its
 * precompiles make later) done here, up front: its length, each field element below r, each
 * coordinate below q and each point on the curve or the (0, 0) infinity encoding, each pairing-point
 * limb in range, and a non-default pairing-point object made of two points on the curve, neither
 * at infinity.
 *
 * @throws {UltraHonkVerifyError} naming the element at fault
 */
export function parseHonkProof(bytes: Uint8Array, logN: number): HonkProof {
  const layout = honkProofLayout(logN)
  if (bytes.length !== 32 * layout.words)
    throw new UltraHonkVerifyError('proof', `${bytes.length} bytes; a proof for 2^${logN} rows has ${32 * layout.words}`)
  const fr = (word: number, field: string): bigint => {
    const v = readWord(bytes, 32 * word)
    if (v >= FR_MODULUS) throw new UltraHonkVerifyError(field, 'not below the scalar field modulus')
    return v
  }
  const frs = (word: number, count: number, field: string): bigint[] =>
    Array.from({ length: count }, (_, i) => fr(word + i, `${field}[${i}]`))
  const g1 = (word: number, field: string): G1Point => readG1(bytes, 32 * word, field)

  const pairingPointObject = Array.from({ length: PAIRING_POINTS_SIZE }, (_, i) => {
    const limb = readWord(bytes, 32 * i)
    if (limb >= LIMB_BOUND[i % 2]!) throw new UltraHonkVerifyError(`pairingPointObject[${i}]`, 'limb out of range')
    return limb
  })
  checkPairingPoints(pairingPointObject)
  return {
    bytes,
    layout,
    pairingPointObject,
    geminiMaskingPoly: g1(layout.geminiMaskingPoly, 'geminiMaskingPoly'),
    w1: g1(layout.w1, 'w1'),
    w2: g1(layout.w2, 'w2'),
    w3: g1(layout.w3, 'w3'),
    lookupReadCounts: g1(layout.lookupReadCounts, 'lookupReadCounts'),
    lookupReadTags: g1(layout.lookupReadTags, 'lookupReadTags'),
    w4: g1(layout.w4, 'w4'),
    lookupInverses: g1(layout.lookupInverses, 'lookupInverses'),
    zPerm: g1(layout.zPerm, 'zPerm'),
    libraCommitments: [
      g1(layout.libraCommitment0, 'libraCommitments[0]'),
      g1(layout.libraCommitment1, 'libraCommitments[1]'),
      g1(layout.libraCommitment2, 'libraCommitments[2]'),
    ],
    libraSum: fr(layout.libraSum, 'libraSum'),
    sumcheckUnivariates: Array.from({ length: logN }, (_, round) =>
      frs(
        layout.sumcheckUnivariates + ZK_BATCHED_RELATION_PARTIAL_LENGTH * round,
        ZK_BATCHED_RELATION_PARTIAL_LENGTH,
        `sumcheckUnivariates[${round}]`,
      ),
    ),
    sumcheckEvaluations: frs(layout.sumcheckEvaluations, NUMBER_OF_ENTITIES_ZK, 'sumcheckEvaluations'),
    libraEvaluation: fr(layout.libraEvaluation, 'libraEvaluation'),
    geminiFoldComms: Array.from({ length: logN - 1 }, (_, i) => g1(layout.geminiFoldComms + 2 * i, `geminiFoldComms[${i}]`)),
    geminiAEvaluations: frs(layout.geminiAEvaluations, logN, 'geminiAEvaluations'),
    libraPolyEvals: frs(layout.libraPolyEvals, LIBRA_EVALUATIONS, 'libraPolyEvals'),
    shplonkQ: g1(layout.shplonkQ, 'shplonkQ'),
    kzgQuotient: g1(layout.kzgQuotient, 'kzgQuotient'),
  }
}

/** Whether the pairing-point object is all zero: no recursive verification to aggregate (arePairingPointsDefault). */
export function arePairingPointsDefault(limbs: readonly bigint[]): boolean {
  return limbs.every((l) => l === 0n)
}

/** P0 and P1 of the pairing-point object: each coordinate is lo | hi << 136 (convertPairingPointsToG1). */
export function pairingPointsOf(limbs: readonly bigint[]): [G1Point, G1Point] {
  const coordinate = (i: number): bigint => limbs[i]! | (limbs[i + 1]! << 136n)
  return [
    { x: coordinate(0), y: coordinate(2) },
    { x: coordinate(4), y: coordinate(6) },
  ]
}

/**
 * The Solidity verifier's checks of a non-default pairing-point object, made when it aggregates
 * it: coordinates below q (ValueGeGroupOrder), neither point at infinity (PointAtInfinity), both on
 * the curve (the ecMul/ecAdd precompiles).
 */
function checkPairingPoints(limbs: readonly bigint[]): void {
  if (arePairingPointsDefault(limbs)) return
  pairingPointsOf(limbs).forEach((p, i) => {
    const field = `pairingPointObject.P${i}`
    if (p.x >= FQ_MODULUS || p.y >= FQ_MODULUS) throw new UltraHonkVerifyError(field, 'a coordinate is not below the base field modulus')
    if (p.x === 0n && p.y === 0n) throw new UltraHonkVerifyError(field, 'the point at infinity')
    checkG1(p, field)
  })
}
