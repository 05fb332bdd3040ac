import type { SeriesTotals } from '../circuits/index.js'
import type { Manifest } from '../core/index.js'
import { scoreQuality } from '../pipelines/index.js'
import type { PlaintextArchive } from '../sdk/index.js'

/**
 * The quality score recomputed by an auditor from a decrypted archive: the same scorer the
 * publisher ran, over the same readings, with validity and the largest gap from the proofs.
 */
export function recomputeQuality(archive: PlaintextArchive, manifest: Manifest, proven: SeriesTotals[]): number {
  const readings = archive.series.map(() => ({ times: [] as number[], values: [] as number[] }))
  for (const line of archive.readings.split('\n')) {
    if (line.trim() === '') continue
    const r = JSON.parse(line) as { s: number; t: number; v: string }
    readings[r.s]?.times.push(r.t)
    readings[r.s]?.values.push(Number(r.v))
  }
  const gateways = new Set(manifest.devices.filter((d) => d.gateway).map((d) => d.deviceId))
  return scoreQuality(
    archive.series.map((s, i) => ({
      key: s.seriesId,
      device: s.device ?? manifest.series[i]!.deviceId,
      metric: s.metric,
      times: readings[i]!.times,
      values: readings[i]!.values,
      duplicates: s.duplicates ?? 0,
      ...(s.validRange !== undefined ? { validRange: s.validRange } : {}),
      deviceSigned: !gateways.has(manifest.series[i]!.deviceId),
      proven: { inRange: Number(proven[i]!.inRange), maxGap: Number(proven[i]!.maxGap) },
    })),
  ).score
}
