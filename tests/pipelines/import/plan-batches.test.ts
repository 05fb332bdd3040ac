import { execFileSync } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import { expect } from 'chai'
import { computeBatchCommitment, createDeviceKey, sensorStatsParams, type DeviceKey } from '../../../circuits/index.js'
import { encodeValue, parseImportMapping } from '../../../core/index.js'
import { importReadings, plaintextArchive, planBatches } from '../../../pipelines/index.js'
import { datasetPath } from '../../helpers/datasets.js'

describe('planning batches and the plaintext archive', function () {
  this.timeout(120_000)
  let dir: string
  let signer: DeviceKey
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-plan-'))
    signer = await createDeviceKey()
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('encodes, picks the narrowest production circuit, and cuts series into batches of B and at wide gaps', async () => {
    const mapping = parseImportMapping(JSON.parse(await readFile('examples/occupancy-room-2015.mapping.json', 'utf8')))
    const imported = await importReadings(datasetPath('occupancy-room-2015.csv'), mapping, { maxRows: 900 })
    const plan = await planBatches(imported.series, { signer })
    // Every occupancy metric fits 24 bits at its resolution; CO2 at 0.01 ppm does not fit 16.
    expect(plan.circuitId).to.equal('sensor-stats-24bit-b336-v2')
    expect(plan.batches.filter((b) => b.series === 0).map((b) => b.count)).to.deep.equal([336, 336, 228])
    const temperature = plan.series[0]!
    expect(temperature.values[0]).to.equal(encodeValue('23.18', temperature.encoding))
    expect(temperature.lo).to.equal(0n) // -50 °C is below the offset: the band starts at 0
    const b = plan.batches[1]!
    const params = sensorStatsParams(plan.circuitId)
    expect(b.commitment).to.equal(
      await computeBatchCommitment(
        { values: temperature.values.slice(336, 672), times: temperature.times.slice(336, 672) },
        b.salt,
        params,
      ),
    )
  })

  it('starts a new batch after a gap wider than 2^gapBits seconds', async () => {
    const path = join(dir, 'gap.csv')
    await writeFile(path, 'time,temp\n2020-01-01T00:00:00Z,1\n2020-01-01T00:01:00Z,2\n2021-01-01T00:00:00Z,3\n')
    const imported = await importReadings(
      path,
      parseImportMapping({ version: 1, format: 'csv', timestamp: { columns: ['time'] }, metrics: [{ column: 'temp', scale: 0 }] }),
    )
    const plan = await planBatches(imported.series, { signer, circuitId: 'sensor-stats-b16-v2' })
    expect(plan.batches.map((b) => [b.index, b.count])).to.deep.equal([
      [0, 2],
      [1, 1],
    ])
  })

  it('archives as a tar any tool reads: series, batches with salts, readings, and the source file byte for byte', async () => {
    const source = join(dir, 'src.csv')
    await writeFile(source, 'time,temp\n2020-01-01T00:00:00Z,21.5\n2020-01-01T00:01:00Z,21.75\n')
    const mapping = parseImportMapping({
      version: 1,
      format: 'csv',
      timestamp: { columns: ['time'] },
      metrics: [{ column: 'temp', name: 't' }],
    })
    const plan = await planBatches((await importReadings(source, mapping)).series, { signer, circuitId: 'sensor-stats-b16-v2' })
    const tar = join(dir, 'plain.tar')
    await pipeline(Readable.from(plaintextArchive(plan, source)), createWriteStream(tar))
    expect(execFileSync('tar', ['-tf', tar], { encoding: 'utf8' }).trim().split('\n')).to.deep.equal([
      'series.json',
      'batches.json',
      'readings.ndjson',
      'source/src.csv',
    ])
    execFileSync('tar', ['-xf', tar, '-C', dir])
    expect(await readFile(join(dir, 'source', 'src.csv'), 'utf8')).to.equal(await readFile(source, 'utf8'))
    expect((await readFile(join(dir, 'readings.ndjson'), 'utf8')).trim().split('\n')).to.deep.equal([
      '{"s":0,"t":1577836800,"v":"21.5"}',
      '{"s":0,"t":1577836860,"v":"21.75"}',
    ])
    const [batch] = JSON.parse(await readFile(join(dir, 'batches.json'), 'utf8')) as Array<{ salt: string; commitment: string }>
    expect(batch!.commitment).to.equal(plan.batches[0]!.commitment.toString())
    expect(batch!.salt).to.equal(plan.batches[0]!.salt.toString())
  })
})
