import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import type { BatchPlan } from './plan-batches.js'

/**
 * The plaintext a buyer decrypts: a POSIX tar (ustar) that any tar tool opens, holding
 *   series.json      per series: id, device, metric, unit, scale, offset, valid range, count,
 *                    repeated timestamps dropped at import (so the quality score can be recomputed)
 *   batches.json     per batch: series, index, first reading, count, salt, commitment
 *   readings.ndjson  one reading per line in series order: {"s": series, "t": unix s, "v": "text"}
 *   source/<name>    the seller's file exactly as uploaded
 * so the buyer can re-encode every reading, rebuild each batch commitment with its salt, and
 * compare them with the proofs and the anchored root. Deterministic for a given plan and file.
 */
export async function* plaintextArchive(plan: BatchPlan, sourcePath: string): AsyncGenerator<Uint8Array> {
  const json = (value: unknown): Uint8Array => new TextEncoder().encode(`${JSON.stringify(value, null, 1)}\n`)
  yield* entry('series.json', json(seriesDescription(plan)))
  const starts = new Map<number, number>()
  yield* entry(
    'batches.json',
    json(
      plan.batches.map((b) => {
        const from = starts.get(b.series) ?? 0
        starts.set(b.series, from + b.count)
        return { series: b.series, index: b.index, from, count: b.count, salt: b.salt.toString(), commitment: b.commitment.toString() }
      }),
    ),
  )
  const lines: string[] = []
  plan.series.forEach((s, i) => s.times.forEach((t, j) => lines.push(`{"s":${i},"t":${t},"v":${JSON.stringify(s.texts[j])}}\n`)))
  yield* entry('readings.ndjson', new TextEncoder().encode(lines.join('')))
  const { size } = await stat(sourcePath)
  yield* entry(`source/${safeName(basename(sourcePath))}`, createReadStream(sourcePath), size)
  yield new Uint8Array(1024) // two zero blocks end the archive
}

export function seriesDescription(plan: BatchPlan): unknown[] {
  return plan.series.map((s) => ({
    seriesId: s.seriesId.toString(),
    device: s.device,
    deviceId: s.deviceId.toString(),
    metric: s.metric,
    unit: s.unit,
    scale: s.encoding.scale,
    offset: s.encoding.offset,
    ...(s.validRange !== undefined ? { validRange: s.validRange } : {}),
    count: s.times.length,
    duplicates: s.duplicates,
  }))
}

function safeName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '_')
  return cleaned.length > 90 ? cleaned.slice(cleaned.length - 90) : cleaned
}

async function* entry(name: string, body: Uint8Array | AsyncIterable<Uint8Array | Buffer>, size?: number): AsyncGenerator<Uint8Array> {
  const bytes = size ?? (body as Uint8Array).length
  yield header(name, bytes)
  if (body instanceof Uint8Array) {
    yield body
  } else {
    let seen = 0
    for await (const chunk of body) {
      seen += chunk.length
      yield chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk)
    }
    if (seen !== bytes) throw new Error(`${name} changed while it was archived (${seen} bytes, expected ${bytes})`)
  }
  const pad = (512 - (bytes % 512)) % 512
  if (pad > 0) yield new Uint8Array(pad)
}

/** A ustar header: fixed mode and a zero mtime so the archive depends on content only. */
function header(name: string, size: number): Uint8Array {
  const h = new Uint8Array(512)
  const put = (text: string, at: number, length: number): void => {
    const bytes = new TextEncoder().encode(text)
    h.set(bytes.subarray(0, length), at)
  }
  const octal = (n: number, length: number): string => `${n.toString(8).padStart(length - 1, '0')}\0`
  put(name, 0, 100)
  put(octal(0o644, 8), 100, 8)
  put(octal(0, 8), 108, 8)
  put(octal(0, 8), 116, 8)
  put(octal(size, 12), 124, 12)
  put(octal(0, 12), 136, 12)
  put('        ', 148, 8) // checksum counts as spaces while summing
  put('0', 156, 1)
  put('ustar\0', 257, 6)
  put('00', 263, 2)
  const sum = h.reduce((a, b) => a + b, 0)
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8)
  return h
}
