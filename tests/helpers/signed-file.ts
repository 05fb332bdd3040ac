import { writeFile } from 'node:fs/promises'
import { simulateSignedBatches, type SimulateOptions } from '../../pipelines/index.js'

/**
 * Writes simulated readings, signed by the given devices, as a device-signed batch file (one
 * batch per line). Defaults: from 2026-01-01, one reading a minute, 16-reading batches.
 */
export async function writeSignedBatchFile(
  file: string,
  options: Pick<SimulateOptions, 'devices' | 'metrics' | 'readings' | 'seed'> & Partial<SimulateOptions>,
): Promise<string> {
  const lines: string[] = []
  for await (const b of simulateSignedBatches({ start: 1_767_225_600, interval: 60, circuitId: 'sensor-stats-b16-v2', ...options }))
    lines.push(`${JSON.stringify(b)}\n`)
  await writeFile(file, lines.join(''))
  return file
}
