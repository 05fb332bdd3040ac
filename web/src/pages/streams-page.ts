import { createChainClient, type StreamRecord } from '../../../contracts/index.js'
import type { StreamView as ShownStream, StreamSummary } from '../../../sdk/index.js'
import type { AppContext } from '../app-context.js'
import { actionButton, errorAlert, notice, spinner } from '../components.js'
import { field, h, mount, uid } from '../dom.js'
import { formatDate, formatDuration, formatPrice } from '../format.js'
import { href, type Page } from '../router.js'
import { streamOrders } from './escrow-orders.js'
import { BUYER_KEY_EXPLANATION, streamEscrowProgress, subscribeThroughEscrow } from './escrow-purchase.js'
import { createStreamPage } from './stream-form.js'
import { streamOwnerPanel } from './stream-owner-panel.js'

/** A stream as listed (without its windows) or shown (with them). */
type StreamView = StreamSummary & { windows?: ShownStream['windows'] }

const ago = (unix: number | null): string => {
  if (unix === null) return 'no readings yet'
  const s = Math.max(0, Math.round(Date.now() / 1000 - unix))
  return s < 90 ? `${s} s ago` : `${formatDuration(s)} ago`
}
/** Live while the newest reading is at most two windows old. */
const isLive = (s: StreamView): boolean => s.lastReading !== null && Date.now() / 1000 - s.lastReading < 2 * s.windowLength + s.graceS

function liveBadge(s: StreamView): HTMLElement {
  return h('span', { class: `badge ${isLive(s) ? 'ok' : ''}`, 'data-testid': 'live-state' }, isLive(s) ? '● live' : 'idle')
}

/**
 * Streams: the node's live feeds, each an open-ended sequence of proven windows sold by
 * subscription; `#/streams/new` creates one (the operator's).
 */
export const streamsPage: Page = async (root, ctx, route, signal) => {
  if (route.path[1] === 'new') return createStreamPage(root, ctx, route, signal)
  if (route.path[1] !== undefined) return streamPage(root, ctx, route.path[1], signal)
  mount(root, h('h1', null, 'Streams'), spinner('Loading streams…'))
  try {
    const streams = await ctx.client.streams()
    // Anyone sees the link; the form behind it asks for the operator's sign-in.
    const createLink = h('a', { href: href('streams/new'), class: 'button-link', 'data-testid': 'new-stream' }, 'Create a stream')
    mount(
      root,
      h('div', { class: 'page-head' }, h('h1', null, 'Streams'), createLink),
      h(
        'p',
        { class: 'lead' },
        'Live sensor feeds. Every closed window becomes a dataset of its own — proven, encrypted, anchored — and a subscription gives you every window in the period you pay for, including windows published later.',
      ),
      streams.length === 0
        ? h(
            'p',
            { 'data-testid': 'no-streams' },
            'No streams on this node yet. The node’s operator creates one ',
            h('a', { href: href('streams/new') }, 'here'),
            ' or with ',
            h('code', null, 'assay stream create'),
            '.',
          )
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { 'data-testid': 'streams-table' },
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  ...['Stream', 'State', 'Window', 'Devices', 'Last reading', 'Windows published'].map((c) => h('th', { scope: 'col' }, c)),
                ),
              ),
              h(
                'tbody',
                null,
                ...streams.map((s) =>
                  h(
                    'tr',
                    null,
                    h(
                      'th',
                      { scope: 'row' },
                      h('a', { href: href(`streams/${s.streamId}`) }, s.title),
                      h('br'),
                      h('small', null, `#${s.streamId}`),
                    ),
                    h('td', null, liveBadge(s)),
                    h('td', null, formatDuration(s.windowLength)),
                    h('td', null, String(s.deviceIds.length)),
                    h('td', null, ago(s.lastReading)),
                    h('td', null, String(s.windowsPublished)),
                  ),
                ),
              ),
            ),
          ),
    )
  } catch (err) {
    mount(root, h('h1', null, 'Streams'), errorAlert(err))
  }
}

async function streamPage(root: HTMLElement, ctx: AppContext, id: string, signal: AbortSignal): Promise<void> {
  mount(root, spinner(`Loading stream #${id}…`))
  let terms: StreamRecord
  try {
    terms = await ctx.chain().reader.streamOf(BigInt(id))
  } catch (err) {
    return mount(root, h('h1', null, `Stream #${id}`), errorAlert(err))
  }
  const status = h('section', { 'aria-live': 'polite', 'data-testid': 'stream-status' })
  const windows = h('section', { 'aria-labelledby': 'windows-title' })
  const subscription = h('div', { 'data-testid': 'subscription' })
  // The buyer's escrow orders (trustless subscriptions) for this stream, with their windows.
  const escrowOrders = h('div')
  const periods = h('input', { type: 'number', min: 1, max: 1000, step: 1, value: 1, 'data-testid': 'periods' })
  let covered: { start: bigint; end: bigint } = { start: 0n, end: 0n }
  // Windows whose keys the escrow delivered to this wallet (settled window orders give access to their datasets).
  let escrowSettled: ReadonlySet<number> = new Set()
  let view: StreamView | undefined
  // The orders as drawn for the wallet shown last: followed until the wallet changes.
  let following: AbortController | undefined
  signal.addEventListener('abort', () => following?.abort(), { once: true })
  // Subscribers and revenue, for the stream's owner: this node's operator (the node's account owns
  // the node's streams), or a wallet that is the stream's owner on chain.
  const ownerArea = h('div')
  let owner: ReturnType<typeof streamOwnerPanel> | undefined
  let operator = false
  const walletAddress = (): string | undefined => {
    const wallet = ctx.wallet.state()
    return wallet.kind === 'none' ? undefined : wallet.address
  }
  const showOwner = (): void => {
    if (signal.aborted) return
    const wallet = walletAddress()
    const isOwner = operator || (wallet !== undefined && wallet.toLowerCase() === terms.owner.toLowerCase())
    if (isOwner && owner === undefined) {
      owner = streamOwnerPanel(ctx, BigInt(id), terms)
      mount(ownerArea, owner.el)
    } else if (!isOwner && owner !== undefined) {
      owner.stop()
      owner = undefined
      ownerArea.replaceChildren()
    }
  }
  signal.addEventListener('abort', () => owner?.stop(), { once: true })
  const chosenPeriods = (): bigint => {
    const n = Number(periods.value)
    if (!Number.isInteger(n) || n < 1 || n > 1000)
      throw Object.assign(new Error('Periods: a whole number from 1 to 1000'), { name: 'ValidationError' })
    return BigInt(n)
  }

  const renderWindows = (): void => {
    if (view === undefined) return
    const s = view
    mount(
      windows,
      h('h2', { id: 'windows-title' }, 'Windows'),
      (s.windows ?? []).length === 0
        ? h('p', null, 'No readings yet: windows appear as devices send batches.')
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { 'data-testid': 'windows-table' },
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  ...['Window', 'Time (UTC)', 'State', 'Readings', 'Dataset', 'Your access'].map((c) => h('th', { scope: 'col' }, c)),
                ),
              ),
              h(
                'tbody',
                null,
                ...(s.windows ?? []).map((w) => {
                  const from = s.start + w.index * s.windowLength
                  const inside = BigInt(from) >= covered.start && BigInt(from + s.windowLength) <= covered.end
                  return h(
                    'tr',
                    { 'data-window': w.index },
                    h('th', { scope: 'row' }, String(w.index)),
                    h('td', null, formatDate(from), h('br'), h('small', null, `for ${formatDuration(s.windowLength)}`)),
                    h(
                      'td',
                      null,
                      h('span', { class: `badge ${w.state === 'published' ? 'ok' : w.state === 'failed' ? 'bad' : ''}` }, w.state),
                    ),
                    h('td', null, String(w.readings)),
                    h('td', null, w.datasetId !== null ? h('a', { href: href(`datasets/${w.datasetId}`) }, `#${w.datasetId}`) : '—'),
                    h(
                      'td',
                      { 'data-testid': `access-${w.index}` },
                      inside ? '✓ subscribed' : escrowSettled.has(w.index) ? '✓ through escrow' : '—',
                    ),
                  )
                }),
              ),
            ),
          ),
    )
  }
  const refresh = async (): Promise<void> => {
    view = await ctx.client.stream(id)
    mount(
      status,
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, 'State'),
        h('dd', null, liveBadge(view)),
        h('dt', null, 'Last reading'),
        h('dd', { 'data-testid': 'last-reading' }, ago(view.lastReading)),
        h('dt', null, 'Windows published'),
        h('dd', { 'data-testid': 'windows-published' }, String(view.windowsPublished)),
        h('dt', null, 'Devices'),
        h('dd', null, String(view.deviceIds.length)),
        h('dt', null, 'Circuit'),
        h('dd', null, view.circuitId),
      ),
    )
    renderWindows()
  }
  const renderSubscription = async (): Promise<void> => {
    const wallet = ctx.wallet.state()
    showOwner()
    following?.abort()
    const follow = (following = new AbortController())
    if (wallet.kind === 'none') {
      covered = { start: 0n, end: 0n }
      escrowSettled = new Set()
      escrowOrders.replaceChildren()
      return mount(subscription, h('p', null, 'Connect a wallet (top right) to subscribe.'))
    }
    covered = await ctx.chain().reader.subscriptionOf(wallet.address, BigInt(id))
    if (follow.signal.aborted) return
    renderWindows()
    const orders = streamOrders(
      ctx,
      { id: BigInt(id), start: terms.start, windowLength: terms.windowLength },
      wallet.address,
      follow.signal,
      {
        published: (index) => view?.windows?.find((w) => w.index === index)?.datasetId ?? null,
        settled: (windows) => {
          if (windows.size === escrowSettled.size && [...windows].every((w) => escrowSettled.has(w))) return
          escrowSettled = windows
          renderWindows()
        },
      },
    )
    mount(escrowOrders, orders.el)
    const steps = streamEscrowProgress()
    const escrowHint = uid('escrow-hint')
    mount(
      subscription,
      covered.end > 0n
        ? notice(
            covered.end * 1000n > BigInt(Date.now()) ? 'success' : 'info',
            `Your subscription covers windows from ${formatDate(Number(covered.start))} to ${formatDate(Number(covered.end))}.`,
          )
        : h('p', null, 'You have no subscription yet.'),
      h('div', { class: 'row' }, field('Periods', periods, `${formatDuration(Number(terms.period))} each`)),
      h(
        'div',
        { class: 'row subscribe-actions' },
        actionButton(
          covered.end * 1000n > BigInt(Date.now()) ? 'Extend subscription' : 'Subscribe',
          async () => {
            const n = chosenPeriods()
            await createChainClient(await ctx.wallet.signer(), ctx.deployment).subscribe(BigInt(id), n)
            void owner?.refresh()
            await renderSubscription()
          },
          { class: 'primary', 'data-testid': 'subscribe' },
        ),
        actionButton(
          'Subscribe through escrow',
          async () => {
            const n = chosenPeriods()
            await subscribeThroughEscrow(
              ctx,
              BigInt(id),
              { periods: n, pricePerPeriod: terms.pricePerPeriod, paymentToken: terms.paymentToken },
              steps,
            )
            void owner?.refresh()
            await orders.reload()
          },
          { 'data-testid': 'subscribe-escrow', 'aria-describedby': escrowHint },
        ),
      ),
      h(
        'p',
        { class: 'hint', id: escrowHint },
        `Trustless: the price of the periods chosen, from the window open now, is held by the KeyEscrow contract; each window’s share is released only when the stream’s node delivers that window’s key with a proof, and a window not delivered is refundable after its deadline. ${BUYER_KEY_EXPLANATION}`,
      ),
      steps.el,
    )
  }

  mount(
    root,
    h('p', { class: 'crumbs' }, h('a', { href: href('streams') }, 'Streams'), ` / stream #${id}`),
    h(
      'div',
      { class: 'dataset-head' },
      h('div', null, h('h1', { 'data-testid': 'stream-title' }, `Stream #${id}`), status),
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'subscribe-title' },
        h('h2', { id: 'subscribe-title' }, 'Subscribe'),
        h(
          'p',
          { class: 'price-line' },
          h('strong', { class: 'price' }, formatPrice(terms.pricePerPeriod, terms.paymentToken)),
          ` per ${formatDuration(Number(terms.period))} · windows of ${formatDuration(Number(terms.windowLength))}`,
        ),
        subscription,
      ),
    ),
    ownerArea,
    escrowOrders,
    windows,
  )
  try {
    await refresh()
    const title = root.querySelector('[data-testid=stream-title]')
    if (title !== null && view !== undefined) title.textContent = view.title
  } catch (err) {
    mount(status, errorAlert(err))
  }
  renderSubscription().catch((err: unknown) => mount(subscription, errorAlert(err)))
  ctx.client.operatorSession({ signal }).then(
    (session) => {
      operator = session.operator
      showOwner()
    },
    () => undefined, // not the operator's browser, as far as this page can tell: the buyer's view alone
  )
  const off = ctx.wallet.subscribe(() => void renderSubscription().catch((err: unknown) => mount(subscription, errorAlert(err))))
  const timer = setInterval(() => void refresh().catch(() => undefined), 3000)
  signal.addEventListener(
    'abort',
    () => {
      clearInterval(timer)
      off()
    },
    { once: true },
  )
}
