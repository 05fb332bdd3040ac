import { join } from 'node:path'
import {
  deviceCreateCommand,
  deviceRegisterCommand,
  publishCommand,
  simulateCommand,
  type PublishCommandOptions,
  type SimulateCommandOptions,
} from '../../cli/index.js'

const quiet = { out: () => undefined, err: () => undefined }

/** A simulated feed a seller published through a node with the CLI. */
export interface PublishedFeed {
  /** The device's key file, `<dir>/<label>.key.json`. */
  keyFile: string
  /** The signed-batch file published, `<dir>/<label>.ndjson`. */
  file: string
  datasetId: string
  manifestCid: string
}

/**
 * The seller's side as a user runs it: `assay device create` and `assay device register` for a new
 * device `label` (its key file in `dir`), `assay simulate` of its readings with `feed.simulate`
 * (every 300 s from 2026-03-01T00:00:00Z unless it says otherwise), and `assay publish` of them
 * through `node` with `feed.publish`, followed until listed.
 */
export async function publishSimulatedFeed(
  node: { url: string; operatorToken: string },
  dir: string,
  label: string,
  feed: {
    simulate: Omit<SimulateCommandOptions, 'out' | 'devices' | 'interval'> & { interval?: string }
    publish: Omit<PublishCommandOptions, 'node' | 'operatorToken'>
  },
): Promise<PublishedFeed> {
  const keyFile = join(dir, `${label}.key.json`)
  await deviceCreateCommand({ out: keyFile, label }, quiet)
  await deviceRegisterCommand(keyFile, { node: node.url, operatorToken: node.operatorToken }, quiet)
  const file = join(dir, `${label}.ndjson`)
  await simulateCommand({ interval: '300', start: '2026-03-01T00:00:00Z', ...feed.simulate, out: file, devices: [keyFile] }, quiet)
  const published = await publishCommand(file, { ...feed.publish, node: node.url, operatorToken: node.operatorToken }, quiet)
  if (published === undefined) throw new Error(`the publication of ${file} ended without a dataset`)
  return { keyFile, file, datasetId: published.datasetId, manifestCid: published.manifestCid }
}
