import { FR_MODULUS } from './bn254-field.js'
import { readWord, wordsOf } from './be-words.js'
import { computePublicInputsDelta } from './honk-public-inputs-delta.js'
import { shpleminiClaim, type ShpleminiClaim } from './honk-shplemini.js'
import { verifyHonkSumcheck } from './honk-sumcheck.js'
import { honkChallenges } from './honk-transcript.js'
import { parseHonkProof, type HonkProof } from './parse-honk-proof.js'
import { PAIRING_POINTS_SIZE, type HonkVerificationKey } from './parse-honk-vk.js'
import { UltraHonkVerifyError } from './ultrahonk-verify-error.js'

/**
 * A proof's public inputs as the Solidity verifier's `bytes32[] publicInputs` holds them (the
 * statement's, without the pairing-point limbs, which the proof carries): 32-byte big-endian words
 * (bb's `public_inputs` file), or one integer each (bigints, or decimal or 0x-hex strings, as a
 * proof bundle's public signals).
 */
export type UltraHonkPublicInputs = Uint8Array | readonly (bigint | string)[]

/** A proof that passed every check before the pairing: the parsed proof and its batch opening. */
export interface PreparedUltraHonk {
  proof: HonkProof
  claim: ShpleminiClaim
}

/** The public inputs as words and values, each checked to be a field element. @throws {UltraHonkVerifyError} */
function readPublicInputs(vk: HonkVerificationKey, publicInputs: UltraHonkPublicInputs): { words: Uint8Array; values: bigint[] } {
  const expected = vk.publicInputsSize - PAIRING_POINTS_SIZE
  let values: bigint[]
  if (publicInputs instanceof Uint8Array) {
    if (publicInputs.length % 32 !== 0)
      throw new UltraHonkVerifyError('publicInputs', `${publicInputs.length} bytes is not a whole number of words`)
    values = Array.from({ length: publicInputs.length / 32 }, (_, i) => readWord(publicInputs, 32 * i))
  } else {
    values = publicInputs.map((v, i) => {
      try {
        // BigInt alone would also take '' (as 0) and surrounding spaces.
        if (typeof v === 'string' && !/^(?:0x[0-9a-fA-F]{1,64}|\d{1,78})$/.test(v)) throw new SyntaxError('not a decimal or 0x-hex integer')
        const value = BigInt(v)
        if (value < 0n || value >= 1n << 256n) throw new RangeError(`${v} is not a 32-byte word`)
        return value
      } catch (err) {
        throw new UltraHonkVerifyError(`publicInputs[${i}]`, `not an unsigned 256-bit integer: ${String(v).slice(0, 80)}`, { cause: err })
      }
    })
  }
  if (values.length !== expected) throw new UltraHonkVerifyError('publicInputs', `${values.length} given; the key has ${expected}`)
  values.forEach((v, i) => {
    if (v >= FR_MODULUS) throw new UltraHonkVerifyError(`publicInputs[${i}]`, 'not below the scalar field modulus')
  })
  return { words: publicInputs instanceof Uint8Array ? publicInputs : wordsOf(values), values }
}

/**
 * Everything the Solidity verifier's verify does before its final pairing: the proof and public
 * inputs read and checked (throws for malformed ones, where it reverts), the transcript's
 * challenges, the public-input delta, the sumcheck, Shplemini's scalars and the small-subgroup
 * consistency check. Undefined for a well-formed proof that fails one of these (it reverts with
 * SumcheckFailed, ConsistencyCheckFailed, InvertOfZero, GeminiChallengeInSubgroup there).
 *
 * @throws {UltraHonkVerifyError} for malformed input
 */
export function prepareUltraHonk(
  vk: HonkVerificationKey,
  proofBytes: Uint8Array,
  publicInputs: UltraHonkPublicInputs,
): PreparedUltraHonk | undefined {
  const logN = vk.logCircuitSize
  const proof = parseHonkProof(proofBytes, logN)
  const inputs = readPublicInputs(vk, publicInputs)
  const t = honkChallenges(vk, proof, inputs.words)
  const publicInputsDelta = computePublicInputsDelta(inputs.values, proof.pairingPointObject, t.beta, t.gamma, vk.pubInputsOffset)
  if (publicInputsDelta === undefined) return undefined
  if (!verifyHonkSumcheck(proof, t, { eta: t.eta, beta: t.beta, gamma: t.gamma, publicInputsDelta }, logN)) return undefined
  const claim = shpleminiClaim(proof, t, logN)
  return claim === undefined ? undefined : { proof, claim }
}
