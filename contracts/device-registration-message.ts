import { AbiCoder, id, keccak256 } from 'ethers'
import { SNARK_FIELD, type EddsaSignature } from '../core/index.js'

/** What a device key signs to be registered: the owner, the chain, the registry and the owner's nonce. */
export interface RegistrationTerms {
  owner: string
  chainId: bigint
  registry: string
  nonce: bigint
}

/** A device key's EdDSA-Poseidon signature. */
export type DeviceSignature = EddsaSignature

/**
 * A device key's signature of `deviceRegistrationMessage(terms)`, with the nonce of those terms:
 * DeviceRegistry's PossessionProof.
 */
export interface PossessionProof extends DeviceSignature {
  nonce: bigint
}

/** Signs a registration message with a device key (e.g. `(m) => signEddsaPoseidon(key.privateKey, m)`). */
export type RegistrationSigner = (message: bigint) => Promise<DeviceSignature>

/** DeviceRegistry.REGISTRATION_DOMAIN. */
export const REGISTRATION_DOMAIN = id('assay.device-registration/v1')

/**
 * DeviceRegistry.registrationMessage(owner, nonce) on `chainId` at `registry`, computed here so a
 * device key is never asked to sign a message it cannot check (a node could otherwise hand it a
 * batch message to sign): keccak256(abi.encode(REGISTRATION_DOMAIN, chainId, registry, owner,
 * nonce)) mod the BN254 scalar field.
 */
export function deviceRegistrationMessage(terms: RegistrationTerms): bigint {
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ['bytes32', 'uint256', 'address', 'address', 'uint256'],
    [REGISTRATION_DOMAIN, terms.chainId, terms.registry, terms.owner, terms.nonce],
  )
  return BigInt(keccak256(encoded)) % SNARK_FIELD
}
