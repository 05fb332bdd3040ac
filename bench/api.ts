// bench:api — the node's HTTP API under load (autocannon on loopback) and the auditor's command.
// A real node (embedded anvil, Redis, Helia) publishes one device-signed dataset of 100 batches
// (test circuit B = 16: verification cost per batch does not depend on B), a buyer buys it, and
// 1,000 more synthetic catalog entries are added so list and search run over ≥ 1,000 datasets.
// Measures list and search (req/s, p99), key release (req/s, each request freshly signed with its
// own nonce), and `assay verify` of the 100-batch dataset. Last line: JSON.
import '../core/polyfill.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { HDNodeWallet, hexlify, JsonRpcProvider, randomBytes, SigningKey } from 'ethers'
import { buyCommand, startNode, verifyCommand } from '../cli/index.js'
import { DEV_MNEMONIC, loadConfig, parseManifest } from '../core/index.js'
import { signKeyRequest } from '../contracts/index.js'
import { sampleManifest } from '../tests/helpers/manifest.js'
import { publishMeterDataset } from './publish-meter-dataset.js'

const log = (msg: string): void => console.error(`[bench] ${msg}`)
const quiet = { out: () => undefined, err: () => undefined }
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = 20
const BATCHES = Number(process.env.BENCH_BATCHES ?? 100)

const dir = await mkdtemp(join(tmpdir(), 'assay-bench-api-'))
const node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node') }), port: 0 }, () => undefined)
const config = loadConfig({ ASSAY_DATA_DIR: join(dir, 'cli') })
try {
  // One real dataset of 100 batches.
  const { datasetId, seconds } = await publishMeterDataset(node, dir, BATCHES)
  log(`published #${datasetId} (${BATCHES} batches) in ${seconds.toFixed(1)} s`)
  let t = performance.now()
  await buyCommand(datasetId, config, { node: node.url, devAccount: 2 }, quiet)
  while (node.catalog.get(BigInt(datasetId))?.verification.status !== 'verified') await new Promise((r) => setTimeout(r, 200))

  // 1,000 synthetic entries (read-path load only; they are not on the chain).
  const metrics = ['temperature', 'humidity', 'co2', 'pm2_5', 'pressure', 'light']
  const words = ['office', 'roof', 'warehouse', 'greenhouse', 'street', 'school', 'lab', 'garage']
  for (let i = 0; i < 1_000; i++) {
    const id = 10_000n + BigInt(i)
    const metric = metrics[i % metrics.length]!
    node.catalog.transaction(() => {
      node.catalog.anchor({
        datasetId: id,
        owner: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
        manifestCid: 'bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq',
        root: 7n,
        keyCommitment: 42n,
        parent: 0n,
        circuit: 1,
        qualityScore: 50 + (i % 50),
        publishedAt: 1_700_000_000 + i,
        block: 1,
        txHash: '0x00',
      })
      const base = sampleManifest()
      node.catalog.setManifest(
        id,
        parseManifest({
          ...base,
          title: `${words[i % words.length]} ${metric} ${i}`,
          tags: [words[(i * 7) % words.length]!],
          series: [{ ...base.series[0]!, metric }],
        }),
      )
      node.catalog.list(id, {
        price: BigInt(i + 1) * 10n ** 15n,
        paymentToken: '0x0000000000000000000000000000000000000000',
        accessPeriod: 0,
      })
    }, node.catalog.cursor() ?? 0)
  }
  log(`catalog: ${node.catalog.search({ limit: 1 }).total} datasets`)

  const load = async (title: string, opts: Partial<autocannon.Options>): Promise<autocannon.Result> => {
    const result = await autocannon({ url: node.url, connections: CONNECTIONS, duration: DURATION_S, ...opts })
    log(
      `${title}: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}`,
    )
    return result
  }
  // Load from a worker thread, so the load generator does not share the node's event loop.
  const list = await load('list', { workers: 1, requests: [{ method: 'GET', path: '/datasets?limit=20&sort=quality' }] })
  const search = await load('search', {
    workers: 1,
    requests: [{ method: 'GET', path: '/datasets?q=roof&metric=humidity&minQuality=60&limit=20' }],
  })

  // Key release: every request signed beforehand with its own nonce and ephemeral key.
  const provider = new JsonRpcProvider(
    ((await (await fetch(new URL('/deployment', node.url))).json()) as { rpcUrl: string }).rpcUrl,
    undefined,
    { staticNetwork: true },
  )
  const buyer = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/2").connect(provider)
  const bodies: string[] = []
  t = performance.now()
  const KEY_REQUESTS = Number(process.env.BENCH_KEY_REQUESTS ?? 3_000)
  for (let i = 0; i < KEY_REQUESTS; i++) {
    const request = {
      buyer: buyer.address,
      datasetId: BigInt(datasetId),
      ephemeralPublicKey: new SigningKey(hexlify(randomBytes(32))).compressedPublicKey,
      nonce: hexlify(randomBytes(32)),
      expiry: BigInt(Math.floor(Date.now() / 1000) + 3_000),
    }
    const signature = await signKeyRequest(buyer, node.deployment, request)
    bodies.push(JSON.stringify({ request: { ...request, datasetId, expiry: request.expiry.toString() }, signature }))
  }
  log(`signed ${KEY_REQUESTS} key requests in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  let next = 0
  const keys = await load('key release', {
    amount: KEY_REQUESTS,
    connections: 10,
    requests: [
      {
        method: 'POST',
        path: `/datasets/${datasetId}/key`,
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }),
      },
    ],
  })
  provider.destroy()

  // The auditor's command on the 100-batch dataset.
  t = performance.now()
  const report = await verifyCommand(datasetId, config, { node: node.url }, quiet)
  const verifySeconds = (performance.now() - t) / 1000
  log(`assay verify #${datasetId}: ${report.ok ? 'all checks passed' : 'FAILED'} in ${verifySeconds.toFixed(2)} s`)

  console.log(
    JSON.stringify({
      catalog_datasets: node.catalog.search({ limit: 1 }).total,
      list_rps: Math.round(list.requests.average),
      list_p99_ms: list.latency.p99,
      search_rps: Math.round(search.requests.average),
      search_p99_ms: search.latency.p99,
      key_release_rps: Math.round(keys.requests.average),
      key_release_p99_ms: keys.latency.p99,
      key_release_non2xx: keys.non2xx,
      verify_100_batches_seconds: Math.round(verifySeconds * 100) / 100,
      verify_ok: report.ok,
    }),
  )
} finally {
  await node.stop()
  await rm(dir, { recursive: true, force: true })
}
