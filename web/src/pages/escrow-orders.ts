import {
  windowDeadlineOf,
  windowShare,
  type EscrowOrderStatus,
  type KeySettlement,
  type OpenedOrder,
  type OpenedStreamOrder,
} from '../../../contracts/index.js'
import type { AppContext } from '../app-context.js'
import { actionButton, errorAlert } from '../components.js'
import { h, mount, uid } from '../dom.js'
import { formatDate, formatDuration, formatPrice } from '../format.js'
import { href } from '../router.js'
import { windowRange } from './escrow-purchase.js'

/** How often open orders are read again. */
const POLL_MS = 3_000
/** Windows of one stream order followed one by one (the rest are summed up). */
const MAX_FOLLOWED = 1_000n

/** The chain's clock: the latest block's timestamp, which KeyEscrow compares its deadlines with. */
export async function chainTime(ctx: AppContext): Promise<bigint> {
  const block = await ctx.chain().provider.getBlock('latest')
  return BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000))
}

/**
 * Runs `tick` every `ms` until `signal` aborts or `tick` answers false. A failed tick is reported
 * and polling goes on (a node or RPC hiccup must not end the wait).
 */
function poll(signal: AbortSignal, ms: number, tick: () => Promise<boolean>, onError: (err: unknown) => void): void {
  let timer: ReturnType<typeof setTimeout> | undefined
  const schedule = (): void => {
    if (!signal.aborted) timer = setTimeout(run, ms)
  }
  const run = (): void => {
    tick().then(
      (more) => {
        if (more) schedule()
      },
      (err: unknown) => {
        if (signal.aborted) return
        onError(err)
        schedule()
      },
    )
  }
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true })
  schedule()
}

/** In words how far away a moment is, from `now` (both unix seconds). */
const fromNow = (at: bigint, now: bigint): string => (at > now ? `in ${formatDuration(Number(at - now))}` : 'passed')

/** A dataset order as the buyer sees it: its escrow status, refundable once open past its deadline. */
type DatasetOrderState = 'open' | 'refundable' | 'settled' | 'refunded'

export interface DatasetOrdersView {
  /** The list, or nothing when the buyer never opened an order for the dataset. */
  el: HTMLElement | null
  /** Whether an order is open (waiting for its key, or for a refund). */
  hasOpen: boolean
}

/**
 * The buyer's KeyEscrow orders for a dataset (OrderOpened events of this buyer and dataset), each
 * with its status read from the escrow: an open one with its deadline, waited on (polled: its key
 * comes with the settlement, nothing is asked of the wallet meanwhile) and, once the deadline has
 * passed in chain time, a Refund button (the SDK's refundOrder). Changes are announced (aria-live).
 */
export async function datasetOrders(
  ctx: AppContext,
  datasetId: bigint,
  buyer: string,
  signal: AbortSignal,
  on: { settled?: () => void; change?: (hasOpen: boolean) => void } = {},
): Promise<DatasetOrdersView> {
  const { reader } = ctx.chain()
  const orders = (await reader.ordersOpened(undefined, undefined, { buyer, datasetId })).reverse()
  if (orders.length === 0) return { el: null, hasOpen: false }
  const statuses = new Map<bigint, EscrowOrderStatus>()
  const read = async (ids: bigint[]): Promise<void> => {
    const answers = await Promise.all(ids.map(async (id) => [id, await reader.orderStatus(id)] as const))
    for (const [id, status] of answers) statuses.set(id, status)
  }
  await read(orders.map((o) => o.id))
  let now = await chainTime(ctx)

  const list = h('ul', { class: 'escrow-orders', 'aria-live': 'polite', 'aria-label': 'Your escrow orders for this dataset' })
  const problem = h('div')
  const el = h('div', { class: 'escrow-orders-panel', 'data-testid': 'escrow-orders' }, h('h3', null, 'Your escrow orders'), list, problem)
  const drawn = new Map<bigint, { li: HTMLElement; state?: DatasetOrderState }>()
  const stateOf = (o: OpenedOrder): DatasetOrderState => {
    const status = statuses.get(o.id)
    if (status === 'settled' || status === 'refunded') return status
    return now >= o.deadline ? 'refundable' : 'open'
  }
  const hasOpen = (): boolean => orders.some((o) => statuses.get(o.id) === 'open')
  const draw = (o: OpenedOrder): void => {
    let item = drawn.get(o.id)
    if (item === undefined) {
      item = { li: h('li', { class: 'escrow-order', 'data-order': String(o.id) }) }
      drawn.set(o.id, item)
      list.append(item.li)
    }
    const state = stateOf(o)
    // Drawn again only when its state changes: the live region then says just that.
    if (item.state === state) return
    item.state = state
    Object.assign(item.li.dataset, { state, deadline: String(o.deadline) })
    const price = formatPrice(o.price, o.paymentToken)
    const head = h('strong', null, `Order #${o.id}`)
    if (state === 'settled')
      return mount(item.li, head, ` · ${price} · settled: the key was delivered on chain with a verified key-transfer proof.`)
    if (state === 'refunded') return mount(item.li, head, ` · refunded: ${price} back to your wallet.`)
    const hint = uid('refund-hint')
    const refund = actionButton(
      'Refund',
      async () => {
        await ctx.client.refundOrder(await ctx.wallet.signer(), o.id)
        await read([o.id])
        draw(o)
        on.change?.(hasOpen())
      },
      {
        'data-testid': 'refund-order',
        'aria-label': `Refund order #${o.id}`,
        'aria-describedby': hint,
        disabled: state !== 'refundable',
      },
    )
    mount(
      item.li,
      head,
      state === 'open'
        ? ` · ${price} held by KeyEscrow · waiting for the seller’s proof; refundable from ${formatDate(Number(o.deadline))} (${fromNow(o.deadline, now)}) if still unsettled.`
        : ` · ${price} held by KeyEscrow · not settled by its deadline, ${formatDate(Number(o.deadline))}: refundable.`,
      refund,
      h(
        'p',
        { class: 'hint', id: hint },
        state === 'open'
          ? 'The escrow pays the order back from its deadline on (chain time), if the key was not delivered by then.'
          : `Sends a transaction that pays the ${price} back to your wallet.`,
      ),
    )
  }
  for (const o of orders) draw(o)
  // Followed while one is open: a settled or refunded order stays as it is.
  if (hasOpen())
    poll(
      signal,
      POLL_MS,
      async () => {
        const open = orders.filter((o) => statuses.get(o.id) === 'open')
        now = await chainTime(ctx)
        await read(open.map((o) => o.id))
        if (signal.aborted) return false
        problem.replaceChildren()
        for (const o of orders) draw(o)
        if (open.some((o) => statuses.get(o.id) === 'settled')) on.settled?.()
        if (open.some((o) => statuses.get(o.id) !== 'open')) on.change?.(hasOpen())
        return hasOpen()
      },
      (err) => mount(problem, errorAlert(err)),
    )
  return { el, hasOpen: hasOpen() }
}

/** A window of a stream order as the buyer sees it. */
export type WindowState = 'waiting' | 'published' | 'settled' | 'refundable' | 'refunded'

const WINDOW_STATE_WORDS: Record<WindowState, string> = {
  waiting: 'Waiting for the window',
  published: 'Published: waiting for the node’s settlement',
  settled: 'Settled: key delivered on chain',
  refundable: 'Not delivered by its deadline: refundable',
  refunded: 'Refunded',
}
const WINDOW_STATE_CLASS: Record<WindowState, string> = {
  waiting: '',
  published: 'info',
  settled: 'ok',
  refundable: 'bad',
  refunded: '',
}

interface FollowedOrder {
  order: OpenedStreamOrder
  /** KeyEscrow's settlement window (a window's deadline is its end, or the opening if later, plus this). */
  settlementWindow: bigint
  settled: Map<bigint, KeySettlement>
  refunded: Set<bigint>
  states: Map<bigint, WindowState>
  el: HTMLElement
  shown?: string
}

export interface StreamOrdersView {
  el: HTMLElement
  /** Reads the buyer's orders for the stream again (after opening one). */
  reload(): Promise<void>
}

/**
 * The buyer's KeyEscrow stream orders (trustless subscriptions) for one stream, each with its
 * windows and their states: waiting for the window, published (the node is settling), settled (the
 * key is on chain: WindowSettled), refundable (unsettled past its deadline) or refunded. Followed
 * (polled) while a window is open; each change is announced (aria-live). "Refund undelivered
 * windows" is enabled only when an unsettled window is past its deadline (chain time), and refunds
 * (the SDK's refundWindows) the range up to the last such window.
 *
 * Only windows that have begun, the next one and any already published or settled get a row; the
 * rest of a long order is one line.
 */
export function streamOrders(
  ctx: AppContext,
  stream: { id: bigint; start: bigint; windowLength: bigint },
  buyer: string,
  signal: AbortSignal,
  hooks: {
    /** The window's dataset id when the node has published it (its view, a hint: the chain decides what is settled). */
    published(windowIndex: number): string | null
    /** The windows settled to this buyer through the escrow, across its orders. */
    settled?(windows: ReadonlySet<number>): void
  },
): StreamOrdersView {
  const { reader } = ctx.chain()
  const announce = h('p', { class: 'hint', role: 'status', 'aria-live': 'polite', 'data-testid': 'escrow-orders-status' })
  const body = h('div')
  const problem = h('div')
  const el = h(
    'section',
    { class: 'escrow-orders-panel', 'aria-labelledby': 'escrow-orders-title', 'data-testid': 'escrow-orders', hidden: true },
    h('h2', { id: 'escrow-orders-title' }, 'Your escrow orders'),
    announce,
    body,
    problem,
  )
  const fail = (err: unknown): void => {
    el.hidden = false
    mount(problem, errorAlert(err))
  }
  let followed: FollowedOrder[] = []
  let now = 0n
  let generation = 0
  let running: Promise<boolean> | undefined

  const windowEnd = (o: OpenedStreamOrder, w: bigint): bigint => o.streamStart + (w + 1n) * o.windowLength
  const deadline = (f: FollowedOrder, w: bigint): bigint => windowDeadlineOf(f.order, w, f.settlementWindow)
  const stateOf = (f: FollowedOrder, w: bigint): WindowState => {
    if (f.settled.has(w)) return 'settled'
    if (f.refunded.has(w)) return 'refunded'
    if (now >= deadline(f, w)) return 'refundable'
    return hooks.published(Number(w)) !== null ? 'published' : 'waiting'
  }
  // Followed window by window: the first MAX_FOLLOWED of an order (an order may hold millions).
  const windowsOf = (o: OpenedStreamOrder): bigint[] =>
    Array.from({ length: Number(o.windowCount < MAX_FOLLOWED ? o.windowCount : MAX_FOLLOWED) }, (_, k) => o.firstWindow + BigInt(k))

  // Fixed at the escrow's deployment: read once.
  let settlementWindow: Promise<bigint> = reader.settlementWindow()
  settlementWindow.catch(() => (settlementWindow = reader.settlementWindow()))
  const load = async (): Promise<void> => {
    const mine = generation
    const orders = (await reader.streamOrdersOpened(undefined, undefined, { buyer, streamId: stream.id })).reverse()
    const next = await Promise.all(
      orders.map(async (order): Promise<FollowedOrder> => {
        return {
          order,
          settlementWindow: await settlementWindow,
          settled: new Map(),
          refunded: new Set(),
          states: new Map(),
          el: h('article', {
            class: 'escrow-order',
            'data-order': String(order.id),
            'aria-labelledby': `escrow-order-${order.id}`,
          }),
        }
      }),
    )
    if (mine !== generation) return
    followed = next
    // Nothing to show until the wallet opens an order here.
    el.hidden = followed.length === 0
    mount(
      body,
      followed.map((f) => f.el),
    )
  }

  /** Reads every order's windows from the chain and draws what changed; true while a window is open. */
  const tick = async (first: boolean): Promise<boolean> => {
    const mine = generation
    now = await chainTime(ctx)
    const settlements = (await reader.settlementsOf(buyer)).filter((s) => s.window?.streamId === stream.id)
    // An unsettled window past its deadline is open (refundable) or refunded: the escrow's
    // WindowsRefunded events say which (a refund skips the windows settled before it).
    const refunds = await Promise.all(followed.map((f) => reader.windowRefundsOf(f.order.id)))
    if (mine !== generation || signal.aborted) return false
    followed.forEach((f, i) => {
      for (const s of settlements) if (s.orderId === f.order.id) f.settled.set(s.window!.windowIndex, s)
      for (const r of refunds[i]!)
        for (const w of windowsOf(f.order)) if (w >= r.fromWindow && w < r.toWindow && !f.settled.has(w)) f.refunded.add(w)
    })
    problem.replaceChildren()
    const news: string[] = []
    let open = false
    const allSettled = new Set<number>()
    for (const f of followed) {
      for (const w of windowsOf(f.order)) {
        const state = stateOf(f, w)
        const before = f.states.get(w)
        if (!first && before !== undefined && before !== state)
          news.push(`Order #${f.order.id}, window ${w}: ${WINDOW_STATE_WORDS[state].toLowerCase()}.`)
        f.states.set(w, state)
        if (state === 'settled') allSettled.add(Number(w))
        if (state !== 'settled' && state !== 'refunded') open = true
      }
      draw(f)
    }
    if (news.length > 0) announce.textContent = news.join(' ')
    hooks.settled?.(allSettled)
    return open
  }
  const refresh = (first = false): Promise<boolean> => (running ??= tick(first).finally(() => (running = undefined)))

  const draw = (f: FollowedOrder): void => {
    const { order } = f
    const windows = windowsOf(order)
    const counts = new Map<WindowState, number>()
    for (const w of windows) counts.set(f.states.get(w)!, (counts.get(f.states.get(w)!) ?? 0) + 1)
    const refundable = windows.filter((w) => f.states.get(w) === 'refundable')
    // Rows: the windows begun (by the later of chain and wall-clock time), the next, and any with news.
    const clock = BigInt(Math.floor(Date.now() / 1000)) > now ? BigInt(Math.floor(Date.now() / 1000)) : now
    const current = clock < stream.start ? -1n : (clock - stream.start) / stream.windowLength
    let lastShown = current + 1n
    for (const w of windows) if (f.states.get(w) !== 'waiting' && w > lastShown) lastShown = w
    const shown = windows.filter((w) => w <= lastShown || w === order.firstWindow)
    const rest = windows.slice(shown.length)
    if (rest.length === 0 && BigInt(windows.length) < order.windowCount) rest.push(order.firstWindow + BigInt(windows.length))
    const nextDeadline = windows.find((w) => f.states.get(w) === 'waiting' || f.states.get(w) === 'published')
    const signature = JSON.stringify([shown.map((w) => f.states.get(w)), rest.length, nextDeadline?.toString()])
    // Drawn again only on change: focus stays where it is, and nothing is read out twice.
    if (f.shown === signature) return
    f.shown = signature
    const title = `escrow-order-${order.id}`
    const summary = (['settled', 'published', 'waiting', 'refundable', 'refunded'] as const)
      .filter((s) => (counts.get(s) ?? 0) > 0)
      .map((s) => `${counts.get(s)} ${s}`)
      .join(', ')
    const hint = uid('refund-windows-hint')
    const share = refundable.reduce((sum, w) => sum + windowShare(order, w - order.firstWindow), 0n)
    const refundText =
      refundable.length > 0
        ? `${refundable.length} undelivered window${refundable.length === 1 ? '' : 's'} past the deadline (${windowRange({ firstWindow: refundable[0]!, windowCount: refundable.at(-1)! - refundable[0]! + 1n })}): ${formatPrice(share, order.paymentToken)} back to your wallet.`
        : nextDeadline !== undefined
          ? `Nothing to refund yet: a window not delivered becomes refundable at its deadline, the escrow’s settlement window after its end (the next: ${formatDate(Number(deadline(f, nextDeadline)))}, ${fromNow(deadline(f, nextDeadline), now)}, chain time).`
          : 'Nothing left to refund: every window is settled or refunded.'
    const refund = actionButton(
      'Refund undelivered windows',
      async () => {
        await ctx.client.refundWindows(await ctx.wallet.signer(), order.id, {
          fromWindow: refundable[0]!,
          toWindow: refundable.at(-1)! + 1n,
        })
        // The poll goes on meanwhile (a refundable window is an open one): read the result at once,
        // after any read begun before the refund.
        await running?.catch(() => undefined)
        await refresh()
      },
      {
        'data-testid': 'refund-windows',
        'aria-label': `Refund undelivered windows of order #${order.id}`,
        'aria-describedby': hint,
        disabled: refundable.length === 0,
      },
    )
    f.el.dataset.refundable = String(refundable.length)
    mount(
      f.el,
      h('h3', { id: title }, `Order #${order.id}: ${windowRange(order)}`),
      h(
        'p',
        null,
        `${formatPrice(order.amount, order.paymentToken)} paid into KeyEscrow; each window’s share goes to the seller only when its key is delivered. `,
        h('span', { 'data-testid': 'order-summary' }, summary),
        '.',
      ),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'order-windows' },
          h('caption', { class: 'sr-only' }, `Windows of order #${order.id}`),
          h('thead', null, h('tr', null, ...['Window', 'Time (UTC)', 'State', 'Refundable from'].map((c) => h('th', { scope: 'col' }, c)))),
          h(
            'tbody',
            null,
            ...shown.map((w) => {
              const state = f.states.get(w)!
              const settlement = f.settled.get(w)
              return h(
                'tr',
                { 'data-order-window': String(w), 'data-state': state },
                h('th', { scope: 'row' }, String(w)),
                h('td', null, formatDate(Number(windowEnd(order, w) - order.windowLength))),
                h(
                  'td',
                  null,
                  h('span', { class: `badge ${WINDOW_STATE_CLASS[state]}` }, WINDOW_STATE_WORDS[state]),
                  settlement !== undefined
                    ? [' ', h('a', { href: href(`datasets/${settlement.datasetId}`) }, `dataset #${settlement.datasetId}`)]
                    : null,
                ),
                h('td', null, state === 'settled' || state === 'refunded' ? '—' : formatDate(Number(deadline(f, w)))),
              )
            }),
            rest.length > 0
              ? h(
                  'tr',
                  { 'data-state': 'waiting' },
                  // (Windows past the ones followed one by one are in this row too.)
                  h('th', { scope: 'row' }, `${rest[0]}–${order.firstWindow + order.windowCount - 1n}`),
                  h('td', null, `from ${formatDate(Number(windowEnd(order, rest[0]!) - order.windowLength))}`),
                  h('td', null, h('span', { class: 'badge' }, WINDOW_STATE_WORDS.waiting)),
                  h('td', null, `from ${formatDate(Number(deadline(f, rest[0]!)))}`),
                )
              : null,
          ),
        ),
      ),
      refund,
      h('p', { class: 'hint', id: hint }, refundText),
    )
  }

  const start = async (): Promise<void> => {
    const mine = ++generation
    await load()
    if (signal.aborted || mine !== generation) return
    // One poll per load: a reload's ends the one before.
    if (await refresh(true)) poll(signal, POLL_MS, async () => mine === generation && (await refresh()), fail)
  }
  start().catch(fail)
  return {
    el,
    async reload() {
      await running?.catch(() => undefined)
      await start()
    },
  }
}
