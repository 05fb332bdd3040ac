import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'

/** What the owner's node keeps about one of its streams (the chain keeps the terms). */
export interface StreamSpec {
  streamId: string
  title: string
  description: string
  licence: string
  tags: string[]
  /** The SensorStats circuit the devices sign for. */
  circuitId: string
  /** Window 0 starts here (unix seconds); from the chain. */
  start: number
  /** Seconds per window; from the chain. */
  windowLength: number
  /** Seconds after a window's end during which late batches are still taken. */
  graceS: number
  /** A window closes early once it holds this many readings. */
  maxReadings: number
  /** Devices allowed to feed the stream (decimal ids). */
  deviceIds: string[]
}

export type WindowState = 'open' | 'full' | 'closing' | 'published' | 'failed'

export interface WindowRecord {
  streamId: string
  index: number
  state: WindowState
  readings: number
  batches: number
  jobId: string | null
  datasetId: string | null
  /** The published dataset's manifest (checked by readers against its anchor). */
  manifestCid: string | null
  detail: string | null
}

/** An accepted batch, as stored before it is acknowledged. */
export interface StoredBatch {
  streamId: string
  window: number
  seriesId: string
  batchIndex: number
  firstTime: number
  lastTime: number
  count: number
  /** Its device marked it the series' last batch: nothing more of the series is taken. */
  last: boolean
  /** The signed batch exactly as the device sent it (one JSON line). */
  line: string
}

export interface SeriesState {
  window: number
  nextIndex: number
  lastTime: number
  /** The last batch taken was marked last by its device. */
  ended: boolean
}

/**
 * The streams' durable state in SQLite (WAL): their specs, every accepted batch, each series'
 * position and each window's state. A batch is acknowledged only after its transaction commits,
 * so a node or worker that dies keeps every acknowledged reading.
 */
export interface StreamStore {
  addStream(spec: StreamSpec): void
  stream(streamId: string): StreamSpec | undefined
  streams(): StreamSpec[]
  series(streamId: string, seriesId: string): SeriesState | undefined
  /** Stores a batch, moves its series on and counts it in its window, atomically. */
  accept(batch: StoredBatch): WindowRecord
  window(streamId: string, index: number): WindowRecord | undefined
  windows(streamId: string): WindowRecord[]
  /** Windows not yet handed to publishing. */
  openWindows(): WindowRecord[]
  /** Windows handed to publishing, whose job is still to be followed. */
  closingWindows(): WindowRecord[]
  /** Windows whose publication failed (retried unless the failure is permanent). */
  failedWindows(): WindowRecord[]
  setWindow(
    streamId: string,
    index: number,
    change: Partial<Pick<WindowRecord, 'state' | 'jobId' | 'datasetId' | 'manifestCid' | 'detail'>>,
  ): void
  /** The window's batches as signed lines, in the order they were accepted. */
  windowLines(streamId: string, index: number): string[]
  /** Time of the newest accepted reading of a stream (unix seconds), if any. */
  lastReading(streamId: string): number | undefined
  close(): void
}

interface WindowRow {
  stream_id: string
  idx: number
  state: WindowState
  readings: number
  batches: number
  job_id: string | null
  dataset_id: string | null
  manifest_cid: string | null
  detail: string | null
}

const toWindow = (r: WindowRow): WindowRecord => ({
  streamId: r.stream_id,
  index: r.idx,
  state: r.state,
  readings: r.readings,
  batches: r.batches,
  jobId: r.job_id,
  datasetId: r.dataset_id,
  manifestCid: r.manifest_cid,
  detail: r.detail,
})

export function openStreamStore(path: string): StreamStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  // NORMAL in WAL mode: a committed batch survives the process dying (the case that matters for
  // a node or a worker); a power cut may lose the last commits.
  db.pragma('synchronous = NORMAL')
  db.exec(`
    CREATE TABLE IF NOT EXISTS streams (stream_id TEXT PRIMARY KEY, spec TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS batches (
      stream_id TEXT NOT NULL, window INTEGER NOT NULL, series_id TEXT NOT NULL, batch_index INTEGER NOT NULL,
      first_time INTEGER NOT NULL, last_time INTEGER NOT NULL, count INTEGER NOT NULL, line TEXT NOT NULL,
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      UNIQUE (stream_id, window, series_id, batch_index));
    CREATE TABLE IF NOT EXISTS series (
      stream_id TEXT NOT NULL, series_id TEXT NOT NULL, window INTEGER NOT NULL, next_index INTEGER NOT NULL,
      last_time INTEGER NOT NULL, ended INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (stream_id, series_id));
    CREATE TABLE IF NOT EXISTS windows (
      stream_id TEXT NOT NULL, idx INTEGER NOT NULL, state TEXT NOT NULL, readings INTEGER NOT NULL DEFAULT 0,
      batches INTEGER NOT NULL DEFAULT 0, job_id TEXT, dataset_id TEXT, manifest_cid TEXT, detail TEXT,
      PRIMARY KEY (stream_id, idx));
  `)
  // Stores made before series carried an end marker gain the column (no series there has ended).
  const seriesColumns = db.prepare<[], { name: string }>('PRAGMA table_info(series)').all()
  if (!seriesColumns.some((c) => c.name === 'ended')) db.exec('ALTER TABLE series ADD COLUMN ended INTEGER NOT NULL DEFAULT 0')
  const q = {
    addStream: db.prepare('INSERT OR REPLACE INTO streams (stream_id, spec) VALUES (?, ?)'),
    stream: db.prepare<[string], { spec: string }>('SELECT spec FROM streams WHERE stream_id = ?'),
    streams: db.prepare<[], { spec: string }>('SELECT spec FROM streams ORDER BY CAST(stream_id AS INTEGER)'),
    series: db.prepare<[string, string], { window: number; next_index: number; last_time: number; ended: number }>(
      'SELECT window, next_index, last_time, ended FROM series WHERE stream_id = ? AND series_id = ?',
    ),
    insertBatch: db.prepare(
      'INSERT INTO batches (stream_id, window, series_id, batch_index, first_time, last_time, count, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    upsertSeries: db.prepare(
      'INSERT INTO series (stream_id, series_id, window, next_index, last_time, ended) VALUES (?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (stream_id, series_id) DO UPDATE SET window = excluded.window, next_index = excluded.next_index, last_time = excluded.last_time, ended = excluded.ended',
    ),
    countWindow: db.prepare(
      "INSERT INTO windows (stream_id, idx, state, readings, batches) VALUES (?, ?, 'open', ?, 1) " +
        'ON CONFLICT (stream_id, idx) DO UPDATE SET readings = readings + excluded.readings, batches = batches + 1',
    ),
    window: db.prepare<[string, number], WindowRow>('SELECT * FROM windows WHERE stream_id = ? AND idx = ?'),
    windows: db.prepare<[string], WindowRow>('SELECT * FROM windows WHERE stream_id = ? ORDER BY idx'),
    open: db.prepare<[], WindowRow>("SELECT * FROM windows WHERE state IN ('open', 'full') ORDER BY stream_id, idx"),
    closing: db.prepare<[], WindowRow>("SELECT * FROM windows WHERE state = 'closing' ORDER BY stream_id, idx"),
    failed: db.prepare<[], WindowRow>("SELECT * FROM windows WHERE state = 'failed' ORDER BY stream_id, idx"),
    lines: db.prepare<[string, number], { line: string }>('SELECT line FROM batches WHERE stream_id = ? AND window = ? ORDER BY seq'),
    lastReading: db.prepare<[string], { t: number | null }>('SELECT MAX(last_time) AS t FROM batches WHERE stream_id = ?'),
  }
  const accept = db.transaction((b: StoredBatch): WindowRecord => {
    q.insertBatch.run(b.streamId, b.window, b.seriesId, b.batchIndex, b.firstTime, b.lastTime, b.count, b.line)
    q.upsertSeries.run(b.streamId, b.seriesId, b.window, b.batchIndex + 1, b.lastTime, b.last ? 1 : 0)
    q.countWindow.run(b.streamId, b.window, b.count)
    return toWindow(q.window.get(b.streamId, b.window)!)
  })
  return {
    addStream: (spec) => void q.addStream.run(spec.streamId, JSON.stringify(spec)),
    stream(streamId) {
      const row = q.stream.get(streamId)
      return row === undefined ? undefined : (JSON.parse(row.spec) as StreamSpec)
    },
    streams: () => q.streams.all().map((r) => JSON.parse(r.spec) as StreamSpec),
    series(streamId, seriesId) {
      const r = q.series.get(streamId, seriesId)
      return r === undefined ? undefined : { window: r.window, nextIndex: r.next_index, lastTime: r.last_time, ended: r.ended === 1 }
    },
    accept,
    window(streamId, index) {
      const r = q.window.get(streamId, index)
      return r === undefined ? undefined : toWindow(r)
    },
    windows: (streamId) => q.windows.all(streamId).map(toWindow),
    openWindows: () => q.open.all().map(toWindow),
    closingWindows: () => q.closing.all().map(toWindow),
    failedWindows: () => q.failed.all().map(toWindow),
    setWindow(streamId, index, change) {
      const sets: string[] = []
      const values: unknown[] = []
      for (const [key, column] of [
        ['state', 'state'],
        ['jobId', 'job_id'],
        ['datasetId', 'dataset_id'],
        ['manifestCid', 'manifest_cid'],
        ['detail', 'detail'],
      ] as const) {
        if (key in change) {
          sets.push(`${column} = ?`)
          values.push(change[key] ?? null)
        }
      }
      if (sets.length > 0)
        db.prepare(`UPDATE windows SET ${sets.join(', ')} WHERE stream_id = ? AND idx = ?`).run(...values, streamId, index)
    },
    windowLines: (streamId, index) => q.lines.all(streamId, index).map((r) => r.line),
    lastReading(streamId) {
      return q.lastReading.get(streamId)?.t ?? undefined
    },
    close: () => db.close(),
  }
}
