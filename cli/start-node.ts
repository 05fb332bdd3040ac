import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { once } from 'node:events'
import type { Server } from 'node:http'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HDNodeWallet, isAddress, JsonRpcProvider, NonceManager, Wallet, ZeroAddress, type Signer } from 'ethers'
import { generateProof, KEY_TRANSFER_CIRCUIT, sensorStatsParams, type KeyTransferInput } from '../circuits/index.js'
import {
  committedSetupRecordDigests,
  committedVkeyPath,
  loadCircuit,
  loadCircuitVerificationKey,
  releaseProverThreads,
  threadedVerifierCurve,
} from '../circuits/node.js'
import { assertNodeConfig, ConfigError, DEV_MNEMONIC, LOCAL_DEV_CHAIN_ID, redactUrl, type AssayConfig } from '../core/index.js'
import { createChainClient, parseDeployment, type ChainClient, type Deployment } from '../contracts/index.js'
import { ensureDeployment, loadDeployment, startAnvil, type AnvilService } from '../contracts/node.js'
import {
  createPublishQueues,
  listPublications,
  publicationStatus,
  settlesWithin,
  startProveWorker,
  startRedis,
  startStageWorker,
  submitPublication,
  retryPublication,
  createBatchVerifier,
  inlineBatchVerifier,
  createStreamIngest,
  createWindowCloser,
  READINGS_TOPIC,
  startMosquitto,
  startMqttIngest,
  openStreamStore,
  SIMULATION_CIRCUIT,
  Publication,
  assertPublishingSetup,
  createEscrowWatcher,
  createFileCursor,
  createSettlementQueue,
  startSettlementWorker,
  type RedisService,
} from '../pipelines/index.js'
import { startCircuitBuilder } from './circuit-builder.js'
import { startPinning } from './start-pinning.js'
import type { PinFollower } from '../pipelines/index.js'
import { loadGatewayKey } from './gateway-key.js'
import { reservePort } from './reserve-port.js'
import { ensureOperatorToken, operatorTokenPath } from './operator-token.js'
import { createAssayClient } from '../sdk/index.js'
import {
  createApp,
  createCatalogIndexer,
  createMirrorService,
  openProviderRegistry,
  createSetupRecordReader,
  storeSetupRecords,
  createMetrics,
  openAuditLog,
  openCatalog,
  openNonceStore,
  ValidationError,
  type AuditLog,
  type StreamsApi,
  type Catalog,
  type HealthReport,
  type Metrics,
  type ServiceHealth,
  createOperatorAuth,
  createRateLimit,
  createSiweVerifier,
  LOOPBACK_HOSTS,
} from '../server/index.js'
import { multiaddr } from '@multiformats/multiaddr'
import { ServiceError } from '../core/index.js'
import { createContentStore, createEmbeddedHelia, createKeystore, loadMasterKey, unwrapKey } from '../storage/node.js'
import type { ContentStore, EmbeddedHelia, Keystore } from '../storage/index.js'

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
/** Largest upload `POST /datasets` accepts. */
/** How long a stopping node lets running stage jobs and proofs finish. */
const WORKER_GRACE_MS = 20_000
/** Gas of one window's settlement (bench:gas escrow_settle_window, ~387k, and a margin). */
const WINDOW_SETTLEMENT_GAS = 420_000n

/** How long a stopping node waits for a settlement in progress (see the escrow's stop). */
const SETTLEMENT_GRACE_MS = 3_000
/** How often stream windows are checked for closing and their publications followed. */
const STREAM_TICK_MS = 1_000

/** A running Assay node: its services and the HTTP server. */
export interface AssayNode {
  url: string
  rpcUrl: string
  redisUrl: string
  /** The MQTT broker devices publish stream readings to. */
  mqttUrl: string
  /** Where Assay's contracts are on this chain. */
  deployment: Deployment
  /** The node's own chain client, signing with PRIVATE_KEY (or anvil's first dev account). */
  chain: ChainClient
  helia: EmbeddedHelia
  contentStore: ContentStore
  keystore: Keystore
  /** The catalog the indexer keeps (derived state). */
  catalog: Catalog
  /** The bearer token the operator's routes require (`<dataDir>/operator.token` or ASSAY_TOKEN). */
  operatorToken: string
  checkHealth(): Promise<HealthReport>
  /** Stops everything in reverse start order; safe to call twice. */
  stop(): Promise<void>
}

async function rpc(url: string, method: string): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }),
    signal: AbortSignal.timeout(2000),
  })
  const body = (await res.json()) as { result?: string; error?: { message: string } }
  if (body.result === undefined) throw new Error(body.error?.message ?? 'no result')
  return body.result
}

async function probe(embedded: boolean, fn: () => Promise<Record<string, unknown>>): Promise<ServiceHealth> {
  try {
    return { ok: true, embedded, detail: await fn() }
  } catch (err) {
    return { ok: false, embedded, detail: {}, error: err instanceof Error ? err.message : String(err) }
  }
}

/** Whether `address` is one of the first accounts of the public development mnemonic (anvil's). */
function isDevelopmentAccount(address: string): boolean {
  // One seed derivation (PBKDF2: a few hundred ms), then ten cheap child keys.
  const parent = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0")
  return Array.from({ length: 10 }, (_, i) => parent.deriveChild(i).address).includes(address)
}

/**
 * Starts a node on the given config: the chain (embedded anvil unless RPC_URL), Redis (spawned
 * unless REDIS_URL), the embedded Helia node, then the HTTP server. The only place that wires
 * real services together. If any start fails, what already started is stopped again.
 */
export async function startNode(config: AssayConfig, log: (msg: string) => void = console.log): Promise<AssayNode> {
  assertNodeConfig(config)
  const stack: Array<() => Promise<void>> = []
  const stopAll = async (): Promise<void> => {
    while (stack.length > 0) {
      const stop = stack.pop()
      await stop?.().catch((err: unknown) => log(`stop failed: ${err instanceof Error ? err.message : String(err)}`))
    }
  }
  try {
    // A fixed PORT is held from the start: the embedded services (anvil, Redis, Helia, mosquitto)
    // pick free ports as they start, and one of them could otherwise take the node's own port
    // (freed a moment ago by a node that crashed and is starting again). Taken: fail now.
    const reservation = config.port !== 0 ? await reservePort(config.port, config.host) : undefined
    stack.push(() => reservation?.release() ?? Promise.resolve())
    // Missing circuits build in a child process while everything else starts and serves: only
    // proving waits for them.
    const circuits = startCircuitBuilder({ projectRoot, log })
    stack.push(() => circuits.stop())
    let anvil: AnvilService | undefined
    let rpcUrl = config.rpcUrl
    if (rpcUrl === undefined) {
      anvil = await startAnvil({ dataDir: config.dataDir, port: config.anvilPort })
      stack.push(() => anvil!.stop())
      rpcUrl = anvil.rpcUrl
      log(`chain: embedded anvil at ${rpcUrl} (pid ${anvil.pid}, state in ${join(config.dataDir, 'chain')})`)
    } else {
      // Hosted RPC URLs carry their API key in the path or query: logs show the host only.
      log(`chain: ${redactUrl(rpcUrl, { path: false })}`)
    }
    // The node's signer: PRIVATE_KEY, or on the embedded chain anvil's first (public) dev account.
    const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, pollingInterval: 250 })
    stack.push(() => Promise.resolve(provider.destroy()))
    // NonceManager: the provider caches eth_getTransactionCount briefly, so back-to-back
    // transactions would otherwise reuse a nonce.
    const wallet =
      config.privateKey !== undefined
        ? new Wallet(config.privateKey, provider)
        : HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/0").connect(provider)
    const signer: Signer = new NonceManager(wallet)
    const chainId = Number((await provider.getNetwork()).chainId)
    const deploymentFile = join(config.dataDir, 'chain', `deployment-${chainId}.json`)
    let deployment: Deployment
    if (anvil !== undefined) {
      // The embedded chain deploys once, on first start (again if its state was wiped).
      const ensured = await ensureDeployment(deploymentFile, signer, {
        testStablecoin: true,
        setupRecords: await committedSetupRecordDigests(),
        redeployIfMissing: true,
        log: (msg) => log(`contracts: ${msg}`),
      })
      deployment = ensured.deployment
      log(`contracts: ${ensured.deployed ? 'deployed' : 'found'} on chain ${chainId} (${deploymentFile})`)
    } else {
      // An external chain costs real money: deploy with `assay deploy`, never implicitly. A node
      // joining a chain Assay is already on takes the addresses from ASSAY_DEPLOYMENT (checked
      // against the chain by loadDeployment).
      if (!existsSync(deploymentFile) && config.deploymentSource !== undefined)
        await importDeployment(config.deploymentSource, deploymentFile, log)
      deployment = await loadDeployment(deploymentFile, signer)
      log(`contracts: ${deploymentFile}`)
    }
    const chain = createChainClient(signer, deployment)

    const redis: RedisService = await startRedis({ url: config.redisUrl, dataDir: config.dataDir })
    stack.push(() => redis.stop())
    log(`redis: ${redis.embedded ? `embedded redis-server at ${redis.url} (pid ${redis.pid})` : 'external REDIS_URL'}`)

    const helia = await createEmbeddedHelia({ dataDir: config.dataDir, listen: [config.ipfsListen] })
    stack.push(() => helia.stop())
    log(`ipfs: embedded Helia ${helia.helia.libp2p.peerId.toString()} on ${helia.helia.libp2p.getMultiaddrs().map(String).join(', ')}`)
    for (const peer of config.ipfsPeers) {
      try {
        await helia.helia.libp2p.dial(multiaddr(peer), { signal: AbortSignal.timeout(10_000) })
        log(`ipfs: connected to ${peer}`)
      } catch (err) {
        throw new ServiceError('helia', `cannot dial IPFS_PEERS entry ${peer}: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
        })
      }
    }
    const contentStore = createContentStore({ helia: helia.helia })
    // Every verifier reads the setup records anchored with the circuits' verifiers through this
    // node's gateway: it holds (and serves) its build's records, one raw block each.
    await storeSetupRecords(contentStore)
    const masterKey = await loadMasterKey({ hex: config.masterKeyHex, file: join(config.dataDir, 'master.key') })
    const keystore = await createKeystore({ dir: join(config.dataDir, 'keystore'), masterKey })
    log(
      `keystore: ${join(config.dataDir, 'keystore')} (${(await keystore.list()).length} data keys; master key from ${config.masterKeyHex === undefined ? 'master.key' : 'ASSAY_MASTER_KEY'})`,
    )

    // Publishing: the stage worker runs here (it needs Helia, the keystore and the chain key);
    // batch proofs run in sandboxed child processes, here and on any `assay worker`.
    const gateway = await loadGatewayKey(join(config.dataDir, 'gateway.key'))
    const connection = { url: redis.url, maxRetriesPerRequest: null }
    const queues = createPublishQueues({ connection })
    const stageWorker = startStageWorker(
      {
        contentStore,
        keystore,
        chain,
        owner: wallet.address,
        ownerPublicKey: wallet.signingKey.publicKey,
        gateway,
        circuitReady: (circuitId, onWait) => circuits.whenReady(circuitId, onWait),
      },
      { connection },
    )
    // ASSAY_PROVERS=0: batch proofs only on `assay worker`s elsewhere (the node then needs none of the CPU).
    const proveWorker = config.provers === 0 ? undefined : startProveWorker({ connection, concurrency: config.provers })
    // One line per 30 s while Redis is unreachable, instead of a stack trace per reconnect attempt.
    let lastRedisError = 0
    const onRedisError = (err: Error): void => {
      if (Date.now() - lastRedisError < 30_000) return
      lastRedisError = Date.now()
      log(`redis: ${err.message} (retrying)`)
    }
    stageWorker.on('error', onRedisError)
    proveWorker?.worker.on('error', onRedisError)
    queues.stages.on('error', onRedisError)
    queues.proofs.on('error', onRedisError)
    queues.flows.on('error', onRedisError)
    stack.push(async () => {
      // Bounded: with Redis gone these never finish; the node still stops (stalled jobs are
      // taken up again by the next worker once Redis is back).
      const results = await Promise.allSettled([
        settlesWithin(stageWorker.close(), WORKER_GRACE_MS, 'closing the stage worker'),
        proveWorker?.close(WORKER_GRACE_MS),
        settlesWithin(queues.close(), 5_000, 'closing the publish queues'),
      ])
      for (const r of results) if (r.status === 'rejected') log(`stop: ${(r.reason as Error).message}`)
    })
    const provers =
      config.provers === 0 ? 'no prover here (batch proofs wait for `assay worker`s)' : `${config.provers} sandboxed prover(s)`
    log(`publishing: stage worker and ${provers} on ${redis.url}; gateway device ${gateway.deviceId}`)
    const publishing = {
      workDir: join(config.dataDir, 'publishing'),
      maxUploadBytes: config.maxUploadBytes,
      // Uploads and stream windows both come through here: refused before anything is proven.
      defaultProofSystem: config.proofSystem,
      submit: async (publication: Publication) => {
        const spec = await publication.spec()
        assertPublishingSetup(spec.circuitId, {
          chainId,
          allowDevelopmentSetup: config.allowDevSetup,
          ...(spec.proofSystem !== undefined ? { proofSystem: spec.proofSystem } : {}),
        })
        return submitPublication(queues, publication)
      },
      status: async (id: string) => {
        const status = await publicationStatus(queues, id)
        return Object.values(status.stages).every((s) => s === 'unknown') ? undefined : status
      },
      list: (options: { limit: number; offset: number }) => listPublications(queues, options),
      // Uploads and stream windows keep their workspaces in two folders; a job id names one.
      retry: async (id: string) => {
        if (!/^[\w-]+$/.test(id)) return undefined
        const dir = [join(config.dataDir, 'publishing', 'publications', id), join(config.dataDir, 'streams', 'publications', id)].find(
          (d) => existsSync(d),
        )
        return dir === undefined ? undefined : retryPublication(queues, new Publication(dir))
      },
    }

    // Streams: live batches are checked and stored durably (SQLite) before they are acknowledged;
    // closed windows go through the same publish flow as uploads.
    const streamStore = openStreamStore(join(config.dataDir, 'streams', 'streams.sqlite'))
    stack.push(() => Promise.resolve(streamStore.close()))
    // Both hold only devices of the node's streams (ingest asks for no other).
    const registeredDevices = new Map<string, number>()
    const deviceLookups = new Map<string, Promise<boolean>>()
    // Batch commitments and signatures are checked on the event loop unless ASSAY_VERIFY_PROCESSES
    // asks for child processes: on 2 cores they did not make acknowledgements faster (docs/benchmarks.md).
    const verifyProcesses = config.verifyProcesses ?? 0
    const batchVerifier = verifyProcesses === 0 ? inlineBatchVerifier : createBatchVerifier({ processes: verifyProcesses })
    stack.push(() => batchVerifier.close())
    const deviceRegistered = (deviceId: bigint): Promise<boolean> => {
      const key = deviceId.toString()
      // One chain call per device at a time: a device's batches of several series arrive together.
      const lookup = (): Promise<boolean> => {
        let pending = deviceLookups.get(key)
        if (pending === undefined) {
          pending = chain
            .deviceOf(deviceId)
            .then((device) => {
              const ok = device.owner !== ZeroAddress && device.revokedAt === 0n
              // A revocation is seen within a minute.
              if (ok) registeredDevices.set(key, Date.now() + 60_000)
              else registeredDevices.delete(key)
              return ok
            })
            .finally(() => deviceLookups.delete(key))
          deviceLookups.set(key, pending)
        }
        return pending
      }
      const until = registeredDevices.get(key) ?? 0
      if (until <= Date.now()) return lookup()
      // Still known: answer now, and ask the chain again ahead of expiry so a streaming device
      // never waits for it (a failed refresh only lets the entry run out).
      if (until - Date.now() < 20_000) lookup().catch(() => undefined)
      return Promise.resolve(true)
    }
    // A stream's first batches should not wait for the verifier to start and warm up, nor for the
    // chain to say its devices are registered: both are done as the stream is created (or the
    // node starts with it), in the background.
    const readyForStream = (deviceIds: readonly string[]): void => {
      batchVerifier.prepare?.()
      for (const id of deviceIds) deviceRegistered(BigInt(id)).catch(() => undefined)
    }
    const streamIngest = createStreamIngest({ store: streamStore, verifier: batchVerifier, deviceRegistered })
    const openStreams = new Set(streamStore.openWindows().map((w) => w.streamId))
    for (const id of openStreams) readyForStream(streamStore.stream(id)?.deviceIds ?? [])
    // Devices may publish over MQTT too: a private mosquitto unless MQTT_URL names a broker.
    const broker = await startMosquitto({ ...(config.mqttUrl !== undefined ? { url: config.mqttUrl } : {}), dataDir: config.dataDir })
    stack.push(() => broker.stop())
    const mqttIngest = await startMqttIngest({
      url: broker.url,
      ingest: streamIngest,
      clientId: `assay-node-${wallet.address.slice(2, 12).toLowerCase()}`,
      log,
    })
    stack.push(() => mqttIngest.stop())
    log(
      `mqtt: ${broker.embedded ? `embedded mosquitto at ${broker.url} (pid ${broker.pid})` : `broker at ${broker.url}`}; devices publish to ${READINGS_TOPIC}`,
    )
    const windowCloser = createWindowCloser({
      store: streamStore,
      workDir: join(config.dataDir, 'streams'),
      submit: publishing.submit,
      status: publishing.status,
      retry: (publication) => retryPublication(queues, publication),
      log,
    })
    windowCloser.start(STREAM_TICK_MS)
    stack.push(() => windowCloser.stop())
    const streams: StreamsApi = {
      store: streamStore,
      ingest: streamIngest,
      async create(input) {
        const circuitId = input.circuitId ?? SIMULATION_CIRCUIT
        try {
          sensorStatsParams(circuitId)
        } catch (err) {
          throw new ValidationError(`circuitId: ${(err as Error).message}`, { cause: err })
        }
        const period = input.periodSeconds ?? input.windowSeconds
        if (period % input.windowSeconds !== 0) throw new ValidationError('periodSeconds: must be a whole number of windows')
        const tx = await chain.createStream({
          start: BigInt(input.start ?? 0),
          windowLength: BigInt(input.windowSeconds),
          period: BigInt(period),
          pricePerPeriod: BigInt(input.price),
          ...(input.paymentToken !== undefined ? { paymentToken: input.paymentToken } : {}),
          deviceIds: input.deviceIds.map(BigInt),
        })
        const spec = {
          streamId: tx.streamId.toString(),
          title: input.title,
          description: input.description,
          licence: input.licence,
          tags: input.tags,
          circuitId,
          start: Number(tx.start),
          windowLength: input.windowSeconds,
          graceS: input.graceSeconds,
          maxReadings: input.maxReadings,
          deviceIds: input.deviceIds,
        }
        streamStore.addStream(spec)
        readyForStream(spec.deviceIds)
        log(`stream ${spec.streamId} created: windows of ${spec.windowLength} s from ${spec.start} (tx ${tx.txHash})`)
        return { ...spec, txHash: tx.txHash }
      },
    }

    const chainUrl = rpcUrl
    // The remote pinning service (ASSAY_PINNING_SERVICE_URL), started once the HTTP port is known.
    const pinning: { follower?: PinFollower } = {}
    const checkHealth = async (): Promise<HealthReport> => {
      const { Redis } = await import('ioredis')
      const services = {
        chain: await probe(anvil !== undefined, async () => ({
          chainId: Number(BigInt(await rpc(chainUrl, 'eth_chainId'))),
          blockNumber: Number(BigInt(await rpc(chainUrl, 'eth_blockNumber'))),
          contracts: deployment.contracts,
        })),
        redis: await probe(redis.embedded, async () => {
          const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
          client.on('error', () => {})
          try {
            await client.connect()
            return { pong: await client.ping() }
          } finally {
            client.disconnect()
          }
        }),
        mqtt: await probe(broker.embedded, () => {
          if (!mqttIngest.client.connected) throw new Error(`not connected to ${broker.url}`)
          return Promise.resolve({ url: broker.url, subscribed: READINGS_TOPIC })
        }),
        ipfs: await probe(true, () => {
          const libp2p = helia.helia.libp2p
          if (libp2p.status !== 'started') throw new Error(`libp2p is ${libp2p.status}`)
          return Promise.resolve({
            peerId: libp2p.peerId.toString(),
            addresses: libp2p.getMultiaddrs().map(String),
            connections: libp2p.getConnections().length,
            peers: libp2p.getPeers().map(String),
          })
        }),
      }
      // A remote pinning service's trouble is the operator's to see, not a reason to call the node down.
      const pinned = pinning.follower?.report()
      const remote: Record<string, ServiceHealth> =
        pinned === undefined
          ? {}
          : {
              pinning: {
                ok: pinned.ok,
                embedded: false,
                detail: { ...pinned },
                ...(pinned.lastError !== undefined ? { error: pinned.lastError } : {}),
              },
            }
      return { ok: Object.values(services).every((s) => s.ok), services: { ...services, ...remote }, circuits: circuits.health() }
    }

    // The catalog is derived from the chain and IPFS: delete catalog.sqlite and it rebuilds.
    const catalog = openCatalog(join(config.dataDir, 'catalog.sqlite'))
    stack.push(() => Promise.resolve(catalog.close()))
    // Proofs verified on ffjavascript's worker threads (one per core); ended after the indexer stops.
    stack.push(releaseProverThreads)
    const indexer = createCatalogIndexer({
      proofCurve: threadedVerifierCurve,
      provider,
      deployment,
      contentStore,
      catalog,
      verificationKey: (circuitId) => loadCircuitVerificationKey(circuitId),
      setupRecord: createSetupRecordReader({ chain, contentStore }),
      log,
    })
    // In the background from the first tick: catching up with a long chain (reading manifests,
    // verifying proofs) must not hold up the node's start.
    indexer.start(1_000)
    stack.push(() => indexer.stop())
    log(`catalog: ${join(config.dataDir, 'catalog.sqlite')} (indexed up to block ${catalog.cursor() ?? 'none yet'}; following the chain)`)

    // Mirroring (POST /mirrors, `assay mirror`): datasets copied from other nodes or gateways, every
    // block checked, the manifest against its anchor; the sources recorded as providers (not derived
    // from the chain, so kept apart from the catalog).
    const providerRegistry = openProviderRegistry(join(config.dataDir, 'providers.sqlite'))
    stack.push(() => Promise.resolve(providerRegistry.close()))
    const mirrors = createMirrorService({
      catalog,
      sync: () => indexer.sync(),
      chain,
      blocks: { blockstore: helia.helia.blockstore, getCodec: (code) => helia.helia.getCodec(code) },
      contentStore,
      providers: providerRegistry,
      log,
    })
    stack.push(() => Promise.resolve(mirrors.stop()))

    // Trustless key delivery: every KeyEscrow order for a dataset this node sells is queued (one
    // job per order) and settled: the data key encrypted to the buyer's key, a key-transfer proof,
    // `settle`; a stream order of this node's streams, one job per window as windows are attached. The watcher's cursor is per escrow, so a new deployment starts from its own block.
    // Whose dataset an order is for is read from the chain (the anchor's owner), never from IPFS: a
    // stranger's orders for datasets with unreadable manifests cannot hold up the watcher.
    const ownDataset = async (datasetId: bigint): Promise<boolean> =>
      (await chain.datasetOf(datasetId)).owner.toLowerCase() === wallet.address.toLowerCase()
    let keyTransferCircuit: ReturnType<typeof loadCircuit> | undefined
    const settlementQueue = createSettlementQueue({
      connection,
      escrow: deployment.contracts.keyEscrow,
      settlementWindow: await chain.settlementWindow(),
      onError: onRedisError,
    })
    const settlementWorker = startSettlementWorker(
      {
        chain,
        async dataKeyOf(datasetId) {
          if (!(await ownDataset(datasetId))) return undefined
          const manifest = await indexer.manifestOf(datasetId)
          // Ours, but its manifest not readable yet (IPFS): an outage the queue retries.
          if (manifest === undefined) throw new ServiceError('ipfs', `the manifest of dataset ${datasetId} is not readable yet`)
          return unwrapKey(wallet.signingKey.privateKey, Buffer.from(manifest.encryption.sellerWrappedKey, 'base64'))
        },
        async prove(input: KeyTransferInput) {
          await circuits.whenReady(KEY_TRANSFER_CIRCUIT)
          keyTransferCircuit ??= loadCircuit(KEY_TRANSFER_CIRCUIT)
          keyTransferCircuit.catch(() => (keyTransferCircuit = undefined))
          return (await generateProof(await keyTransferCircuit, input)).proof
        },
        // The escrow measures its deadline in block time.
        now: async () => (await provider.getBlock('latest'))?.timestamp ?? Math.floor(Date.now() / 1000),
        // A window paid in the native coin is settled only when its share pays for the gas now, so
        // orders cannot make the node settle at a loss (an ERC-20 share has no price here; on the
        // local development chain gas costs nothing real).
        async worthSettling(paymentToken, share) {
          if (paymentToken !== ZeroAddress || deployment.chainId === LOCAL_DEV_CHAIN_ID) return true
          const { gasPrice, maxFeePerGas } = await provider.getFeeData()
          return share >= (gasPrice ?? maxFeePerGas ?? 0n) * WINDOW_SETTLEMENT_GAS
        },
      },
      { connection, escrow: deployment.contracts.keyEscrow, log },
    )
    settlementWorker.on('error', onRedisError)
    const escrowWatcher = createEscrowWatcher({
      ordersOpened: (from, to) => chain.ordersOpened(from, to),
      blockNumber: () => provider.getBlockNumber(),
      settles: ownDataset,
      enqueue: (order) => settlementQueue.enqueue(order),
      cursor: createFileCursor(join(config.dataDir, 'escrow', `${deployment.contracts.keyEscrow.toLowerCase()}.cursor.json`)),
      startBlock: deployment.startBlock,
      streams: {
        ownStreamsCreated: (from, to) => chain.streamsCreatedBy(wallet.address, from, to),
        streamOrdersOpened: (from, to, streamIds) => chain.streamOrdersOpened(from, to, { streamId: streamIds }),
        windowsPublished: (from, to, streamIds) => chain.windowsPublished(from, to, streamIds),
        enqueueWindow: (order, windowIndex) => settlementQueue.enqueueWindow(order, windowIndex),
      },
      log,
    })
    escrowWatcher.start(1_000)
    stack.push(async () => {
      await escrowWatcher.stop()
      // A settlement left unfinished is taken up again at the next start (settling is idempotent),
      // so the node does not wait long for it, least of all with Redis gone.
      const results = await Promise.allSettled([
        settlesWithin(settlementWorker.close(), SETTLEMENT_GRACE_MS, 'closing the settlement worker'),
        settlesWithin(settlementQueue.close(), SETTLEMENT_GRACE_MS, 'closing the settlement queue'),
      ])
      for (const r of results) if (r.status === 'rejected') log(`stop: ${(r.reason as Error).message}`)
    })
    log(`escrow: settling KeyEscrow ${deployment.contracts.keyEscrow} orders for this node's datasets`)

    // Key release: nonces and the audit log live with the node's data; keys are opened from the
    // manifest's seller copy with the node's account key (a lost keystore loses nothing).
    const metrics = createMetrics()
    metrics.gauge('assay_catalog_datasets', 'Datasets in the catalog', () => catalog.search({ limit: 1 }).total)
    metrics.gauge('assay_catalog_block', 'Last block the catalog indexed', () => catalog.cursor() ?? 0)
    const nonces = openNonceStore(join(config.dataDir, 'key-release', 'nonces.sqlite'))
    stack.push(() => Promise.resolve(nonces.close()))
    const keyRelease = {
      deployment,
      chain,
      manifestOf: (id: bigint) => indexer.manifestOf(id),
      sellers: new Set([wallet.address.toLowerCase()]),
      unwrapSellerKey: (wrapped: Uint8Array) => unwrapKey(wallet.signingKey.privateKey, wrapped),
      nonces,
      audit: auditWithMetrics(openAuditLog(join(config.dataDir, 'key-release', 'audit.jsonl')), metrics),
    }

    const operatorToken = await ensureOperatorToken(config)
    // Loopback names always; the configured HOST when it is one address (not a wildcard); and the
    // operator's public names (ASSAY_ALLOWED_HOSTS).
    const allowedHosts = [
      ...LOOPBACK_HOSTS,
      ...(['0.0.0.0', '::'].includes(config.host) ? [] : [config.host.toLowerCase()]),
      ...config.allowedHosts,
    ]
    if (config.operatorAddress !== undefined && !isAddress(config.operatorAddress))
      throw new ConfigError('ASSAY_OPERATOR_ADDRESS', 'is not EIP-55 checksummed (check it, or write it in lower case)')
    // Wallet sign-in (EIP-4361) for ASSAY_OPERATOR_ADDRESS, else the node's own account, unless that
    // is one of anvil's development accounts: their keys are published, and "loopback only" is no
    // guarantee (another local user, a port forward, a same-host proxy rewriting Host).
    const operatorAddress = config.operatorAddress ?? (isDevelopmentAccount(wallet.address) ? undefined : wallet.address)
    log(
      `operator: token in ${config.operatorToken !== undefined ? 'ASSAY_TOKEN' : operatorTokenPath(config.dataDir)}; wallet sign-in ${operatorAddress !== undefined ? `for ${operatorAddress}` : 'off (set ASSAY_OPERATOR_ADDRESS)'}; answering to hosts ${allowedHosts.join(', ')}`,
    )
    const app = createApp({
      checkHealth,
      auth: createOperatorAuth({
        token: operatorToken,
        allowedHosts,
        ...(operatorAddress !== undefined ? { siwe: createSiweVerifier({ address: operatorAddress, chainId }) } : {}),
        // Signing in is rare; a client trying more often is guessing (loopback clients are exempt).
        signInRateLimit: createRateLimit({ perMinute: 30 }),
      }),
      ...(config.rateLimitPerMinute > 0
        ? {
            rateLimits: {
              readings: createRateLimit({ perMinute: config.rateLimitPerMinute }),
              keyRequests: createRateLimit({ perMinute: config.rateLimitPerMinute }),
              escrowStatus: createRateLimit({ perMinute: config.rateLimitPerMinute }),
            },
          }
        : {}),
      webDir: join(projectRoot, 'build', 'web'),
      vkeyPath: committedVkeyPath,
      publishing,
      streams,
      devices: { chain, owner: wallet.address },
      catalog: { catalog, contentStore, providers: providerRegistry },
      mirrors,
      keyRelease,
      escrow: { chain, settlements: settlementQueue },
      metrics,
      ipfs: { contentStore, catalogued: (cid) => catalog.references(cid) },
      // The embedded chain's URL is local and keyless, so clients may use it; an external RPC URL can
      // carry an API key and is never published.
      deployment: { ...deployment, ...(anvil !== undefined ? { rpcUrl } : {}) },
    })
    await reservation?.release()
    const server: Server = app.listen(config.port, config.host)
    await once(server, 'listening')
    stack.push(
      () =>
        new Promise<void>((res) => {
          server.closeAllConnections()
          server.close(() => res())
        }),
    )
    const address = server.address()
    const port = typeof address === 'object' && address !== null ? address.port : config.port
    const url = `http://${config.host}:${port}`
    log(`http: ${url} (health at ${url}/health)`)
    pinning.follower = await startPinning({
      config,
      catalog,
      owner: wallet.address,
      chainId,
      libp2p: helia.helia.libp2p,
      httpPort: port,
      log,
    })
    stack.push(() => pinning.follower?.stop() ?? Promise.resolve())
    let stopping: Promise<void> | undefined
    return {
      url,
      rpcUrl: chainUrl,
      redisUrl: redis.url,
      mqttUrl: broker.url,
      deployment,
      chain,
      helia,
      contentStore,
      keystore,
      catalog,
      operatorToken,
      checkHealth,
      stop: () => (stopping ??= stopAll()),
    }
  } catch (err) {
    await stopAll()
    throw err
  }
}

/** Every key-release decision counted in /metrics as it is logged. */
function auditWithMetrics(log: AuditLog, metrics: Metrics): AuditLog {
  return {
    append(entry) {
      log.append(entry)
      metrics.keyReleases.inc({ outcome: entry.outcome, reason: entry.reason })
    },
  }
}

/** Saves a deployment record from a file or URL (another node's `/deployment`) as this node's. */
async function importDeployment(source: string, file: string, log: (msg: string) => void): Promise<void> {
  let value: Record<string, unknown>
  try {
    value = /^https?:\/\//.test(source)
      ? // GET /deployment of the node at `source` (its address, or that of its /deployment), checked by the SDK.
        await createAssayClient({ node: source, signal: AbortSignal.timeout(10_000) }).deployment()
      : (JSON.parse(await readFile(source, 'utf8')) as Record<string, unknown>)
  } catch (err) {
    if (err instanceof Error && err.name === 'DeploymentError') throw err
    throw new ConfigError('ASSAY_DEPLOYMENT', `cannot read a deployment from ${source}: ${(err as Error).message}`, { cause: err })
  }
  const { rpcUrl: _ignored, ...record } = value
  const deployment = parseDeployment(record)
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, `${JSON.stringify(deployment, null, 2)}\n`)
  log(`contracts: addresses for chain ${deployment.chainId} taken from ${source}`)
}
