import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join, normalize } from 'node:path'
import type { Signer } from 'ethers'
import { CID } from 'multiformats/cid'
import type { Manifest } from '../core/index.js'
import type { ChainClient } from '../contracts/index.js'
import { decryptEnvelope, readFileFromCar } from '../storage/node.js'
import type { AssayClient } from './assay-client.js'
import { firstProvider } from './first-provider.js'
import { openArchive } from './open-archive.js'
import { VerificationError } from './verification-error.js'

export interface DownloadOptions {
  client: AssayClient
  /** Reads the anchor (any provider will do). */
  chain: Pick<ChainClient, 'datasetOf'>
  /** The buyer's wallet: signs the key request. Not needed when `key` is given. */
  signer?: Signer
  datasetId: bigint
  /** The manifest's CID when the caller knows it (else the node's catalog names it); checked against the anchor either way. */
  manifestCid?: string
  outDir: string
  /** A key obtained before; skips the key request. */
  key?: Uint8Array
  /**
   * Nodes or trustless gateways holding the dataset, tried in order (a dataset page's providers,
   * see contentProviders); one that is away, refuses or sends a forged block is skipped, even in
   * the middle of the ciphertext (which then starts again from the next). Default: the client's node.
   */
  providers?: readonly string[]
}

export interface DownloadResult {
  manifestCid: string
  manifest: Manifest
  /** The decrypted archive and the files unpacked from it. */
  archive: string
  files: string[]
  batches: number
  readings: number
}

/**
 * Downloads, decrypts and verifies a dataset: the manifest against its on-chain anchor, the key
 * against its anchored commitment, every ciphertext block against its CID, every chunk by its
 * AES-GCM tag, the plaintext against the manifest's sha256, and every batch commitment (so the
 * root) rebuilt from the decrypted readings. Nothing is left in `outDir` when a check fails.
 *
 * @throws {VerificationError} naming the check that failed
 */
export async function downloadDataset(o: DownloadOptions): Promise<DownloadResult> {
  const providers = o.providers ?? [o.client.node]
  const { manifest, manifestCid } = await o.client.verifiedManifest(o.datasetId, o.chain, o.manifestCid, { providers })
  let key = o.key
  if (key === undefined) {
    if (o.signer === undefined) throw new VerificationError('key', 'a signer (the buyer’s wallet) or a key is needed')
    key = await o.client.requestKey(o.signer, o.datasetId, manifest.encryption.keyCommitment)
  }
  await mkdir(o.outDir, { recursive: true })
  const archive = join(o.outDir, `dataset-${o.datasetId}.tar`)
  const partial = `${archive}.partial`
  const written: string[] = []
  try {
    const root = CID.parse(manifest.content.ciphertextCid)
    const tar = await firstProvider(providers, `the ciphertext of dataset ${o.datasetId}`, async (provider) => {
      const parts: Uint8Array[] = []
      const car = await o.client.car(root, { providers: [provider] })
      for await (const chunk of decryptEnvelope(readFileFromCar(car, root), key)) parts.push(chunk)
      return Buffer.concat(parts)
    })
    await writeFile(partial, tar)
    const { files, batches, readings } = await openArchive(tar, manifest)
    for (const [name, bytes] of files) {
      const safe = normalize(name)
      if (safe.startsWith('..') || safe.startsWith('/'))
        throw new VerificationError('archive', `refusing to write ${name} outside ${o.outDir}`)
      await mkdir(join(o.outDir, safe, '..'), { recursive: true })
      await writeFile(join(o.outDir, safe), bytes)
      written.push(join(o.outDir, safe))
    }
    await rename(partial, archive)
    return { manifestCid, manifest, archive, files: written, batches, readings }
  } catch (err) {
    for (const f of [partial, ...written]) await rm(f, { force: true })
    throw err
  }
}

/** Reads back an unpacked dataset folder (for `assay verify --plaintext DIR`). */
export async function readPlaintextDir(dir: string): Promise<{ series: never; batches: never; readings: string }> {
  return {
    series: JSON.parse(await readFile(join(dir, 'series.json'), 'utf8')) as never,
    batches: JSON.parse(await readFile(join(dir, 'batches.json'), 'utf8')) as never,
    readings: await readFile(join(dir, 'readings.ndjson'), 'utf8'),
  }
}
