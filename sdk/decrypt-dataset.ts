import { CID } from 'multiformats/cid'
import type { Manifest } from '../core/index.js'
import { concatBytes, decryptEnvelopeWeb, envelopeSize, readCarFile } from '../storage/index.js'
import type { AssayClient } from './assay-client.js'
import { firstProvider } from './first-provider.js'
import { openArchive, type OpenedArchive } from './open-archive.js'

export interface DecryptDatasetOptions {
  client: AssayClient
  /** A manifest checked against its anchor (client.verifiedManifest). */
  manifest: Manifest
  /** The dataset key, checked against its anchored commitment (client.requestKey). */
  key: Uint8Array
  /**
   * Nodes or trustless gateways holding the dataset, tried in order (contentProviders of the
   * dataset page); one that is away, refuses or sends a forged block is skipped. Default: the client's node.
   */
  providers?: readonly string[]
  /** Ciphertext bytes fetched and checked so far, and plaintext bytes decrypted. */
  onProgress?: (stage: 'download' | 'decrypt' | 'verify', bytes: number) => void
}

export interface DecryptedDataset extends OpenedArchive {
  /** The decrypted archive (ustar), as the CLI saves it. */
  archive: Uint8Array
  /** Seconds spent decrypting (WebCrypto AES-GCM over the checked ciphertext). */
  decryptSeconds: number
}

/**
 * The browser's download: the ciphertext's CAR through the node's gateway or the first provider that serves it (every block checked
 * against its CID), decrypted chunk by chunk with WebCrypto (every chunk authenticated), the
 * archive's hash and every batch commitment checked against the manifest. Holds the dataset in
 * memory; for files larger than a browser tab should hold, use `assay download`. Browser-safe.
 *
 * @throws {VerificationError} ContentCorruptedError, EnvelopeTamperedError … naming what failed
 */
export async function decryptDataset(o: DecryptDatasetOptions): Promise<DecryptedDataset> {
  const root = CID.parse(o.manifest.content.ciphertextCid)
  // The envelope's size follows from the manifest: a provider cannot make the tab hold more.
  const maxBytes = envelopeSize(o.manifest.content.bytes, o.manifest.encryption.chunkSize)
  // From the first provider that serves all of it: one failing midway means starting over at the next.
  const sealed = await firstProvider(o.providers ?? [o.client.node], 'the ciphertext', async (provider) => {
    const blocks: Uint8Array[] = []
    let fetched = 0
    for await (const chunk of readCarFile(await o.client.car(root, { providers: [provider] }), root, { maxBytes })) {
      blocks.push(chunk)
      fetched += chunk.length
      o.onProgress?.('download', fetched)
    }
    return blocks
  })
  const started = performance.now()
  const parts: Uint8Array[] = []
  let size = 0
  for await (const chunk of decryptEnvelopeWeb(sealed, o.key)) {
    parts.push(chunk)
    size += chunk.length
    o.onProgress?.('decrypt', size)
  }
  const decryptSeconds = (performance.now() - started) / 1000
  const archive = concatBytes(parts)
  o.onProgress?.('verify', size)
  return { archive, decryptSeconds, ...(await openArchive(archive, o.manifest)) }
}
