import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { createDeviceKey, deviceKeyFromFile, deviceKeyToFile, type DeviceKey } from '../../../circuits/index.js'
import type { SignedBatch } from '../../../core/index.js'
import {
  isSignedBatchFile,
  planSignedBatches,
  qualityInputs,
  scoreQuality,
  simulateSignedBatches,
  type SimulateOptions,
} from '../../../pipelines/index.js'
import { datasetPath } from '../../helpers/datasets.js'
import { caught } from '../../helpers/errors.js'

const collect = async (options: SimulateOptions): Promise<SignedBatch[]> => {
  const out: SignedBatch[] = []
  for await (const b of simulateSignedBatches(options)) out.push(b)
  return out
}

describe('device-signed batches (assay simulate → signed-batch file → plan)', function () {
  this.timeout(120_000)
  let dir: string
  let roof: DeviceKey & { label: string }
  let balcony: DeviceKey & { label: string }
  let batches: SignedBatch[]
  let file: string
  const base = {
    metrics: ['temperature'],
    start: 1_767_225_600,
    readings: 40,
    interval: 60,
    circuitId: 'sensor-stats-b16-v2',
    gapRate: 0,
    stuckRate: 0,
  }

  /** Writes batches as a signed-batch file, after `edit` changes them. */
  const writeBatches = async (name: string, edit: (lines: SignedBatch[]) => SignedBatch[]): Promise<string> => {
    const path = join(dir, name)
    const copy = JSON.parse(JSON.stringify(batches)) as SignedBatch[]
    await writeFile(
      path,
      edit(copy)
        .map((b) => `${JSON.stringify(b)}\n`)
        .join(''),
    )
    return path
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-signed-'))
    roof = { ...(await createDeviceKey()), label: 'roof' }
    balcony = { ...(await createDeviceKey()), label: 'balcony' }
    batches = await collect({ ...base, devices: [roof, balcony], seed: 1 })
    file = await writeBatches('sim.ndjson', (b) => b)
  })
  after(async () => rm(dir, { recursive: true, force: true }))

  it('plans a simulated file as signed: one series per device and metric, batches in series order', async () => {
    const plan = await planSignedBatches(file)
    expect(plan.circuitId).to.equal('sensor-stats-b16-v2')
    expect(plan.series.map((s) => [s.device, s.signedBy, s.deviceId])).to.deep.equal([
      ['roof', 'device', roof.deviceId],
      ['balcony', 'device', balcony.deviceId],
    ])
    expect(plan.batches.map((b) => [b.series, b.index, b.count])).to.deep.equal([
      [0, 0, 16],
      [0, 1, 16],
      [0, 2, 8],
      [1, 0, 16],
      [1, 1, 16],
      [1, 2, 8],
    ])
    expect(plan.rows).to.equal(80)
    // The plan proves exactly what the device signed: same salt, readings and signature.
    const signed = batches.find((b) => b.device.label === 'balcony' && b.batchIndex === 1)!
    const input = plan.batches[4]!.input
    expect([input.salt, input.S, input.values!.slice(0, 16)]).to.deep.equal([signed.salt, signed.signature.S, signed.values.map(String)])
    expect(plan.series[0]!.texts[0]).to.match(/^\d+\.\d\d$/)
  })

  it('scores signature coverage 1 and compares the two devices measuring the same metric', async () => {
    const report = scoreQuality(qualityInputs(await planSignedBatches(file)))
    expect(report.signedBy).to.equal('devices')
    for (const s of report.series) {
      expect(s.components.signatures!.score).to.equal(1)
      expect(s.components.agreement, 'agreement').to.not.equal(undefined)
    }
  })

  it('simulates the same readings for the same seed, always with fresh salts and series ids', async () => {
    const again = await collect({ ...base, devices: [roof, balcony], seed: 1 })
    expect(again.map((b) => b.values)).to.deep.equal(batches.map((b) => b.values))
    expect(again.map((b) => b.times)).to.deep.equal(batches.map((b) => b.times))
    expect(again[0]!.salt).to.not.equal(batches[0]!.salt)
    expect(again[0]!.seriesId).to.not.equal(batches[0]!.seriesId)
  })

  it('simulates a daily cycle, outages and stuck sensors', async () => {
    const days = await collect({
      ...base,
      devices: [roof],
      readings: 3 * 144,
      interval: 600,
      gapRate: 0.02,
      stuckRate: 0.01,
      seed: 3,
      circuitId: 'sensor-stats-16bit-b400-v2',
    })
    const times = days.flatMap((b) => b.times)
    const values = days.flatMap((b) => b.values)
    expect(
      times.slice(1).some((t, i) => t - times[i]! >= 5 * 600),
      'an outage',
    ).to.equal(true)
    let run = 1
    let longest = 1
    for (let i = 1; i < values.length; i++) longest = Math.max(longest, (run = values[i] === values[i - 1] ? run + 1 : 1))
    expect(longest, 'a stuck run').to.be.at.least(12)
    const meanAt = (hours: number[]) => {
      const picked = values.filter((_, i) => hours.includes(Math.floor((times[i]! % 86_400) / 3600)))
      return picked.reduce((a, b) => a + b, 0) / picked.length
    }
    expect(meanAt([14, 15, 16]) - meanAt([2, 3, 4]), 'afternoon warmer than night (0.01 °C)').to.be.greaterThan(400)
  })

  it('rejects a batch whose signature is not the device’s, naming the file and line', async () => {
    const path = await writeBatches('forged.ndjson', (b) => {
      b[3]!.values[0] = b[3]!.values[0]! + 1
      return b
    })
    const err = await caught(() => planSignedBatches(path))
    expect(err.name).to.equal('SignedBatchError')
    expect(err.message).to.match(/^forged\.ndjson:4: .*the signature is not the device's/)
  })

  it('rejects a batch that claims another device’s key', async () => {
    const path = await writeBatches('claimed.ndjson', (b) => {
      const other = b.find((x) => x.device.label === 'balcony')!.device
      b[0]!.device = { ...other, label: 'roof' }
      return b
    })
    expect((await caught(() => planSignedBatches(path))).message).to.match(/:1: .*not the device's/)
  })

  it('rejects missing, replayed, reordered, relabelled, rescaled and cut-short series, a moved end marker, time going backwards, and a second circuit', async () => {
    const roofBatches = (b: SignedBatch[]) => b.filter((x) => x.device.label === 'roof')
    const cases: Array<[string, (b: SignedBatch[]) => SignedBatch[], RegExp]> = [
      ['skipped', (b) => b.filter((x) => !(x.device.label === 'roof' && x.batchIndex === 1)), /batch 2 where batch 1 was expected/],
      ['replayed', (b) => [...b, roofBatches(b)[1]!], /batch 1 follows batch 2, which its device marked last/],
      [
        'cut short',
        (b) => b.filter((x) => !(x.device.label === 'roof' && x.last)),
        /series \d+… \(first batch here\) ends at batch 1, which its device did not mark last: its trailing batches are missing/,
      ],
      [
        'relabelled',
        (b) => b.map((x) => (x.device.label === 'roof' ? { ...x, metric: 'humidity' } : x)),
        /batch 0 of series \d+…: the signature is not the device's/,
      ],
      [
        'rescaled',
        (b) => b.map((x) => (x.device.label === 'roof' ? { ...x, scale: x.scale + 1 } : x)),
        /batch 0 of series \d+…: the signature is not the device's/,
      ],
      [
        'end marker moved',
        (b) => b.map((x) => (x.device.label === 'roof' && x.batchIndex === 0 ? { ...x, last: true } : x)),
        /batch 0 of series \d+…: the signature is not the device's/,
      ],
      ['late start', (b) => b.filter((x) => !(x.device.label === 'roof' && x.batchIndex === 0)), /starts at batch 1, not 0/],
      [
        'backwards',
        (b) => {
          const [first, second] = roofBatches(b)
          second!.times = second!.times.map((t) => t - 3600)
          return [first!, second!]
        },
        /starts at \d+, not after \d+/,
      ],
      [
        'two circuits',
        (b) => {
          b[1]!.circuitId = 'sensor-stats-16bit-b400-v2'
          return b
        },
        /signed for sensor-stats-16bit-b400-v2, but the file's first batch was signed for sensor-stats-b16-v2/,
      ],
      [
        'too many readings',
        (b) => {
          b[0]!.times = [...b[0]!.times, ...b[1]!.times]
          b[0]!.values = [...b[0]!.values, ...b[1]!.values]
          return b
        },
        /a batch holds 1\.\.16 readings, got 32/,
      ],
    ]
    for (const [name, edit, message] of cases) {
      const err = await caught(async () => planSignedBatches(await writeBatches(`${name}.ndjson`, edit)))
      expect([name, err.name]).to.deep.equal([name, 'SignedBatchError'])
      expect(err.message, name).to.match(message)
    }
  })

  it('rejects broken JSON, a malformed batch, an unknown circuit and an empty file', async () => {
    const line = JSON.stringify(batches[0])
    const cases: Array<[string, string, RegExp]> = [
      ['broken', `${line}\n{"format":`, /broken\.ndjson:2: not JSON/],
      ['no salt', `${JSON.stringify({ ...batches[0], salt: undefined })}\n`, /:1: salt: /],
      [
        'hex key',
        `${JSON.stringify({ ...batches[0], device: { x: '0x12', y: '1' } })}\n`,
        /:1: device\.x: must be a decimal field element/,
      ],
      ['unknown circuit', `${JSON.stringify({ ...batches[0], circuitId: 'nope-v1' })}\n`, /:1: circuitId: /],
      ['empty', '\n\n', /holds no signed batch/],
    ]
    for (const [name, text, message] of cases) {
      const path = join(dir, `${name}.ndjson`)
      await writeFile(path, text)
      const err = await caught(() => planSignedBatches(path))
      expect([name, err.name]).to.deep.equal([name, 'SignedBatchError'])
      expect(err.message, name).to.match(message)
    }
  })

  it('recognises a file of the retired v1 format and refuses it by name, naming file and line', async () => {
    const old = join(dir, 'v1.ndjson')
    await writeFile(old, `${JSON.stringify({ ...batches[0], format: 'assay.signed-batch/v1' })}\n`)
    expect(await isSignedBatchFile(old)).to.equal(true)
    const err = await caught(() => planSignedBatches(old))
    expect(err.name).to.equal('SignedBatchError')
    expect(err.message).to.match(/^v1\.ndjson:1: format: assay\.signed-batch\/v1 is not assay\.signed-batch\/v2; .*sign them again$/)
  })

  it('tells a signed-batch file from a CSV or plain NDJSON', async () => {
    expect(await isSignedBatchFile(file)).to.equal(true)
    expect(await isSignedBatchFile(datasetPath('occupancy-room-2015.csv'))).to.equal(false)
    const plain = join(dir, 'plain.ndjson')
    await writeFile(plain, '{"time":"2026-01-01T00:00:00Z","temperature":21.5}\n')
    expect(await isSignedBatchFile(plain)).to.equal(false)
  })
})

describe('device key files', () => {
  it('round-trip: the file gives back the same key, id and label', async () => {
    const key = await createDeviceKey()
    const back = await deviceKeyFromFile(JSON.parse(JSON.stringify(deviceKeyToFile(key, 'roof'))))
    expect([back.Ax, back.Ay, back.deviceId, back.label]).to.deep.equal([key.Ax, key.Ay, key.deviceId, 'roof'])
    expect(back.privateKey).to.deep.equal(key.privateKey)
  })

  it('refuses a file whose public key or id is not its private key’s, and files that are not key files', async () => {
    const a = deviceKeyToFile(await createDeviceKey())
    const b = deviceKeyToFile(await createDeviceKey())
    for (const bad of [
      { ...a, publicKey: b.publicKey },
      { ...a, deviceId: b.deviceId },
    ]) {
      const err = await caught(() => deviceKeyFromFile(bad))
      expect([err.name, err.message]).to.deep.equal([
        'DeviceKeyFileError',
        'the public key or device id in the file does not belong to its private key',
      ])
    }
    for (const junk of [{}, { ...a, privateKey: 'zz' }, JSON.parse(await readFile('package.json', 'utf8')) as unknown]) {
      expect((await caught(() => deviceKeyFromFile(junk))).message).to.match(/^not a device key file: /)
    }
  })
})
