import type { ResponseBody, Api } from '../api/index.js'
import { categoryOf } from '../core/index.js'
import type { ChainClient } from '../contracts/index.js'
import {
  createGatewaySource,
  mirrorDataset,
  providerAddress,
  type CarSource,
  type DatasetAnchor,
  type MirrorComponents,
} from '../pipelines/index.js'
import type { Catalog } from './catalog.js'
import type { ProviderRegistry } from './provider-registry.js'

/** POST /mirrors' answer. */
export type MirrorReport = ResponseBody<Api['mirror']>
/** What POST /mirrors asks for: one dataset, or every dataset the catalog knows. */
export type MirrorRequest = { from: string } & ({ datasetId: bigint } | { all: true })

/** Mirroring on the node (POST /mirrors). */
export interface MirrorsApi {
  /**
   * Mirrors one dataset (its failure is thrown) or every one the catalog knows (each failure is
   * reported in its entry and the others go on). One mirror runs at a time; others wait their turn.
   */
  mirror(request: MirrorRequest, options?: { signal?: AbortSignal }): Promise<MirrorReport>
  /** Ends a mirror under way (the node stops). */
  stop(): void
}

export interface MirrorServiceComponents {
  /** Where anchored datasets are listed (manifest CIDs from DatasetPublished) and where a mirrored manifest is recorded. */
  catalog: Pick<Catalog, 'get' | 'search' | 'setManifest'>
  /** Catches the catalog up with the chain (the indexer's sync), for a dataset anchored a moment ago. */
  sync(): Promise<unknown>
  /** The anchor itself, read from the chain. */
  chain: Pick<ChainClient, 'datasetOf'>
  blocks: MirrorComponents['blocks']
  contentStore: MirrorComponents['contentStore']
  providers: Pick<ProviderRegistry, 'add'>
  /** A source by its URL (default: a trustless gateway, createGatewaySource). */
  source?: (url: string) => CarSource
  log?: (msg: string) => void
}

/** Catalog entries read per page when mirroring every dataset. */
const PAGE = 100
const ZERO_ADDRESS = /^0x0{40}$/i

/**
 * The node's side of `assay mirror`: finds each dataset's anchor (the catalog's manifest CID, the
 * anchor hash, root and owner from the chain), runs mirrorDataset, records the source as a
 * provider of what it served, and hands the checked manifest to the catalog so the dataset is
 * listed (and its proofs verified) without waiting for the indexer to find its blocks.
 */
export function createMirrorService(c: MirrorServiceComponents): MirrorsApi {
  const sourceOf = c.source ?? ((url: string) => createGatewaySource(url))
  const log = c.log ?? (() => undefined)
  const stopping = new AbortController()
  let turn: Promise<unknown> = Promise.resolve()

  async function anchorOf(datasetId: bigint): Promise<DatasetAnchor | undefined> {
    const record = await c.chain.datasetOf(datasetId)
    if (ZERO_ADDRESS.test(record.owner)) return undefined
    // The manifest CID is in DatasetPublished only: the catalog's copy, caught up when it lags.
    if (c.catalog.get(datasetId) === undefined) await c.sync()
    const entry = c.catalog.get(datasetId)
    if (entry === undefined) return undefined
    return { manifestCid: entry.manifestCid, anchor: record.anchor, root: record.root, owner: record.owner }
  }

  /** Every dataset the catalog knows whose manifest is not known to be broken, oldest first. */
  function everyDataset(): bigint[] {
    const ids: bigint[] = []
    for (let offset = 0; ; offset += PAGE) {
      const page = c.catalog.search({ sort: 'newest', limit: PAGE, offset })
      for (const e of page.items) if (e.manifestStatus !== 'invalid') ids.push(BigInt(e.datasetId))
      if (offset + PAGE >= page.total) return ids.reverse()
    }
  }

  async function mirrorOne(datasetId: bigint, source: CarSource, signal: AbortSignal): Promise<MirrorReport['datasets'][number]> {
    const mirrored = await mirrorDataset(datasetId, { anchorOf, blocks: c.blocks, contentStore: c.contentStore, source }, { signal })
    // Only a source that served something is known to hold it. Its address is public (GET
    // /datasets/:id lists it): origin and path only, whatever credentials or token `from` carries.
    if (mirrored.outcome === 'mirrored') c.providers.add(mirrored.manifestCid, providerAddress(source.url))
    if (c.catalog.get(datasetId)?.manifestStatus !== 'ok') c.catalog.setManifest(datasetId, mirrored.manifest)
    log(
      `mirror: dataset ${datasetId} ${mirrored.outcome} from ${source.url} (${mirrored.fetched} fetched, ${mirrored.held} held, ${mirrored.bytes} bytes)`,
    )
    const { manifest: _manifest, ...counts } = mirrored
    return { ...counts, datasetId: String(datasetId) }
  }

  async function run(request: MirrorRequest, signal: AbortSignal): Promise<MirrorReport> {
    const source = sourceOf(request.from)
    if ('datasetId' in request) return { from: request.from, datasets: [await mirrorOne(request.datasetId, source, signal)] }
    const datasets: MirrorReport['datasets'] = []
    for (const datasetId of everyDataset()) {
      try {
        datasets.push(await mirrorOne(datasetId, source, signal))
      } catch (err) {
        if (signal.aborted) throw err
        const e = err as Error
        log(`mirror: dataset ${datasetId} from ${source.url} failed: ${e.message}`)
        datasets.push({
          datasetId: String(datasetId),
          manifestCid: c.catalog.get(datasetId)?.manifestCid ?? null,
          outcome: 'failed',
          fetched: 0,
          held: 0,
          blocks: 0,
          bytes: 0,
          error: { name: e.name, message: e.message, category: categoryOf(err) },
        })
      }
    }
    return { from: request.from, datasets }
  }

  return {
    mirror(request, options = {}) {
      const signal = options.signal !== undefined ? AbortSignal.any([options.signal, stopping.signal]) : stopping.signal
      // One at a time: each mirror writes to the blockstore at the source's pace.
      const result = turn.then(() => {
        signal.throwIfAborted()
        return run(request, signal)
      })
      turn = result.catch(() => undefined)
      return result
    },
    stop: () => stopping.abort(),
  }
}
