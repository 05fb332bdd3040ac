import { decodeSeriesStats, proofSystemOf, type combineBatchStats } from '../../circuits/index.js'
import type { ManifestInput } from '../../core/index.js'
import type { BatchPlan, QualityReport } from '../import/index.js'
import type { PublicationSpec } from './publication-spec.js'
import type { StoredContent } from './stored-content.js'

/**
 * What the preview stage stored. `thumbnailCid` is absent from a preview stage saved before
 * thumbnails existed (a publication resumed across an upgrade): its manifest has no thumbnail.
 */
export interface PreviewImages {
  previewCid: string
  thumbnailCid?: string
}

/** What the anchor stage puts in a manifest: the earlier stages' saved results. */
export interface ManifestSources {
  spec: PublicationSpec
  owner: string
  plan: BatchPlan & { rows: number }
  stored: StoredContent
  quality: { report: QualityReport; reportCid: string }
  preview: PreviewImages
  /** The dataset root over every batch commitment. */
  root: bigint
  /** Each series' totals as its proofs state them. */
  proven: ReturnType<typeof combineBatchStats>[]
}

/** The manifest of a publication, built from its saved stage results (the same every retry). */
export function buildManifestInput({ spec, owner, plan, stored, quality, preview, root, proven }: ManifestSources): ManifestInput {
  return {
    version: 1,
    title: spec.title,
    description: spec.description,
    licence: spec.licence,
    tags: spec.tags,
    owner,
    devices: devicesOf(plan, owner),
    series: plan.series.map((s) => ({
      seriesId: s.seriesId.toString(),
      nonce: s.nonce.toString(),
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
      keyCommitment: stored.keyCommitment.toString(),
      sellerWrappedKey: stored.sellerWrappedKey,
    },
    content: {
      ciphertextCid: stored.ciphertextCid,
      plaintextSha256: stored.plaintextSha256,
      bytes: stored.plaintextBytes,
      rows: plan.rows,
    },
    commitments: { root: root.toString(), batches: plan.batches.map((b) => b.commitment.toString()) },
    proofs: {
      circuitId: plan.circuitId,
      proofSystem: proofSystemOf(plan.circuitId),
      vkeyHash: stored.vkeyHash,
      bundleCid: stored.bundleCid,
    },
    stats: plan.series.map((s, i) => {
      const d = decodeSeriesStats(proven[i]!, s.encoding)
      return {
        seriesId: s.seriesId.toString(),
        count: d.count,
        mean: d.mean,
        variance: d.variance,
        min: d.min,
        max: d.max,
        inRangeShare: d.inRangeShare,
        range: { lo: s.validRange?.[0] ?? d.min, hi: s.validRange?.[1] ?? d.max },
        firstTime: d.firstTime,
        lastTime: d.lastTime,
        maxGap: d.maxGap,
      }
    }),
    quality: { score: quality.report.score, reportCid: quality.reportCid },
    previewCid: preview.previewCid,
    ...(preview.thumbnailCid !== undefined ? { thumbnailCid: preview.thumbnailCid } : {}),
    ...(spec.stream !== undefined ? { stream: spec.stream } : {}),
    parent: spec.parent?.manifestCid ?? null,
    createdAt: spec.createdAt,
  }
}

/** The manifest's devices: each distinct signer of the plan, the gateway marked as such. */
function devicesOf(plan: BatchPlan, owner: string): ManifestInput['devices'] {
  const seen = new Map<string, ManifestInput['devices'][number]>()
  for (const s of plan.series) {
    const id = s.deviceId.toString()
    if (seen.has(id)) continue
    const gateway = s.signedBy === 'gateway'
    seen.set(id, {
      deviceId: id,
      publicKey: { x: s.deviceKey.Ax.toString(), y: s.deviceKey.Ay.toString() },
      label: gateway ? `gateway of ${owner}` : s.device,
      gateway,
    })
  }
  return [...seen.values()]
}
