import { computeKeyCommitment, encryptKeyForBuyer, type KeyTransferInput } from '../../circuits/index.js'
import { AssayError } from '../../core/index.js'
import type { AnchorPreimage, ChainClient, EscrowOrder, EscrowOrderStatus, Groth16Proof } from '../../contracts/index.js'

/** What settling a dataset order needs from the chain. */
export type OrderSettlementChain = Pick<ChainClient, 'orderStatus' | 'orderNonce' | 'anchorPreimageOf' | 'settleOrder'>
/** What settling a stream order's window needs from the chain. */
export type WindowSettlementChain = Pick<
  ChainClient,
  'windowStatus' | 'windowNonce' | 'windowDeadline' | 'windowDataset' | 'anchorPreimageOf' | 'settleWindow'
>
/** What settling both needs from the chain. */
export type SettlementChain = OrderSettlementChain & WindowSettlementChain

export interface SettleOrderComponents<C = SettlementChain> {
  chain: C
  /** The 32-byte data key of a dataset this party holds; undefined when it holds none. */
  dataKeyOf(datasetId: bigint): Promise<Uint8Array | undefined>
  /** Proves a key transfer (circuit key-transfer-v1) from its full witness input. */
  prove(input: KeyTransferInput): Promise<Groth16Proof>
  /** Unix seconds: the node passes the chain's latest block time, which is what the escrow's deadline is measured in. */
  now?: () => number | Promise<number>
  /**
   * Whether a stream window's share pays for settling it (the node: a native-coin share at least
   * the settlement's gas at the current gas price). Absent: every window is settled.
   */
  worthSettling?: (paymentToken: string, share: bigint) => Promise<boolean>
}

export interface SettleOrderOptions {
  /**
   * Seconds before the deadline after which this side no longer settles. A settle transaction
   * publishes the encrypted key the moment it is broadcast; mined after the deadline, it could lose
   * the race against the buyer's refund, and the buyer would have the key and the payment. Default 300.
   */
  deadlineMarginS?: number
}

export type SettleOutcome =
  | { outcome: 'settled'; txHash: string; blockNumber: number; expiresAt: bigint }
  /** Someone settled it already (this node before a crash, or another key holder), or the buyer was refunded. */
  | { outcome: 'closed'; status: EscrowOrderStatus }

/** An order this side will not settle: its deadline is too close or has passed (the buyer may refund). */
export class SettlementTooLateError extends AssayError {
  override readonly category = 'conflict' as const
  constructor(
    readonly orderId: bigint,
    deadline: bigint,
    marginS: number,
    /** Set for one window of a stream order. */
    readonly windowIndex?: bigint,
  ) {
    super(
      `order ${orderId}${windowIndex === undefined ? '' : ` window ${windowIndex}`}: its deadline ${deadline} is less than ${marginS} s away; not settling (the buyer may refund)`,
    )
    this.name = 'SettlementTooLateError'
  }
}

/** The data key this side holds does not open the dataset's anchored key commitment: settling would fail the proof. */
export class KeyCommitmentMismatchError extends AssayError {
  override readonly category = 'tampered' as const
  constructor(readonly datasetId: bigint) {
    super(`dataset ${datasetId}: the data key held here does not open the anchored key commitment`)
    this.name = 'KeyCommitmentMismatchError'
  }
}

/**
 * A settlement attempt failed while the order is still open (a revert, a lost receipt, an RPC
 * outage, a listing changed meanwhile): tried again while the deadline allows, because a failed
 * transaction may already have shown the buyer the encrypted key (503).
 */
export class SettlementFailedError extends AssayError {
  override readonly category = 'unavailable' as const
  constructor(
    readonly orderId: bigint,
    options: { cause: unknown; windowIndex?: bigint },
  ) {
    super(
      `order ${orderId}${options.windowIndex === undefined ? '' : ` window ${options.windowIndex}`}: settling failed (${options.cause instanceof Error ? options.cause.message : String(options.cause)}); will try again`,
      options,
    )
    this.name = 'SettlementFailedError'
  }
}

/**
 * A stream window's share of its order is less than settling it would cost in gas now: the node
 * does not settle at a loss (tried again later, as gas prices move; the buyer may refund it after
 * its deadline).
 */
export class SettlementUnprofitableError extends AssayError {
  override readonly category = 'unavailable' as const
  constructor(
    readonly orderId: bigint,
    readonly windowIndex: bigint,
    readonly share: bigint,
  ) {
    super(
      `order ${orderId} window ${windowIndex}: its share (${share} wei) does not pay for its settlement at the current gas price; not settling now`,
    )
    this.name = 'SettlementUnprofitableError'
  }
}

/** This side holds no data key for the order's dataset. */
export class DataKeyUnavailableError extends AssayError {
  override readonly category = 'not-found' as const
  constructor(readonly datasetId: bigint) {
    super(`dataset ${datasetId}: no data key held here`)
    this.name = 'DataKeyUnavailableError'
  }
}

/**
 * Settles one KeyEscrow order: encrypts the dataset's data key to the order's buyer key under a
 * fresh ephemeral key, proves the transfer against the anchored key commitment, and sends
 * `settle`. Idempotent: an order that is no longer open is reported as closed, and a settle that
 * loses a race to another settlement comes back the same way.
 *
 * @throws {SettlementTooLateError} when the deadline is within the margin (or past)
 * @throws {DataKeyUnavailableError} when no key is held for the dataset
 * @throws {KeyCommitmentMismatchError} when the held key is not the anchored one
 * @throws {InvalidBuyerKeyError} when the order's buyer key is no key of Base8's subgroup (only a refund ends it)
 */
export async function settleOrder(
  components: SettleOrderComponents<OrderSettlementChain>,
  order: EscrowOrder,
  options: SettleOrderOptions = {},
): Promise<SettleOutcome> {
  const { chain } = components
  const status = await chain.orderStatus(order.id)
  if (status !== 'open') return { outcome: 'closed', status }
  // Checked again right before sending: proving and an RPC's delays eat into the margin.
  const checkDeadline = () => checkSettlementDeadline(components, order.id, order.deadline, options)
  await checkDeadline()
  const { encrypted, proof, anchor } = await proveKeyDelivery(components, order.datasetId, order.buyerKey, await chain.orderNonce(order.id))
  await checkDeadline()
  try {
    const { ephemeralKey, cipherHi, cipherLo } = encrypted.input
    const r = await chain.settleOrder(order, proof, { ephemeralKey, cipherHi, cipherLo }, anchor)
    return { outcome: 'settled', txHash: r.txHash, blockNumber: r.blockNumber, expiresAt: r.expiresAt }
  } catch (err) {
    // Settled or refunded meanwhile: the chain's state is the answer, not the revert.
    const after = await chain.orderStatus(order.id).catch(() => 'open' as const)
    if (after !== 'open') return { outcome: 'closed', status: after }
    throw new SettlementFailedError(order.id, { cause: err })
  }
}

/** Throws SettlementTooLateError when `deadline` is within the margin of the chain's time. */
export async function checkSettlementDeadline(
  components: Pick<SettleOrderComponents, 'now'>,
  orderId: bigint,
  deadline: bigint,
  options: SettleOrderOptions,
  windowIndex?: bigint,
): Promise<void> {
  const margin = options.deadlineMarginS ?? 300
  const now = (await components.now?.()) ?? Math.floor(Date.now() / 1000)
  if (BigInt(now + margin) >= deadline) throw new SettlementTooLateError(orderId, deadline, margin, windowIndex)
}

/**
 * The delivery of one dataset's key to one buyer key under `nonce`: the held key checked against
 * the anchored commitment, encrypted under a fresh ephemeral key, and proven (key-transfer-v1).
 */
export async function proveKeyDelivery(
  components: Pick<SettleOrderComponents<Pick<ChainClient, 'anchorPreimageOf'>>, 'chain' | 'dataKeyOf' | 'prove'>,
  datasetId: bigint,
  buyerKey: bigint,
  nonce: bigint,
): Promise<{ encrypted: Awaited<ReturnType<typeof encryptKeyForBuyer>>; proof: Groth16Proof; anchor: AnchorPreimage }> {
  const key = await components.dataKeyOf(datasetId)
  if (key === undefined) throw new DataKeyUnavailableError(datasetId)
  const anchor = await components.chain.anchorPreimageOf(datasetId)
  if ((await computeKeyCommitment(key)) !== anchor.keyCommitment) throw new KeyCommitmentMismatchError(datasetId)
  const encrypted = await encryptKeyForBuyer(key, buyerKey, nonce)
  return { encrypted, proof: await components.prove(encrypted.input), anchor }
}
