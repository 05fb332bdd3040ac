import type { Manifest } from '../core/index.js'
import { misstatedSeries } from './dataset-stats.js'
import { verifyProofBundle, type BundleVerification, type ProofBundle } from './proof-bundle.js'
import type { VerificationKey } from './verify-proof.js'

/** A dataset's proofs against its manifest: `problem` says why they fail; `misstated` names a wrong statistic. */
export type DatasetProofsCheck =
  { ok: false; problem: string } | { ok: true; verdict: BundleVerification; misstated?: { series: number; field: string } }

/**
 * What the node's catalog and the auditor both check of a dataset's proofs: the manifest names the
 * verification key the artifacts pin, every batch proof verifies with it, the proven commitments
 * rebuild the anchored root and are the manifest's, every signer is one of the manifest's devices,
 * and (reported separately) the manifest's statistics are the proofs' outputs.
 */
export async function verifyDatasetProofs(
  manifest: Manifest,
  bundle: ProofBundle,
  options: {
    vkey: VerificationKey
    vkeyHash: string
    anchoredRoot: bigint
    /** Batch proofs verified so far, e.g. for a progress bar. */
    onProgress?: (done: number, total: number) => void
  },
): Promise<DatasetProofsCheck> {
  if (manifest.proofs.vkeyHash !== options.vkeyHash)
    return { ok: false, problem: `the manifest names verification key ${manifest.proofs.vkeyHash}, the artifacts pin ${options.vkeyHash}` }
  const verdict = await verifyProofBundle(bundle, {
    vkey: options.vkey,
    vkeyHash: options.vkeyHash,
    expectedRoot: options.anchoredRoot,
    allowedDevices: new Set(manifest.devices.map((d) => BigInt(d.deviceId))),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
  })
  if (!verdict.ok)
    return {
      ok: false,
      problem: verdict.problems.map((p) => (p.batch ? `series ${p.batch.series} batch ${p.batch.index}: ` : '') + p.problem).join('; '),
    }
  const proven = bundle.batches.map((b) => b.publicSignals[0])
  if (JSON.stringify(proven) !== JSON.stringify(manifest.commitments.batches))
    return { ok: false, problem: 'the manifest’s batch commitments are not the proven ones' }
  const misstated = misstatedSeries(manifest.stats, manifest.series, verdict.series)
  return { ok: true, verdict, ...(misstated !== undefined ? { misstated } : {}) }
}
