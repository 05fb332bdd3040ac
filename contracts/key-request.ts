import { verifyTypedData, type Signer, type TypedDataDomain } from 'ethers'
import type { Deployment } from './deployment.js'

/**
 * A buyer's request for a dataset's key (EIP-712). The buyer's wallet signs it; the node checks
 * the signature, expiry, nonce and on-chain access before it wraps the key to `ephemeralPublicKey`
 * (a fresh secp256k1 key only the buyer's client holds), so neither a replayed request nor a
 * request for another key pair, dataset or chain can obtain a key.
 */
export interface KeyRequest {
  buyer: string
  datasetId: bigint
  /** Compressed (33 bytes) or uncompressed (65 bytes) secp256k1 public key, 0x hex. */
  ephemeralPublicKey: string
  /** 32 random bytes, 0x hex; each (buyer, nonce) is honoured once. */
  nonce: string
  /** Unix seconds after which the request is void. */
  expiry: bigint
}

export const KEY_REQUEST_TYPES = {
  KeyRequest: [
    { name: 'buyer', type: 'address' },
    { name: 'datasetId', type: 'uint256' },
    { name: 'ephemeralPublicKey', type: 'bytes' },
    { name: 'nonce', type: 'bytes32' },
    { name: 'expiry', type: 'uint64' },
  ],
} as const

/** The EIP-712 domain: bound to the chain and to the market contract that grants access. */
export function keyRequestDomain(deployment: Pick<Deployment, 'chainId' | 'contracts'>): TypedDataDomain {
  return { name: 'Assay key release', version: '1', chainId: deployment.chainId, verifyingContract: deployment.contracts.dataMarket }
}

/** Signs a key request with the buyer's wallet (works with any ethers signer, browser wallets included). */
export function signKeyRequest(
  signer: Signer,
  deployment: Pick<Deployment, 'chainId' | 'contracts'>,
  request: KeyRequest,
): Promise<string> {
  return signer.signTypedData(keyRequestDomain(deployment), { KeyRequest: [...KEY_REQUEST_TYPES.KeyRequest] }, { ...request })
}

/** The address that signed a key request (throws on a malformed signature). */
export function recoverKeyRequestSigner(
  deployment: Pick<Deployment, 'chainId' | 'contracts'>,
  request: KeyRequest,
  signature: string,
): string {
  return verifyTypedData(keyRequestDomain(deployment), { KeyRequest: [...KEY_REQUEST_TYPES.KeyRequest] }, { ...request }, signature)
}
