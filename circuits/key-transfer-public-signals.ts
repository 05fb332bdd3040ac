import { ArtifactError } from '../core/index.js'
import { getCircuitManifest } from './artifact-manifest.js'
import type { KeyTransferInput } from './encrypt-key-for-buyer.js'

/** Circuit id of the key-transfer circuit (trustless key delivery; KeyEscrow's verifier). */
export const KEY_TRANSFER_CIRCUIT = 'key-transfer-v1'

/** The public signals of circuit KeyTransfer, by name. */
export type KeyTransferPublicInputs = Pick<
  KeyTransferInput,
  'keyCommitment' | 'buyerKey' | 'ephemeralKey' | 'cipherHi' | 'cipherLo' | 'orderNonce'
>

/**
 * A key transfer's public signals in the order the verifier takes them (uint[6]), read from the
 * circuit's catalog entry (circuits.json `publicInputs`, recorded in circuits/artifacts.json) so the
 * order is declared once.
 *
 * @throws {ArtifactError} when a signal the circuit lists is missing from `inputs`
 */
export function keyTransferPublicSignals(inputs: KeyTransferPublicInputs): bigint[] {
  return getCircuitManifest(KEY_TRANSFER_CIRCUIT).publicInputs.map((name) => {
    const value = (inputs as Record<string, bigint | undefined>)[name]
    if (value === undefined)
      throw new ArtifactError(KEY_TRANSFER_CIRCUIT, `public input ${name} is not a KeyTransfer signal this code knows`)
    return value
  })
}
