import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { expect } from 'chai'
import { publishCommand, startNode, type AssayNode } from '../../cli/index.js'
import { loadConfig } from '../../core/index.js'
import type { PublicationStatus } from '../../pipelines/index.js'
import { runCli, until, type Cli } from '../helpers/cli-process.js'
import { datasetPath } from '../helpers/datasets.js'
import { operatorHeaders } from '../helpers/operator.js'

describe('assay worker on another machine: proves a node’s publications with nothing but its Redis URL', function () {
  this.timeout(600_000)
  let dir: string
  let node: AssayNode
  let file: string
  const logs: string[] = []
  let worker: Cli | undefined
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-remote-worker-'))
    // ASSAY_PROVERS=0: the node proves nothing itself, so every proof below is the worker's.
    node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node'), ASSAY_PROVERS: '0' }), port: 0 }, (l) => logs.push(l))
    const lines = readFileSync(datasetPath('occupancy-room-2015.csv'), 'utf8').split('\n')
    file = join(dir, 'office.csv')
    await writeFile(file, `${lines.slice(0, 31).join('\n')}\n`)
  })
  after(async () => {
    // Before the node (and its Redis) stops: a worker whose Redis is gone only retries.
    if (worker !== undefined && worker.child.exitCode === null) {
      worker.child.kill('SIGKILL')
      await worker.exited
    }
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  async function statusOf(jobId: string): Promise<PublicationStatus> {
    const res = await fetch(new URL(`/jobs/${jobId}`, node.url), { headers: operatorHeaders(node.operatorToken) })
    return (await res.json()) as PublicationStatus
  }

  it('leaves the batch proofs queued while no worker runs; a worker with its own home and data dir then proves every one', async () => {
    const publishing = /publishing: stage worker and no prover here .* on (redis:\/\/\S+);/.exec(logs.join('\n'))
    expect(publishing, logs.join('\n')).to.not.equal(null)
    const redisUrl = publishing![1]!

    const err: string[] = []
    const published = publishCommand(
      file,
      {
        node: node.url,
        operatorToken: node.operatorToken,
        map: 'tests/fixtures/occupancy-temperature.mapping.json',
        title: 'Proven elsewhere',
      },
      { out: () => undefined, err: (s) => err.push(s) },
    )
    await until('the publication is accepted', () => err.some((l) => /publication pub-[\w-]+ accepted/.test(l)))
    const jobId = /publication (pub-[\w-]+) accepted/.exec(err.join('\n'))![1]!
    // State, not time: the prove stage has queued its batches, and none is proven without a worker.
    let queued = await statusOf(jobId)
    for (const deadline = Date.now() + 240_000; queued.waiting === undefined; await sleep(200)) {
      expect(Date.now(), JSON.stringify(queued)).to.be.below(deadline)
      expect(queued.failedReason, JSON.stringify(queued)).to.equal(undefined)
      queued = await statusOf(jobId)
    }
    expect(queued.proofs.done).to.equal(0)
    expect(queued.proofs.total).to.be.above(0)
    expect(queued.waiting).to.equal('waiting for a batch prover: none is connected (start `assay worker` with this node’s REDIS_URL)')

    // Another machine: no shared disk (its own HOME and data dir), no environment but the Redis URL.
    const machine = join(dir, 'worker-machine')
    await mkdir(machine)
    worker = runCli(
      ['worker'],
      { REDIS_URL: redisUrl, HOME: machine, ASSAY_DATA_DIR: join(machine, 'data'), PATH: process.env.PATH ?? '' },
      { clean: true },
    )
    const result = await published
    const status = await statusOf(jobId)
    expect(status.result?.datasetId).to.equal(result!.datasetId)
    // (The prove stage may still have been queueing batches when the waiting was first seen.)
    expect(status.proofs.done).to.equal(status.proofs.total).and.to.be.at.least(queued.proofs.total)
    // Every batch proof came back through Redis from the worker.
    const proved = worker
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('proved '))
    expect(proved, worker.stdout() + worker.stderr()).to.have.length(status.proofs.total)
    expect(worker.stdout()).to.contain(`assay worker: 1 prover process(es) on ${redisUrl}`)

    // SIGTERM: it finishes (nothing is running now) and exits 0.
    worker.child.kill('SIGTERM')
    expect(await worker.exited, worker.stderr()).to.equal(0)
  })
})
