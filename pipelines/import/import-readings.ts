import { basename } from 'node:path'
import { AssayError, isDecimalText, metricName, type ImportMapping, type MetricMapping } from '../../core/index.js'
import { readCsvRecords, readNdjsonRecords, type SourceRecord } from './read-records.js'
import { createTimestampParser } from './timestamp-parser.js'

/** Readings of one (device, metric), sorted by time, values as the file wrote them. */
export interface ImportedSeries {
  device: string
  metric: MetricMapping & { name: string }
  times: number[]
  values: string[]
  /** Readings dropped because an earlier reading of the series had the same timestamp. */
  duplicates: number
}

/** One bad field, located. */
export interface RowProblem {
  file: string
  line: number
  column: string
  message: string
}

export interface ImportResult {
  series: ImportedSeries[]
  rows: number
  readings: number
  /** Fields holding a missing-value token: not readings (they count as gaps in the quality score). */
  missing: number
  problems: RowProblem[]
  /** Problems beyond the ones kept in `problems`. */
  moreProblems: number
}

export interface ImportOptions {
  /** Skip bad fields and report them instead of stopping at the first (default false). */
  skipBadRows?: boolean
  /** Stop after this many data rows (a preview, or a slice for tests). */
  maxRows?: number
  /** How many problems to keep in the result (default 100). */
  keepProblems?: number
}

/** A field the mapping cannot read (bad time, not a number, no device), with file, line and column. */
export class ImportRowError extends AssayError {
  override readonly category = 'bad-input' as const
  readonly problem: RowProblem
  constructor(problem: RowProblem) {
    super(`${basename(problem.file)}:${problem.line}: column ${problem.column}: ${problem.message}`)
    this.name = 'ImportRowError'
    this.problem = problem
  }
}

/** The file holds no usable reading for any mapped metric. */
export class NoReadingsError extends AssayError {
  override readonly category = 'bad-input' as const
  constructor(file: string, detail: string) {
    super(`${basename(file)} has no usable reading: ${detail}`)
    this.name = 'NoReadingsError'
  }
}

/** A mapping names a column the file does not have. */
export class MissingColumnError extends AssayError {
  override readonly category = 'bad-input' as const
  constructor(file: string, columns: string[], available: string[]) {
    super(
      `${basename(file)} has no column ${columns.map((c) => `"${c}"`).join(', ')} (it has ${available.map((c) => `"${c}"`).join(', ')})`,
    )
    this.name = 'MissingColumnError'
  }
}

/**
 * Reads a seller's file through its mapping into per-series readings. Streams the file (memory
 * grows with the readings kept, not with the file's text), sorts each series by time and drops
 * repeated timestamps (counted for the quality report).
 *
 * @throws {ImportRowError} at the first bad field unless `skipBadRows`
 * @throws {MissingColumnError} when the mapping names a column the file lacks
 * @throws {NoReadingsError} when nothing usable remains
 * @throws {SourceFormatError} when the file is not well-formed CSV/NDJSON
 */
export async function importReadings(path: string, mapping: ImportMapping, options: ImportOptions = {}): Promise<ImportResult> {
  const parseTime = createTimestampParser(mapping.timestamp)
  const missingTokens = new Set(mapping.missing)
  const keep = options.keepProblems ?? 100
  const records: AsyncIterable<SourceRecord> = mapping.format === 'csv' ? readCsvRecords(path, mapping.delimiter) : readNdjsonRecords(path)
  const byKey = new Map<string, { device: string; metric: ImportedSeries['metric']; rows: Array<[number, string]> }>()
  const metricsByColumn = new Map(mapping.metrics.map((m) => [m.column, { ...m, name: metricName(m) }]))
  const result: ImportResult = { series: [], rows: 0, readings: 0, missing: 0, problems: [], moreProblems: 0 }
  let checkedColumns = false

  const problem = (line: number, column: string, message: string): void => {
    const p = { file: path, line, column, message }
    if (options.skipBadRows !== true) throw new ImportRowError(p)
    if (result.problems.length < keep) result.problems.push(p)
    else result.moreProblems++
  }
  const add = (device: string, metric: ImportedSeries['metric'], time: number, value: string): void => {
    const key = `${device}\u0000${metric.name}`
    let entry = byKey.get(key)
    if (entry === undefined) byKey.set(key, (entry = { device, metric, rows: [] }))
    entry.rows.push([time, value])
    result.readings++
  }

  for await (const { line, fields } of records) {
    if (!checkedColumns && mapping.format === 'csv') {
      const needed = [
        ...mapping.timestamp.columns,
        ...('column' in mapping.device ? [mapping.device.column] : []),
        ...(mapping.long !== undefined ? [mapping.long.metricColumn, mapping.long.valueColumn] : mapping.metrics.map((m) => m.column)),
      ]
      const absent = needed.filter((c) => !(c in fields))
      if (absent.length > 0) throw new MissingColumnError(path, absent, Object.keys(fields))
      checkedColumns = true
    }
    if (options.maxRows !== undefined && result.rows >= options.maxRows) break
    result.rows++
    let time: number
    try {
      time = parseTime(fields)
    } catch (err) {
      problem(line, mapping.timestamp.columns.join('+'), (err as Error).message)
      continue
    }
    let device: string
    if ('fixed' in mapping.device) device = mapping.device.fixed
    else {
      device = (fields[mapping.device.column] ?? '').trim()
      if (device === '') {
        problem(line, mapping.device.column, 'no device')
        continue
      }
    }
    const take = (metric: ImportedSeries['metric'], column: string, raw: string | undefined): void => {
      const text = (raw ?? '').trim()
      if (missingTokens.has(text)) {
        result.missing++
        return
      }
      if (!isDecimalText(text)) {
        problem(line, column, `"${text}" is not a number (missing values: ${[...missingTokens].map((t) => JSON.stringify(t)).join(', ')})`)
        return
      }
      add(device, metric, time, text)
    }
    if (mapping.long !== undefined) {
      const metric = metricsByColumn.get((fields[mapping.long.metricColumn] ?? '').trim())
      if (metric !== undefined) take(metric, mapping.long.valueColumn, fields[mapping.long.valueColumn])
    } else {
      for (const metric of metricsByColumn.values()) take(metric, metric.column, fields[metric.column])
    }
  }

  for (const { device, metric, rows } of byKey.values()) {
    rows.sort((a, b) => a[0] - b[0]) // stable: the first of equal timestamps stays first
    const times: number[] = []
    const values: string[] = []
    let duplicates = 0
    for (const [t, v] of rows) {
      if (times.length > 0 && times[times.length - 1] === t) {
        duplicates++
        continue
      }
      times.push(t)
      values.push(v)
    }
    result.series.push({ device, metric, times, values, duplicates })
  }
  result.series.sort(
    (a, b) =>
      (a.device === b.device ? 0 : a.device < b.device ? -1 : 1) ||
      mapping.metrics.findIndex((m) => metricName(m) === a.metric.name) - mapping.metrics.findIndex((m) => metricName(m) === b.metric.name),
  )
  if (result.series.length === 0) {
    const detail =
      result.rows === 0
        ? 'no data rows'
        : result.problems.length > 0
          ? `all ${result.rows} rows had problems (first: ${result.problems[0]!.message})`
          : `every mapped field of ${result.rows} rows is missing`
    throw new NoReadingsError(path, detail)
  }
  return result
}
