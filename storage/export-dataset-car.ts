import { CarBlockIterator } from '@ipld/car'
import { CID } from 'multiformats/cid'
import { AssayError, datasetCids, type Manifest } from '../core/index.js'
import { carV1Block, carV1Header } from './car-v1-frames.js'
import { createDagVerifier } from './dag-verifier.js'
import { ContentCorruptedError } from './errors.js'

/** Where a dataset's blocks come from: any source, since every block is checked here. */
export interface DatasetCarSource {
  /** The whole DAG under `cid` as a CAR stream (a node's trustless gateway: the SDK's `car(cid)`). */
  car(cid: CID): Promise<AsyncIterable<Uint8Array>> | AsyncIterable<Uint8Array>
}

/** A dataset's CARv1 as it is written: its bytes, and what it holds once they have all been read. */
export interface DatasetCar extends AsyncIterable<Uint8Array> {
  /** The CAR's one root: the manifest. */
  readonly root: CID
  /** The DAGs it holds, in order: the manifest, then everything the manifest names (datasetCids). */
  readonly dags: readonly CID[]
  /** Blocks written so far (each once, however often the DAGs share it). */
  readonly blocks: number
}

/**
 * One CARv1 holding every block of a dataset, rooted at its manifest: the manifest's DAG, then the
 * ciphertext, proof bundle, quality report, preview and thumbnail (what the catalog serves, by
 * datasetCids), each block checked against its CID and each DAG checked complete before the next
 * starts. Streams: memory holds a block or two and one CID per block, never the CAR. The manifest
 * is taken as given: check it against its anchor first (the SDK's verifiedManifest).
 *
 * @throws {ContentCorruptedError} naming a forged, foreign or missing block, or a CAR that does not parse
 */
export function exportDatasetCar(manifestCid: CID, manifest: Manifest, source: DatasetCarSource): DatasetCar {
  const dags = [...new Set([manifestCid.toString(), ...datasetCids(manifest)])].map((c) => CID.parse(c))
  let blocks = 0
  async function* frames(): AsyncGenerator<Uint8Array> {
    yield carV1Header([manifestCid])
    // Shared by the DAGs: a block two of them hold is written once, and not asked for again.
    const seen = new Set<string>()
    for (const root of dags) {
      const verifier = createDagVerifier(root, { seen })
      try {
        for await (const block of await CarBlockIterator.fromIterable(await source.car(root))) {
          const cid = CID.decode(block.cid.bytes)
          if (!(await verifier.add(cid, block.bytes))) continue
          blocks += 1
          yield* carV1Block(cid, block.bytes)
        }
      } catch (err) {
        // The source's own failures (a node gone: NodeUnreachableError) and ours keep their name;
        // anything else is the CAR's bytes failing to parse.
        if (err instanceof AssayError) throw err
        throw new ContentCorruptedError(root.toString(), `the CAR does not parse: ${err instanceof Error ? err.message : String(err)}`)
      }
      verifier.end()
    }
  }
  return {
    root: manifestCid,
    dags,
    get blocks() {
      return blocks
    },
    [Symbol.asyncIterator]: frames,
  }
}
