import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { expect } from 'chai'
import type { PublicationStatus } from '../../pipelines/index.js'
import { runCli, until, type Cli } from '../helpers/cli-process.js'
import { datasetPath } from '../helpers/datasets.js'
import { runNode, stopNode, stopOrphans, type RunningNode } from '../helpers/node-process.js'
import { operatorHeaders } from '../helpers/operator.js'

/** SIGKILL, as a crash or an OOM kill would; then what it left running is stopped so its state persists. */
async function crash(node: RunningNode): Promise<void> {
  const exited = once(node.child, 'exit')
  node.child.kill('SIGKILL')
  await exited
  await stopOrphans(node.pids)
}

const LOST = (url: string): RegExp =>
  new RegExp(`^lost the node at ${url.replace(/[.:/]/g, '\\$&')} \\((connection closed|connection reset)\\); waiting for it to come back…$`)

describe('assay publish while the node crashes and restarts (assay node and the CLI as processes)', function () {
  this.timeout(900_000)
  let root: string
  let slice: string
  const nodes: RunningNode[] = []
  const clis: Cli[] = []
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'assay-reconnect-'))
    const lines = readFileSync(datasetPath('occupancy-room-2015.csv'), 'utf8').split('\n')
    slice = join(root, 'office.csv')
    await writeFile(slice, `${lines.slice(0, 41).join('\n')}\n`)
  })
  afterEach(async () => {
    for (const c of clis.splice(0)) if (c.child.exitCode === null) c.child.kill('SIGKILL')
    for (const n of nodes.splice(0)) {
      await stopNode(n)
      await stopOrphans(n.pids)
    }
  })
  after(() => rm(root, { recursive: true, force: true }))

  const publish = (node: RunningNode, dataDir: string, title: string, ...extra: string[]): Cli => {
    const cli = runCli(
      [
        'publish',
        slice,
        '--map',
        'tests/fixtures/occupancy-temperature.mapping.json',
        '--title',
        title,
        '--json',
        '--node',
        node.url,
        ...extra,
      ],
      { ASSAY_DATA_DIR: dataDir, ASSAY_TOKEN: '' },
    )
    clis.push(cli)
    return cli
  }
  const jobOf = (cli: Cli): string => /publication (pub-[\w-]+) accepted/.exec(cli.stderr())![1]!

  it('says once that it lost the node, follows the same publication once the node is back, and exits 0 with it published', async () => {
    const dataDir = join(root, 'follow-through')
    const first = await runNode(dataDir)
    nodes.push(first)
    const cli = publish(first, dataDir, 'Followed through a crash', '--wait-for-node', '5m')
    // The node is killed while the CLI follows: once it has printed a line of stages.
    await until('the CLI follows the publication', () => /accepted[\s\S]*\ningest/.test(cli.stderr()))
    const jobId = jobOf(cli)
    await crash(first)
    await until('the CLI reports the loss', () => cli.stderr().includes('lost the node'))
    const second = await runNode(dataDir, { PORT: new URL(first.url).port })
    nodes.push(second)

    const code = await cli.exited
    expect(code, cli.stderr()).to.equal(0)
    const lines = cli.stderr().trim().split('\n')
    const lost = lines.filter((l) => l.startsWith('lost the node'))
    expect(lost, cli.stderr()).to.have.length(1)
    expect(lost[0]).to.match(LOST(first.url))
    expect(lines).to.include(`the node at ${first.url} is back; following publication ${jobId} again`)
    expect(cli.stderr()).not.to.contain('TypeError')
    expect(lines.at(-1)).to.match(/list✓$/)
    // Published: the restarted node's status and catalog show the dataset the CLI printed.
    const printed = JSON.parse(cli.stdout().trim().split('\n').at(-1)!) as { datasetId: string; manifestCid: string }
    const status = (await (
      await fetch(new URL(`/jobs/${jobId}`, second.url), { headers: operatorHeaders(second.operatorToken) })
    ).json()) as PublicationStatus
    expect(status.result?.datasetId).to.equal(printed.datasetId)
    // The catalog indexes the anchor from the chain first and reads the manifest from IPFS after
    // that (until then the title is empty): wait for the manifest, not for the entry.
    let page: { title?: string; manifestCid?: string; manifestStatus?: string } = {}
    for (let i = 0; i < 150 && page.manifestStatus !== 'ok'; i++, await sleep(200)) {
      const res = await fetch(new URL(`/datasets/${printed.datasetId}`, second.url))
      if (res.ok) page = (await res.json()) as typeof page
    }
    expect([page.title, page.manifestCid]).to.deep.equal(['Followed through a crash', printed.manifestCid])
  })

  it('gives up after --wait-for-node naming `assay status JOB --follow`, which then follows it to the end', async () => {
    const dataDir = join(root, 'pick-up-later')
    const first = await runNode(dataDir)
    nodes.push(first)
    const cli = publish(first, dataDir, 'Picked up later', '--wait-for-node', '3s')
    await until('the CLI follows the publication', () => /accepted[\s\S]*\ningest/.test(cli.stderr()))
    const jobId = jobOf(cli)
    await crash(first)
    // 69 (unavailable): the node may come back; the job goes on meanwhile.
    expect(await cli.exited, cli.stderr()).to.equal(69)
    const command = `assay status ${jobId} --follow --node ${first.url}`
    expect(cli.stderr().trim().split('\n').at(-1)).to.equal(
      `FollowTimeoutError: stopped following publication ${jobId}: the node at ${first.url} has not come back within 3 s ` +
        `(connection refused); it goes on once the node is back, follow it then with: ${command}`,
    )
    expect(cli.stderr()).not.to.contain('TypeError')

    const second = await runNode(dataDir, { PORT: new URL(first.url).port })
    nodes.push(second)
    const status = runCli([...command.split(' ').slice(1), '--json'], { ASSAY_DATA_DIR: dataDir, ASSAY_TOKEN: '' })
    clis.push(status)
    expect(await status.exited, status.stderr()).to.equal(0)
    expect(status.stderr()).to.match(/list✓\n$/)
    const printed = JSON.parse(status.stdout()) as { datasetId: string }
    const final = (await (
      await fetch(new URL(`/jobs/${jobId}`, second.url), { headers: operatorHeaders(second.operatorToken) })
    ).json()) as PublicationStatus
    expect(final.result?.datasetId).to.equal(printed.datasetId)
  })
})
