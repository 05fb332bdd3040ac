import { createWriteStream, existsSync } from 'node:fs'
import { once } from 'node:events'
import { SIMULATED_METRICS, simulateSignedBatches, SimulationError } from '../pipelines/index.js'
import { deviceCreateCommand, readDeviceKeyFile } from './device-command.js'
import { parseDuration } from './publish-command.js'

export interface SimulateCommandOptions {
  out: string
  /** Device key files; none: one new key is created next to the output. */
  devices: string[]
  metrics: string
  /** How long the devices record (7d, 24h, seconds), or `readings` per series. */
  duration?: string
  readings?: number
  interval: string
  start?: string
  seed?: number
  circuit?: string
}

/**
 * `assay simulate`: writes a signed-batch file (one JSON batch per line) of realistic readings from
 * simulated devices, each batch signed by its device's key, ready for `assay publish`.
 */
export async function simulateCommand(
  options: SimulateCommandOptions,
  io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => console.log(s), err: (s) => console.error(s) },
): Promise<{ file: string; batches: number; readings: number; devices: string[] }> {
  if (existsSync(options.out)) throw new SimulationError(`${options.out} exists; choose another --out`)
  const interval = Number(parseDuration(options.interval))
  const readings = options.readings ?? Math.floor(Number(parseDuration(options.duration ?? '2d')) / Math.max(1, interval))
  const startMs = options.start !== undefined ? Date.parse(options.start) : Date.now() - readings * interval * 1000
  if (Number.isNaN(startMs)) throw new SimulationError(`--start: "${options.start}" is not a date (e.g. 2026-01-01T00:00:00Z)`)
  const metrics = options.metrics
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean)
  const keyFiles = [...options.devices]
  if (keyFiles.length === 0) {
    const file = `${options.out.replace(/\.[^./]*$/, '')}.device.key.json`
    await deviceCreateCommand({ out: file, label: 'simulated sensor 1' }, { out: () => undefined, err: io.err })
    keyFiles.push(file)
  }
  const devices = await Promise.all(
    keyFiles.map(async (f, i) => {
      const key = await readDeviceKeyFile(f)
      return { ...key, label: key.label ?? `simulated sensor ${i + 1}` }
    }),
  )
  const out = createWriteStream(options.out, { flags: 'wx' })
  let batches = 0
  let count = 0
  try {
    for await (const batch of simulateSignedBatches({
      devices,
      metrics,
      start: Math.floor(startMs / 1000),
      readings,
      interval,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.circuit !== undefined ? { circuitId: options.circuit } : {}),
    })) {
      if (!out.write(`${JSON.stringify(batch)}\n`)) await once(out, 'drain')
      batches++
      count += batch.values.length
    }
  } finally {
    out.end()
    await once(out, 'close')
  }
  io.out(
    `${options.out}: ${count} readings of ${metrics.join(', ')} from ${devices.length} device(s) in ${batches} signed batches (known metrics: ${Object.keys(SIMULATED_METRICS).join(', ')})`,
  )
  return { file: options.out, batches, readings: count, devices: devices.map((d) => d.deviceId.toString()) }
}
