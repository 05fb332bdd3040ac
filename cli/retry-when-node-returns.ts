import { createAssayClient, NodeUnreachableError, waitForNode } from '../sdk/index.js'
import { reportOutage } from './report-outage.js'

export interface RetryWhenNodeReturnsOptions {
  io: { err: (s: string) => void }
  /** What is started again, for the sentence saying so ("downloading dataset 3"). */
  what: string
  /** How long to wait for the node each time it goes away (default 10 minutes). */
  giveUpAfterMs?: number
  /**
   * The caller has just talked to the node, so a failure in `fn` means it went away. Otherwise the
   * node is asked first, and a node that does not answer then is an error at once: it is not
   * running, and waiting would only hide that.
   */
  reachedAlready?: boolean
}

/** A node that goes away this often during one operation is crashing on it: the last failure is reported. */
const MAX_OUTAGES = 3

/**
 * Runs `fn`, an operation that is safe to start again (a download, a read, a push whose repeats the
 * node recognises); when the node goes away during it, says so in one sentence, waits for the node
 * to answer again, and runs `fn` again (`again` is then true).
 *
 * @throws {NodeUnreachableError} when the node is not running, stays away longer than
 * `giveUpAfterMs` (then with `waitedMs` set), or goes away more than three times
 */
export async function retryWhenNodeReturns<T>(
  node: string,
  fn: (again: boolean) => Promise<T>,
  options: RetryWhenNodeReturnsOptions,
): Promise<T> {
  const client = createAssayClient({ node })
  if (options.reachedAlready !== true) await client.health()
  const outage = reportOutage(options.io, node, `${options.what} again`)
  for (let outages = 0; ; outages++) {
    try {
      return await fn(outages > 0)
    } catch (err) {
      if (!NodeUnreachableError.is(err) || outages >= MAX_OUTAGES) throw err
      outage.onLost(err)
      await waitForNode(() => client.health(), options.giveUpAfterMs !== undefined ? { giveUpAfterMs: options.giveUpAfterMs } : {})
      outage.onBack()
    }
  }
}
