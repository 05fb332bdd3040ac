/** What the store stage saved: where the encrypted archive and proof bundle are, and the data key's commitment. */
export interface StoredContent {
  keyId: string
  keyCommitment: bigint
  sellerWrappedKey: string
  ciphertextCid: string
  envelope: 'assay-aes256gcm-stream-v1'
  chunkSize: number
  plaintextSha256: string
  plaintextBytes: number
  bundleCid: string
  vkeyHash: string
}
