import { existsSync } from 'node:fs'
import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { CID } from 'multiformats/cid'
import {
  proofSystemOf,
  committedKeyHashOf,
  computeDatasetRoot,
  computeKeyCommitment,
  signEddsaPoseidon,
  type DeviceKey,
  type ProofBundle,
} from '../../circuits/index.js'
import { AssayError, MappingError, parseImportMapping, parseManifest } from '../../core/index.js'
import { statsDigestOf, type ChainClient } from '../../contracts/index.js'
import { generateDataKey, type ContentStore, type Keystore } from '../../storage/index.js'
import { wrapKey } from '../../storage/node.js'
import {
  importReadings,
  isSignedBatchFile,
  planBatches,
  planSignedBatches,
  plaintextArchive,
  renderPreview,
  renderThumbnail,
  scoreQuality,
  type BatchPlan,
  type QualityReport,
} from '../import/index.js'
import { buildManifestInput, type PreviewImages } from './build-manifest-input.js'
import { SignedForOtherSystemError } from './signed-for-other-system-error.js'
import type { BatchProver } from './create-local-prover.js'
import { DeviceNotRegisteredError } from './device-not-registered-error.js'
import type { ProvenBatchFile } from './proven-batch-file.js'
import { provenTotals } from './proven-totals.js'
import type { PublicationSpec } from './publication-spec.js'
import { qualityInputs } from './quality-inputs.js'
import type { StoredContent } from './stored-content.js'
import { WindowAttachedError } from './window-attached-error.js'

/** What the stages need from the node. Only the entry point wires real ones. */
export interface PublicationComponents {
  contentStore: ContentStore
  keystore: Keystore
  chain: ChainClient
  owner: string
  /** The owner's secp256k1 public key: the manifest keeps the data key wrapped to it. */
  ownerPublicKey: string
  /** The owner's gateway device key: signs the batches of files that carry no device signatures. */
  gateway: DeviceKey
  /**
   * Resolves once a circuit's proving artifacts are there (a node builds missing ones in the
   * background), saying what it waits for meanwhile. Absent: they are assumed built.
   */
  circuitReady?: (circuitId: string, onWait: (message: string) => Promise<void>) => Promise<void>
  /**
   * The sha256 of the verification key the proofs were made for, named in the proof bundle
   * (default: the committed artifact manifest's, whose keys the default prover loads). A prover
   * with keys from elsewhere, such as a finalized ceremony not yet installed, names its own.
   */
  vkeyHashOf?: (circuitId: string) => string
}

/**
 * A publication's workspace: a folder holding the seller's file, the request, and each stage's
 * result. Every stage returns its saved result when it has one, so a retried or resumed stage
 * (a killed worker, a restarted node) redoes nothing it finished and builds the same manifest.
 */
export class Publication {
  constructor(readonly dir: string) {}

  /** Creates the workspace: copies the seller's file in and saves the request. */
  static async create(
    dir: string,
    sourceFile: string,
    spec: Omit<PublicationSpec, 'sourceName' | 'createdAt'> & { createdAt?: string },
  ): Promise<Publication> {
    await mkdir(join(dir, 'source'), { recursive: true })
    const sourceName = basename(sourceFile)
    await copyFile(sourceFile, join(dir, 'source', sourceName))
    const full: PublicationSpec = { ...spec, sourceName, createdAt: spec.createdAt ?? new Date().toISOString() }
    const publication = new Publication(dir)
    await publication.save('spec', full)
    return publication
  }

  async spec(): Promise<PublicationSpec> {
    const spec = await this.load<PublicationSpec>('spec')
    if (spec === undefined) throw new AssayError(`${this.dir} is not a publication workspace (no spec.json)`)
    return { ...spec, ...(spec.mapping !== undefined ? { mapping: parseImportMapping(spec.mapping) } : {}) }
  }

  sourcePath(spec: PublicationSpec): string {
    return join(this.dir, 'source', spec.sourceName)
  }

  async load<T>(name: string): Promise<T | undefined> {
    const path = join(this.dir, `${name}.json`)
    if (!existsSync(path)) return undefined
    return JSON.parse(await readFile(path, 'utf8'), (_k, v: unknown) =>
      typeof v === 'string' && v.startsWith('bigint:') ? BigInt(v.slice(7)) : v,
    ) as T
  }

  /** Atomic write: a crash leaves the old result or the new one, never half of one. */
  async save(name: string, value: unknown): Promise<void> {
    const path = join(this.dir, `${name}.json`)
    const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `bigint:${v}` : v))
    await writeFile(`${path}.tmp`, text)
    await rename(`${path}.tmp`, path)
  }

  private async once<T>(name: string, work: () => Promise<T>): Promise<T> {
    const saved = await this.load<T>(name)
    if (saved !== undefined) return saved
    const value = await work()
    await this.save(name, value)
    return value
  }

  /**
   * ingest: a signed-batch file is checked batch by batch and kept as the devices signed it; any
   * other file is imported through the mapping, encoded, and cut into batches the gateway signs.
   */
  ingest(c: PublicationComponents): Promise<BatchPlan & { rows: number }> {
    return this.once('plan', async () => {
      const spec = await this.spec()
      const source = this.sourcePath(spec)
      if (await isSignedBatchFile(source)) {
        const plan = await planSignedBatches(source)
        // Devices signed the circuit's commitments (its B and scheme): only that circuit proves them.
        const system = proofSystemOf(plan.circuitId)
        if (spec.proofSystem !== undefined && spec.proofSystem !== system)
          throw new SignedForOtherSystemError(plan.circuitId, system, spec.proofSystem)
        return plan
      }
      if (spec.mapping === undefined) throw new MappingError('mapping: required for files that are not signed batches')
      const imported = await importReadings(source, spec.mapping, spec.import)
      const plan = await planBatches(imported.series, {
        signer: c.gateway,
        ...(spec.circuitId !== undefined ? { circuitId: spec.circuitId } : {}),
        ...(spec.proofSystem !== undefined ? { proofSystem: spec.proofSystem } : {}),
      })
      return { ...plan, rows: imported.rows }
    })
  }

  /** The proof of one batch, once (the prove stage's unit of work). */
  proveBatch(plan: BatchPlan, i: number, prove: BatchProver): Promise<ProvenBatchFile> {
    const b = plan.batches[i]!
    return this.once(`proofs/${b.series}-${b.index}`, async () => {
      await mkdir(join(this.dir, 'proofs'), { recursive: true })
      const { proof, publicSignals } = await prove(plan.circuitId, b.input)
      return { series: b.series, index: b.index, count: b.count, publicSignals, proof: proof as ProvenBatchFile['proof'] }
    })
  }

  /** Records proofs produced elsewhere (queue workers) as if proveBatch had made them. */
  async recordProof(proof: ProvenBatchFile): Promise<void> {
    await mkdir(join(this.dir, 'proofs'), { recursive: true })
    if ((await this.load(`proofs/${proof.series}-${proof.index}`)) === undefined)
      await this.save(`proofs/${proof.series}-${proof.index}`, proof)
  }

  /** All proofs in batch order, or the batches still missing one. */
  async proofs(plan: BatchPlan): Promise<{ proofs: ProvenBatchFile[]; missing: number[] }> {
    const proofs: ProvenBatchFile[] = []
    const missing: number[] = []
    for (const [i, b] of plan.batches.entries()) {
      const p = await this.load<ProvenBatchFile>(`proofs/${b.series}-${b.index}`)
      if (p === undefined) missing.push(i)
      else proofs.push(p)
    }
    return { proofs, missing }
  }

  /** store: encrypt the plaintext archive into IPFS with a fresh data key; store the proof bundle. */
  store(c: PublicationComponents, plan: BatchPlan, proofs: ProvenBatchFile[]): Promise<StoredContent> {
    return this.once('stored', async () => {
      const spec = await this.spec()
      const keyId = `pub-${basename(this.dir)}`.slice(0, 128)
      // The key is kept before it is used, so a retried store reuses it.
      if (!(await c.keystore.has(keyId))) await c.keystore.put(keyId, generateDataKey())
      const key = await c.keystore.get(keyId)
      const keyCommitment = await computeKeyCommitment(key)
      const added = await c.contentStore.addStream(plaintextArchive(plan, this.sourcePath(spec)), key, { label: spec.title })
      const bundle: ProofBundle = {
        version: 1,
        circuitId: plan.circuitId,
        vkeyHash: c.vkeyHashOf?.(plan.circuitId) ?? committedKeyHashOf(plan.circuitId),
        batches: proofs,
      }
      const bundleCid = await c.contentStore.putJson(bundle, { kind: 'proof-bundle', label: spec.title })
      return {
        keyId,
        keyCommitment,
        sellerWrappedKey: Buffer.from(wrapKey(c.ownerPublicKey, key)).toString('base64'),
        ciphertextCid: added.cid.toString(),
        envelope: added.envelope,
        chunkSize: added.chunkSize,
        plaintextSha256: added.plaintext.sha256,
        plaintextBytes: added.plaintext.bytes,
        bundleCid: bundleCid.toString(),
        vkeyHash: bundle.vkeyHash,
      }
    })
  }

  /** quality: the report, with validity and largest gaps from the proofs; stored in IPFS. */
  quality(c: PublicationComponents, plan: BatchPlan, proofs: ProvenBatchFile[]): Promise<{ report: QualityReport; reportCid: string }> {
    return this.once('quality', async () => {
      const spec = await this.spec()
      const proven = provenTotals(plan, proofs)
      const report = scoreQuality(qualityInputs(plan, proven))
      const reportCid = await c.contentStore.putJson(report, { kind: 'quality-report', label: spec.title })
      return { report, reportCid: reportCid.toString() }
    })
  }

  /**
   * preview: a PNG of every series (min–max envelopes) for the dataset page, and the card's
   * thumbnail of one series, both stored unencrypted.
   */
  preview(c: PublicationComponents, plan: BatchPlan): Promise<PreviewImages> {
    return this.once('preview', async () => {
      const spec = await this.spec()
      const series = plan.series.map((s) => ({ label: s.metric, unit: s.unit, times: s.times.map(Number), values: s.texts.map(Number) }))
      const [preview, thumbnail] = await Promise.all([renderPreview(spec.title, series), renderThumbnail(series)])
      return {
        previewCid: (await c.contentStore.putBytes(preview, { kind: 'preview', label: spec.title })).toString(),
        thumbnailCid: (await c.contentStore.putBytes(thumbnail, { kind: 'thumbnail', label: spec.title })).toString(),
      }
    })
  }

  /**
   * anchor: the manifest into IPFS, the gateway device registered if it is not, and one
   * DatasetRegistry.publish — skipped when this owner already anchored the same manifest, so a
   * retry after a crash between sending and saving never anchors twice.
   */
  anchor(c: PublicationComponents, plan: BatchPlan & { rows: number }, proofs: ProvenBatchFile[]): Promise<Anchored> {
    return this.once('anchored', async () => {
      const spec = await this.spec()
      const stored = (await this.load<StoredContent>('stored'))!
      const quality = (await this.load<{ report: QualityReport; reportCid: string }>('quality'))!
      const preview = (await this.load<PreviewImages>('preview'))!
      const commitments = plan.batches.map((b) => b.commitment)
      const root = await computeDatasetRoot(commitments)
      const proven = provenTotals(plan, proofs)
      const manifestInput = buildManifestInput({ spec, owner: c.owner, plan, stored, quality, preview, root, proven })
      const manifest = parseManifest(manifestInput)
      const manifestCid = (await c.contentStore.putManifest(manifest)).toString()
      const statsDigest = statsDigestOf(manifest.stats)
      const deviceIds = manifest.devices.map((d) => BigInt(d.deviceId))
      for (const d of manifest.devices) {
        if (await c.chain.canPublish(BigInt(d.deviceId), c.owner)) continue
        // The node's own gateway key is registered on first use; a sensor's key is its owner's to register.
        if (d.gateway)
          await c.chain.registerDevice(c.gateway.Ax, c.gateway.Ay, `assay:gateway:${c.owner}`, (m) =>
            signEddsaPoseidon(c.gateway.privateKey, m),
          )
        else throw new DeviceNotRegisteredError(d.deviceId, d.label, c.owner)
      }
      const existing = await c.chain.findPublished(c.owner, manifestCid)
      const tx =
        existing ??
        (await c.chain.publishDataset({
          manifestCid,
          root,
          keyCommitment: stored.keyCommitment,
          qualityScore: Math.round(quality.report.score * 100),
          statsDigest,
          deviceIds,
          parent: spec.parent !== undefined ? BigInt(spec.parent.datasetId) : 0n,
          circuitId: plan.circuitId,
        }))
      // Fault injection for the crash tests: die after the transaction, before its result is saved.
      if (process.env.ASSAY_FAULT === 'exit-after-anchor-sent') process.kill(process.pid, 'SIGKILL')
      return { datasetId: tx.datasetId, txHash: tx.txHash, manifestCid, root, alreadyAnchored: existing !== undefined }
    })
  }

  /**
   * list: put the dataset on sale with the requested terms (listing again only replaces them); a
   * stream window is attached to its stream instead (once: a retry finds it attached).
   */
  list(c: PublicationComponents, anchored: Anchored): Promise<{ listed: boolean }> {
    return this.once('listed', async () => {
      const spec = await this.spec()
      if (spec.stream !== undefined) {
        const streamId = BigInt(spec.stream.streamId)
        const windowIndex = BigInt(spec.stream.windowIndex)
        const attached = await c.chain.windowDataset(streamId, windowIndex)
        if (attached === 0n) await c.chain.attachWindow(streamId, windowIndex, anchored.datasetId)
        else if (attached !== anchored.datasetId) throw new WindowAttachedError(streamId, windowIndex, attached)
      }
      if (spec.listing === undefined) return { listed: false }
      await c.chain.list({
        datasetId: anchored.datasetId,
        price: BigInt(spec.listing.price),
        ...(spec.listing.paymentToken !== undefined ? { paymentToken: spec.listing.paymentToken } : {}),
        ...(spec.listing.accessPeriod !== undefined ? { accessPeriod: BigInt(spec.listing.accessPeriod) } : {}),
        ...(spec.listing.splits !== undefined ? { splits: spec.listing.splits } : {}),
      })
      return { listed: true }
    })
  }

  /** The manifest this publication anchored. */
  async manifest(c: PublicationComponents): Promise<ReturnType<typeof parseManifest>> {
    const anchored = await this.load<Anchored>('anchored')
    if (anchored === undefined) throw new AssayError('not anchored yet')
    return c.contentStore.getManifest(CID.parse(anchored.manifestCid))
  }
}

export interface Anchored {
  datasetId: bigint
  txHash: string
  manifestCid: string
  root: bigint
  alreadyAnchored: boolean
}
