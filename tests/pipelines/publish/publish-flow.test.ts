import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { UnrecoverableError, Worker } from 'bullmq'
import { expect } from 'chai'
import { HDNodeWallet, JsonRpcProvider, NonceManager } from 'ethers'
import { createDeviceKey, signEddsaPoseidon } from '../../../circuits/index.js'
import { committedSetupRecordDigests } from '../../../circuits/node.js'
import { deserializeError, DEV_MNEMONIC, parseImportMapping } from '../../../core/index.js'
import { createChainClient, type ChainClient } from '../../../contracts/index.js'
import { ensureDeployment, startAnvil, type AnvilService } from '../../../contracts/node.js'
import {
  createProverPool,
  createPublishQueues,
  isPermanentFailure,
  NoReadingsError,
  Publication,
  retryPublication,
  publicationStatus,
  startProveWorker,
  startStageWorker,
  startRedis,
  submitPublication,
  type ProveBatchJob,
  type ProvenBatchFile,
  type PublicationComponents,
  type PublicationStatus,
  type PublishQueues,
  type RedisService,
} from '../../../pipelines/index.js'
import type { EmbeddedHelia } from '../../../storage/index.js'
import { createContentStore, createEmbeddedHelia, createKeystore } from '../../../storage/node.js'
import { datasetPath } from '../../helpers/datasets.js'
import { caught } from '../../helpers/errors.js'
import { writeSignedBatchFile } from '../../helpers/signed-file.js'

describe('the publish flow on BullMQ (real Redis, Helia, anvil; proofs in sandboxed child processes)', function () {
  this.timeout(600_000)
  let dir: string
  let redis: RedisService
  let anvil: AnvilService
  let provider: JsonRpcProvider
  let helia: EmbeddedHelia
  let queues: PublishQueues
  let chain: ChainClient
  let components: PublicationComponents
  const workers: Array<{ close(): Promise<void> }> = []
  const prefix = `test-${randomUUID()}`

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-flow-'))
    redis = await startRedis({ dataDir: join(dir, 'node') })
    anvil = await startAnvil({ dataDir: join(dir, 'node') })
    provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 100 })
    const wallet = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/0").connect(provider)
    const { deployment } = await ensureDeployment(join(dir, 'deployment.json'), new NonceManager(wallet), {
      setupRecords: await committedSetupRecordDigests(),
    })
    chain = createChainClient(new NonceManager(wallet), deployment)
    helia = await createEmbeddedHelia({ dataDir: join(dir, 'node') })
    components = {
      contentStore: createContentStore({ helia: helia.helia }),
      keystore: await createKeystore({ dir: join(dir, 'keystore'), masterKey: new Uint8Array(32).fill(3) }),
      chain,
      owner: wallet.address,
      ownerPublicKey: wallet.signingKey.publicKey,
      gateway: await createDeviceKey(),
    }
    const connection = { url: redis.url, maxRetriesPerRequest: null }
    queues = createPublishQueues({ connection, prefix })
    workers.push(startStageWorker(components, { connection, prefix }), startProveWorker({ connection, prefix, concurrency: 2 }))
  })
  after(async () => {
    for (const w of workers) await w.close()
    await queues?.close()
    await helia?.stop()
    provider?.destroy()
    await anvil?.stop()
    await redis?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  async function until(pubId: string, done: (s: PublicationStatus) => boolean, on = queues): Promise<PublicationStatus> {
    for (let i = 0; i < 600; i++) {
      const status = await publicationStatus(on, pubId)
      if (done(status) || status.failedReason !== undefined) return status
      await sleep(500)
    }
    throw new Error(`publication ${pubId} did not finish`)
  }

  it('publishes a slice of the occupancy file: every stage completes, batches proven by child jobs, anchored once', async () => {
    const lines = readFileSync(datasetPath('occupancy-room-2015.csv'), 'utf8').split('\n')
    const file = join(dir, 'office.csv')
    await writeFile(file, `${lines.slice(0, 121).join('\n')}\n`)
    const publication = await Publication.create(join(dir, 'work', 'pub-flow-1'), file, {
      title: 'Office room, two hours',
      description: '',
      licence: 'CC-BY-4.0',
      tags: [],
      mapping: parseImportMapping(JSON.parse(await readFile('examples/occupancy-room-2015.mapping.json', 'utf8'))),
      listing: { price: '1000000000000000' },
    })
    const pubId = await submitPublication(queues, publication)
    expect(await submitPublication(queues, publication)).to.equal(pubId) // same ids: nothing new
    const status = await until(pubId, (s) => s.result !== undefined)
    expect(status.failedReason).to.equal(undefined)
    expect(Object.values(status.stages)).to.deep.equal(Array(7).fill('completed'))
    expect(status.proofs).to.deep.equal({ done: 5, total: 5 })
    const record = await chain.datasetOf(BigInt(status.result!.datasetId))
    const anchored = (await publication.load<{ root: bigint }>('anchored'))!
    expect(record.root).to.equal(anchored.root)
    expect((await chain.listingOf(BigInt(status.result!.datasetId))).active).to.equal(true)
  })

  it('retries a publication that failed at anchor once the cause is fixed, keeping the proofs made before the failure', async () => {
    // A sensor's own signed readings, but the sensor was never registered: anchor refuses, for good.
    const sensor = { ...(await createDeviceKey()), label: 'roof' }
    const file = await writeSignedBatchFile(join(dir, 'roof.ndjson'), { devices: [sensor], metrics: ['co2'], readings: 40, seed: 5 })
    const publication = await Publication.create(join(dir, 'work', 'pub-flow-retry'), file, {
      title: 'Roof CO2',
      description: '',
      licence: 'CC0-1.0',
      tags: [],
    })
    const pubId = await submitPublication(queues, publication)
    const failed = await until(pubId, () => false)
    expect(failed.stages.anchor).to.equal('failed')
    expect(failed.failedReason).to.contain('DeviceNotRegisteredError')
    expect(failed.category).to.equal('forbidden')
    expect(isPermanentFailure(failed)).to.equal(true)
    expect(failed.retryable).to.equal(true)
    const plan = await publication.ingest(components)
    const proven = await publication.proofs(plan)
    expect(proven.missing).to.deep.equal([])

    const retryErr = await caught(() => retryPublication(queues, new Publication(join(dir, 'work', 'never-submitted'))))
    expect([retryErr.name, retryErr.message]).to.deep.equal([
      'PublicationNotFailedError',
      'publication never-submitted is unknown; only a failed publication can be retried',
    ])
    await chain.registerDevice(sensor.Ax, sensor.Ay, '', (m) => signEddsaPoseidon(sensor.privateKey, m))
    expect(await retryPublication(queues, publication)).to.equal(pubId)
    const status = await until(pubId, (s) => s.result !== undefined)
    expect(status.failedReason).to.equal(undefined)
    expect(Object.values(status.stages)).to.deep.equal(Array(7).fill('completed'))
    // The proofs are the ones made before the failure (Groth16 proofs are randomised: a new one differs).
    expect((await publication.proofs(plan)).proofs).to.deep.equal(proven.proofs)
    expect(await chain.datasetOf(BigInt(status.result!.datasetId))).to.have.property('owner')
    expect((await caught(() => retryPublication(queues, publication))).message).to.equal(
      `publication ${pubId} is completed; only a failed publication can be retried`,
    )
  })

  it('retries a publication whose prove stage failed, keeping the batch proofs that did complete', async () => {
    const sensor = { ...(await createDeviceKey()), label: 'cellar' }
    await chain.registerDevice(sensor.Ax, sensor.Ay, '', (m) => signEddsaPoseidon(sensor.privateKey, m))
    const file = await writeSignedBatchFile(join(dir, 'cellar.ndjson'), { devices: [sensor], metrics: ['humidity'], readings: 40, seed: 6 })
    const publication = await Publication.create(join(dir, 'work', 'pub-flow-prove-fails'), file, {
      title: 'Cellar humidity',
      description: '',
      licence: 'CC0-1.0',
      tags: [],
    })
    // A flow of its own whose proof worker gives up on the second batch once (a prover that fails
    // for good) and holds the third until the test lets it go: the failure spreads while it runs.
    const connection = { url: redis.url, maxRetriesPerRequest: null }
    const own = { connection, prefix: `${prefix}-prove-fails` }
    const q = createPublishQueues(own)
    const stageWorker = startStageWorker(components, own)
    const pool = createProverPool(1)
    const proven = new Map<string, ProvenBatchFile[]>()
    let calls = 0
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const proofWorker = new Worker<ProveBatchJob, ProvenBatchFile>(
      q.proofs.name,
      async (job) => {
        calls += 1
        if (calls === 2) throw new UnrecoverableError('ProverGaveUpError: the prover gave up')
        if (calls === 3) await held
        const proof = await pool.prove(job.data)
        proven.set(job.id!, [...(proven.get(job.id!) ?? []), proof])
        return proof
      },
      own,
    )
    try {
      const pubId = await submitPublication(q, publication)
      const failed = await until(pubId, () => false, q)
      expect(failed.stages.prove).to.equal('failed')
      expect(failed.failedReason).to.match(/^prove: batch \d of series 0: ProverGaveUpError: the prover gave up$/)
      expect(failed.retryable).to.equal(true)
      while (calls < 3) await sleep(50)
      expect((await caught(() => retryPublication(q, publication))).name).to.equal('PublicationBusyError')
      release()
      while ((await q.proofs.getActiveCount()) + (await q.proofs.getWaitingCount()) > 0) await sleep(100)

      expect(await retryPublication(q, publication)).to.equal(pubId)
      const status = await until(pubId, (s) => s.result !== undefined, q)
      expect(Object.values(status.stages)).to.deep.equal(Array(7).fill('completed'))
      // Three batches, four calls: only the batch that failed was proven again, and the proofs
      // made inside the failed flow (the first, and the one held while it failed) are the ones kept.
      expect(calls).to.equal(4)
      expect([...proven.values()].map((p) => p.length)).to.deep.equal([1, 1, 1])
      const plan = await publication.ingest(components)
      const kept = (await publication.proofs(plan)).proofs
      expect(kept).to.have.length(3)
      for (const [, [proof]] of proven) expect(kept).to.deep.include(proof)
    } finally {
      release()
      await proofWorker.close()
      await pool.close()
      await stageWorker.close()
      await q.close()
    }
  })

  it('fails a publication whose file has no usable reading at ingest, for good (no retries), and says why', async () => {
    const file = join(dir, 'bad.csv')
    await writeFile(file, 'Date,Temperature\n"2015-02-04 17:51:00",NA\n')
    const publication = await Publication.create(join(dir, 'work', 'pub-flow-bad'), file, {
      title: 'Nothing',
      description: '',
      licence: 'CC0-1.0',
      tags: [],
      mapping: parseImportMapping({
        version: 1,
        format: 'csv',
        timestamp: { columns: ['Date'], format: 'YYYY-MM-DD HH:mm:ss' },
        metrics: [{ column: 'Temperature' }],
      }),
    })
    const pubId = await submitPublication(queues, publication)
    const status = await until(pubId, (s) => s.stages.ingest === 'failed')
    expect(status.stages.ingest).to.equal('failed')
    expect(status.failedReason).to.contain('NoReadingsError')
    expect([status.category, isPermanentFailure(status), status.retryable]).to.deep.equal(['bad-input', true, false])
    // The error itself, recorded with the job: by name and category in the JSON, its class again once deserialized.
    expect(status.error).to.include({ name: 'NoReadingsError', category: 'bad-input' })
    expect(deserializeError(status.error!)).to.be.instanceOf(NoReadingsError).and.include({ message: status.error!.message })
    const job = await queues.stages.getJob(`${pubId}.ingest`)
    expect(job!.attemptsMade).to.equal(1)
  })

  it('waits for a circuit still being built, saying so in its status, then proves and publishes', async () => {
    const connection = { url: redis.url, maxRetriesPerRequest: null }
    const gatedPrefix = `${prefix}-gated`
    let release!: () => void
    const built = new Promise<void>((r) => (release = r))
    const asked: string[] = []
    const gated: PublicationComponents = {
      ...components,
      async circuitReady(circuitId, onWait) {
        asked.push(circuitId)
        await onWait(`waiting for circuit ${circuitId} to be built`)
        await built
      },
    }
    const gatedQueues = createPublishQueues({ connection, prefix: gatedPrefix })
    const gatedWorkers = [
      startStageWorker(gated, { connection, prefix: gatedPrefix }),
      startProveWorker({ connection, prefix: gatedPrefix }),
    ]
    try {
      const lines = readFileSync(datasetPath('occupancy-room-2015.csv'), 'utf8').split('\n')
      const file = join(dir, 'office-gated.csv')
      await writeFile(file, `${lines.slice(0, 31).join('\n')}\n`)
      const publication = await Publication.create(join(dir, 'work', 'pub-flow-gated'), file, {
        title: 'Office room, half an hour',
        description: '',
        licence: 'CC-BY-4.0',
        tags: [],
        // One series, one proof: the wait for the circuit is what is tested.
        mapping: parseImportMapping(JSON.parse(await readFile('tests/fixtures/occupancy-temperature.mapping.json', 'utf8'))),
      })
      const pubId = await submitPublication(gatedQueues, publication)
      const waiting = await until(pubId, (s) => s.waiting !== undefined, gatedQueues)
      const circuitId = (await publication.ingest(components)).circuitId
      expect(asked).to.deep.equal([circuitId])
      expect(waiting.waiting).to.equal(`waiting for circuit ${circuitId} to be built`)
      expect(waiting.stages.prove).to.equal('active')
      expect(waiting.proofs.done).to.equal(0)
      release()
      const done = await until(pubId, (s) => s.result !== undefined, gatedQueues)
      expect(done.failedReason).to.equal(undefined)
      expect(done.waiting).to.equal(undefined)
      expect(done.proofs.done).to.equal(done.proofs.total)
    } finally {
      release()
      for (const w of gatedWorkers) await w.close()
      await gatedQueues.close()
    }
  })
})
