import { spawn } from 'node:child_process'
import { once } from 'node:events'
import type { Server } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { expect } from 'chai'
import express from 'express'
import { followProgress, retryWhenNodeReturns } from '../../cli/index.js'
import { PUBLISH_STAGES, type PublicationStatus } from '../../pipelines/index.js'
import { createErrorHandler, publishingRoutes } from '../../server/index.js'
import { createAssayClient, followPublication } from '../../sdk/index.js'
import { caught } from '../helpers/errors.js'
import { until } from '../helpers/cli-process.js'

const JOB = 'pub-outage-1'
const running: PublicationStatus = {
  id: JOB,
  stages: Object.fromEntries(PUBLISH_STAGES.map((s, i) => [s, i === 0 ? 'completed' : 'waiting-children'])) as PublicationStatus['stages'],
  proofs: { done: 1, total: 3 },
}
// A well-formed transaction hash: the node's answers are checked against the API contract.
const TX = `0x${'ab'.repeat(32)}`
const done: PublicationStatus = {
  ...running,
  stages: Object.fromEntries(PUBLISH_STAGES.map((s) => [s, 'completed'])) as PublicationStatus['stages'],
  proofs: { done: 3, total: 3 },
  result: { datasetId: '7', manifestCid: 'bafy-manifest', txHash: TX, root: '1', quality: 88, stats: [] },
}

/**
 * The node's own publication routes (the SSE stream included) over a status the test sets, on a
 * real HTTP server that can be stopped the way a dying node stops (every connection cut) and
 * started again on the same port.
 */
function createStandIn(): {
  status: { current: PublicationStatus | undefined }
  start(port?: number): Promise<string>
  stop(): Promise<void>
  cutNextResponse: { on: boolean }
} {
  const status = { current: running as PublicationStatus | undefined }
  const cutNextResponse = { on: false }
  const app = express()
  // A device lookup stands for any JSON route of the node.
  app.get('/devices/42', (_req, res) => {
    const device = { deviceId: '42', owner: `0x${'11'.repeat(20)}`, registeredAt: 1, revokedAt: null, publishableByThisNode: true }
    if (!cutNextResponse.on) return void res.json(device)
    // Half an answer, then the connection goes, as when a node dies mid-response.
    cutNextResponse.on = false
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('{"deviceId":')
    setTimeout(() => res.socket?.destroy(), 50)
  })
  app.get('/health', (_req, res) => void res.json({ ok: true, services: {} }))
  app.use(
    publishingRoutes({
      workDir: '/nonexistent',
      maxUploadBytes: 0,
      submit: () => Promise.reject(new Error('not here')),
      retry: () => Promise.reject(new Error('not here')),
      list: () => Promise.reject(new Error('not here')),
      status: (id) => Promise.resolve(id === JOB ? status.current : undefined),
    }),
  )
  // The node's own error middleware (as createApp mounts it): routes pass their refusals to it.
  app.use(createErrorHandler(() => undefined))
  let server: Server | undefined
  return {
    status,
    cutNextResponse,
    async start(port = 0) {
      server = app.listen(port, '127.0.0.1')
      await once(server, 'listening')
      return `http://127.0.0.1:${(server.address() as { port: number }).port}`
    },
    async stop() {
      const s = server!
      s.closeAllConnections()
      await new Promise((r) => s.close(r))
    },
  }
}

/** How long these stand-in events may take to show (the shared `until` waits longer by default). */
const SHOWN_WITHIN_MS = 15_000

describe('following a node that goes away and comes back (a stand-in node on a real HTTP server)', function () {
  this.timeout(60_000)
  let node: ReturnType<typeof createStandIn>
  let url: string
  beforeEach(async () => {
    node = createStandIn()
    url = await node.start()
  })
  afterEach(() => node.stop().catch(() => undefined))

  it('says once that the node was lost, follows the same publication when it is back, and prints the dataset', async () => {
    const out: string[] = []
    const err: string[] = []
    const following = followProgress(url, JOB, { giveUpAfterMs: 20_000 }, { out: (s) => out.push(s), err: (s) => err.push(s) })
    await until('the first progress line', () => err.some((l) => l.includes('prove… 1/3')), SHOWN_WITHIN_MS)
    await node.stop()
    await until('the loss is reported', () => err.some((l) => l.startsWith('lost the node')), SHOWN_WITHIN_MS)
    // Gone for a few backoff rounds; meanwhile the publication finishes inside the node.
    await sleep(1500)
    node.status.current = done
    await node.start(Number(new URL(url).port))
    const final = await following
    expect(final.result?.datasetId).to.equal('7')
    expect(err.filter((l) => l.startsWith('lost the node'))).to.deep.equal([
      `lost the node at ${url} (connection closed); waiting for it to come back…`,
    ])
    expect(err).to.include(`the node at ${url} is back; following publication ${JOB} again`)
    expect(err.at(-1)).to.match(/list✓$/)
    expect(out).to.deep.equal([`dataset 7 published: manifest bafy-manifest, quality 88, tx ${TX}`])
    expect([...out, ...err].join('\n')).not.to.contain('TypeError')
  })

  it('gives up after the configured time with FollowTimeoutError naming the command that follows it later', async () => {
    const err: string[] = []
    const following = followProgress(url, JOB, { giveUpAfterMs: 1_200 }, { out: () => undefined, err: (s) => err.push(s) })
    await until('the first progress line', () => err.length > 0, SHOWN_WITHIN_MS)
    await node.stop()
    const started = Date.now()
    const e = await caught(() => following)
    expect(Date.now() - started).to.be.within(1_000, 6_000)
    expect(e.name).to.equal('FollowTimeoutError')
    expect(e.message).to.equal(
      `stopped following publication ${JOB}: the node at ${url} has not come back within 1.2 s (connection refused); ` +
        `it goes on once the node is back, follow it then with: assay status ${JOB} --follow --node ${url}`,
    )
    const cause = e.cause as Error & { reason: string; cause: Error }
    expect([cause.name, cause.reason]).to.deep.equal(['NodeUnreachableError', 'connection refused'])
    expect(err.filter((l) => l.startsWith('lost the node'))).to.have.length(1)
  })

  it('fails at once with NodeUnreachableError, cause kept, when the node is not running to begin with', async () => {
    await node.stop()
    const started = Date.now()
    const e = await caught(() => followPublication(createAssayClient({ node: url }), JOB))
    expect(Date.now() - started).to.be.below(1_000)
    expect(e.name).to.equal('NodeUnreachableError')
    expect(e.message).to.equal(`the node at ${url} is unreachable (connection refused)`)
    expect((e.cause as Error).name).to.equal('TypeError')
    const r = await caught(() => retryWhenNodeReturns(url, () => Promise.resolve(1), { io: { err: () => undefined }, what: 'x' }))
    expect(r.name).to.equal('NodeUnreachableError')
  })

  it('reports a node that lost the publication across its restart with its NotFoundError', async () => {
    const err: string[] = []
    const following = followPublication(createAssayClient({ node: url }), JOB, { onEvent: () => err.push('event') })
    await until('the first event', () => err.length > 0, SHOWN_WITHIN_MS)
    await node.stop()
    node.status.current = undefined
    await node.start(Number(new URL(url).port))
    const e = (await caught(() => following)) as Error & { errorName: string }
    expect([e.name, e.errorName]).to.deep.equal(['AssayApiError', 'NotFoundError'])
  })

  it('turns an answer cut short into NodeUnreachableError (connection closed), never a bare TypeError', async () => {
    node.cutNextResponse.on = true
    const e = await caught(() => createAssayClient({ node: url }).device(42n))
    expect([e.name, (e as Error & { reason: string }).reason]).to.deep.equal(['NodeUnreachableError', 'connection closed'])
    expect((e.cause as Error).name).to.equal('TypeError')
  })

  it('runs an operation again once the node is back, saying so, when the node went away during it', async () => {
    const err: string[] = []
    const attempts: boolean[] = []
    node.cutNextResponse.on = true
    const port = Number(new URL(url).port)
    const client = createAssayClient({ node: url })
    const answer = await retryWhenNodeReturns(
      url,
      async (again) => {
        attempts.push(again)
        if (!again) {
          const cut = client.device(42n)
          // The node dies with the answer half sent and is back a moment later.
          await cut.catch(async (e: unknown) => {
            await node.stop()
            setTimeout(() => void node.start(port), 1_000)
            throw e
          })
        }
        return Number((await client.device(42n)).deviceId)
      },
      { io: { err: (s) => err.push(s) }, what: 'reading the thing', giveUpAfterMs: 20_000 },
    )
    expect(answer).to.equal(42)
    expect(attempts).to.deep.equal([false, true])
    expect(err).to.deep.equal([
      `lost the node at ${url} (connection closed); waiting for it to come back…`,
      `the node at ${url} is back; reading the thing again`,
    ])
  })

  it('`assay status --follow` as a process: one sentence when the node goes, exit 0 with the dataset once it is back', async () => {
    const child = spawn(process.execPath, ['bin/assay.js', 'status', JOB, '--follow', '--json', '--node', url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>
    try {
      await until('the CLI shows progress', () => stderr.includes('prove… 1/3'), 30_000)
      await node.stop()
      await until('the CLI reports the loss', () => stderr.includes('lost the node'), SHOWN_WITHIN_MS)
      node.status.current = done
      await node.start(Number(new URL(url).port))
      const [code] = await exited
      expect(code, stderr).to.equal(0)
    } finally {
      child.kill('SIGKILL')
    }
    expect(stderr.match(/lost the node[^\n]*/g)).to.deep.equal([
      `lost the node at ${url} (connection closed); waiting for it to come back…`,
    ])
    expect(stderr).not.to.contain('TypeError')
    expect((JSON.parse(stdout) as { datasetId: string }).datasetId).to.equal('7')
  })
})
