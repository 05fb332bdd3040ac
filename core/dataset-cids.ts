import type { Manifest } from './manifest.js'

/**
 * The content roots an anchored dataset consists of besides its manifest, read from the
 * manifest's own fields (never a search of its text): ciphertext, proof bundle, quality report,
 * preview, thumbnail. What the catalog lets the gateway serve, what `assay export` writes and
 * what a pinning service is asked to keep.
 */
export function datasetCids(m: Manifest): string[] {
  return [
    m.content.ciphertextCid,
    m.proofs.bundleCid,
    m.quality.reportCid,
    ...(m.previewCid !== undefined ? [m.previewCid] : []),
    ...(m.thumbnailCid !== undefined ? [m.thumbnailCid] : []),
  ]
}
