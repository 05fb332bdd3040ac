import { buildPoseidon, type Poseidon } from 'circomlibjs'
import { AssayError } from '../core/index.js'

/** A data key that is not exactly 32 bytes. */
export class InvalidKeyError extends AssayError {
  override readonly category = 'bad-input' as const
  constructor(message: string) {
    super(message)
    this.name = 'InvalidKeyError'
  }
}

let poseidonPromise: Promise<Poseidon> | undefined
/** circomlibjs builds its Poseidon tables once per process (tens of ms). */
export function getPoseidon(): Promise<Poseidon> {
  poseidonPromise ??= buildPoseidon()
  return poseidonPromise
}

/** Splits a 32-byte key into its big-endian 128-bit halves, the circuit's `keyHi`, `keyLo`. */
export function splitKey(key: Uint8Array): { keyHi: bigint; keyLo: bigint } {
  if (key.length !== 32) throw new InvalidKeyError(`data key must be 32 bytes, got ${key.length}`)
  const toBig = (bytes: Uint8Array): bigint => bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n)
  return { keyHi: toBig(key.subarray(0, 16)), keyLo: toBig(key.subarray(16, 32)) }
}

/** Key commitment `Poseidon(keyHi, keyLo)` — the JS mirror of circuit KeyCommitment. */
export async function computeKeyCommitment(key: Uint8Array): Promise<bigint> {
  const { keyHi, keyLo } = splitKey(key)
  const poseidon = await getPoseidon()
  return poseidon.F.toObject(poseidon([keyHi, keyLo]))
}
