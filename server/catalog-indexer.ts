import { Interface, type Log, type Provider } from 'ethers'
import { CID } from 'multiformats/cid'
import {
  parseProofBundle,
  proofKeyOf,
  ProofBundleError,
  verifyDatasetProofs,
  withSetupWarning,
  type Curve,
  type SlotSetupRecord,
  type VerificationKey,
} from '../circuits/index.js'
import { AssayError, categoryOf, type Manifest } from '../core/index.js'
import { dataMarketAbi, datasetRegistryAbi, type Deployment } from '../contracts/index.js'
import type { ContentStore } from '../storage/index.js'
import type { Catalog } from './catalog.js'

export interface CatalogIndexerComponents {
  provider: Provider
  deployment: Deployment
  contentStore: Pick<ContentStore, 'getManifest' | 'getJson'>
  catalog: Catalog
  /** A Groth16 circuit's verification key and its sha256; when given, the indexer checks every proof bundle. */
  verificationKey?: (circuitId: string) => Promise<{ vkey: VerificationKey; vkeyHash: string }>
  /**
   * The setup record anchored with the verifier of circuit slot `slot`, checked against its anchor
   * and of `circuitId` (readSlotSetupRecord): the key must be its key. Needed with `verificationKey`.
   */
  setupRecord?: (slot: number, circuitId: string) => Promise<SlotSetupRecord>
  /** The curve batch proofs are verified on (the node passes the threaded one); only speed depends on it. */
  proofCurve?: () => Promise<Curve>
  log?: (msg: string) => void
}

export interface CatalogIndexerOptions {
  /** Blocks per getLogs request. */
  blockRange?: number
  /** How long to wait for a manifest's blocks before trying again on the next sync. */
  manifestTimeoutMs?: number
}

export interface CatalogIndexer {
  /** Indexes every block up to the chain head, then reads manifests still missing. Returns the new cursor. */
  sync(): Promise<number>
  /**
   * A dataset's anchored manifest (checked against its anchor), catching up with the chain first
   * when the catalog has not read it yet: a dataset anchored a moment ago is not "unknown".
   */
  manifestOf(datasetId: bigint): Promise<Manifest | undefined>
  /** Syncs every `intervalMs` until stopped (errors are logged and retried). */
  start(intervalMs?: number): void
  stop(): Promise<void>
}

/** An anchored manifest that does not match its anchor (owner, root or key commitment differ). */
export class ManifestMismatchError extends AssayError {
  override readonly category = 'tampered' as const
  constructor(datasetId: bigint, field: string) {
    super(`dataset ${datasetId}: the manifest's ${field} differs from what was anchored`)
    this.name = 'ManifestMismatchError'
  }
}

const registry = new Interface(datasetRegistryAbi)
const market = new Interface(dataMarketAbi)

/**
 * Follows Assay's contract events from a persisted block cursor into the catalog, and reads each
 * anchored manifest from IPFS (checking it against its anchor). The catalog is derived state: a
 * deleted database rebuilds from the deployment's start block, and a catalog built from another
 * chain or deployment is cleared first.
 */
export function createCatalogIndexer(c: CatalogIndexerComponents, options: CatalogIndexerOptions = {}): CatalogIndexer {
  const blockRange = options.blockRange ?? 5_000
  const manifestTimeoutMs = options.manifestTimeoutMs ?? 10_000
  const log = c.log ?? (() => undefined)
  const { datasetRegistry, dataMarket } = c.deployment.contracts
  const origin = `${c.deployment.chainId}:${datasetRegistry.toLowerCase()}:${dataMarket.toLowerCase()}`
  let running: Promise<number> | undefined
  let timer: NodeJS.Timeout | undefined
  let stopped = false

  async function indexBlocks(): Promise<number> {
    if (c.catalog.origin() !== origin) {
      if (c.catalog.origin() !== undefined) log(`catalog: built from ${c.catalog.origin()}, now ${origin}: rebuilding`)
      c.catalog.clear()
      c.catalog.setOrigin(origin)
    }
    const head = await c.provider.getBlockNumber()
    let from = (c.catalog.cursor() ?? c.deployment.startBlock - 1) + 1
    while (from <= head) {
      const to = Math.min(head, from + blockRange - 1)
      const logs = await c.provider.getLogs({ address: [datasetRegistry, dataMarket], fromBlock: from, toBlock: to })
      logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index)
      const times = new Map<number, number>()
      for (const l of logs) {
        if (l.address.toLowerCase() === datasetRegistry.toLowerCase() && !times.has(l.blockNumber))
          times.set(l.blockNumber, (await c.provider.getBlock(l.blockNumber))!.timestamp)
      }
      c.catalog.transaction(() => {
        for (const l of logs) apply(l, times)
      }, to)
      from = to + 1
    }
    return c.catalog.cursor() ?? head
  }

  function apply(l: Log, times: Map<number, number>): void {
    const isRegistry = l.address.toLowerCase() === datasetRegistry.toLowerCase()
    const parsed = (isRegistry ? registry : market).parseLog(l)
    if (parsed === null) return
    const a = parsed.args
    switch (parsed.name) {
      case 'DatasetPublished': {
        c.catalog.anchor({
          datasetId: a.getValue('datasetId') as bigint,
          owner: a.getValue('owner') as string,
          manifestCid: a.getValue('manifestCid') as string,
          root: a.getValue('root') as bigint,
          keyCommitment: a.getValue('keyCommitment') as bigint,
          parent: a.getValue('parent') as bigint,
          circuit: Number(a.getValue('circuit')),
          qualityScore: Number(a.getValue('qualityScore')) / 100,
          publishedAt: times.get(l.blockNumber)!,
          block: l.blockNumber,
          txHash: l.transactionHash,
        })
        break
      }
      case 'QualityAttested':
        c.catalog.setQuality(a.getValue('datasetId') as bigint, Number(a.getValue('score')) / 100)
        break
      case 'Listed':
        c.catalog.list(a.getValue('datasetId') as bigint, {
          price: a.getValue('price') as bigint,
          paymentToken: a.getValue('paymentToken') as string,
          accessPeriod: Number(a.getValue('accessPeriod')),
        })
        break
      case 'PriceChanged':
        c.catalog.setPrice(a.getValue('datasetId') as bigint, a.getValue('newPrice') as bigint)
        break
      case 'Delisted':
        c.catalog.delist(a.getValue('datasetId') as bigint)
        break
      case 'Purchased':
        c.catalog.purchased(a.getValue('datasetId') as bigint)
        break
    }
  }

  function check(datasetId: bigint, m: Manifest, anchor: { owner: string; root: bigint; keyCommitment: bigint }): void {
    if (m.owner.toLowerCase() !== anchor.owner) throw new ManifestMismatchError(datasetId, 'owner')
    if (BigInt(m.commitments.root) !== anchor.root) throw new ManifestMismatchError(datasetId, 'root')
    if (BigInt(m.encryption.keyCommitment) !== anchor.keyCommitment) throw new ManifestMismatchError(datasetId, 'key commitment')
  }

  async function readManifests(): Promise<void> {
    for (const { datasetId, manifestCid, ...anchor } of c.catalog.pendingManifests()) {
      let cid: CID
      try {
        cid = CID.parse(manifestCid)
      } catch {
        c.catalog.setManifestStatus(datasetId, 'invalid')
        continue
      }
      try {
        const manifest = await c.contentStore.getManifest(cid, { signal: AbortSignal.timeout(manifestTimeoutMs) })
        check(datasetId, manifest, anchor)
        c.catalog.setManifest(datasetId, manifest)
      } catch (err) {
        // A manifest that is no manifest, or not the anchored one, stays so; content not found yet
        // (or a service away) may come later.
        if (err instanceof SyntaxError || err instanceof ManifestMismatchError || categoryOf(err) === 'bad-input') {
          log(`catalog: dataset ${datasetId}: ${(err as Error).message}`)
          c.catalog.setManifestStatus(datasetId, 'invalid')
        } // anything else (blocks not reachable yet): stays unavailable and is tried again next sync
      }
    }
  }

  async function verifyBundles(): Promise<void> {
    if (c.verificationKey === undefined || c.setupRecord === undefined) return
    for (const { datasetId, root, circuit, manifest } of c.catalog.pendingVerifications()) {
      let bundle
      try {
        bundle = parseProofBundle(
          await c.contentStore.getJson(CID.parse(manifest.proofs.bundleCid), { signal: AbortSignal.timeout(manifestTimeoutMs) }),
        )
      } catch (err) {
        // A bundle that is not one (or not JSON) stays broken; anything else may be a fetch to retry.
        if (err instanceof ProofBundleError || err instanceof SyntaxError)
          c.catalog.setVerification(datasetId, 'failed', `proof bundle: ${err.message}`)
        continue // not reachable yet: tried again next sync
      }
      try {
        const { vkey, honkKey, vkeyHash } = await proofKeyOf(manifest.proofs.circuitId, c.verificationKey)
        const setupRecord = await c.setupRecord(circuit, manifest.proofs.circuitId)
        const proofs = await verifyDatasetProofs(manifest, bundle, {
          ...(vkey !== undefined ? { vkey } : {}),
          ...(honkKey !== undefined ? { honkKey } : {}),
          vkeyHash,
          setupRecord,
          anchoredRoot: root,
          ...(c.proofCurve !== undefined ? { curve: c.proofCurve } : {}),
        })
        if (!proofs.ok) c.catalog.setVerification(datasetId, 'failed', proofs.error.message)
        else if (proofs.misstated !== undefined)
          c.catalog.setVerification(
            datasetId,
            'failed',
            `series ${proofs.misstated.series}: the stated ${proofs.misstated.field} is not what the proofs output`,
          )
        else if (proofs.knownFlaw !== undefined)
          c.catalog.setVerification(
            datasetId,
            'flawed',
            `${bundle.batches.length} batch proofs verify, but with retired circuit ${manifest.proofs.circuitId}, which has a known soundness flaw: ${proofs.knownFlaw}`,
          )
        else {
          const valid = `${bundle.batches.length} batch proofs valid; root matches the anchor`
          c.catalog.setVerification(datasetId, 'verified', withSetupWarning(valid, proofs.setup), proofs.setup.warning)
        }
      } catch (err) {
        // No verdict (an UltraHonk verifier's RPC call failed): still pending, checked again next sync.
        if (categoryOf(err) === 'unavailable') {
          log(`dataset ${datasetId}: proofs not checked yet: ${(err as Error).message}`)
          continue
        }
        c.catalog.setVerification(datasetId, 'failed', (err as Error).message)
      }
    }
  }

  const sync = (): Promise<number> =>
    (running ??= (async () => {
      try {
        const cursor = await indexBlocks()
        await readManifests()
        await verifyBundles()
        return cursor
      } finally {
        running = undefined
      }
    })())

  return {
    sync,
    async manifestOf(datasetId) {
      const known = () => c.catalog.get(datasetId)
      // Twice: a sync already under way may have read the chain's head before the anchor.
      for (let i = 0; i < 2 && (known()?.manifestStatus ?? 'unavailable') === 'unavailable'; i++) await sync()
      return known()?.manifest ?? undefined
    },
    start(intervalMs = 1_000) {
      const tick = (): void => {
        if (stopped) return
        sync()
          .then(
            () => undefined,
            (err: unknown) => log(`catalog: sync failed, retrying: ${(err as Error).message}`),
          )
          .finally(() => {
            if (!stopped) timer = setTimeout(tick, intervalMs)
          })
      }
      tick()
    },
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running?.catch(() => undefined)
    },
  }
}
