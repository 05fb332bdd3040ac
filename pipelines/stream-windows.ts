import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Publication } from './publication.js'
import type { PublicationStatus } from './publish-flow.js'
import { windowBounds } from './stream-ingest.js'
import type { StreamStore, WindowRecord } from './stream-store.js'

export interface WindowCloserComponents {
  store: StreamStore
  /** Where window files and publication workspaces go. */
  workDir: string
  /** Hands a publication to the publish flow; returns its job id (deterministic per workspace). */
  submit(publication: Publication): Promise<string>
  status(jobId: string): Promise<PublicationStatus | undefined>
  now?: () => number
  log?: (message: string) => void
}

/**
 * Closes stream windows and publishes each as a dataset of its own: once a window's end plus its
 * grace period has passed (or its size cap was reached), its accepted batches, exactly as the
 * devices signed them, become a signed-batch file that goes through the publish flow with the
 * stream id and window index; the flow anchors it and attaches it to the stream. Safe to repeat
 * after a crash: the workspace and job ids are deterministic, and anchoring and attaching are
 * idempotent.
 */
export function createWindowCloser(c: WindowCloserComponents) {
  const now = c.now ?? (() => Date.now() / 1000)
  const log = c.log ?? (() => undefined)

  async function close(w: WindowRecord): Promise<void> {
    const spec = c.store.stream(w.streamId)
    if (spec === undefined) return
    const { start, end } = windowBounds(spec, w.index)
    if (w.state !== 'full' && now() < end + spec.graceS) return
    const name = `stream-${w.streamId}-window-${w.index}`
    const file = join(c.workDir, 'windows', `${name}.ndjson`)
    await mkdir(join(c.workDir, 'windows'), { recursive: true })
    await writeFile(file, `${c.store.windowLines(w.streamId, w.index).join('\n')}\n`)
    const publication = await Publication.create(join(c.workDir, 'publications', name), file, {
      title: `${spec.title} — window ${w.index}`,
      description: `${spec.description}${spec.description === '' ? '' : '\n\n'}Window ${w.index} of stream ${spec.streamId}, from ${new Date(start * 1000).toISOString()} for ${spec.windowLength} s.`,
      licence: spec.licence,
      tags: [...spec.tags, 'stream'],
      stream: { streamId: spec.streamId, windowIndex: w.index },
    })
    const jobId = await c.submit(publication)
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
      log(`stream ${w.streamId}: window ${w.index} failed to publish: ${status.failedReason}`)
    }
  }

  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  const tick = async (): Promise<void> => {
    for (const w of c.store.openWindows()) await close(w)
    for (const w of c.store.closingWindows()) await follow(w)
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
