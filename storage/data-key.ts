import { AssayError } from '../core/index.js'

/** Bytes in a data key (AES-256). */
export const DATA_KEY_BYTES = 32

/** A data key that is not 32 bytes. */
export class InvalidDataKeyError extends AssayError {
  override readonly category = 'bad-input' as const
  constructor(length: number) {
    super(`data key must be ${DATA_KEY_BYTES} bytes, got ${length}`)
    this.name = 'InvalidDataKeyError'
  }
}

/** A fresh random 32-byte data key (one per dataset), from the platform CSPRNG. */
export function generateDataKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(DATA_KEY_BYTES))
}

export function assertDataKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== DATA_KEY_BYTES) throw new InvalidDataKeyError(key?.length ?? 0)
}
