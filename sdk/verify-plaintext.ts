import { computeBatchCommitment, computeDatasetRoot, sensorStatsParams } from '../circuits/index.js'
import { encodeValue, type Manifest } from '../core/index.js'
import { VerificationError } from './verification-error.js'

/** What the decrypted archive holds (see pipelines' plaintext-archive). */
export interface PlaintextArchive {
  series: Array<{
    seriesId: string
    metric: string
    unit: string
    scale: number
    offset: number
    count: number
    device?: string
    validRange?: [number, number]
    duplicates?: number
  }>
  batches: Array<{ series: number; index: number; from: number; count: number; salt: string; commitment: string }>
  /** One reading per line: {"s": series, "t": unix s, "v": "text"}. */
  readings: string
}

/**
 * Recomputes every batch commitment from the decrypted readings and salts, exactly as the circuit
 * commits them, and checks them against the manifest's commitments and its (anchored) root. Any
 * difference — a changed reading, time, salt, encoding or batch — fails with VerificationError.
 */
export async function verifyPlaintext(archive: PlaintextArchive, manifest: Manifest): Promise<{ batches: number; readings: number }> {
  const params = sensorStatsParams(manifest.proofs.circuitId)
  if (archive.series.length !== manifest.series.length)
    throw new VerificationError('series', `the archive has ${archive.series.length} series, the manifest ${manifest.series.length}`)
  archive.series.forEach((s, i) => {
    const m = manifest.series[i]!
    if (s.seriesId !== m.seriesId || s.scale !== m.scale || s.offset !== m.offset || s.count !== m.count)
      throw new VerificationError('series', `series ${i} (${s.metric}) differs from the manifest (id, encoding or count)`)
  })
  const perSeries: Array<{ times: bigint[]; values: bigint[] }> = archive.series.map(() => ({ times: [], values: [] }))
  let line = 0
  for (const text of archive.readings.split('\n')) {
    line++
    if (text.trim() === '') continue
    const r = JSON.parse(text) as { s: number; t: number; v: string }
    const s = archive.series[r.s]
    if (s === undefined) throw new VerificationError('readings', `line ${line} names series ${r.s}`)
    perSeries[r.s]!.times.push(BigInt(r.t))
    perSeries[r.s]!.values.push(encodeValue(r.v, { scale: s.scale, offset: s.offset }))
  }
  if (archive.batches.length !== manifest.commitments.batches.length)
    throw new VerificationError(
      'batches',
      `the archive has ${archive.batches.length} batches, the manifest ${manifest.commitments.batches.length}`,
    )
  const commitments: bigint[] = []
  for (const [i, b] of archive.batches.entries()) {
    const s = perSeries[b.series]
    if (s === undefined) throw new VerificationError('batches', `batch ${i} names series ${b.series}`)
    const batch = { times: s.times.slice(b.from, b.from + b.count), values: s.values.slice(b.from, b.from + b.count) }
    let commitment: bigint
    try {
      commitment = await computeBatchCommitment(batch, BigInt(b.salt), params)
    } catch (err) {
      throw new VerificationError('batch-commitment', `series ${b.series} batch ${b.index}: ${(err as Error).message}`, { cause: err })
    }
    if (commitment.toString() !== manifest.commitments.batches[i])
      throw new VerificationError(
        'batch-commitment',
        `series ${b.series} batch ${b.index}: the decrypted readings do not rebuild the proven commitment`,
      )
    commitments.push(commitment)
  }
  if ((await computeDatasetRoot(commitments)).toString() !== manifest.commitments.root)
    throw new VerificationError('root', 'the batch commitments do not rebuild the anchored root')
  return { batches: commitments.length, readings: perSeries.reduce((n, s) => n + s.times.length, 0) }
}
