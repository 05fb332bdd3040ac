import { NodeUnreachableError } from './node-unreachable-error.js'

export interface WaitForNodeOptions {
  /** Give up once the node has been away this long (default 10 minutes). */
  giveUpAfterMs?: number
  /** The first pause between tries (default 500 ms); it doubles up to `maxDelayMs` (default 5 s). */
  firstDelayMs?: number
  maxDelayMs?: number
}

/** How long a follower waits for a node that went away, unless told otherwise. */
export const DEFAULT_GIVE_UP_AFTER_MS = 600_000

/**
 * Tries `probe` until the node answers it, pausing between tries with a bounded backoff. The first
 * pause comes before the first try: a node that has just gone is not back yet. Any other failure
 * than NodeUnreachableError ends the wait at once.
 *
 * @throws {NodeUnreachableError} with `waitedMs` set, once `giveUpAfterMs` has passed
 * @example await waitForNode(() => client.health(), { giveUpAfterMs: 60_000 })
 */
export async function waitForNode<T>(probe: () => Promise<T>, options: WaitForNodeOptions = {}): Promise<T> {
  const giveUpAfterMs = options.giveUpAfterMs ?? DEFAULT_GIVE_UP_AFTER_MS
  const maxDelayMs = options.maxDelayMs ?? 5_000
  const deadline = Date.now() + giveUpAfterMs
  for (let delay = options.firstDelayMs ?? 500; ; delay = Math.min(delay * 2, maxDelayMs)) {
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(delay, deadline - Date.now()))))
    try {
      return await probe()
    } catch (err) {
      if (!NodeUnreachableError.is(err)) throw err
      if (Date.now() >= deadline) throw new NodeUnreachableError(err.node, err.reason, { cause: err, waitedMs: giveUpAfterMs })
    }
  }
}
