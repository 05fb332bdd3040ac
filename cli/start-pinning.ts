import { join } from 'node:path'
import { datasetCids, type AssayConfig } from '../core/index.js'
import { createPinFollower, createPinLedgerFile, type PinFollower, type PinnableDataset } from '../pipelines/index.js'
import type { Catalog, CatalogEntry } from '../server/index.js'
import { createPinningServiceClient } from '../storage/index.js'

/** Hosts that stand for every interface: not an address anyone can dial. */
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]'])

/**
 * The node's HTTP gateway as multiaddrs, one per name it answers to, each ending in its peer id as
 * the Pinning Service API asks of origins: `/ip4/10.0.0.2/tcp/7420/http/p2p/12D3…`, `/dns4/node.example/…`.
 * A node bound to every interface with no public name (ASSAY_ALLOWED_HOSTS) offers its loopback
 * address, reachable only by a service on the same host.
 */
export function gatewayMultiaddrs(hosts: readonly string[], port: number, peerId: string): string[] {
  const named = [...new Set(hosts.filter((h) => !WILDCARDS.has(h)).map((h) => h.replace(/^\[|\]$/g, '')))]
  return (named.length > 0 ? named : ['127.0.0.1']).map((host) => {
    const protocol = /^\d{1,3}(\.\d{1,3}){3}$/.test(host) ? 'ip4' : host.includes(':') ? 'ip6' : 'dns4'
    return `/${protocol}/${host}/tcp/${port}/http/p2p/${peerId}`
  })
}

export interface StartPinningComponents {
  config: AssayConfig
  catalog: Catalog
  /** The node's account: its datasets are pinned. */
  owner: string
  chainId: number
  /** The node's libp2p addresses (with its peer id) and peer id. */
  libp2p: { peerId: { toString(): string }; getMultiaddrs(): Array<{ toString(): string }> }
  /** The port the HTTP server listens on (known once it listens). */
  httpPort: number
  log: (msg: string) => void
}

/**
 * Starts the pinning follower when ASSAY_PINNING_SERVICE_URL is set: every dataset of the node's
 * account (and those ASSAY_PINNING_DATASETS names), once the catalog has read its manifest and
 * checked it against the anchor, is pinned on that service; requests kept in
 * `<dataDir>/pinning/requests.json`. Undefined when no service is configured.
 */
export async function startPinning(c: StartPinningComponents): Promise<PinFollower | undefined> {
  const service = c.config.pinningService
  if (service === undefined) return undefined
  const client = createPinningServiceClient({ url: service.url, token: service.token })
  // The catalog is read for datasets not handed over yet; the follower keeps the rest in its ledger.
  const handed = new Set<string>()
  const entries = (query: { owner?: string }): CatalogEntry[] => {
    const all: CatalogEntry[] = []
    for (let offset = 0; ; offset += 500) {
      const page = c.catalog.search({ ...query, limit: 500, offset })
      all.push(...page.items)
      if (page.items.length < 500) return all
    }
  }
  const datasets = (): PinnableDataset[] => {
    const named = c.config.pinningDatasets
    const candidates = [
      ...entries({ owner: c.owner }),
      ...(named === 'all' ? entries({}) : named.flatMap((id) => c.catalog.get(BigInt(id)) ?? [])),
    ]
    return candidates.flatMap((entry) => {
      if (handed.has(entry.datasetId) || entry.manifestStatus !== 'ok') return []
      const manifest = c.catalog.get(BigInt(entry.datasetId))?.manifest
      if (manifest === null || manifest === undefined) return []
      handed.add(entry.datasetId)
      return [{ datasetId: entry.datasetId, manifestCid: entry.manifestCid, cids: datasetCids(manifest) }]
    })
  }
  const peerId = c.libp2p.peerId.toString()
  const follower = createPinFollower({
    client,
    ledger: createPinLedgerFile(join(c.config.dataDir, 'pinning', 'requests.json'), c.log),
    datasets,
    origins: () => [
      ...gatewayMultiaddrs([c.config.host, ...c.config.allowedHosts], c.httpPort, peerId),
      ...c.libp2p.getMultiaddrs().map(String),
    ],
    chainId: c.chainId,
    log: c.log,
  })
  await follower.start()
  const which =
    c.config.pinningDatasets === 'all'
      ? 'every catalogued dataset'
      : `this node's datasets${c.config.pinningDatasets.length > 0 ? ` and ${c.config.pinningDatasets.join(', ')}` : ''}`
  c.log(`pinning: ${which} on ${client.endpoint} (requests in ${join(c.config.dataDir, 'pinning', 'requests.json')})`)
  return follower
}
