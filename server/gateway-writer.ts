import type { Response } from 'express'

export interface GatewayWriterOptions {
  /** Longest the client may leave what was written unread, and the most time it can bank. */
  stallMs: number
  /** The rate the client must keep up while the node waits for it, in bytes per second. */
  minBytesPerSecond: number
  /** Ends a wait (the client went, the answer's lifetime ran out). */
  signal: AbortSignal
}

/** Writes one gateway answer; see createGatewayWriter. */
export interface GatewayWriter {
  /** Writes a chunk, waiting while the client's socket is full. */
  write(chunk: Uint8Array): Promise<void>
  /** Ends the answer, waiting until the client has taken it (or is dropped). */
  end(chunk?: Uint8Array): Promise<void>
}

/**
 * Writes a gateway answer, waiting while the client's socket is full, and drops a client that
 * holds the answer open by reading too slowly. The client starts with `stallMs` of time, earns a
 * second for each `minBytesPerSecond` bytes it takes while the node waits for it (never banking
 * more than `stallMs`), and spends the time each such wait lasts: one that reads nothing for
 * `stallMs`, or that keeps reading slower than `minBytesPerSecond` (a byte a minute, to hold a
 * connection slot for ever), runs out and is dropped. Time the node spends on its own reads
 * (blocks from peers) costs the client nothing: only waits for the client count.
 */
export function createGatewayWriter(res: Response, options: GatewayWriterOptions): GatewayWriter {
  const { stallMs, minBytesPerSecond, signal } = options
  let creditMs = stallMs

  /** Waits until `event` (drain or finish), charging the wait to the client and crediting what it took. */
  const waitFor = async (event: 'drain' | 'finish'): Promise<void> => {
    const pending = res.writableLength
    const started = Date.now()
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => res.destroy(), Math.max(0, creditMs))
      const done = (): void => {
        clearTimeout(timer)
        res.off(event, done)
        res.off('close', done)
        resolve()
      }
      res.once(event, done)
      res.once('close', done)
    })
    creditMs = Math.min(stallMs, creditMs - (Date.now() - started) + (pending / minBytesPerSecond) * 1000)
  }

  return {
    async write(chunk) {
      if (!res.write(chunk)) await waitFor('drain')
      signal.throwIfAborted()
    },
    async end(chunk) {
      if (chunk === undefined) res.end()
      else res.end(chunk)
      if (!res.writableFinished && !res.destroyed) await waitFor('finish')
    },
  }
}
