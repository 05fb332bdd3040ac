import { open } from 'node:fs/promises'
import { extname } from 'node:path'
import { inferEncoding, isDecimalText, parseImportMapping, type ImportMapping, type ImportMappingInput } from '../../core/index.js'
import { metricDefaults } from './metric-defaults.js'
import { readCsvRecords, readNdjsonRecords, SourceFormatError, type SourceRecord } from './read-records.js'
import { createTimestampParser } from './timestamp-parser.js'

export interface InferredMapping {
  mapping: ImportMapping
  /** What the guess rests on and what the seller should check, one line each. */
  notes: string[]
  /** The first records, for a preview. */
  sample: SourceRecord[]
}

const SAMPLE_ROWS = 1000
const MISSING_TOKENS = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', '-', '--', '-999', '-9999']
const TIME_PATTERNS: Array<[RegExp, string]> = [
  [/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/, 'iso'],
  [/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}$/, 'YYYY/MM/DD HH:mm:ss'],
  [/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/, 'DD/MM/YYYY HH:mm:ss'],
  [/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/, 'DD/MM/YYYY HH:mm'],
  [/^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}(:\d{2})?$/, 'DD.MM.YYYY HH:mm:ss'],
]
const DEVICE_COLUMN = /^(device|device[_ ]?id|sensor|sensor[_ ]?id|station|station[_ ]?id|node|node[_ ]?id)$/i
const ROW_NUMBER = /^(no|id|index|row|#|n)$/i

/**
 * A first mapping for a file, for the seller to edit (`assay map FILE`): delimiter, timestamp
 * column(s) and format, a device column if one is named like one, every numeric column as a metric
 * with its resolution, and units and valid ranges for metrics Assay knows. Reads the first
 * 1000 rows only.
 */
export async function inferMapping(path: string): Promise<InferredMapping> {
  const notes: string[] = []
  const ndjson = ['.ndjson', '.jsonl'].includes(extname(path).toLowerCase())
  const delimiter = ndjson ? ',' : await sniffDelimiter(path)
  if (!ndjson && delimiter !== ',') notes.push(`delimiter: ${JSON.stringify(delimiter)} (the most frequent separator in the header)`)
  const sample: SourceRecord[] = []
  for await (const r of ndjson ? readNdjsonRecords(path) : readCsvRecords(path, delimiter)) {
    sample.push(r)
    if (sample.length >= SAMPLE_ROWS) break
  }
  if (sample.length === 0) throw new SourceFormatError(path, 1, 'has a header but no data rows')
  const columns = Object.keys(sample[0]!.fields)
  const values = (c: string): string[] => sample.map((r) => (r.fields[c] ?? '').trim())

  // Timestamp: a single column in a known format, year/month/day[/hour[/minute]] columns, or an epoch column.
  let timestamp: ImportMappingInput['timestamp'] | undefined
  for (const c of columns) {
    const vs = values(c).filter((v) => v !== '')
    const hit = TIME_PATTERNS.find(([re]) => vs.length > 0 && vs.every((v) => re.test(v)))
    if (hit !== undefined) {
      timestamp = { columns: [c], format: hit[1] }
      notes.push(`timestamp: column "${c}" (${hit[1]}); local times are read as UTC: set timestamp.timeZone to the sensor's IANA zone`)
      break
    }
  }
  const named = (re: RegExp): string | undefined => columns.find((c) => re.test(c.trim()))
  if (timestamp === undefined) {
    const [y, mo, d, h, mi] = [/^(year|yr)$/i, /^(month|mon)$/i, /^(day|dom)$/i, /^(hour|hr)$/i, /^(minute|min)$/i].map(named)
    if (y !== undefined && mo !== undefined && d !== undefined) {
      const parts = [y, mo, d, ...(h !== undefined ? [h] : []), ...(mi !== undefined ? [mi] : [])]
      timestamp = { columns: parts, format: ['YYYY', 'M', 'D', 'H', 'm'].slice(0, parts.length).join(' ') }
      notes.push(`timestamp: composed from ${parts.map((p) => `"${p}"`).join(', ')}; set timestamp.timeZone to the sensor's IANA zone`)
    }
  }
  if (timestamp === undefined) {
    const c = named(/^(time|timestamp|ts|epoch|unix[_ ]?time)$/i)
    if (c !== undefined && values(c).every((v) => /^\d{10}(\.\d+)?$/.test(v) || /^\d{13}$/.test(v))) {
      const ms = values(c).every((v) => /^\d{13}$/.test(v))
      timestamp = { columns: [c], format: ms ? 'epoch-ms' : 'epoch-s' }
      notes.push(`timestamp: column "${c}" as unix ${ms ? 'milliseconds' : 'seconds'}`)
    }
  }
  if (timestamp === undefined) {
    throw new SourceFormatError(
      path,
      sample[0]!.line,
      `no timestamp column found among ${columns.map((c) => `"${c}"`).join(', ')}; write the mapping by hand (see docs/publishing.md, "Mapping a file")`,
    )
  }
  const timeColumns = new Set(timestamp.columns)
  const deviceColumn = columns.find((c) => DEVICE_COLUMN.test(c.trim()))
  if (deviceColumn !== undefined) notes.push(`device: column "${deviceColumn}"`)
  else notes.push('device: one device for the whole file ("device-1"); rename it, or name a device column')

  const missing = new Set<string>([''])
  const metrics: ImportMappingInput['metrics'] = []
  for (const c of columns) {
    if (timeColumns.has(c) || c === deviceColumn) continue
    const vs = values(c)
    const present = vs.filter((v) => !MISSING_TOKENS.includes(v))
    const numeric = present.filter((v) => isDecimalText(v))
    if (present.length === 0 || numeric.length < present.length) {
      if (present.length > 0) notes.push(`skipped "${c}": not numeric (e.g. ${JSON.stringify(present.find((v) => !isDecimalText(v)))})`)
      continue
    }
    for (const v of vs) if (MISSING_TOKENS.includes(v)) missing.add(v)
    const nums = numeric.map(Number)
    if (ROW_NUMBER.test(c.trim()) && nums.every((n, i) => i === 0 || n === nums[i - 1]! + 1)) {
      notes.push(`skipped "${c}": a row number`)
      continue
    }
    if (nums.every((n) => n === 0 || n === 1)) {
      notes.push(`skipped "${c}": only 0 and 1 (a label, not a measurement?); add it to metrics if it is one`)
      continue
    }
    const defaults = metricDefaults(c)
    const { scale } = inferEncoding(numeric)
    metrics.push({
      column: c,
      name: c.replace(/[^A-Za-z0-9_.-]+/g, '_'),
      unit: defaults?.unit ?? '',
      scale,
      ...(defaults !== undefined ? { validRange: defaults.validRange } : {}),
    })
    if (defaults === undefined) notes.push(`metric "${c}": unknown to Assay; set its unit and validRange`)
  }
  if (metrics.length === 0) throw new SourceFormatError(path, sample[0]!.line, 'no numeric column to use as a metric')
  const mapping = parseImportMapping({
    version: 1,
    format: ndjson ? 'ndjson' : 'csv',
    delimiter,
    timestamp,
    device: deviceColumn !== undefined ? { column: deviceColumn } : { fixed: 'device-1' },
    metrics,
    missing: [...missing],
  })
  // The guess must read its own sample.
  const parse = createTimestampParser(mapping.timestamp)
  for (const r of sample.slice(0, 50)) parse(r.fields)
  return { mapping, notes, sample }
}

async function sniffDelimiter(path: string): Promise<string> {
  const file = await open(path, 'r')
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(8192), 0, 8192, 0)
    const header = buffer.subarray(0, bytesRead).toString('utf8').split('\n')[0] ?? ''
    const counts = [',', ';', '\t', '|'].map((d) => [d, header.split(d).length - 1] as const)
    const best = counts.reduce((a, b) => (b[1] > a[1] ? b : a))
    return best[1] > 0 ? best[0] : ','
  } finally {
    await file.close()
  }
}
