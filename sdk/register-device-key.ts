import { signEddsaPoseidon, type DeviceKey } from '../circuits/index.js'
import { fieldElementSchema } from '../core/index.js'
import { deviceRegistrationMessage, type RegistrationTerms } from '../contracts/index.js'
import { AssayApiError } from './assay-api-error.js'
import type { AssayClient } from './assay-client.js'
import type { DeviceRegistered } from './api-types.js'
import { VerificationError } from './verification-error.js'

/** Attempts when the node's account registers other devices meanwhile (each moves its nonce on). */
const REGISTER_ATTEMPTS = 3

/** The terms GET /devices/registration answered, as numbers; a nonce or chain id that is not a field element is refused. */
async function registrationTerms(client: Pick<AssayClient, 'deviceRegistration'>): Promise<RegistrationTerms> {
  const t = await client.deviceRegistration()
  for (const [name, value] of [
    ['chainId', t.chainId],
    ['nonce', t.nonce],
  ] as const)
    if (!fieldElementSchema.safeParse(value).success)
      throw new VerificationError('registration-terms', `the node's ${name} ${JSON.stringify(value)} is not a decimal field element`)
  return { owner: t.owner, chainId: BigInt(t.chainId), registry: t.registry, nonce: BigInt(t.nonce) }
}

/**
 * Registers a device key to the node's account (the account that publishes): the key signs the
 * registration message for that account, chain, registry and nonce (computed here from the node's
 * terms, so the key never signs a message it cannot check, such as a batch's), and only the public
 * key, that signature and the label go to the node (POST /devices, the operator's). The private key
 * never leaves the caller. Signs again, up to 3 times, when another registration by the node's
 * account took the nonce meanwhile. Answers `alreadyRegistered` for a key the node's account holds.
 *
 * @throws {AssayApiError} the node's refusal (e.g. DeviceOwnedError: another account holds the key)
 * @throws {VerificationError} when the node's terms are not numbers
 */
export async function registerDeviceKey(
  client: Pick<AssayClient, 'deviceRegistration' | 'registerDevice'>,
  key: Pick<DeviceKey, 'privateKey' | 'Ax' | 'Ay'>,
  options: { label?: string | undefined } = {},
): Promise<DeviceRegistered> {
  for (let attempt = 1; ; attempt++) {
    const terms = await registrationTerms(client)
    const signature = await signEddsaPoseidon(key.privateKey, deviceRegistrationMessage(terms))
    try {
      return await client.registerDevice({
        publicKey: { x: key.Ax.toString(), y: key.Ay.toString() },
        proof: { nonce: terms.nonce.toString(), R8x: signature.R8x.toString(), R8y: signature.R8y.toString(), S: signature.S.toString() },
        ...(options.label !== undefined ? { label: options.label } : {}),
      })
    } catch (err) {
      // Another registration by the node's account took the nonce meanwhile: sign the new one.
      if (!(err instanceof AssayApiError) || attempt === REGISTER_ATTEMPTS || (await registrationTerms(client)).nonce === terms.nonce)
        throw err
    }
  }
}
