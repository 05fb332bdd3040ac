import { createHash } from 'node:crypto'
import {
  combineBatchStats,
  computeDatasetRoot,
  computeKeyCommitment,
  decodeSeriesStats,
  generateProof,
  getCircuitManifest,
  parsePublicSignals,
  type ProofBundle,
} from '../circuits/index.js'
import { loadCircuit } from '../circuits/node.js'
import { AssayError, parseManifest, type ImportMapping, type Manifest, type ManifestInput } from '../core/index.js'
import type { ChainClient } from '../contracts/index.js'
import { generateDataKey, type ContentStore, type Keystore } from '../storage/index.js'
import { wrapKey } from '../storage/node.js'
import { importReadings, type ImportOptions } from './import-readings.js'
import { planBatches } from './plan-batches.js'
import { plaintextArchive } from './plaintext-archive.js'
import { scoreQuality, type QualityReport } from './quality-score.js'
import { renderPreview } from './render-preview.js'
import type { DeviceKey } from '../circuits/index.js'

export const PUBLISH_STAGES = ['ingest', 'prove', 'store', 'quality', 'preview', 'anchor', 'list'] as const
export type PublishStage = (typeof PUBLISH_STAGES)[number]

export interface PublishProgress {
  stage: PublishStage
  done: number
  total: number
}

/** Proves one batch; the default loads the circuit in this process. Pipelines pass a queue-backed one. */
export type BatchProver = (
  circuitId: string,
  input: Record<string, string | string[]>,
) => Promise<{ proof: unknown; publicSignals: string[] }>

export interface PublishComponents {
  contentStore: ContentStore
  keystore: Keystore
  chain: ChainClient
  /** The publishing account. */
  owner: string
  /** The owner's secp256k1 public key: the data key is kept wrapped to it in the manifest. */
  ownerPublicKey: string
  /** Signs the batches: the owner's gateway device key (files carry no device signatures). */
  gateway: DeviceKey
  prove?: BatchProver
}

export interface PublishRequest {
  file: string
  mapping: ImportMapping
  title: string
  description?: string
  licence: string
  tags?: string[]
  listing?: { price: bigint; paymentToken?: string; accessPeriod?: bigint; splits?: { account: string; bps: number }[] }
  parent?: { datasetId: bigint; manifestCid: string }
  /** Force a circuit (tests use the small one); default: the narrowest production circuit. */
  circuitId?: string
  import?: ImportOptions
  /** Fixed for a publication, so a retry builds the same manifest. */
  createdAt?: string
}

export interface PublishResult {
  datasetId: bigint
  manifestCid: string
  manifest: Manifest
  root: bigint
  txHash: string
  quality: QualityReport
  /** True when the manifest was already anchored (a retry) and nothing new was sent. */
  alreadyAnchored: boolean
}

/** Publishing stopped at a stage; `stage` says where and `cause` why. Nothing after it happened. */
export class PublishError extends AssayError {
  readonly stage: PublishStage
  constructor(stage: PublishStage, options: { cause: unknown }) {
    super(`publishing failed at ${stage}: ${(options.cause as Error).message ?? String(options.cause)}`, options)
    this.name = 'PublishError'
    this.stage = stage
  }
}

function defaultProver(): BatchProver {
  const loaded = new Map<string, Awaited<ReturnType<typeof loadCircuit>>>()
  return async (circuitId, input) => {
    let circuit = loaded.get(circuitId)
    if (circuit === undefined) loaded.set(circuitId, (circuit = await loadCircuit(circuitId)))
    return generateProof(circuit, input)
  }
}

/**
 * Publishes a seller's file: import → plan and sign batches → prove → encrypt and store →
 * quality report → preview → manifest and anchor → list. Stages run in order and report progress;
 * the first failure stops everything after it (`PublishError` naming the stage), so nothing is
 * half-published on-chain: the anchor is the last step that matters, and it is skipped when the
 * same manifest is already anchored.
 */
export async function publishDataset(
  components: PublishComponents,
  request: PublishRequest,
  onProgress: (p: PublishProgress) => void = () => undefined,
): Promise<PublishResult> {
  let stage: PublishStage = 'ingest'
  const step = (s: PublishStage, done: number, total: number): void => {
    stage = s
    onProgress({ stage: s, done, total })
  }
  try {
    step('ingest', 0, 1)
    const imported = await importReadings(request.file, request.mapping, request.import)
    const plan = await planBatches(imported.series, {
      signer: components.gateway,
      ...(request.circuitId !== undefined ? { circuitId: request.circuitId } : {}),
    })
    step('ingest', 1, 1)

    step('prove', 0, plan.batches.length)
    const prove = components.prove ?? defaultProver()
    const proofs: ProofBundle['batches'] = []
    for (const b of plan.batches) {
      const { proof, publicSignals } = await prove(plan.circuitId, b.input)
      proofs.push({
        series: b.series,
        index: b.index,
        count: b.count,
        publicSignals,
        proof: proof as ProofBundle['batches'][number]['proof'],
      })
      step('prove', proofs.length, plan.batches.length)
    }
    const bundle: ProofBundle = {
      version: 1,
      circuitId: plan.circuitId,
      vkeyHash: getCircuitManifest(plan.circuitId).files.vkey,
      batches: proofs,
    }

    step('store', 0, 2)
    const key = generateDataKey()
    const keyCommitment = await computeKeyCommitment(key)
    await components.keystore.put(`kc-${keyCommitment.toString(16)}`, key)
    const stored = await components.contentStore.addStream(plaintextArchive(plan, request.file), key, { label: request.title })
    const bundleCid = await components.contentStore.putJson(bundle, { kind: 'proof-bundle', label: request.title })
    step('store', 2, 2)

    step('quality', 0, 1)
    const proven = plan.series.map((_, i) =>
      combineBatchStats(proofs.filter((p) => p.series === i).map((p) => parsePublicSignals(p.publicSignals))),
    )
    const quality = scoreQuality(
      plan.series.map((s, i) => ({
        key: s.seriesId.toString(),
        device: s.device,
        metric: s.metric,
        times: s.times.map(Number),
        values: s.texts.map(Number),
        duplicates: s.duplicates,
        ...(s.validRange !== undefined ? { validRange: s.validRange } : {}),
        deviceSigned: false,
        proven: { inRange: Number(proven[i]!.inRange), maxGap: Number(proven[i]!.maxGap) },
      })),
    )
    const reportCid = await components.contentStore.putJson(quality, { kind: 'quality-report', label: request.title })
    step('quality', 1, 1)

    step('preview', 0, 1)
    const png = await renderPreview(
      request.title,
      plan.series.map((s) => ({ label: s.metric, unit: s.unit, times: s.times.map(Number), values: s.texts.map(Number) })),
    )
    const previewCid = await components.contentStore.putBytes(png, { kind: 'preview', label: request.title })
    step('preview', 1, 1)

    step('anchor', 0, 1)
    const commitments = plan.batches.map((b) => b.commitment)
    const root = await computeDatasetRoot(commitments)
    const stats = plan.series.map((s, i) => {
      const d = decodeSeriesStats(proven[i]!, s.encoding)
      const [lo, hi] = s.validRange ?? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]
      return {
        seriesId: s.seriesId.toString(),
        count: d.count,
        mean: d.mean,
        variance: d.variance,
        min: d.min,
        max: d.max,
        inRangeShare: d.inRangeShare,
        range: { lo: Number.isFinite(lo) ? lo : d.min, hi: Number.isFinite(hi) ? hi : d.max },
        firstTime: d.firstTime,
        lastTime: d.lastTime,
        maxGap: d.maxGap,
      }
    })
    const manifestInput: ManifestInput = {
      version: 1,
      title: request.title,
      description: request.description ?? '',
      licence: request.licence,
      tags: request.tags ?? [],
      owner: components.owner,
      devices: [
        {
          deviceId: plan.series[0]!.deviceId.toString(),
          publicKey: { x: components.gateway.Ax.toString(), y: components.gateway.Ay.toString() },
          label: `gateway of ${components.owner}`,
          gateway: true,
        },
      ],
      series: plan.series.map((s) => ({
        seriesId: s.seriesId.toString(),
        deviceId: s.deviceId.toString(),
        metric: s.metric,
        unit: s.unit,
        scale: s.encoding.scale,
        offset: s.encoding.offset,
        count: s.times.length,
        firstTime: Number(s.times[0]),
        lastTime: Number(s.times.at(-1)),
      })),
      encryption: {
        envelope: stored.envelope,
        chunkSize: stored.chunkSize,
        keyCommitment: keyCommitment.toString(),
        sellerWrappedKey: Buffer.from(wrapKey(components.ownerPublicKey, key)).toString('base64'),
      },
      content: {
        ciphertextCid: stored.cid.toString(),
        plaintextSha256: stored.plaintext.sha256,
        bytes: stored.plaintext.bytes,
        rows: imported.rows,
      },
      commitments: { root: root.toString(), batches: commitments.map(String) },
      proofs: { circuitId: plan.circuitId, vkeyHash: bundle.vkeyHash, bundleCid: bundleCid.toString() },
      stats,
      quality: { score: quality.score, reportCid: reportCid.toString() },
      previewCid: previewCid.toString(),
      parent: request.parent?.manifestCid ?? null,
      createdAt: request.createdAt ?? new Date().toISOString(),
    }
    const manifest = parseManifest(manifestInput)
    const manifestCid = (await components.contentStore.putManifest(manifest)).toString()
    const statsDigest = `0x${createHash('sha256').update(JSON.stringify(manifest.stats)).digest('hex')}`
    if (!(await components.chain.canPublish(plan.series[0]!.deviceId, components.owner))) {
      await components.chain.registerDevice(components.gateway.Ax, components.gateway.Ay, `assay:gateway:${components.owner}`)
    }
    const existing = await components.chain.findPublished(components.owner, manifestCid)
    const anchored =
      existing ??
      (await components.chain.publishDataset({
        manifestCid,
        root,
        keyCommitment,
        qualityScore: Math.round(quality.score * 100),
        statsDigest,
        deviceIds: [plan.series[0]!.deviceId],
        parent: request.parent?.datasetId ?? 0n,
        circuitId: plan.circuitId,
      }))
    step('anchor', 1, 1)

    step('list', 0, 1)
    if (request.listing !== undefined) {
      await components.chain.list({ datasetId: anchored.datasetId, ...request.listing })
    }
    step('list', 1, 1)
    return {
      datasetId: anchored.datasetId,
      manifestCid,
      manifest,
      root,
      txHash: anchored.txHash,
      quality,
      alreadyAnchored: existing !== undefined,
    }
  } catch (err) {
    throw err instanceof PublishError ? err : new PublishError(stage, { cause: err })
  }
}
