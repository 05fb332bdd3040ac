import { BatchInputError, deviceIdOf, sensorStatsParams } from '../../circuits/index.js'
import { AssayError, parseSignedBatch, type ErrorCategory, type SignedBatch } from '../../core/index.js'
import { BatchVerifierError, inlineBatchVerifier, type BatchVerifier } from './batch-verifier.js'
import type { StreamSpec, StreamStore, WindowRecord } from './stream-store.js'

/** Batches one request (an HTTP POST, an MQTT message) may carry. */
export const MAX_BATCHES_PER_REQUEST = 256

/** Device ids remembered (see admit). */
const DEVICE_IDS = 4096

/** How far ahead of the node's clock a device's readings may be. */
const CLOCK_SKEW_S = 60

/** Why a batch was refused (the `reason` of a StreamBatchError). */
export type StreamRejection =
  | 'malformed'
  | 'unsigned'
  | 'wrong-circuit'
  | 'foreign-device'
  | 'unregistered-device'
  | 'before-stream'
  | 'from-the-future'
  | 'straddles-window'
  | 'window-closed'
  | 'replayed'
  | 'out-of-order'
  | 'after-last'
  | 'invalid-readings'
  | 'bad-signature'
  /** Not checked: the node was too busy, or its verifier thread stopped. Nothing taken; send it again. */
  | 'busy'

/** A batch the stream refused; nothing of it was stored. */
export class StreamBatchError extends AssayError {
  override readonly category: ErrorCategory
  readonly reason: StreamRejection
  constructor(reason: StreamRejection, message: string, options?: { cause?: unknown }) {
    super(`${reason}: ${message}`, options)
    this.name = 'StreamBatchError'
    this.reason = reason
    this.category = REJECTION_CATEGORY[reason] ?? 'bad-input'
  }
}

/** The rejections that are not the device's bad input; the device sends a 'busy' batch again. */
const REJECTION_CATEGORY: Partial<Record<StreamRejection, ErrorCategory>> = {
  busy: 'unavailable',
  'bad-signature': 'tampered',
  replayed: 'conflict',
}

/**
 * The node is checking as many batches as it holds at once (`maxInFlight`); nothing of this
 * request was taken: send it again shortly.
 */
export class IngestBusyError extends AssayError {
  override readonly category = 'unavailable' as const
  constructor(message: string) {
    super(message)
    this.name = 'IngestBusyError'
  }
}

/** The stream does not exist on this node. */
export class UnknownStreamError extends AssayError {
  override readonly category = 'not-found' as const
  constructor(streamId: string) {
    super(`this node does not run stream ${streamId}`)
    this.name = 'UnknownStreamError'
  }
}

export type IngestResult =
  | { ok: true; window: number; seriesId: string; batchIndex: number; readings: number }
  | { ok: false; reason: StreamRejection; message: string }

export interface StreamIngestComponents {
  store: StreamStore
  /** Whether a device is registered (and not revoked) on-chain; cached by the caller if it likes. */
  deviceRegistered(deviceId: bigint): Promise<boolean>
  /** Where commitments and signatures are checked (default: on this thread). */
  verifier?: BatchVerifier
  /** Batches being checked at once, over all requests; more is an IngestBusyError (default 2048). */
  maxInFlight?: number
  /** Batches one client may have being checked at once (default 256, one full request). */
  maxInFlightPerClient?: number
  /** Unix seconds now. */
  now?: () => number
}

/** Window `index`'s [start, end) (unix seconds). */
export function windowBounds(
  spec: Pick<StreamSpec, 'start' | 'windowLength'>,
  index: number,
): { index: number; start: number; end: number } {
  const start = spec.start + index * spec.windowLength
  return { index, start, end: start + spec.windowLength }
}

/** The window a time falls in, and that window's [start, end). */
export function windowOf(spec: Pick<StreamSpec, 'start' | 'windowLength'>, time: number): { index: number; start: number; end: number } {
  return windowBounds(spec, Math.floor((time - spec.start) / spec.windowLength))
}

/**
 * Checks and stores live batches of a stream. A batch is taken only when it is well-formed and
 * signed for the stream's circuit by one of the stream's registered devices; lies inside one
 * window that is still open (its end plus the grace period not passed, its size cap not reached);
 * continues its series (index one past the previous batch of that series in the window, first
 * time after the series' last accepted time); and its values fit the circuit. It is then stored
 * durably, and only then acknowledged. Batches of one series are taken one at a time.
 */
export function createStreamIngest(c: StreamIngestComponents) {
  const now = c.now ?? (() => Date.now() / 1000)
  const verifier = c.verifier ?? inlineBatchVerifier
  const maxInFlight = c.maxInFlight ?? 2048
  const maxPerClient = c.maxInFlightPerClient ?? MAX_BATCHES_PER_REQUEST
  // Batches taken in but not yet answered: each holds its parsed lines and a verifier task. Per
  // client too, so one client's forgeries cannot take every slot from the stream's devices.
  let inFlight = 0
  const byClient = new Map<string, number>()
  // One chain per series: two batches of a series racing would both pass the order check. An
  // entry exists only while a batch of its series is being checked, and only for a well-formed
  // batch of one of the stream's devices, so strangers cannot make the map grow.
  const queues = new Map<string, Promise<unknown>>()
  // Device key → device id (a Poseidon hash), for keys of some stream's devices only: strangers'
  // keys are never kept, so they cannot crowd the devices out.
  const deviceIds = new Map<string, bigint>()

  /** The cheap checks, before anything is allocated for the batch: shape, circuit, a device of the stream. */
  async function admit(spec: StreamSpec, json: unknown): Promise<{ b: SignedBatch; deviceId: bigint }> {
    if (typeof json === 'object' && json !== null && !('signature' in json))
      throw new StreamBatchError('unsigned', 'the batch carries no device signature')
    let b: SignedBatch
    try {
      b = parseSignedBatch(json)
    } catch (err) {
      throw new StreamBatchError('malformed', (err as Error).message, { cause: err })
    }
    if (b.circuitId !== spec.circuitId)
      throw new StreamBatchError('wrong-circuit', `signed for ${b.circuitId}; stream ${spec.streamId} takes ${spec.circuitId}`)
    const key = `${b.device.x},${b.device.y}`
    const known = deviceIds.get(key)
    const deviceId = known ?? (await deviceIdOf(BigInt(b.device.x), BigInt(b.device.y)))
    if (!spec.deviceIds.includes(deviceId.toString()))
      throw new StreamBatchError('foreign-device', `device ${deviceId.toString().slice(0, 12)}… does not feed stream ${spec.streamId}`)
    if (known === undefined) {
      if (deviceIds.size >= DEVICE_IDS) deviceIds.clear()
      deviceIds.set(key, deviceId)
    }
    return { b, deviceId }
  }

  /** The checks that read the series' state, run one batch of a series at a time. */
  async function check(
    spec: StreamSpec,
    { b, deviceId }: { b: SignedBatch; deviceId: bigint },
    verified: Promise<{ signed: boolean }>,
  ): Promise<ReturnType<typeof windowOf>> {
    if (!(await c.deviceRegistered(deviceId)))
      throw new StreamBatchError('unregistered-device', `device ${deviceId.toString().slice(0, 12)}… is not registered (or was revoked)`)
    const first = b.times[0]!
    const last = b.times.at(-1)!
    if (first < spec.start) throw new StreamBatchError('before-stream', `the batch starts at ${first}, before the stream (${spec.start})`)
    if (last > now() + CLOCK_SKEW_S)
      throw new StreamBatchError('from-the-future', `the batch ends at ${last}, more than ${CLOCK_SKEW_S} s after the node's clock`)
    const window = windowOf(spec, first)
    if (last >= window.end)
      throw new StreamBatchError(
        'straddles-window',
        `readings from ${first} to ${last} cross the end of window ${window.index} (${window.end})`,
      )
    const stored = c.store.window(spec.streamId, window.index)
    if (now() >= window.end + spec.graceS || (stored !== undefined && stored.state !== 'open'))
      throw new StreamBatchError('window-closed', `window ${window.index} is closed`)
    const series = c.store.series(spec.streamId, b.seriesId)
    if (series !== undefined) {
      if (series.window === window.index && b.batchIndex < series.nextIndex && first <= series.lastTime)
        throw new StreamBatchError('replayed', `batch ${b.batchIndex} of window ${window.index} was already taken`)
      if (first <= series.lastTime || window.index < series.window)
        throw new StreamBatchError('out-of-order', `the batch starts at ${first}, not after the series' last reading (${series.lastTime})`)
    }
    if (series?.ended === true)
      throw new StreamBatchError('after-last', `batch ${b.batchIndex} follows the batch its device marked the series' last`)
    const expected = series !== undefined && series.window === window.index ? series.nextIndex : 0
    if (b.batchIndex !== expected)
      throw new StreamBatchError('out-of-order', `batch index ${b.batchIndex} where ${expected} was expected in window ${window.index}`)
    let signed: boolean
    try {
      ;({ signed } = await verified)
    } catch (err) {
      if (err instanceof BatchInputError) throw new StreamBatchError('invalid-readings', err.message, { cause: err })
      throw err
    }
    if (!signed) throw new StreamBatchError('bad-signature', `batch ${b.batchIndex} is not signed by its device's key`)
    return window
  }

  async function one(spec: StreamSpec, line: string): Promise<IngestResult> {
    let json: unknown
    try {
      json = JSON.parse(line)
    } catch (err) {
      return { ok: false, reason: 'malformed', message: `malformed: not JSON: ${(err as Error).message}` }
    }
    try {
      const admitted = await admit(spec, json)
      // The commitment and signature are checked at once, off the event loop and in parallel with
      // other batches; the series id picks the queue, where the checks that read the series' state
      // run in the order the batches came.
      const checked = new AbortController()
      const verified = verifier.verify(admitted.b, sensorStatsParams(spec.circuitId), { signal: checked.signal })
      verified.catch(() => undefined) // awaited in check(), unless an earlier check refuses the batch
      const key = `${spec.streamId}:${admitted.b.seriesId}`
      const run = (queues.get(key) ?? Promise.resolve()).then(async () => {
        const { b } = admitted
        const window = await check(spec, admitted, verified)
        const record: WindowRecord = c.store.accept({
          streamId: spec.streamId,
          window: window.index,
          seriesId: b.seriesId,
          batchIndex: b.batchIndex,
          firstTime: b.times[0]!,
          lastTime: b.times.at(-1)!,
          count: b.times.length,
          last: b.last,
          line: JSON.stringify(b),
        })
        if (record.readings >= spec.maxReadings && record.state === 'open')
          c.store.setWindow(spec.streamId, window.index, { state: 'full' })
        return { ok: true as const, window: window.index, seriesId: b.seriesId, batchIndex: b.batchIndex, readings: b.times.length }
      })
      // Refused before its signature mattered (out of order, window closed…): a check not yet started is
      // dropped, so the verifier holds no more than the batches in flight (and one per thread).
      void run.finally(() => checked.abort()).catch(() => undefined)
      const tail = run.catch(() => undefined)
      queues.set(key, tail)
      // The last batch of a series in flight frees its entry.
      void tail.then(() => {
        if (queues.get(key) === tail) queues.delete(key)
      })
      return await run
    } catch (err) {
      if (err instanceof StreamBatchError) return { ok: false, reason: err.reason, message: err.message }
      if (err instanceof BatchVerifierError) return { ok: false, reason: 'busy', message: `busy: ${err.message}; send it again` }
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
        return { ok: false, reason: 'replayed', message: 'replayed: this batch was already taken' }
      throw err
    }
  }

  return {
    /** Series with a batch being checked right now (each holds one queue entry). */
    inFlight: (): number => queues.size,
    /** Batches taken in and not yet answered, over all requests. */
    batchesInFlight: (): number => inFlight,
    /**
     * Checks and stores each line (one signed batch per line); one result per line, in order.
     * `client` (its address) gets a share of the batches in flight.
     *
     * @throws {IngestBusyError} when the node already checks `maxInFlight` batches, or this client
     *   `maxInFlightPerClient` (nothing taken)
     */
    async ingest(streamId: string, lines: readonly string[], options: { client?: string } = {}): Promise<IngestResult[]> {
      const spec = c.store.stream(streamId)
      if (spec === undefined) throw new UnknownStreamError(streamId)
      const batches = lines.filter((l) => l.trim() !== '')
      const client = options.client ?? ''
      const mine = byClient.get(client) ?? 0
      if (mine + batches.length > maxPerClient)
        throw new IngestBusyError(`this client has ${mine} batches being checked; send these ${batches.length} once they are answered`)
      if (inFlight + batches.length > maxInFlight)
        throw new IngestBusyError(`the node is checking ${inFlight} batches; send these ${batches.length} again in a moment`)
      inFlight += batches.length
      byClient.set(client, mine + batches.length)
      const done = (): void => {
        inFlight--
        const left = byClient.get(client)! - 1
        if (left === 0) byClient.delete(client)
        else byClient.set(client, left)
      }
      return Promise.all(batches.map((l) => one(spec, l).finally(done)))
    },
  }
}

export type StreamIngest = ReturnType<typeof createStreamIngest>
