import { categoryOf, type ErrorCategory } from '../../core/index.js'
import type { PinningServiceClient, PinningServiceRequestError, PinningServiceUnavailableError, PinStatus } from '../../storage/index.js'
import { PIN_STATES, type DatasetPins, type PinLedger, type PinLedgerState, type PinRecord, type PinState } from './pin-ledger.js'

/** A dataset to keep pinned: anchored, its manifest read and checked against the anchor. */
export interface PinnableDataset {
  datasetId: string
  manifestCid: string
  /** What the manifest names (datasetCids): ciphertext, proof bundle, quality report, preview, thumbnail. */
  cids: string[]
}

export interface PinFollowerComponents {
  client: PinningServiceClient
  ledger: PinLedger
  /** The datasets to pin now; new ones are asked for, none is ever unpinned. */
  datasets(): Promise<PinnableDataset[]> | PinnableDataset[]
  /** Where the service can fetch the blocks (sent as `origins`, at most 20): the node's multiaddrs. */
  origins(): string[]
  /** Recorded in each request's `meta` with the dataset id. */
  chainId: number
  log?: (msg: string) => void
  /** Milliseconds since the epoch (tests pass a clock). */
  now?: () => number
}

export interface PinFollowerOptions {
  /** How often due requests are made and new datasets looked for. Default 1 s. */
  intervalMs?: number
  /** First wait after a failure; doubled per failure in a row. Default 1 s. */
  retryBaseMs?: number
  /** Longest wait after failures. Default 5 min. */
  retryMaxMs?: number
  /** First wait before asking about a pending request again; doubled per unchanged answer. Default 1 s. */
  pollBaseMs?: number
  /** Longest wait between two questions about a pending request. Default 1 min. */
  pollMaxMs?: number
  /** Calls to the service per round at most, so a long ledger is worked through in bounded steps. Default 32. */
  callsPerTick?: number
  /**
   * Datasets the ledger follows at most (the node's own count too); newer ones are refused, logged
   * and reported, so the ledger (rewritten whole) and each round's walk stay bounded. Default 10 000.
   */
  maxDatasets?: number
  /** Least time between two writes of the ledger; changes meanwhile are written together (and on stop). Default 5 s. */
  saveIntervalMs?: number
}

/** What the operator sees (GET /health's detail): the service, the counts, each dataset's pins. */
export interface PinningReport {
  endpoint: string
  /** The last call to the service was answered and no pin failed. */
  ok: boolean
  /** The last failure of a call to the service, as `Name: message`. */
  lastError?: string
  /** Why datasets are not followed (the ledger holds maxDatasets): they are not pinned. */
  refusing?: string
  counts: Record<PinState, number>
  /** The latest datasets (at most 50), newest first. */
  datasets: Array<{ datasetId: string; name: string; pins: Array<Omit<PinRecord, 'attempts' | 'polls'>> }>
}

export interface PinFollower {
  /** Loads the ledger and follows from there: what was failed or unsent is tried at once (the operator may have fixed it). */
  start(): Promise<void>
  /** One round (start() runs them every intervalMs). */
  tick(): Promise<void>
  /** Ends the rounds, waits for one under way and saves. */
  stop(): Promise<void>
  report(): PinningReport
}

const PENDING = new Set<PinState>(['queued', 'pinning'])
/** Failures about one request; any other (the service down, the token refused) holds for every call. */
const PIN_SPECIFIC = new Set<ErrorCategory>(['bad-input', 'not-found', 'conflict', 'too-large'])
const REPORTED_DATASETS = 50

/** Whether a failure holds for every call to the service (down, rate limited, token refused, out of funds), not one pin. */
function serviceWide(err: unknown): boolean {
  if (err instanceof Error && err.name === 'PinningServiceRequestError') return (err as PinningServiceRequestError).accountWide
  return !PIN_SPECIFIC.has(categoryOf(err))
}

/** The wait the service asked for (429/503 with Retry-After), if any. */
const retryAfterOf = (err: unknown): number =>
  err instanceof Error && err.name === 'PinningServiceUnavailableError' ? ((err as PinningServiceUnavailableError).retryAfterMs ?? 0) : 0

const describeError = (err: unknown): string =>
  err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 500) : String(err).slice(0, 500)

/**
 * Keeps datasets pinned on a remote IPFS Pinning Service: one request per CID (the manifest and
 * each object it names) named `assay-dataset-<id>`, with the node's addresses as origins and the
 * dataset and chain ids as meta; follows each request (queued → pinning → pinned | failed) with
 * bounded polling; retries failures with exponential back-off; keeps every request id in the ledger
 * so a restart neither loses nor repeats one (a request made just before a crash, or not yet
 * written to the ledger, is found again by CID and name). A failure of the whole service (down,
 * rate limited, token refused, out of funds) costs one call: then no call at all until its back-off
 * (or the service's Retry-After) has passed.
 */
export function createPinFollower(c: PinFollowerComponents, options: PinFollowerOptions = {}): PinFollower {
  const now = c.now ?? Date.now
  const log = c.log ?? (() => undefined)
  const intervalMs = options.intervalMs ?? 1_000
  const retryBaseMs = options.retryBaseMs ?? 1_000
  const retryMaxMs = options.retryMaxMs ?? 300_000
  const pollBaseMs = options.pollBaseMs ?? 1_000
  const pollMaxMs = options.pollMaxMs ?? 60_000
  const callsPerTick = options.callsPerTick ?? 32
  const maxDatasets = options.maxDatasets ?? 10_000
  const saveIntervalMs = options.saveIntervalMs ?? 5_000
  let state: PinLedgerState = { version: 1, endpoint: c.client.endpoint, datasets: [] }
  let dirty = false
  let savedAt = -Infinity
  let lastError: string | undefined
  let refusing: string | undefined
  // The service's own back-off: failures of the whole service in a row, and when it may be called again.
  let serviceFailures = 0
  let serviceDueAt = 0
  let serviceError = ''
  let running: Promise<void> | undefined
  let timer: NodeJS.Timeout | undefined
  let stopped = false

  const backoff = (n: number, base: number, max: number): number => Math.min(max, base * 2 ** Math.min(n - 1, 30))

  function update(d: DatasetPins, pin: PinRecord, patch: Partial<PinRecord>): void {
    const before = pin.state
    Object.assign(pin, patch, { updatedAt: new Date(now()).toISOString() })
    if (patch.reason === undefined && 'reason' in patch) delete pin.reason
    if (patch.requestid === undefined && 'requestid' in patch) delete pin.requestid
    dirty = true
    if (pin.state !== before)
      log(`pinning: dataset ${d.datasetId} ${pin.cid} ${before} → ${pin.state}${pin.reason !== undefined ? ` (${pin.reason})` : ''}`)
  }

  /** Takes the service's answer about a request. */
  function apply(d: DatasetPins, pin: PinRecord, status: PinStatus): void {
    const t = now()
    if (status.status === 'pinned')
      return update(d, pin, { state: 'pinned', requestid: status.requestid, reason: undefined, attempts: 0, polls: 0, dueAt: 0 })
    if (status.status === 'failed') {
      const details = status.info?.status_details
      const attempts = pin.attempts + 1
      return update(d, pin, {
        state: 'failed',
        requestid: status.requestid,
        reason: `the pinning service could not pin it${typeof details === 'string' ? `: ${details.slice(0, 300)}` : ''}`,
        attempts,
        polls: 0,
        dueAt: t + backoff(attempts, retryBaseMs, retryMaxMs),
      })
    }
    const polls = status.status === pin.state ? pin.polls + 1 : 1
    update(d, pin, {
      state: status.status,
      requestid: status.requestid,
      reason: undefined,
      attempts: 0,
      polls,
      dueAt: t + backoff(polls, pollBaseMs, pollMaxMs),
    })
  }

  /** A call about this pin failed: the pin keeps its request (if any) and is tried again after the back-off. */
  function failed(d: DatasetPins, pin: PinRecord, err: unknown, state: PinState): void {
    const attempts = pin.attempts + 1
    lastError = describeError(err)
    serviceFailures = 0
    update(d, pin, { state, reason: lastError, attempts, dueAt: now() + backoff(attempts, retryBaseMs, retryMaxMs) })
  }

  /** The service answered: its back-off is over. */
  function answered(): void {
    lastError = undefined
    serviceFailures = 0
  }

  /** The whole service failed: nothing is asked of it until the back-off (or its Retry-After) has passed. */
  function serviceFailed(err: unknown): void {
    serviceFailures += 1
    serviceError = lastError = describeError(err)
    serviceDueAt = now() + Math.max(backoff(serviceFailures, retryBaseMs, retryMaxMs), retryAfterOf(err))
    log(`pinning: ${serviceError}; no call to the service for ${Math.ceil((serviceDueAt - now()) / 1000)} s`)
  }

  /** A pin due while the service failed: it shows the failure and waits for the service, its own attempts unchanged. */
  function held(d: DatasetPins, pin: PinRecord, state: PinState): void {
    update(d, pin, { state, reason: serviceError, dueAt: serviceDueAt })
  }

  /**
   * Asks the service to pin a CID: a request it already holds (by CID and name) is taken over.
   * Returns a failure that holds for the whole service, if one happened.
   */
  async function request(d: DatasetPins, pin: PinRecord): Promise<unknown> {
    try {
      if (pin.state === 'failed' && pin.requestid !== undefined) {
        // The failed request is replaced; removing it is a courtesy, so its own failure is not ours.
        await c.client.remove(pin.requestid).catch(() => undefined)
      }
      const held = await c.client.list({ cid: [pin.cid], name: d.name, status: ['queued', 'pinning', 'pinned'], limit: 1 })
      const status =
        held.results[0] ??
        (await c.client.add({
          cid: pin.cid,
          name: d.name,
          origins: [...new Set(c.origins())].slice(0, 20),
          meta: { datasetId: d.datasetId, chainId: String(c.chainId) },
        }))
      answered()
      apply(d, pin, status)
    } catch (err) {
      if (serviceWide(err)) return err
      failed(d, pin, err, 'failed')
    }
    return undefined
  }

  /** Asks the service how a pending request stands. Returns a failure that holds for the whole service, if one happened. */
  async function poll(d: DatasetPins, pin: PinRecord): Promise<unknown> {
    try {
      const status = await c.client.get(pin.requestid!)
      answered()
      apply(d, pin, status)
    } catch (err) {
      if (categoryOf(err) === 'not-found') {
        // The service no longer knows the request: ask again at once.
        answered()
        update(d, pin, { state: 'unsent', requestid: undefined, reason: `${describeError(err)} (asked again)`, dueAt: now() })
        return undefined
      }
      if (serviceWide(err)) return err
      failed(d, pin, err, pin.state)
    }
    return undefined
  }

  /** Writes the ledger if it changed, at most once per saveIntervalMs unless `force`d. */
  async function save(force: boolean): Promise<void> {
    if (!dirty || (!force && now() - savedAt < saveIntervalMs)) return
    dirty = false
    savedAt = now()
    try {
      await c.ledger.save(state)
    } catch (err) {
      dirty = true
      throw err
    }
  }

  async function round(): Promise<void> {
    const t = now()
    const known = new Set(state.datasets.map((d) => d.datasetId))
    for (const dataset of await c.datasets()) {
      if (known.has(dataset.datasetId)) continue
      if (state.datasets.length >= maxDatasets) {
        if (refusing === undefined) {
          refusing = `the ledger follows ${maxDatasets} datasets, the most it takes (maxDatasets): dataset ${dataset.datasetId} and newer ones are not pinned`
          log(`pinning: ${refusing}`)
        }
        continue
      }
      known.add(dataset.datasetId)
      const at = new Date(t).toISOString()
      state.datasets.push({
        datasetId: dataset.datasetId,
        manifestCid: dataset.manifestCid,
        name: `assay-dataset-${dataset.datasetId}`,
        pins: [...new Set([dataset.manifestCid, ...dataset.cids])].map((cid) => ({
          cid,
          state: 'unsent',
          attempts: 0,
          polls: 0,
          dueAt: t,
          updatedAt: at,
        })),
      })
      dirty = true
      log(`pinning: dataset ${dataset.datasetId} (${dataset.cids.length + 1} CIDs) to ${c.client.endpoint}`)
    }
    let calls = 0
    // Once the service fails as a whole (down, rate limited, token refused, out of funds), the
    // round's other due pins get the same failure without a call each, and later rounds make none
    // until the service's back-off has passed: a failing service costs one call per back-off, not one per pin.
    let serviceFailure = t < serviceDueAt
    for (const d of state.datasets)
      for (const pin of d.pins) {
        if (calls >= callsPerTick || stopped) break
        if (pin.state === 'pinned' || pin.dueAt > t) continue
        const pending = PENDING.has(pin.state) && pin.requestid !== undefined
        if (serviceFailure) {
          held(d, pin, pending ? pin.state : 'failed')
          continue
        }
        calls += 1
        const err = pending ? await poll(d, pin) : await request(d, pin)
        if (err === undefined) continue
        serviceFailed(err)
        serviceFailure = true
        held(d, pin, pending ? pin.state : 'failed')
      }
    await save(false)
  }

  const tick = (): Promise<void> => {
    running ??= round().finally(() => (running = undefined))
    return running
  }

  return {
    async start() {
      const saved = await c.ledger.load()
      const t = now()
      if (saved !== undefined) {
        state = saved
        const otherService = saved.endpoint !== c.client.endpoint
        if (otherService) log(`pinning: the ledger's requests were made at ${saved.endpoint}; asking ${c.client.endpoint} afresh`)
        state.endpoint = c.client.endpoint
        for (const pin of state.datasets.flatMap((d) => d.pins)) {
          if (otherService) {
            pin.state = 'unsent'
            delete pin.requestid
          }
          if (pin.state !== 'pinned') Object.assign(pin, { dueAt: t, attempts: 0, polls: 0 })
        }
        dirty = true
      }
      stopped = false
      const loop = (): void => {
        if (stopped) return
        tick()
          .catch((err: unknown) => log(`pinning: round failed, retrying: ${describeError(err)}`))
          .finally(() => {
            if (!stopped) timer = setTimeout(loop, intervalMs)
          })
      }
      loop()
    },
    tick,
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running?.catch(() => undefined)
      await save(true).catch((err: unknown) => log(`pinning: cannot save the ledger: ${describeError(err)}`))
    },
    report() {
      const counts = Object.fromEntries(PIN_STATES.map((s) => [s, 0])) as Record<PinState, number>
      for (const pin of state.datasets.flatMap((d) => d.pins)) counts[pin.state] += 1
      return {
        endpoint: c.client.endpoint,
        ok: lastError === undefined && refusing === undefined && counts.failed === 0,
        ...(lastError !== undefined ? { lastError } : {}),
        ...(refusing !== undefined ? { refusing } : {}),
        counts,
        datasets: state.datasets
          .slice(-REPORTED_DATASETS)
          .reverse()
          .map((d) => ({ datasetId: d.datasetId, name: d.name, pins: d.pins.map(({ attempts: _a, polls: _p, ...pin }) => pin) })),
      }
    },
  }
}
