import { AbiCoder, decodeBase64, getBytes, hexlify, isHexString } from 'ethers'
import { AssayError } from '../core/index.js'

/** A batch proof that cannot be encoded for `verifyBatch` (not hex bytes, or a flat Groth16 proof not of 8 words). */
export class MalformedProofError extends AssayError {
  override readonly category = 'bad-input' as const
  constructor(message: string) {
    super(message)
    this.name = 'MalformedProofError'
  }
}

/** A snarkjs Groth16 proof (the JSON it writes). */
export interface Groth16Proof {
  pi_a: readonly string[]
  pi_b: readonly (readonly string[])[]
  pi_c: readonly string[]
}

/** An UltraHonk proof as a proof bundle stores it: bb's proof bytes (`evm` target), base64. */
export interface HonkProofObject {
  protocol: 'ultrahonk'
  proof: string
}

/**
 * A batch proof as `verifyBatch` takes it: a snarkjs Groth16 proof (object, or the flat uint256[8]
 * of `proofToCalldata`), or an UltraHonk proof: its bytes (bb's `evm` target) as bytes or
 * `0x`-hex, or a proof bundle's `{ protocol: 'ultrahonk', proof: base64 }`.
 */
export type BatchProofInput = Groth16Proof | HonkProofObject | readonly bigint[] | Uint8Array | string

/** The flat uint256[8] the verifiers take: a, b (each pair reversed, as snarkjs exports), c. */
export function proofToCalldata(proof: Groth16Proof): bigint[] {
  const b = proof.pi_b
  return [proof.pi_a[0], proof.pi_a[1], b[0]![1], b[0]![0], b[1]![1], b[1]![0], proof.pi_c[0], proof.pi_c[1]].map((x) =>
    BigInt(x as string),
  )
}

/**
 * The `bytes proof` of DatasetRegistry's BatchProof (`0x`-hex): a Groth16 proof as
 * `abi.encode(uint256[8])` (256 bytes), UltraHonk proof bytes as they are.
 * @throws {MalformedProofError} for a string that is not `0x`-hex bytes, an UltraHonk proof object
 * not in base64, or a flat proof not of 8 words
 */
export function batchProofBytes(proof: BatchProofInput): string {
  if (proof instanceof Uint8Array) return hexlify(proof)
  if (typeof proof === 'string') {
    if (!isHexString(proof) || proof.length % 2 !== 0) throw new MalformedProofError('a proof string must be 0x-hex bytes')
    return hexlify(getBytes(proof))
  }
  if ('protocol' in proof && proof.protocol === 'ultrahonk') {
    const base64 = proof.proof
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0)
      throw new MalformedProofError('an UltraHonk proof object holds its bytes in base64')
    return hexlify(decodeBase64(base64))
  }
  const words = Array.isArray(proof) ? (proof as readonly bigint[]) : proofToCalldata(proof as Groth16Proof)
  if (words.length !== 8) throw new MalformedProofError(`a flat Groth16 proof has 8 words, not ${words.length}`)
  return AbiCoder.defaultAbiCoder().encode(['uint256[8]'], [words])
}
