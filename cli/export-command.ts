import { resolve } from 'node:path'
import { CID } from 'multiformats/cid'
import { ConfigError, type AssayConfig } from '../core/index.js'
import { exportDatasetCar } from '../storage/index.js'
import { writeCarFile, type PieceCid } from '../storage/node.js'
import { withDataset } from './wallet.js'

export interface ExportCommandOptions {
  /** The node whose trustless gateway the blocks are read from (every one checked against its CID). */
  node: string
  /** Write a CAR: the one export format so far. */
  car: boolean
  /** Default: `dataset-<id>.car` in the working directory. */
  out?: string
  json?: boolean
}

/** A written export: the file, its CAR root and what a storage deal needs (piece CID and size). */
export interface ExportResult extends PieceCid {
  datasetId: string
  file: string
  /** The CAR's root: the dataset's manifest, as anchored. */
  root: string
  /** The DAGs the CAR holds: the manifest, then what it names. */
  dags: string[]
  blocks: number
}

/**
 * `assay export ID --car`: one CARv1 of every block of the dataset (the manifest, checked against
 * its anchor, and everything it names), each block checked against its CID as it is read from the
 * node's gateway, with the CAR's Filecoin piece commitment computed as it is written (one pass,
 * bounded memory). The file keeps a `.partial` name until the last block checks out; a failure
 * removes it.
 */
export async function exportCommand(
  id: string,
  config: AssayConfig,
  o: ExportCommandOptions,
  io: { out: (s: string) => void } = { out: (s) => console.log(s) },
): Promise<ExportResult> {
  if (!o.car) throw new ConfigError('--car', 'is the one export format so far: pass --car')
  const file = resolve(o.out ?? `dataset-${id}.car`)
  const result = await withDataset(id, config, o.node, async (datasetId, client, chain) => {
    const { manifest, manifestCid } = await client.verifiedManifest(datasetId, chain.reader)
    const car = exportDatasetCar(CID.parse(manifestCid), manifest, { car: (cid) => client.car(cid) })
    const piece = await writeCarFile(car, file)
    return {
      datasetId: datasetId.toString(),
      file,
      root: manifestCid,
      dags: car.dags.map(String),
      blocks: car.blocks,
      ...piece,
    }
  })
  if (o.json === true) io.out(JSON.stringify(result))
  else
    io.out(
      [
        `dataset #${id}: ${result.file} — CARv1 of ${result.blocks} blocks (${result.dags.length} DAGs), every block checked against its CID`,
        `root (the anchored manifest): ${result.root}`,
        `piece CID (CommP, v1: a deal proposal's PieceCID): ${result.pieceCid}`,
        `piece CID v2 (FRC-0069, size included): ${result.pieceCidV2}`,
        `piece size (padded): ${result.pieceSize} bytes; payload (the CAR): ${result.payloadSize} bytes`,
      ].join('\n'),
    )
  return result
}
