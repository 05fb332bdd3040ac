import type { Signer } from 'ethers'
import type { BuyerKey } from '../../../circuits/index.js'
import type { AgreedTerms, OpenedOrder, OpenedStreamOrder } from '../../../contracts/index.js'
import { deriveBuyerKey, type DeliveredKey } from '../../../sdk/index.js'
import type { AppContext } from '../app-context.js'
import { h, mount } from '../dom.js'
import { formatDate, formatDuration, formatPrice, shortHex } from '../format.js'

/** Buyer keys derived in this page load, per chain, escrow and account: one signature each, kept in memory only. */
const buyerKeys = new Map<string, Promise<BuyerKey>>()

/**
 * The wallet's buyer key for the node's KeyEscrow (deriveBuyerKey: the wallet signs the documented
 * message once); asked for again after a reload, never stored. A refused signature is not remembered.
 */
export function buyerKeyOf(ctx: AppContext, signer: Signer, address: string): Promise<BuyerKey> {
  const id = `${ctx.deployment.chainId}:${ctx.deployment.contracts.keyEscrow}:${address}`.toLowerCase()
  let key = buyerKeys.get(id)
  if (key === undefined) {
    key = deriveBuyerKey(signer, ctx.deployment)
    buyerKeys.set(id, key)
    key.catch(() => buyerKeys.delete(id))
  }
  return key
}

/** Where the key a download used came from. */
export type KeySource = 'escrow' | 'node'

/**
 * The dataset key, as `assay download` takes it: from this buyer's escrow settlement on the chain
 * when there is one (no request to any node), else released by the node on a signed key request.
 * Either way it is checked against the anchored key commitment before use.
 */
export async function datasetKey(
  ctx: AppContext,
  signer: Signer,
  address: string,
  datasetId: bigint,
  keyCommitment: string,
): Promise<{ key: Uint8Array; source: KeySource }> {
  // Settlements are read first so that the buyer key (a signature) is asked for only when there is one to open.
  if ((await ctx.chain().reader.settlementsOf(address, datasetId)).length > 0) {
    const key = await ctx.client.trustlessKey(signer, datasetId, { buyerKey: await buyerKeyOf(ctx, signer, address) })
    if (key !== undefined) return { key, source: 'escrow' }
  }
  return { key: await ctx.client.requestKey(signer, datasetId, keyCommitment), source: 'node' }
}

/** The steps of an escrow purchase, in order. */
const STEP_LABELS = {
  sign: 'Sign the buyer-key message',
  open: 'Open the order',
  proof: 'Wait for the seller’s proof',
  key: 'Receive the key and check it against the anchored commitment',
} as const
type Step = keyof typeof STEP_LABELS
type StepState = 'pending' | 'active' | 'completed' | 'failed'
const STATE_WORDS: Record<StepState, string> = { pending: 'to do: ', active: 'now: ', completed: 'done: ', failed: 'failed: ' }

/** A list of steps announced to screen readers as it moves on. */
export interface StepsProgress<S extends string> {
  el: HTMLElement
  set(step: S, state: StepState, text: string): void
  /** Marks the step under way as failed. */
  fail(): void
}

/**
 * Steps (in the order of `labels`) as a list announced to screen readers as it moves on. The
 * element's data-state is the whole: failed, the step under way, or received once every step is done.
 */
function stepsProgress<S extends string>(labels: Record<S, string>, name: string): StepsProgress<S> {
  const steps = Object.keys(labels) as S[]
  const items = new Map<S, { li: HTMLElement; state: StepState; text: string }>()
  const list = h('ol', { class: 'stages', 'aria-live': 'polite', 'aria-label': name })
  for (const step of steps) {
    const li = h('li', { class: 'stage', 'data-step': step })
    items.set(step, { li, state: 'pending', text: labels[step] })
    list.append(li)
  }
  const el = h('div', { class: 'escrow-progress', 'data-testid': 'escrow-progress', hidden: true }, list)
  const set = (step: S, state: StepState, text: string): void => {
    const item = items.get(step)!
    Object.assign(item, { state, text })
    item.li.className = `stage ${state}`
    mount(item.li, h('span', { class: 'stage-state', 'aria-hidden': 'true' }), h('span', { class: 'sr-only' }, STATE_WORDS[state]), text)
    el.hidden = false
    const all = [...items]
    el.dataset.state = all.some(([, i]) => i.state === 'failed')
      ? 'failed'
      : (all.find(([, i]) => i.state === 'active')?.[0] ?? (all.every(([, i]) => i.state === 'completed') ? 'received' : 'pending'))
  }
  return {
    el,
    set,
    fail() {
      for (const [step, item] of items) if (item.state === 'active') set(step, 'failed', item.text.replace(/…$/, ''))
    },
  }
}

/** The steps of an escrow purchase as a list announced to screen readers as it moves on. */
export function escrowProgress(): StepsProgress<Step> {
  return stepsProgress(STEP_LABELS, 'Escrow purchase')
}

/**
 * What the wallet is asked to sign and why, shown next to every escrow button (the dataset's and
 * the stream's): the same message derives the same buyer key.
 */
export const BUYER_KEY_EXPLANATION = 'Your wallet signs a message once to derive the key that receives it.'

/**
 * Buys through KeyEscrow and reports every step on `progress`: the buyer key (one signature), the
 * order (the price paid into the escrow on the terms shown), the seller's settlement with its proof,
 * and the key opened from the settlement event and checked against the anchored key commitment.
 *
 * @throws what buyTrustless throws (UnsafeEscrowSetupError, KeyDeliveryTimeoutError, OrderRefundedError, KeyTransferError …), after marking the step that failed
 */
export async function buyThroughEscrow(
  ctx: AppContext,
  datasetId: bigint,
  agreed: AgreedTerms,
  progress: ReturnType<typeof escrowProgress>,
  signal: AbortSignal,
): Promise<DeliveredKey & { order: OpenedOrder }> {
  // A retry starts over: no order yet.
  delete progress.el.dataset.order
  for (const step of ['open', 'proof', 'key'] as const) progress.set(step, 'pending', STEP_LABELS[step])
  progress.set('sign', 'active', 'Sign the buyer-key message in your wallet (free, no transaction)…')
  try {
    const signer = await ctx.wallet.signer()
    const buyerKey = await buyerKeyOf(ctx, signer, await signer.getAddress())
    progress.set('sign', 'completed', 'Buyer key derived from your wallet’s signature')
    progress.set('open', 'active', `Opening the order: ${formatPrice(agreed.price, agreed.paymentToken)} into the escrow…`)
    const delivered = await ctx.client.buyTrustless(signer, datasetId, {
      agreed,
      buyerKey,
      signal,
      onOrder: (order) => {
        progress.set('open', 'completed', `Order #${order.id} opened: ${formatPrice(order.price, order.paymentToken)} held by KeyEscrow`)
        progress.el.dataset.order = String(order.id)
        const left = Number(order.deadline) - Date.now() / 1000
        progress.set(
          'proof',
          'active',
          `Waiting for the seller’s proof; deadline ${formatDate(Number(order.deadline))} (in ${formatDuration(Math.max(0, left))}), refundable from then on if unsettled…`,
        )
      },
    })
    progress.set('proof', 'completed', `Settled with a verified key-transfer proof (tx ${shortHex(delivered.settlement.txHash, 4)})`)
    progress.set('key', 'completed', 'Key received from the chain and checked against the anchored key commitment')
    return delivered
  } catch (err) {
    progress.fail()
    throw err
  }
}

const STREAM_STEP_LABELS = {
  sign: 'Sign the buyer-key message',
  open: 'Open the stream order',
} as const

/** The steps of a trustless subscription (the windows are followed in the stream's order list). */
export function streamEscrowProgress(): StepsProgress<keyof typeof STREAM_STEP_LABELS> {
  return stepsProgress(STREAM_STEP_LABELS, 'Escrow subscription')
}

/**
 * Opens a trustless subscription (a KeyEscrow stream order, the SDK's openStreamOrder) with the
 * connected wallet: the buyer key (one signature, the dataset flow's), then `periods` periods of the
 * stream's windows from the window open now (chain time), at the price per period shown. The
 * stream's node then settles each window as it is published; see the stream's order list.
 *
 * @throws what openStreamOrder throws (UnsafeEscrowSetupError, ContractError StreamPriceMismatch …), after marking the step that failed
 */
export async function subscribeThroughEscrow(
  ctx: AppContext,
  streamId: bigint,
  terms: { periods: bigint; pricePerPeriod: bigint; paymentToken: string },
  progress: ReturnType<typeof streamEscrowProgress>,
): Promise<OpenedStreamOrder> {
  delete progress.el.dataset.order
  progress.set('open', 'pending', STREAM_STEP_LABELS.open)
  progress.set('sign', 'active', 'Sign the buyer-key message in your wallet (free, no transaction)…')
  try {
    const signer = await ctx.wallet.signer()
    const buyerKey = await buyerKeyOf(ctx, signer, await signer.getAddress())
    progress.set('sign', 'completed', 'Buyer key derived from your wallet’s signature')
    const amount = terms.pricePerPeriod * terms.periods
    progress.set(
      'open',
      'active',
      `Opening the order: ${formatPrice(amount, terms.paymentToken)} into the escrow for ${terms.periods} period${terms.periods === 1n ? '' : 's'} from the window open now…`,
    )
    const order = await ctx.client.openStreamOrder(signer, streamId, {
      periods: terms.periods,
      agreedPricePerPeriod: terms.pricePerPeriod,
      buyerKey,
    })
    progress.el.dataset.order = String(order.id)
    progress.set(
      'open',
      'completed',
      `Order #${order.id} opened: ${formatPrice(order.amount, order.paymentToken)} held by KeyEscrow for ${windowRange(order)}; each window’s state is listed under “Your escrow orders”`,
    )
    return order
  } catch (err) {
    progress.fail()
    throw err
  }
}

/** "window 4" or "windows 4–7". */
export function windowRange(order: Pick<OpenedStreamOrder, 'firstWindow' | 'windowCount'>): string {
  const last = order.firstWindow + order.windowCount - 1n
  return last === order.firstWindow ? `window ${last}` : `windows ${order.firstWindow}–${last}`
}
