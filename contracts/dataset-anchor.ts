import { AbiCoder, keccak256, sha256, toUtf8Bytes } from 'ethers'

/**
 * The digest of a manifest's statistics that DatasetRegistry.publish anchors: sha256 of their
 * JSON as the manifest holds them.
 */
export function statsDigestOf(stats: unknown): string {
  return sha256(toUtf8Bytes(JSON.stringify(stats)))
}

/**
 * DatasetRegistry's anchor, computed off-chain: keccak256(abi.encode(keccak256(manifestCid),
 * keyCommitment, statsDigest)). Equal to the on-chain value only for the manifest that was anchored.
 */
export function computeAnchor(manifestCid: string, keyCommitment: bigint, statsDigest: string): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(['bytes32', 'uint256', 'bytes32'], [keccak256(toUtf8Bytes(manifestCid)), keyCommitment, statsDigest]),
  )
}
