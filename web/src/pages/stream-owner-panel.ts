import { windowShare, type OpenedStreamOrder, type StreamRecord, type StreamSubscription } from '../../../contracts/index.js'
import type { AppContext } from '../app-context.js'
import { errorAlert, spinner } from '../components.js'
import { h, mount } from '../dom.js'
import { formatDate, formatPrice, shortHex } from '../format.js'
import { href } from '../router.js'
import { windowRange } from './escrow-purchase.js'

/** Subscriptions listed one by one (the newest); the totals count every one. */
const MAX_SUBSCRIPTIONS_LISTED = 50
/** Escrow orders listed, their deliveries and refunds read one by one (the newest); the totals count every delivery. */
const MAX_ORDERS_FOLLOWED = 20
/** How often the chain is read again while the page is open. */
const POLL_MS = 5_000

/** An escrow order as the stream's owner sees it: what it paid in, what reached the owner, what went back. */
interface FollowedOrder {
  order: OpenedStreamOrder
  delivered: number
  /** The delivered windows' shares (paid to the stream, fee included). */
  paidOut: bigint
  refunded: bigint
}

interface OwnerView {
  subscriptions: StreamSubscription[]
  subscriptionCount: number
  escrowWindows: number
  orderCount: number
  orders: FollowedOrder[]
  paidBySubscriptions: bigint
  paidThroughEscrow: bigint
  fees: bigint
  subscribers: number
  owed: bigint
}

/** Everything the owner panel shows, read from the chain; only sums and the newest rows are kept. */
async function readOwnerView(ctx: AppContext, streamId: bigint, terms: StreamRecord): Promise<OwnerView> {
  const { reader } = ctx.chain()
  const [subscriptions, windowPurchases, orders, owed] = await Promise.all([
    reader.subscriptionsTo(streamId),
    reader.windowPurchasesOf(streamId),
    reader.streamOrdersOpened(undefined, undefined, { streamId }),
    reader.owed(terms.owner, terms.paymentToken),
  ])
  const followed = orders.slice(-MAX_ORDERS_FOLLOWED).reverse()
  const buyers = [...new Set(followed.map((o) => o.buyer))]
  const [settlements, refunds] = await Promise.all([
    Promise.all(buyers.map((b) => reader.settlementsOf(b))),
    Promise.all(followed.map((o) => reader.windowRefundsOf(o.id))),
  ])
  const delivered = settlements.flat().filter((s) => s.window?.streamId === streamId)
  const sum = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => a + b, 0n)
  return {
    subscriptions: subscriptions.slice(-MAX_SUBSCRIPTIONS_LISTED).reverse(),
    subscriptionCount: subscriptions.length,
    escrowWindows: windowPurchases.length,
    orderCount: orders.length,
    orders: followed.map((order, i) => {
      const mine = delivered.filter((s) => s.orderId === order.id)
      return {
        order,
        delivered: mine.length,
        paidOut: sum(mine.map((s) => windowShare(order, s.window!.windowIndex - order.firstWindow))),
        refunded: sum(refunds[i]!.map((r) => r.amount)),
      }
    }),
    paidBySubscriptions: sum(subscriptions.map((s) => s.amount)),
    paidThroughEscrow: sum(windowPurchases.map((p) => p.amount)),
    fees: sum([...subscriptions.map((s) => s.fee), ...windowPurchases.map((p) => p.fee)]),
    subscribers: new Set([...subscriptions.map((s) => s.subscriber), ...orders.map((o) => o.buyer)].map((a) => a.toLowerCase())).size,
    owed,
  }
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en')} ${n === 1 ? one : many}`

/**
 * The stream's subscribers and revenue, for its owner: DataMarket subscriptions (Subscribed) and
 * KeyEscrow stream orders (StreamOrderOpened, with their delivered windows and refunds) of this
 * stream, what they paid, what the escrow still holds, and the owner's withdrawable proceeds.
 * Read again every few seconds until `stop`; only the newest rows are kept (the totals count all).
 */
export function streamOwnerPanel(
  ctx: AppContext,
  streamId: bigint,
  terms: StreamRecord,
): { el: HTMLElement; refresh(): Promise<void>; stop(): void } {
  const body = h('div', null, spinner('Reading the stream’s subscribers from the chain…'))
  const el = h(
    'section',
    { class: 'panel stream-owner', 'aria-labelledby': 'owner-title', 'data-testid': 'stream-owner' },
    h('h2', { id: 'owner-title' }, 'Subscribers and revenue'),
    h(
      'p',
      { class: 'hint' },
      'For the stream’s owner, read from the chain: who bought which windows, through DataMarket subscriptions or KeyEscrow orders, and what they paid.',
    ),
    body,
  )
  const price = (wei: bigint): string => formatPrice(wei, terms.paymentToken)
  let drawing = 0
  let shown = ''
  const draw = (v: OwnerView): void => {
    const now = BigInt(Math.floor(Date.now() / 1000))
    // Drawn again only on change (a subscription ending is one): focus and scroll stay where they are.
    const signature = JSON.stringify([v, v.subscriptions.map((s) => s.end > now)], (_k, x: unknown) =>
      typeof x === 'bigint' ? x.toString() : x,
    )
    if (signature === shown) return
    shown = signature
    const held = v.orders.reduce((a, f) => a + f.order.amount - f.paidOut - f.refunded, 0n)
    const total = v.paidBySubscriptions + v.paidThroughEscrow
    const rows = [
      ...v.subscriptions.map((s) => ({
        blockNumber: s.blockNumber,
        row: h(
          'tr',
          { 'data-buyer': s.subscriber, 'data-kind': 'subscription' },
          h('th', { scope: 'row' }, h('code', { class: 'address', title: s.subscriber }, shortHex(s.subscriber, 4))),
          h('td', null, 'Subscription'),
          h('td', null, `${formatDate(Number(s.start))} – ${formatDate(Number(s.end))}`),
          h('td', { 'data-testid': 'paid' }, price(s.amount)),
          h('td', null, h('span', { class: `badge ${s.end > now ? 'ok' : ''}` }, s.end > now ? 'active' : 'ended')),
        ),
      })),
      ...v.orders.map((f) => ({
        blockNumber: f.order.blockNumber,
        row: h(
          'tr',
          { 'data-buyer': f.order.buyer, 'data-kind': 'escrow', 'data-order': String(f.order.id) },
          h('th', { scope: 'row' }, h('code', { class: 'address', title: f.order.buyer }, shortHex(f.order.buyer, 4))),
          h('td', null, `Escrow order #${f.order.id}`),
          h(
            'td',
            null,
            `${windowRange(f.order)}, from ${formatDate(Number(f.order.streamStart + f.order.firstWindow * f.order.windowLength))}`,
          ),
          h('td', { 'data-testid': 'paid' }, price(f.order.amount)),
          h(
            'td',
            { 'data-testid': 'order-state' },
            `${f.delivered} of ${f.order.windowCount} delivered (${price(f.paidOut)} paid)`,
            f.refunded > 0n ? `, ${price(f.refunded)} refunded` : '',
            `, ${price(f.order.amount - f.paidOut - f.refunded)} held`,
          ),
        ),
      })),
    ].sort((a, b) => b.blockNumber - a.blockNumber)
    const listedAll = v.subscriptions.length === v.subscriptionCount && v.orders.length === v.orderCount
    mount(
      body,
      h(
        'dl',
        { class: 'facts', 'data-testid': 'revenue' },
        h('dt', null, 'Subscribers'),
        h(
          'dd',
          { 'data-testid': 'subscriber-count' },
          `${plural(v.subscribers, 'account')}: ${plural(v.subscriptionCount, 'subscription')}, ${plural(v.orderCount, 'escrow order')}`,
        ),
        h('dt', null, 'Paid by subscriptions'),
        h('dd', { 'data-testid': 'revenue-subscriptions' }, price(v.paidBySubscriptions)),
        h('dt', null, 'Paid for windows delivered through the escrow'),
        h('dd', { 'data-testid': 'revenue-escrow' }, `${price(v.paidThroughEscrow)} (${plural(v.escrowWindows, 'window')})`),
        h('dt', null, 'Total paid for this stream'),
        h('dd', null, h('strong', { 'data-testid': 'revenue-total' }, price(total)), ` (protocol fee in it: ${price(v.fees)})`),
        h('dt', null, 'Held in escrow'),
        h(
          'dd',
          { 'data-testid': 'revenue-held' },
          price(held),
          v.orders.length < v.orderCount ? ` (the ${MAX_ORDERS_FOLLOWED} newest orders)` : '',
          ': paid as each window’s key is delivered, or refunded after its deadline',
        ),
        h('dt', null, 'Withdrawable now'),
        h(
          'dd',
          null,
          h('span', { 'data-testid': 'owner-owed' }, price(v.owed)),
          ' (the owner’s proceeds from all its sales) · ',
          h('a', { href: href('account'), 'data-testid': 'withdraw-link' }, 'Withdraw on My account'),
          ' with the owner’s wallet',
        ),
      ),
      rows.length === 0
        ? h('p', { 'data-testid': 'no-subscribers' }, 'No subscribers yet: nobody has bought this stream’s windows.')
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { 'data-testid': 'subscribers-table' },
              h(
                'caption',
                null,
                listedAll
                  ? 'Every purchase, newest first'
                  : `The newest ${MAX_SUBSCRIPTIONS_LISTED} subscriptions and ${MAX_ORDERS_FOLLOWED} escrow orders, newest first (the totals above count all)`,
              ),
              h('thead', null, h('tr', null, ...['Buyer', 'Bought', 'Covers', 'Paid', 'State'].map((c) => h('th', { scope: 'col' }, c)))),
              h(
                'tbody',
                null,
                rows.map((r) => r.row),
              ),
            ),
          ),
    )
  }
  const refresh = async (): Promise<void> => {
    const mine = ++drawing
    try {
      const view = await readOwnerView(ctx, streamId, terms)
      if (mine === drawing) draw(view)
    } catch (err) {
      if (mine !== drawing) return
      shown = ''
      mount(body, errorAlert(err))
    }
  }
  // One read at a time: a slow chain skips ticks rather than piling reads up.
  let running: Promise<void> | undefined
  const tick = (): Promise<void> => (running ??= refresh().finally(() => (running = undefined)))
  void tick()
  const timer = setInterval(() => void tick(), POLL_MS)
  return {
    el,
    async refresh() {
      await running
      await tick()
    },
    stop() {
      clearInterval(timer)
      drawing++
    },
  }
}
