import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { basename } from 'node:path'
import { createInterface } from 'node:readline'
import { BatchInputError, deviceIdOf, prepareBatch, sensorStatsParams, validBand, type SensorStatsParams } from '../../circuits/index.js'
import { decodeValue, parseSignedBatch, SIGNED_BATCH_FORMAT_PREFIX, SignedBatchError, type SignedBatch } from '../../core/index.js'
import { verifyBatchRecord } from '../signed-batches/index.js'
import { meaningOf, type BatchPlan, type PlannedBatch, type PlannedSeries } from './plan-batches.js'

/** Whether a file is a signed-batch file: its first line is a signed batch (of any format version, so an old one is refused by name). */
export async function isSignedBatchFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r')
  try {
    const { buffer, bytesRead } = await handle.read({ buffer: new Uint8Array(512), position: 0 })
    const head = new TextDecoder().decode(buffer.subarray(0, bytesRead)).trimStart()
    return head.startsWith('{') && head.slice(0, 200).includes(`"format":"${SIGNED_BATCH_FORMAT_PREFIX}`)
  } finally {
    await handle.close()
  }
}

/**
 * Reads a file of device-signed batches (one SIGNED_BATCH_FORMAT object per line, as devices and
 * `assay simulate` write them) into a batch plan. Unlike a CSV, nothing is re-cut or re-signed:
 * every batch is checked (shape, the circuit's preconditions, the device's signature of its
 * commitment and series, consecutive indices, times after the series' previous batch, nothing after
 * a batch marked last, every series ending with one) and proven as signed. A series' valid range is
 * the one its device signed (none: the whole width), never a default filled in afterwards.
 *
 * @throws {SignedBatchError} naming the file and line of the first bad batch.
 */
export async function planSignedBatches(path: string): Promise<BatchPlan & { rows: number }> {
  const file = basename(path)
  const series: PlannedSeries[] = []
  const bySeriesId = new Map<
    string,
    { index: number; first: SignedBatch; nextIndex: number; ended: boolean; where: { file: string; line: number } }
  >()
  const batches: PlannedBatch[] = []
  let circuitId: string | undefined
  let params: SensorStatsParams | undefined
  let line = 0
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })
  for await (const text of lines) {
    line++
    if (text.trim() === '') continue
    const where = { file, line }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (err) {
      throw new SignedBatchError(`not JSON: ${(err as Error).message}`, where, { cause: err })
    }
    const b = parseSignedBatch(json, where)
    if (circuitId === undefined) {
      try {
        params = sensorStatsParams(b.circuitId)
      } catch (err) {
        throw new SignedBatchError(`circuitId: ${(err as Error).message}`, where, { cause: err })
      }
      circuitId = b.circuitId
    } else if (b.circuitId !== circuitId) {
      throw new SignedBatchError(`signed for ${b.circuitId}, but the file's first batch was signed for ${circuitId}`, where)
    }

    let known = bySeriesId.get(b.seriesId)
    if (known === undefined) {
      if (b.batchIndex !== 0) throw new SignedBatchError(`series ${short(b.seriesId)} starts at batch ${b.batchIndex}, not 0`, where)
      const encoding = { scale: b.scale, offset: b.offset }
      const range = b.validRange
      const Ax = BigInt(b.device.x)
      const Ay = BigInt(b.device.y)
      const deviceId = await deviceIdOf(Ax, Ay)
      known = { index: series.length, first: b, nextIndex: 0, ended: false, where }
      bySeriesId.set(b.seriesId, known)
      series.push({
        seriesId: BigInt(b.seriesId),
        nonce: BigInt(b.nonce),
        device: b.device.label ?? `device ${deviceId.toString().slice(0, 10)}`,
        deviceId,
        deviceKey: { Ax, Ay },
        signedBy: 'device',
        metric: b.metric,
        unit: b.unit,
        encoding,
        ...validBand(range, encoding, params!.valueBits),
        ...(range !== undefined ? { validRange: range } : {}),
        times: [],
        values: [],
        texts: [],
        duplicates: 0,
      })
    } else {
      const f = known.first
      const same =
        f.device.x === b.device.x &&
        f.device.y === b.device.y &&
        f.metric === b.metric &&
        f.unit === b.unit &&
        f.scale === b.scale &&
        f.offset === b.offset &&
        JSON.stringify(f.validRange) === JSON.stringify(b.validRange)
      if (!same || f.nonce !== b.nonce)
        throw new SignedBatchError(`series ${short(b.seriesId)} changes its device, metric, unit, encoding, range or nonce`, where)
      if (known.ended)
        throw new SignedBatchError(
          `series ${short(b.seriesId)}: batch ${b.batchIndex} follows batch ${known.nextIndex - 1}, which its device marked last`,
          where,
        )
      if (b.batchIndex !== known.nextIndex)
        throw new SignedBatchError(`series ${short(b.seriesId)}: batch ${b.batchIndex} where batch ${known.nextIndex} was expected`, where)
    }
    const s = series[known.index]!
    const times = b.times.map(BigInt)
    const values = b.values.map(BigInt)
    const last = s.times.at(-1)
    if (last !== undefined && times[0]! <= last)
      throw new SignedBatchError(`series ${short(b.seriesId)}: batch ${b.batchIndex} starts at ${times[0]}, not after ${last}`, where)

    const salt = BigInt(b.salt)
    const signature = { R8x: BigInt(b.signature.R8x), R8y: BigInt(b.signature.R8y), S: BigInt(b.signature.S) }
    let commitment: bigint
    let input: Record<string, string | string[]>
    try {
      const verdict = await verifyBatchRecord(b, params!)
      commitment = verdict.commitment
      if (!verdict.signed)
        throw new SignedBatchError(`batch ${b.batchIndex} of series ${short(b.seriesId)}: the signature is not the device's`, where)
      ;({ input } = await prepareBatch({ values, times }, params!, {
        lo: s.lo,
        hi: s.hi,
        meaning: meaningOf(s),
        batchIndex: BigInt(b.batchIndex),
        last: b.last,
        salt,
        device: s.deviceKey,
        signature,
      }))
    } catch (err) {
      if (err instanceof BatchInputError) throw new SignedBatchError(err.message, where, { cause: err })
      throw err
    }
    batches.push({ series: known.index, index: b.batchIndex, salt, commitment, count: values.length, input })
    known.nextIndex++
    known.ended = b.last
    s.times.push(...times)
    s.values.push(...values)
    s.texts.push(...values.map((v) => decodeValue(v, s.encoding).toFixed(s.encoding.scale)))
  }
  if (circuitId === undefined) throw new SignedBatchError('the file holds no signed batch', { file })
  // A series its device did not end could have lost its trailing batches: proofs of it could not
  // show it is whole, so it is refused here rather than published unverifiable.
  for (const [id, k] of bySeriesId)
    if (!k.ended)
      throw new SignedBatchError(
        `series ${short(id)} (first batch here) ends at batch ${k.nextIndex - 1}, which its device did not mark last: its trailing batches are missing`,
        k.where,
      )
  const rows = series.reduce((n, s) => n + s.times.length, 0)
  // Devices interleave their series; the plan (and so the manifest and the root) orders by series.
  batches.sort((a, b) => a.series - b.series || a.index - b.index)
  return { circuitId, params: params!, series, batches, rows }
}

const short = (id: string): string => `${id.slice(0, 10)}…`
