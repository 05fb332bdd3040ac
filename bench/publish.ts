// bench:publish — the publish pipeline against proving alone. The first --rows rows (default 2,000)
// of the Beijing PM2.5 file are published through the BullMQ flow with 1 and then 2 prover
// processes (sandboxed children) on real Redis, Helia and anvil; in the same run the same batches
// are proven directly with the in-process prover and no pipeline. overhead_ratio =
// seconds_2_workers / prove_only_seconds. Then the whole file goes through import, quality and
// store without proving. Last line: JSON.
//   --full            instead: the whole file published end to end (import → prove → store →
//                     quality → preview → anchor → listed) through the BullMQ flow with --workers
//                     prover processes (default 2); final line {bench, full, readings, total_s, …}
//   --prover P        groth16 or honk (UltraHonk: the statement's Noir port, native bb); default the node's (ASSAY_PROVER: honk)
import '../core/polyfill.js'
import { readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { HDNodeWallet, JsonRpcProvider, NonceManager } from 'ethers'
import { createDeviceKey } from '../circuits/index.js'
import { committedSetupRecordDigests, releaseProverThreads } from '../circuits/node.js'
import { DEV_MNEMONIC, loadConfig, parseImportMapping } from '../core/index.js'
import { createChainClient } from '../contracts/index.js'
import { ensureDeployment, startAnvil } from '../contracts/node.js'
import {
  createLocalProver,
  createPublishQueues,
  importReadings,
  planBatches,
  plaintextArchive,
  Publication,
  publicationStatus,
  qualityInputs,
  scoreQuality,
  startProveWorker,
  startRedis,
  startStageWorker,
  submitPublication,
  type PublicationComponents,
} from '../pipelines/index.js'
import { generateDataKey } from '../storage/index.js'
import { createContentStore, createEmbeddedHelia, createKeystore } from '../storage/node.js'
import { datasetPath } from '../tests/helpers/datasets.js'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const ROWS = arg('--rows', 2000)
const FULL = process.argv.includes('--full')
const WORKERS = arg('--workers', 2)
const proverAt = process.argv.indexOf('--prover')
const PROVER = proverAt >= 0 ? process.argv[proverAt + 1] : loadConfig().proofSystem === 'ultrahonk' ? 'honk' : 'groth16'
if (PROVER !== 'groth16' && PROVER !== 'honk') throw new Error(`--prover: ${PROVER} is not groth16 or honk`)
const proofSystem = PROVER === 'honk' ? ('ultrahonk' as const) : ('groth16' as const)
const round = (x: number): number => Math.round(x * 10) / 10
const log = (msg: string): void => console.error(`[bench] ${msg}`)

const dir = await mkdtemp(join(tmpdir(), 'assay-bench-publish-'))
/**
 * Wall time per stage of a finished publication: from the previous stage's end (or the submission
 * at `submittedAt`, a performance.now() time) to this one's end, queueing included; the prove
 * stage's own job only collects its children's proofs.
 */
async function stageSecondsOf(
  queues: ReturnType<typeof createPublishQueues>,
  id: string,
  submittedAt: number,
): Promise<Record<string, number>> {
  const stages: Record<string, number> = {}
  let previous = submittedAt + performance.timeOrigin
  for (const stage of ['ingest', 'prove', 'store', 'quality', 'preview', 'anchor', 'list'] as const) {
    const job = await queues.stages.getJob(`${id}.${stage}`)
    if (job?.finishedOn === undefined) continue
    stages[stage] = round((job.finishedOn - previous) / 1000)
    previous = job.finishedOn
  }
  return stages
}

/** The Beijing file's first `rows` rows, as a file of their own. */
function sliceOf(rows: number): string {
  const lines = readFileSync(datasetPath('beijing-pm25-2010-2014.csv'), 'utf8').split('\n')
  const file = join(dir, `beijing-first-${rows}.csv`)
  writeFileSync(file, `${lines.slice(0, rows + 1).join('\n')}\n`)
  return file
}
const redis = await startRedis({ dataDir: dir })
const anvil = await startAnvil({ dataDir: dir })
const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 100 })
const helia = await createEmbeddedHelia({ dataDir: dir })
try {
  const wallet = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/0").connect(provider)
  const signer = new NonceManager(wallet)
  const { deployment } = await ensureDeployment(join(dir, 'deployment.json'), signer, { setupRecords: await committedSetupRecordDigests() })
  const components: PublicationComponents = {
    contentStore: createContentStore({ helia: helia.helia }),
    keystore: await createKeystore({ dir: join(dir, 'keystore'), masterKey: new Uint8Array(32).fill(9) }),
    chain: createChainClient(signer, deployment),
    owner: wallet.address,
    ownerPublicKey: wallet.signingKey.publicKey,
    gateway: await createDeviceKey(),
  }
  const mapping = parseImportMapping(JSON.parse(readFileSync('examples/beijing-pm25-2010-2014.mapping.json', 'utf8')))
  if (FULL) {
    // The whole file, end to end, as a seller's node publishes it.
    const connection = { url: redis.url, maxRetriesPerRequest: null }
    const queues = createPublishQueues({ connection, prefix: 'bench-full' })
    const stageWorker = startStageWorker(components, { connection, prefix: 'bench-full' })
    const provers = startProveWorker({ connection, prefix: 'bench-full', concurrency: WORKERS })
    // (--rows with --full: only the first rows, to try the bench quickly.)
    const source = process.argv.includes('--rows') ? sliceOf(ROWS) : datasetPath('beijing-pm25-2010-2014.csv')
    const publication = await Publication.create(join(dir, 'work', 'pub-full'), source, {
      title: 'Beijing PM2.5, 2010-2014',
      description: '',
      licence: 'CC-BY-4.0',
      tags: [],
      mapping,
      proofSystem,
    })
    const t0 = performance.now()
    const id = await submitPublication(queues, publication)
    let said = ''
    let status = await publicationStatus(queues, id)
    for (; status.result === undefined; await sleep(1000), status = await publicationStatus(queues, id)) {
      if (status.failedReason !== undefined) throw new Error(status.failedReason)
      const line = `${Object.entries(status.stages)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}; proofs ${status.proofs.done}/${status.proofs.total}`
      if (line !== said && status.proofs.done % 25 === 0) log(`${round((performance.now() - t0) / 1000)} s: ${(said = line)}`)
    }
    const totalSeconds = (performance.now() - t0) / 1000
    const stages = await stageSecondsOf(queues, id, t0)
    const plan = (await publication.load<{ circuitId: string; batches: unknown[]; series: { times: unknown[] }[] }>('plan'))!
    await provers.close()
    await stageWorker.close()
    await queues.close()
    const readings = plan.series.reduce((n, s) => n + s.times.length, 0)
    log(`the whole file: ${readings} readings in ${plan.batches.length} batches (${plan.circuitId}), listed after ${round(totalSeconds)} s`)
    console.log(
      JSON.stringify({
        bench: 'publish',
        full: true,
        prover: PROVER,
        readings,
        batches: plan.batches.length,
        circuit: plan.circuitId,
        workers: WORKERS,
        total_s: round(totalSeconds),
        readings_per_s: round(readings / totalSeconds),
        stage_seconds: stages,
      }),
    )
    process.exitCode = 0
  } else {
    const file = sliceOf(ROWS)

    // Proving alone: the same plan's batches, one after another, in this process.
    const imported = await importReadings(file, mapping)
    const plan = await planBatches(imported.series, { signer: components.gateway, proofSystem })
    const readings = plan.series.reduce((n, s) => n + s.times.length, 0)
    log(`${ROWS} rows, ${readings} readings, ${plan.batches.length} batches on ${plan.circuitId}`)
    const prove = createLocalProver()
    await prove(plan.circuitId, plan.batches[0]!.input) // warm-up: circuit load, wasm compile
    let t = performance.now()
    for (const b of plan.batches) await prove(plan.circuitId, b.input)
    const proveOnly = (performance.now() - t) / 1000
    log(`prove only: ${round(proveOnly)} s`)
    await releaseProverThreads()

    const connection = { url: redis.url, maxRetriesPerRequest: null }
    const seconds: Record<number, number> = {}
    const stageSeconds: Record<string, number> = {}
    for (const workers of [1, 2]) {
      const prefix = `bench-${workers}`
      const queues = createPublishQueues({ connection, prefix })
      const stageWorker = startStageWorker(components, { connection, prefix })
      const provers = startProveWorker({ connection, prefix, concurrency: workers })
      const publication = await Publication.create(join(dir, 'work', `pub-${workers}`), file, {
        title: `Beijing PM2.5, first ${ROWS} hours`,
        description: '',
        licence: 'CC-BY-4.0',
        tags: [],
        mapping,
        proofSystem,
      })
      t = performance.now()
      const id = await submitPublication(queues, publication)
      for (;;) {
        const status = await publicationStatus(queues, id)
        if (status.failedReason !== undefined) throw new Error(status.failedReason)
        if (status.result !== undefined) break
        await sleep(200)
      }
      seconds[workers] = (performance.now() - t) / 1000
      log(`${workers} prover process(es): ${round(seconds[workers])} s`)
      if (workers === 2) Object.assign(stageSeconds, await stageSecondsOf(queues, id, t))
      await provers.close()
      await stageWorker.close()
      await queues.close()
    }

    // The whole file without proving: import, quality, encrypt + store.
    t = performance.now()
    const whole = await importReadings(datasetPath('beijing-pm25-2010-2014.csv'), mapping)
    const importSeconds = (performance.now() - t) / 1000
    const wholePlan = await planBatches(whole.series, { signer: components.gateway })
    const planSeconds = (performance.now() - t) / 1000 - importSeconds
    const t2 = performance.now()
    scoreQuality(qualityInputs(wholePlan))
    const qualitySeconds = (performance.now() - t2) / 1000
    const t3 = performance.now()
    await components.contentStore.addStream(plaintextArchive(wholePlan, datasetPath('beijing-pm25-2010-2014.csv')), generateDataKey())
    const storeSeconds = (performance.now() - t3) / 1000
    const perBatch = proveOnly / plan.batches.length
    console.log(
      JSON.stringify({
        bench: 'publish',
        rows: ROWS,
        readings,
        batches: plan.batches.length,
        circuit: plan.circuitId,
        seconds_1_worker: round(seconds[1]!),
        seconds_2_workers: round(seconds[2]!),
        stage_seconds: stageSeconds,
        prove_only_seconds: round(proveOnly),
        overhead_ratio: Math.round((seconds[2]! / proveOnly) * 100) / 100,
        whole_file: {
          rows: whole.rows,
          readings: whole.readings,
          batches: wholePlan.batches.length,
          import_seconds: round(importSeconds),
          plan_and_sign_seconds: round(planSeconds),
          quality_seconds: round(qualitySeconds),
          store_seconds: round(storeSeconds),
          import_quality_store_seconds: round(importSeconds + qualitySeconds + storeSeconds),
          projected_prove_seconds_one_machine: Math.round(perBatch * wholePlan.batches.length),
        },
      }),
    )
  }
} finally {
  provider.destroy()
  await helia.stop()
  await anvil.stop()
  await redis.stop()
  await rm(dir, { recursive: true, force: true })
}
process.exit(0)
