// A device-signed dataset of `batches` batches (test circuit B = 16: verifying a batch costs the
// same whatever B), published through a running node as a user would: device key, registration,
// simulated feed, `assay publish`. Shared by the benchmarks that need one.
import { join } from 'node:path'
import { deviceCreateCommand, deviceRegisterCommand, publishCommand, simulateCommand } from '../cli/index.js'

const quiet = { out: () => undefined, err: () => undefined }

export async function publishMeterDataset(
  node: { url: string; operatorToken: string },
  dir: string,
  batches: number,
): Promise<{ datasetId: string; seconds: number }> {
  const key = join(dir, 'meter.key.json')
  await deviceCreateCommand({ out: key, label: 'meter' }, quiet)
  await deviceRegisterCommand(key, { node: node.url, operatorToken: node.operatorToken }, quiet)
  const file = join(dir, 'meter.ndjson')
  await simulateCommand(
    {
      out: file,
      devices: [key],
      metrics: 'temperature',
      readings: 16 * batches,
      interval: '60',
      start: '2026-01-01T00:00:00Z',
      seed: 1,
      circuit: 'sensor-stats-b16-v2',
    },
    quiet,
  )
  const t = performance.now()
  const published = await publishCommand(
    file,
    { node: node.url, operatorToken: node.operatorToken, title: 'Meter temperature', price: '0.001' },
    quiet,
  )
  return { datasetId: published!.datasetId, seconds: (performance.now() - t) / 1000 }
}
