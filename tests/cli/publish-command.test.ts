import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { loadConfig } from '../../core/index.js'
import { parseDuration, publishCommand, startNode, type AssayNode } from '../../cli/index.js'
import { datasetPath } from '../helpers/datasets.js'
import { caught } from '../helpers/errors.js'

describe('assay publish through a running node (upload → BullMQ flow → anchored and listed)', function () {
  this.timeout(600_000)
  let dir: string
  let node: AssayNode
  let file: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-publish-cli-'))
    node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'data') }), port: 0 }, () => undefined)
    const lines = readFileSync(datasetPath('occupancy-room-2015.csv'), 'utf8').split('\n')
    file = join(dir, 'office.csv')
    await writeFile(file, `${lines.slice(0, 61).join('\n')}\n`)
  })
  after(async () => {
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('uploads with the committed mapping, shows each stage, and prints the published dataset as JSON', async () => {
    const out: string[] = []
    const err: string[] = []
    const result = await publishCommand(
      file,
      {
        node: node.url,
        map: 'examples/occupancy-room-2015.mapping.json',
        title: 'Office, one hour',
        price: '0.01',
        period: '7d',
        json: true,
      },
      { out: (s) => out.push(s), err: (s) => err.push(s) },
    )
    const printed = JSON.parse(out.at(-1)!) as { datasetId: string; root: string; stats: Array<{ metric: string; count: number }> }
    expect(printed.datasetId).to.equal(result!.datasetId)
    expect(printed.stats.map((s) => [s.metric, s.count])).to.deep.equal([
      ['temperature', 60],
      ['humidity', 60],
      ['light', 60],
      ['co2', 60],
      ['humidity_ratio', 60],
    ])
    expect(err.join('\n')).to.contain('prove').and.contain('list✓')
    const listing = await node.chain.listingOf(BigInt(printed.datasetId))
    expect([listing.price, listing.accessPeriod]).to.deep.equal([10n ** 16n, 7n * 86_400n])
    expect((await node.chain.datasetOf(BigInt(printed.datasetId))).root.toString()).to.equal(printed.root)
  })

  it('infers the mapping on the node when none is given', async () => {
    const result = await publishCommand(
      file,
      { node: node.url, title: 'Office, inferred mapping' },
      { out: () => undefined, err: () => undefined },
    )
    expect(result!.stats).to.have.length(5)
  })

  it('reports a refused upload with the node’s named error: a bad mapping, a missing title, no file', async () => {
    const badMap = join(dir, 'bad.json')
    await writeFile(
      badMap,
      JSON.stringify({ version: 1, format: 'csv', timestamp: { columns: ['Nope'] }, metrics: [{ column: 'Temperature' }] }),
    )
    const e1 = await caught(() =>
      publishCommand(file, { node: node.url, map: badMap, title: 't' }, { out: () => undefined, err: () => undefined }),
    )
    expect([e1.name, e1.message]).to.deep.equal([
      'PublishCommandError',
      'publication failed: ingest: MissingColumnError: office.csv has no column "Nope" (it has "Date", "Temperature", "Humidity", "Light", "CO2", "HumidityRatio", "Occupancy")',
    ])
    const form = new FormData()
    form.append('file', new Blob(['a,b\n']), 'x.csv')
    const res = await fetch(new URL('/datasets', node.url), { method: 'POST', body: form })
    expect(res.status).to.equal(400)
    expect(((await res.json()) as { error: { name: string; message: string } }).error).to.deep.equal({
      name: 'ValidationError',
      message: 'title: Invalid input: expected string, received undefined',
    })
    const noFile = new FormData()
    noFile.append('title', 'x')
    const res2 = await fetch(new URL('/datasets', node.url), { method: 'POST', body: noFile })
    expect(((await res2.json()) as { error: { message: string } }).error.message).to.equal('file: no file part named "file" in the upload')
    expect((await fetch(new URL('/jobs/nope', node.url))).status).to.equal(404)
  })

  it('reads durations', () => {
    expect([parseDuration('7d'), parseDuration('24h'), parseDuration('30m'), parseDuration('3600')]).to.deep.equal([
      604_800n,
      86_400n,
      1_800n,
      3_600n,
    ])
    expect(() => parseDuration('a week'))
      .to.throw(Error, 'is not a duration')
      .with.property('name', 'ConfigError')
  })
})
