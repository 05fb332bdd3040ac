import type { Signer } from 'ethers'
import type { BuyerKey } from '../../../circuits/index.js'
import type { AgreedTerms, OpenedOrder } from '../../../contracts/index.js'
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

const STEPS = ['sign', 'open', 'proof', 'key'] as const
type Step = (typeof STEPS)[number]
type StepState = 'pending' | 'active' | 'completed' | 'failed'
const STEP_LABELS: Record<Step, string> = {
  sign: 'Sign the buyer-key message',
  open: 'Open the order',
  proof: 'Wait for the seller’s proof',
  key: 'Receive the key and check it against the anchored commitment',
}
const STATE_WORDS: Record<StepState, string> = { pending: 'to do: ', active: 'now: ', completed: 'done: ', failed: 'failed: ' }

/** The steps of an escrow purchase as a list announced to screen readers as it moves on. */
export function escrowProgress(): {
  el: HTMLElement
  set(step: Step, state: StepState, text: string): void
  /** Marks the step under way as failed. */
  fail(): void
} {
  const items = new Map<Step, { li: HTMLElement; state: StepState; text: string }>()
  const list = h('ol', { class: 'stages', 'aria-live': 'polite', 'aria-label': 'Escrow purchase' })
  for (const step of STEPS) {
    const li = h('li', { class: 'stage', 'data-step': step })
    items.set(step, { li, state: 'pending', text: STEP_LABELS[step] })
    list.append(li)
  }
  const el = h('div', { class: 'escrow-progress', 'data-testid': 'escrow-progress', hidden: true }, list)
  const set = (step: Step, state: StepState, text: string): void => {
    const item = items.get(step)!
    Object.assign(item, { state, text })
    item.li.className = `stage ${state}`
    mount(item.li, h('span', { class: 'stage-state', 'aria-hidden': 'true' }), h('span', { class: 'sr-only' }, STATE_WORDS[state]), text)
    el.hidden = false
    // The purchase as a whole, for tests and styles: failed, the step under way, or received once every step is done.
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
