import { checkBuyerPublicKey } from '../../circuits/index.js'
import type { EscrowOrder, OpenedOrder, OpenedStreamOrder, StreamEscrowOrder } from '../../contracts/index.js'

/** A window attached to a stream (DataMarket's WindowPublished). */
export interface PublishedWindow {
  streamId: bigint
  windowIndex: bigint
  datasetId: bigint
}

/**
 * What following stream orders needs: a stream order is settled window by window, each as soon as
 * both the order and the window's dataset exist on-chain, in whichever order they came. Only the
 * node's own streams are read (their ids as getLogs topics), so strangers' streams cost nothing.
 */
export interface StreamOrderComponents {
  /** Ids of the streams this node's account created in [fromBlock, toBlock] (StreamCreated, owner topic). */
  ownStreamsCreated(fromBlock: number, toBlock: number): Promise<bigint[]>
  /** StreamOrderOpened events in [fromBlock, toBlock] of these streams. */
  streamOrdersOpened(fromBlock: number, toBlock: number, streamIds: readonly bigint[]): Promise<OpenedStreamOrder[]>
  /** WindowPublished events in [fromBlock, toBlock] of these streams. */
  windowsPublished(fromBlock: number, toBlock: number, streamIds: readonly bigint[]): Promise<PublishedWindow[]>
  enqueueWindow(order: StreamEscrowOrder, windowIndex: bigint): Promise<void>
}

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
  /** Follows stream orders too, when given. */
  streams?: StreamOrderComponents
  log?: (msg: string) => void
}

export interface EscrowWatcherOptions {
  /** Blocks per getLogs request at most (a failed request halves it for the next try; successes grow it back). */
  blockRange?: number
}

export interface EscrowWatcher {
  /** Queues every order opened up to the chain head for a dataset this node settles; returns the new cursor. */
  sync(): Promise<number>
  /** Syncs every `intervalMs` until stopped (errors are logged and retried at the next tick). */
  start(intervalMs?: number): void
  stop(): Promise<void>
}

/** Whether the buyer key is one a delivery can be encrypted to (on the curve, in Base8's subgroup). */
async function usableBuyerKey(publicKey: bigint): Promise<boolean> {
  try {
    await checkBuyerPublicKey(publicKey)
    return true
  } catch {
    return false
  }
}

/**
 * Follows KeyEscrow's OrderOpened events and queues the orders this node should settle. The
 * cursor advances only past blocks whose orders were all queued, and queuing is idempotent (one
 * job per order), so a crash between the two queues nothing twice and misses nothing. Orders whose
 * buyer key no delivery can be encrypted to are not queued (only the buyer's refund ends them).
 * A stream order's windows are queued from two sides: a new order takes every window of its range
 * already attached, and a newly attached window every order of its stream that covers it (the
 * watcher keeps both, for its own streams only, in memory: read once from the escrow's first block
 * at start, and added to only once their jobs are queued; a window found twice is one job).
 */
export function createEscrowWatcher(components: EscrowWatcherComponents, options: EscrowWatcherOptions = {}): EscrowWatcher {
  const maxRange = options.blockRange ?? 2_000
  // A provider that refuses a range (too many logs, a timeout) gets half of it at the next try.
  let range = maxRange
  let timer: NodeJS.Timeout | undefined
  let running: Promise<number> | undefined
  let stopped = false

  async function syncOnce(): Promise<number> {
    const head = await components.blockNumber()
    let from = (components.cursor.read() ?? components.startBlock - 1) + 1
    while (from <= head) {
      const to = Math.min(head, from + range - 1)
      try {
        await syncRange(from, to)
      } catch (err) {
        range = Math.max(1, Math.floor(range / 2))
        throw err
      }
      components.cursor.write(to)
      range = Math.min(maxRange, range * 2)
      from = to + 1
    }
    return components.cursor.read() ?? components.startBlock - 1
  }

  async function syncRange(from: number, to: number): Promise<void> {
    for (const order of await components.ordersOpened(from, to)) {
      if (!(await components.settles(order.datasetId))) continue
      if (!(await usableBuyerKey(order.buyerKey))) {
        components.log?.(
          `escrow: order ${order.id} for dataset ${order.datasetId} names a buyer key no key can be sent to; not settling it`,
        )
        continue
      }
      await components.enqueue(order)
      components.log?.(`escrow: order ${order.id} for dataset ${order.datasetId} queued for settlement (deadline ${order.deadline})`)
    }
    if (components.streams !== undefined) await syncStreams(components.streams, from, to)
  }

  // The node's streams, their orders and their attached windows as seen so far. Rebuilt once per
  // start by reading the blocks already behind the cursor, then kept up range by range.
  interface StreamIndex {
    streams: Set<bigint>
    orders: Map<bigint, Map<bigint, StreamEscrowOrder>>
    windows: Map<bigint, Set<bigint>>
  }
  let seen: StreamIndex | undefined
  const covers = (order: StreamEscrowOrder, windowIndex: bigint): boolean =>
    windowIndex >= order.firstWindow && windowIndex < order.firstWindow + order.windowCount

  /** The new orders (with usable buyer keys) and windows of the node's streams in [from, to]. */
  async function readStreams(
    streams: StreamOrderComponents,
    index: StreamIndex,
    from: number,
    to: number,
  ): Promise<{ orders: StreamEscrowOrder[]; windows: PublishedWindow[] }> {
    for (const id of await streams.ownStreamsCreated(from, to)) index.streams.add(id)
    if (index.streams.size === 0) return { orders: [], windows: [] }
    const ids = [...index.streams]
    const orders: StreamEscrowOrder[] = []
    for (const order of await streams.streamOrdersOpened(from, to, ids)) {
      if (!index.streams.has(order.streamId)) continue
      if (await usableBuyerKey(order.buyerKey)) orders.push(order)
      else components.log?.(`escrow: stream order ${order.id} names a buyer key no key can be sent to; not settling it`)
    }
    const windows = (await streams.windowsPublished(from, to, ids)).filter((w) => index.streams.has(w.streamId))
    return { orders, windows }
  }

  function remember(index: StreamIndex, fresh: { orders: StreamEscrowOrder[]; windows: PublishedWindow[] }): void {
    for (const order of fresh.orders) {
      const orders = index.orders.get(order.streamId) ?? new Map<bigint, StreamEscrowOrder>()
      orders.set(order.id, order)
      index.orders.set(order.streamId, orders)
    }
    for (const w of fresh.windows) {
      const windows = index.windows.get(w.streamId) ?? new Set<bigint>()
      windows.add(w.windowIndex)
      index.windows.set(w.streamId, windows)
    }
  }

  async function syncStreams(streams: StreamOrderComponents, from: number, to: number): Promise<void> {
    if (seen === undefined) {
      const index: StreamIndex = { streams: new Set(), orders: new Map(), windows: new Map() }
      for (let at = components.startBlock; at < from; at += maxRange)
        remember(index, await readStreams(streams, index, at, Math.min(from - 1, at + maxRange - 1)))
      seen = index
    }
    const fresh = await readStreams(streams, seen, from, to)
    // Each (order, window) pair once: new orders with every window (known or new), new windows with
    // the orders known before this range.
    const pairs: Array<[StreamEscrowOrder, bigint]> = []
    for (const order of fresh.orders) {
      const known = seen.windows.get(order.streamId) ?? new Set<bigint>()
      const all = [
        ...known,
        ...fresh.windows.filter((w) => w.streamId === order.streamId && !known.has(w.windowIndex)).map((w) => w.windowIndex),
      ]
      for (const w of all) if (covers(order, w)) pairs.push([order, w])
    }
    for (const w of fresh.windows)
      for (const order of seen.orders.get(w.streamId)?.values() ?? []) if (covers(order, w.windowIndex)) pairs.push([order, w.windowIndex])
    for (const [order, windowIndex] of pairs) {
      await streams.enqueueWindow(order, windowIndex)
      components.log?.(`escrow: order ${order.id} window ${windowIndex} of stream ${order.streamId} queued for settlement`)
    }
    // Only now: a range whose queuing failed is read again whole at the next try.
    remember(seen, fresh)
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
