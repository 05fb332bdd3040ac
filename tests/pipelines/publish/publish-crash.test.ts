import { readFileSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { expect } from 'chai'
import { Contract, JsonRpcProvider } from 'ethers'
import { datasetRegistryAbi, parseDeployment } from '../../../contracts/index.js'
import { startRedis, type PublicationStatus } from '../../../pipelines/index.js'
import { datasetPath } from '../../helpers/datasets.js'
import { runNode, stopNode, stopOrphans, type RunningNode } from '../../helpers/node-process.js'
import { isProcessAlive } from '../../../core/node.js'
import { operatorHeaders } from '../../helpers/operator.js'

async function upload(node: RunningNode, file: string, title: string): Promise<string> {
  const form = new FormData()
  form.append('title', title)
  form.append('mapping', await readFile('tests/fixtures/occupancy-temperature.mapping.json', 'utf8'))
  form.append('file', new Blob([await readFile(file)]), 'office.csv')
  const res = await fetch(new URL('/datasets', node.url), { method: 'POST', body: form, headers: operatorHeaders(node.operatorToken) })
  const body = (await res.json()) as { jobId: string }
  expect(res.status).to.equal(202)
  return body.jobId
}

async function waitFor(
  node: RunningNode,
  id: string,
  done: (s: PublicationStatus) => boolean,
  timeoutMs = 300_000,
): Promise<PublicationStatus> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(300)) {
    try {
      const status = (await (
        await fetch(new URL(`/jobs/${id}`, node.url), { headers: operatorHeaders(node.operatorToken) })
      ).json()) as PublicationStatus
      if (status.failedReason !== undefined && status.stages.list === 'failed')
        throw new Error(`publication failed: ${status.failedReason}`)
      if (done(status)) return status
    } catch (err) {
      if ((err as Error).message.startsWith('publication failed')) throw err
    }
  }
  throw new Error(`publication ${id} did not get there in time`)
}

/** How many DatasetPublished events name this manifest: must be exactly one. */
async function anchorsOf(dataDir: string, rpcUrl: string, manifestCid: string): Promise<number> {
  const file = (await readdir(join(dataDir, 'chain'))).find((f) => f.startsWith('deployment-'))!
  const deployment = parseDeployment(JSON.parse(await readFile(join(dataDir, 'chain', file), 'utf8')))
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true })
  try {
    const registry = new Contract(deployment.contracts.datasetRegistry, datasetRegistryAbi, provider)
    const logs = await registry.queryFilter(registry.filters.DatasetPublished!(), deployment.startBlock)
    return logs.filter((l) => registry.interface.parseLog(l)?.args.getValue('manifestCid') === manifestCid).length
  } finally {
    provider.destroy()
  }
}

/** Child processes of `pid` whose command line contains `text`. */
async function childrenMatching(pid: number, text: string): Promise<number[]> {
  const found: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid !== pid) continue
      if ((await readFile(`/proc/${entry}/cmdline`, 'utf8')).includes(text)) found.push(Number(entry))
    } catch {
      // the process ended while we looked
    }
  }
  return found
}

describe('publishing survives crashes (assay node as a process)', function () {
  this.timeout(900_000)
  let root: string
  let slice: string
  const nodes: RunningNode[] = []
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'assay-crash-'))
    const lines = readFileSync(datasetPath('occupancy-room-2015.csv'), 'utf8').split('\n')
    slice = join(root, 'office.csv')
    await (await import('node:fs/promises')).writeFile(slice, `${lines.slice(0, 41).join('\n')}\n`)
  })
  afterEach(async () => {
    for (const n of nodes.splice(0)) {
      await stopNode(n)
      await stopOrphans(n.pids)
    }
  })
  after(() => rm(root, { recursive: true, force: true }))

  it('a prover process SIGKILLed while proving: the batch is retried and the dataset is anchored once', async () => {
    const dataDir = join(root, 'prove-kill')
    const node = await runNode(dataDir)
    nodes.push(node)
    const id = await upload(node, slice, 'Killed prover')
    let killed = 0
    for (const deadline = Date.now() + 120_000; killed === 0 && Date.now() < deadline; await sleep(50)) {
      // The node's prover pool forks its provers as child processes.
      for (const pid of await childrenMatching(node.child.pid!, 'prover-process')) {
        process.kill(pid, 'SIGKILL')
        killed++
      }
    }
    expect(killed).to.be.greaterThan(0)
    const status = await waitFor(node, id, (s) => s.result !== undefined)
    expect(status.proofs.done).to.equal(status.proofs.total)
    expect(await anchorsOf(dataDir, node.rpcUrl, status.result!.manifestCid)).to.equal(1)
  })

  it('the node SIGKILLed right after sending the anchor transaction: after a restart it completes, anchored once', async () => {
    const dataDir = join(root, 'anchor-kill')
    const first = await runNode(dataDir, { ASSAY_FAULT: 'exit-after-anchor-sent' })
    nodes.push(first)
    const id = await upload(first, slice, 'Killed at anchor')
    await new Promise((r) => first.child.once('exit', r))
    expect(first.child.signalCode).to.equal('SIGKILL')
    await stopOrphans(first.pids)
    const second = await runNode(dataDir)
    nodes.push(second)
    const status = await waitFor(second, id, (s) => s.result !== undefined)
    expect(await anchorsOf(dataDir, second.rpcUrl, status.result!.manifestCid)).to.equal(1)
  })

  // One node on an external Redis for both: Redis restarted under a flow, then gone for good (a
  // node start fewer; the second leaves the node stopped).
  describe('on an external Redis', function () {
    let redis: Awaited<ReturnType<typeof startRedis>>
    let port: number
    let shared: RunningNode | undefined
    let dataDir: string
    /** The node `before` started. */
    const sharedNode = (): RunningNode => {
      if (shared === undefined) throw new Error('the node on an external Redis did not start')
      return shared
    }
    before(async () => {
      redis = await startRedis({ dataDir: join(root, 'external-redis') })
      port = Number(new URL(redis.url).port)
      dataDir = join(root, 'external-redis-node')
      shared = await runNode(dataDir, { REDIS_URL: redis.url })
    })
    after(async () => {
      // The node first, while its Redis still answers, so its workers can close.
      if (shared !== undefined) {
        await stopNode(shared)
        await stopOrphans(shared.pids)
      }
      await redis?.stop()
    })
    /** Whether the node's /health says its Redis answers. */
    const redisUp = async (node: RunningNode): Promise<boolean> => {
      const health = (await (await fetch(new URL('/health', node.url))).json()) as { services: { redis?: { ok: boolean } } }
      return health.services.redis?.ok === true
    }

    it('Redis restarted in the middle of a flow: the flow completes', async () => {
      const node = sharedNode()
      const id = await upload(node, slice, 'Redis restarted')
      await waitFor(node, id, (s) => s.stages.prove === 'waiting-children' || s.proofs.done > 0, 120_000)
      const seen = node.output().length
      await redis.stop()
      // Back once the flow's workers have lost their connections (the node logs the first failure).
      const lost = /redis: .*\(retrying\)/
      for (let i = 0; i < 100 && !lost.test(node.output().slice(seen)); i++) await sleep(100)
      expect(node.output().slice(seen), 'the node never saw its Redis gone').to.match(lost)
      redis = await startRedis({ dataDir: join(root, 'external-redis'), port })
      const status = await waitFor(node, id, (s) => s.result !== undefined)
      expect(await anchorsOf(dataDir, node.rpcUrl, status.result!.manifestCid)).to.equal(1)
    })

    it('a node whose external Redis is gone still stops on SIGTERM, ending its prover processes', async () => {
      const node = sharedNode()
      // Stop Redis while a batch is being proven.
      const id = await upload(node, slice, 'Redis gone')
      await waitFor(node, id, (s) => s.stages.prove === 'waiting-children', 120_000)
      let provers: number[] = []
      for (let i = 0; i < 100 && provers.length === 0; i++, await sleep(100))
        provers = await childrenMatching(node.child.pid!, 'prover-process')
      expect(provers).to.have.length.greaterThan(0)
      await redis.stop()
      // (The log line of a lost Redis comes once per 30 s, and the restart above may have had it.)
      for (let i = 0; i < 50 && (await redisUp(node)); i++) await sleep(100)
      expect(await redisUp(node), 'the node still reaches its Redis').to.equal(false)
      const exited = new Promise<[number | null, string | null]>((r) => node.child.once('exit', (code, signal) => r([code, signal])))
      const started = Date.now()
      node.child.kill('SIGTERM')
      const [code, signal] = await Promise.race([exited, sleep(60_000).then(() => [null, 'still running after 60 s'] as const)])
      expect([code, signal], node.output()).to.deep.equal([0, null])
      expect(Date.now() - started).to.be.below(45_000)
      expect(node.output()).to.match(/stop: closing the stage worker did not finish within \d+ ms; abandoned/)
      for (let i = 0; i < 50 && provers.some(isProcessAlive); i++) await sleep(100)
      expect(provers.filter(isProcessAlive), 'prover processes left running').to.deep.equal([])
    })
  })
})
