import type { EscrowOrder, OpenedOrder } from '../../contracts/index.js'

export interface EscrowWatcherComponents {
  /** OrderOpened events in [fromBlock, toBlock]. */
  ordersOpened(fromBlock: number, toBlock: number): Promise<OpenedOrder[]>
  blockNumber(): Promise<number>
  /** Whether this node settles orders for the dataset (it sells it and holds its key). */
  settles(datasetId: bigint): Promise<boolean>
  enqueue(order: EscrowOrder): Promise<void>
  /** The last block fully handled, persisted across restarts; undefined before the first sync. */
  cursor: { read(): number | undefined; write(block: number): void }
  /** The block the escrow was deployed in: the first sync starts there. */
  startBlock: number
  log?: (msg: string) => void
}

export interface EscrowWatcherOptions {
  /** Blocks per getLogs request. */
  blockRange?: number
}

export interface EscrowWatcher {
  /** Queues every order opened up to the chain head for a dataset this node settles; returns the new cursor. */
  sync(): Promise<number>
  /** Syncs every `intervalMs` until stopped (errors are logged and retried at the next tick). */
  start(intervalMs?: number): void
  stop(): Promise<void>
}

/**
 * Follows KeyEscrow's OrderOpened events and queues the orders this node should settle. The
 * cursor advances only past blocks whose orders were all queued, and queuing is idempotent (one
 * job per order), so a crash between the two queues nothing twice and misses nothing.
 */
export function createEscrowWatcher(components: EscrowWatcherComponents, options: EscrowWatcherOptions = {}): EscrowWatcher {
  const range = options.blockRange ?? 2_000
  let timer: NodeJS.Timeout | undefined
  let running: Promise<number> | undefined
  let stopped = false

  async function syncOnce(): Promise<number> {
    const head = await components.blockNumber()
    let from = (components.cursor.read() ?? components.startBlock - 1) + 1
    while (from <= head) {
      const to = Math.min(head, from + range - 1)
      for (const order of await components.ordersOpened(from, to)) {
        if (await components.settles(order.datasetId)) {
          await components.enqueue(order)
          components.log?.(`escrow: order ${order.id} for dataset ${order.datasetId} queued for settlement (deadline ${order.deadline})`)
        }
      }
      components.cursor.write(to)
      from = to + 1
    }
    return components.cursor.read() ?? components.startBlock - 1
  }

  const sync = (): Promise<number> => {
    // One sync at a time: the timer and a caller (a test, a route) share it.
    running ??= syncOnce().finally(() => (running = undefined))
    return running
  }

  return {
    sync,
    start(intervalMs = 1_000) {
      const tick = (): void => {
        if (stopped) return
        sync()
          .catch((err: unknown) => components.log?.(`escrow: ${err instanceof Error ? err.message : String(err)} (retrying)`))
          .finally(() => {
            if (!stopped) timer = setTimeout(tick, intervalMs)
          })
      }
      tick()
    },
    async stop() {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
      await running?.catch(() => undefined)
    },
  }
}
