import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DevelopmentSetupError, Publication, isPermanentFailure, type PublicationStatus } from '../publish/index.js'
import { windowBounds } from './stream-ingest.js'
import type { StreamStore, WindowRecord } from './stream-store.js'

export interface WindowCloserComponents {
  store: StreamStore
  /** Where window files and publication workspaces go. */
  workDir: string
  /** Hands a publication to the publish flow; returns its job id (deterministic per workspace). */
  submit(publication: Publication): Promise<string>
  status(jobId: string): Promise<PublicationStatus | undefined>
  /** Submits a failed publication again (`retryPublication`), keeping what it had finished. */
  retry(publication: Publication): Promise<string>
  now?: () => number
  log?: (message: string) => void
}

/**
 * Closes stream windows and publishes each as a dataset of its own: once a window's end plus its
 * grace period has passed (or its size cap was reached), its accepted batches, exactly as the
 * devices signed them, become a signed-batch file that goes through the publish flow with the
 * stream id and window index; the flow anchors it and attaches it to the stream. Safe to repeat
 * after a crash: the workspace and job ids are deterministic, and anchoring and attaching are
 * idempotent. A window whose publication failed for a passing reason (a chain or IPFS outage
 * longer than the flow's own attempts) is submitted again after `retryDelayS`, doubling up to an
 * hour; a permanent failure stays `failed` until someone retries it (`POST /jobs/:id/retry`).
 */
export function createWindowCloser(c: WindowCloserComponents, options: { retryDelayS?: number } = {}) {
  const now = c.now ?? (() => Date.now() / 1000)
  const log = c.log ?? (() => undefined)
  const retryDelayS = options.retryDelayS ?? 30
  // In memory: after a restart, failed windows are tried again at once.
  const retries = new Map<string, { attempts: number; at: number }>()
  /** When to try again after `attempts` earlier retries: the wait doubles, up to an hour. */
  const retryAt = (attempts: number): number => now() + Math.min(3_600, retryDelayS * 2 ** attempts)
  const workspaceOf = (w: WindowRecord): string => join(c.workDir, 'publications', `stream-${w.streamId}-window-${w.index}`)

  async function close(w: WindowRecord): Promise<void> {
    const spec = c.store.stream(w.streamId)
    if (spec === undefined) return
    const { start, end } = windowBounds(spec, w.index)
    if (w.state !== 'full' && now() < end + spec.graceS) return
    const file = join(c.workDir, 'windows', `stream-${w.streamId}-window-${w.index}.ndjson`)
    await mkdir(join(c.workDir, 'windows'), { recursive: true })
    await writeFile(file, `${c.store.windowLines(w.streamId, w.index).join('\n')}\n`)
    const publication = await Publication.create(workspaceOf(w), file, {
      title: `${spec.title} — window ${w.index}`,
      description: `${spec.description}${spec.description === '' ? '' : '\n\n'}Window ${w.index} of stream ${spec.streamId}, from ${new Date(start * 1000).toISOString()} for ${spec.windowLength} s.`,
      licence: spec.licence,
      tags: [...spec.tags, 'stream'],
      stream: { streamId: spec.streamId, windowIndex: w.index },
    })
    let jobId: string
    try {
      jobId = await c.submit(publication)
    } catch (err) {
      // Refused before any work (its circuit's setup may not be used on this chain): the window
      // fails once, visibly, and is tried again on the retry schedule (the operator may allow it).
      if (!(err instanceof DevelopmentSetupError)) throw err
      const key = `${w.streamId}:${w.index}`
      const attempts = retries.get(key)?.attempts ?? 0
      retries.set(key, { attempts, at: retryAt(attempts) })
      c.store.setWindow(w.streamId, w.index, { state: 'failed', detail: `${err.name}: ${err.message}` })
      log(`stream ${w.streamId}: window ${w.index} not published: ${err.message}`)
      return
    }
    c.store.setWindow(w.streamId, w.index, { state: 'closing', jobId })
    log(`stream ${w.streamId}: window ${w.index} closed with ${w.readings} readings in ${w.batches} batches; publishing (${jobId})`)
  }

  async function follow(w: WindowRecord): Promise<void> {
    if (w.jobId === null) return
    const status = await c.status(w.jobId)
    if (status?.result !== undefined) {
      c.store.setWindow(w.streamId, w.index, {
        state: 'published',
        datasetId: status.result.datasetId,
        manifestCid: status.result.manifestCid,
      })
      log(`stream ${w.streamId}: window ${w.index} published as dataset ${status.result.datasetId}`)
    } else if (status?.failedReason !== undefined) {
      c.store.setWindow(w.streamId, w.index, { state: 'failed', detail: status.failedReason })
      const permanent = isPermanentFailure(status)
      const key = `${w.streamId}:${w.index}`
      const attempts = retries.get(key)?.attempts ?? 0
      if (!permanent) retries.set(key, { attempts, at: retryAt(attempts) })
      log(
        `stream ${w.streamId}: window ${w.index} failed to publish: ${status.failedReason}` +
          (permanent ? ' (permanent; retry with POST /jobs/:id/retry once the cause is fixed)' : ' (will be retried)'),
      )
    }
  }

  async function retry(w: WindowRecord): Promise<void> {
    if (w.jobId === null) {
      // Never submitted (refused by name at close): close it again once its wait is over.
      const key = `${w.streamId}:${w.index}`
      const r = retries.get(key) ?? { attempts: 0, at: 0 }
      if (now() < r.at) return
      retries.set(key, { attempts: r.attempts + 1, at: retryAt(r.attempts + 1) })
      // 'full': closed to batches and closed again at once, whatever its end.
      c.store.setWindow(w.streamId, w.index, { state: 'full', detail: null })
      return
    }
    const status = await c.status(w.jobId)
    // Retried by hand (or by an earlier tick that did not get to record it): follow it again.
    if (status !== undefined && status.failedReason === undefined) {
      c.store.setWindow(w.streamId, w.index, { state: 'closing', detail: null })
      return
    }
    if (status !== undefined && isPermanentFailure(status)) return
    const key = `${w.streamId}:${w.index}`
    const r = retries.get(key) ?? { attempts: 0, at: 0 }
    if (now() < r.at) return
    retries.set(key, { attempts: r.attempts + 1, at: retryAt(r.attempts + 1) })
    try {
      await c.retry(new Publication(workspaceOf(w)))
      c.store.setWindow(w.streamId, w.index, { state: 'closing', detail: null })
      log(`stream ${w.streamId}: window ${w.index}: publishing again (attempt ${r.attempts + 2})`)
    } catch (err) {
      log(`stream ${w.streamId}: window ${w.index}: retry not possible yet: ${(err as Error).message}`)
    }
  }

  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  const tick = async (): Promise<void> => {
    for (const w of c.store.openWindows()) await close(w)
    for (const w of c.store.closingWindows()) await follow(w)
    for (const w of c.store.failedWindows()) await retry(w)
  }
  return {
    tick,
    start(intervalMs: number): void {
      const loop = (): void => {
        running = tick()
          .catch((err: unknown) => log(`stream windows: ${(err as Error).message}`))
          .finally(() => {
            if (timer !== undefined) timer = setTimeout(loop, intervalMs)
          })
      }
      timer = setTimeout(loop, intervalMs)
    },
    async stop(): Promise<void> {
      clearTimeout(timer)
      timer = undefined
      await running
    },
  }
}

export type WindowCloser = ReturnType<typeof createWindowCloser>
