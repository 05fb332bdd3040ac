import { ConfigError } from '../core/index.js'
import { createAssayClient, type MirrorReport } from '../sdk/index.js'

export interface MirrorCommandOptions {
  /** The node that mirrors (this operator's). */
  node: string
  operatorToken: string | undefined
  /** The node or trustless gateway to mirror from. */
  from: string
  /** Every dataset the node's catalog knows, instead of one. */
  all?: boolean
  json?: boolean
}

type Io = { out: (s: string) => void }

/**
 * `assay mirror ID --from URL` (or `--all`): the node fetches the dataset from another node or
 * trustless gateway, checks every block against its CID and the manifest against its on-chain
 * anchor, pins it and lists itself and the source as its providers. One dataset's failure is an
 * error; with `--all`, each failure is a line and the others go on.
 */
export async function mirrorCommand(
  id: string | undefined,
  o: MirrorCommandOptions,
  io: Io = { out: (s) => console.log(s) },
): Promise<MirrorReport> {
  if ((id === undefined) === (o.all !== true)) throw new ConfigError('ID', 'give a dataset id or --all, not both')
  if (id !== undefined && !/^[1-9]\d{0,15}$/.test(id)) throw new ConfigError('ID', 'must be a dataset id')
  let from: URL
  try {
    from = new URL(o.from)
  } catch {
    throw new ConfigError('--from', `must be the URL of an Assay node or a trustless gateway, got "${o.from}"`)
  }
  if (from.protocol !== 'http:' && from.protocol !== 'https:') throw new ConfigError('--from', 'must be an http(s) URL')
  const client = createAssayClient({ node: o.node, operatorToken: o.operatorToken })
  const report = await client.mirror(id !== undefined ? { from: o.from, datasetId: id } : { from: o.from, all: true })
  if (o.json === true) {
    io.out(JSON.stringify(report))
    return report
  }
  for (const d of report.datasets) {
    if (d.outcome === 'failed') io.out(`#${d.datasetId}: failed: ${d.error?.name}: ${d.error?.message}`)
    else if (d.outcome === 'held') io.out(`#${d.datasetId}: held here already (${d.held} parts pinned), nothing fetched`)
    else
      io.out(
        `#${d.datasetId}: mirrored from ${report.from}: ${d.fetched} part(s) fetched (${d.blocks} blocks, ${d.bytes} bytes, each checked against its CID; manifest checked against its anchor)${d.held > 0 ? `, ${d.held} held already` : ''}; pinned`,
      )
  }
  if (o.all === true) {
    const count = (outcome: string): number => report.datasets.filter((d) => d.outcome === outcome).length
    io.out(`${count('mirrored')} mirrored, ${count('held')} held already, ${count('failed')} failed`)
  }
  return report
}
