import type { AssayNode } from '../../cli/index.js'
import type { Manifest } from '../../core/index.js'
import { statsDigestOf } from '../../contracts/index.js'

/**
 * Stores a (possibly tampered) manifest and anchors it as a new dataset with the node's account:
 * what a dishonest publisher could do. Returns the new dataset id.
 */
export async function anchorManifest(node: Pick<AssayNode, 'contentStore' | 'chain'>, manifest: Manifest): Promise<bigint> {
  const cid = await node.contentStore.putManifest(manifest)
  const published = await node.chain.publishDataset({
    manifestCid: cid.toString(),
    root: BigInt(manifest.commitments.root),
    keyCommitment: BigInt(manifest.encryption.keyCommitment),
    qualityScore: Math.round(manifest.quality.score * 100),
    statsDigest: statsDigestOf(manifest.stats),
    deviceIds: manifest.devices.map((d) => BigInt(d.deviceId)),
    parent: 0n,
    circuitId: manifest.proofs.circuitId,
  })
  return published.datasetId
}
