import type { EscrowOrder, OpenedOrder, OpenedStreamOrder, StreamEscrowOrder } from '../../contracts/index.js'

/** A window attached to a stream (DataMarket's WindowPublished). */
export interface PublishedWindow {
  streamId: bigint
  windowIndex: bigint
  datasetId: bigint
}

/**
 * What following stream orders needs: a stream order is settled window by window, each as soon as
 * both the order and the window's dataset exist on-chain, in whichever order they came.
 */
export interface StreamOrderComponents {
  /** StreamOrderOpened events in [fromBlock, toBlock]. */
  streamOrdersOpened(fromBlock: number, toBlock: number): Promise<OpenedStreamOrder[]>
  /** WindowPublished events in [fromBlock, toBlock]. */
  windowsPublished(fromBlock: number, toBlock: number): Promise<PublishedWindow[]>
  /** Whether this node settles the stream's windows (it owns the stream and holds the windows' keys). */
  settlesStream(streamId: bigint): Promise<boolean>
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
 * A stream order's windows are queued from two sides: a new order takes every window of its range
 * already attached, and a newly attached window every order of its stream that covers it (the
 * watcher keeps both of its own streams in memory, read once from the escrow's first block at
 * start; neither order of events is missed, and a window found twice is one job).
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
      if (components.streams !== undefined) await syncStreams(components.streams, from, to)
      components.cursor.write(to)
      from = to + 1
    }
    return components.cursor.read() ?? components.startBlock - 1
  }

  // Stream orders and attached windows of the streams this node settles, as seen so far: a new
  // order is matched with the windows here, a new window with the orders. Rebuilt once per start
  // by reading the blocks already behind the cursor (in ranges, as every read), then kept up.
  type StreamIndex = { orders: Map<bigint, StreamEscrowOrder[]>; windows: Map<bigint, bigint[]> }
  let seen: StreamIndex | undefined
  const owned = new Map<bigint, Promise<boolean>>()
  const ours = (streams: StreamOrderComponents, streamId: bigint): Promise<boolean> => {
    // A stream's owner never changes: asked once per stream.
    let answer = owned.get(streamId)
    if (answer === undefined) {
      answer = streams.settlesStream(streamId)
      answer.catch(() => owned.delete(streamId))
      owned.set(streamId, answer)
    }
    return answer
  }
  const covers = (order: StreamEscrowOrder, windowIndex: bigint): boolean =>
    windowIndex >= order.firstWindow && windowIndex < order.firstWindow + order.windowCount

  /** Reads [from, to]'s stream orders and windows into `index`; returns the new ones of streams this node settles. */
  async function readStreams(
    streams: StreamOrderComponents,
    index: StreamIndex,
    from: number,
    to: number,
  ): Promise<{ orders: StreamEscrowOrder[]; windows: PublishedWindow[] }> {
    const orders: StreamEscrowOrder[] = []
    for (const order of await streams.streamOrdersOpened(from, to)) {
      if (!(await ours(streams, order.streamId))) continue
      index.orders.set(order.streamId, [...(index.orders.get(order.streamId) ?? []), order])
      orders.push(order)
    }
    const windows: PublishedWindow[] = []
    for (const w of await streams.windowsPublished(from, to)) {
      if (!(await ours(streams, w.streamId))) continue
      index.windows.set(w.streamId, [...(index.windows.get(w.streamId) ?? []), w.windowIndex])
      windows.push(w)
    }
    return { orders, windows }
  }

  async function syncStreams(streams: StreamOrderComponents, from: number, to: number): Promise<void> {
    if (seen === undefined) {
      const index: StreamIndex = { orders: new Map(), windows: new Map() }
      for (let at = components.startBlock; at < from; at += range) await readStreams(streams, index, at, Math.min(from - 1, at + range - 1))
      seen = index
    }
    const queue = async (order: StreamEscrowOrder, windowIndex: bigint): Promise<void> => {
      await streams.enqueueWindow(order, windowIndex)
      components.log?.(`escrow: order ${order.id} window ${windowIndex} of stream ${order.streamId} queued for settlement`)
    }
    // Read first, then match: an order and a window in the same range find each other (queued
    // twice at most, which is one job).
    const fresh = await readStreams(streams, seen, from, to)
    for (const order of fresh.orders) for (const w of seen.windows.get(order.streamId) ?? []) if (covers(order, w)) await queue(order, w)
    for (const w of fresh.windows)
      for (const order of seen.orders.get(w.streamId) ?? []) if (covers(order, w.windowIndex)) await queue(order, w.windowIndex)
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
