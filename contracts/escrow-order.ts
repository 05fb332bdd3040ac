/** A KeyEscrow order as OrderOpened emits it and settle/refund take it back (the escrow stores only its hash). */
export interface EscrowOrder {
  id: bigint
  buyer: string
  datasetId: bigint
  /** ERC-20 address; the zero address for the native coin. */
  paymentToken: string
  price: bigint
  /** Seconds of access the purchase buys; 0 = perpetual. */
  accessPeriod: bigint
  /** Unix seconds: from then on, an unsettled order may be refunded. */
  deadline: bigint
  /** The y coordinate of the buyer's Baby Jubjub public key (buyerKeyFromSeed). */
  buyerKey: bigint
  /** The dataset's anchor (DatasetRegistry.anchorOf) as read at open, 0x-hex: settle checks the key commitment against it. */
  anchor: string
}

/** An opened order with what the key-transfer proof binds it to and where it was opened. */
export interface OpenedOrder extends EscrowOrder {
  /** The circuit's orderNonce (KeyEscrow.orderNonce(id)). */
  nonce: bigint
  txHash: string
  blockNumber: number
}

export type EscrowOrderStatus = 'none' | 'open' | 'settled' | 'refunded'
/** KeyEscrow's OrderStatus enum, by value. */
export const ESCROW_ORDER_STATUSES: readonly EscrowOrderStatus[] = ['none', 'open', 'settled', 'refunded']

/** The parts of a dataset's on-chain anchor (DatasetPublished) that settle checks the key commitment against. */
export interface AnchorPreimage {
  /** keccak256 of the manifest CID's UTF-8 bytes, 0x-hex. */
  manifestCidHash: string
  keyCommitment: bigint
  /** 0x-hex. */
  statsDigest: string
}

/**
 * A KeyEscrow stream order (a trustless subscription) as StreamOrderOpened emits it and
 * settleWindow/refundWindows take it back: windows firstWindow .. firstWindow + windowCount - 1,
 * each settled with its own proof and paying its own share of `amount`.
 */
export interface StreamEscrowOrder {
  id: bigint
  buyer: string
  streamId: bigint
  /** ERC-20 address; the zero address for the native coin. */
  paymentToken: string
  /** pricePerPeriod × periods, escrowed. */
  amount: bigint
  firstWindow: bigint
  windowCount: bigint
  /** The stream's start and window length: window i ends at streamStart + (i + 1) · windowLength. */
  streamStart: bigint
  windowLength: bigint
  /** Unix seconds: a window that had ended by then has its deadline a settlement window after this. */
  openedAt: bigint
  buyerKey: bigint
}

export interface OpenedStreamOrder extends StreamEscrowOrder {
  txHash: string
  blockNumber: number
}

/** Window k's share of a stream order (as KeyEscrow pays it): the shares add up to the amount exactly. */
export function windowShare(order: Pick<StreamEscrowOrder, 'amount' | 'windowCount'>, k: bigint): bigint {
  return (order.amount * (k + 1n)) / order.windowCount - (order.amount * k) / order.windowCount
}

/**
 * When window `windowIndex` of a stream order may be refunded, as KeyEscrow computes it: the
 * settlement window after the window's end, or after the order's opening if that is later.
 */
export function windowDeadlineOf(
  order: Pick<StreamEscrowOrder, 'streamStart' | 'windowLength' | 'openedAt'>,
  windowIndex: bigint,
  settlementWindow: bigint,
): bigint {
  const end = order.streamStart + (windowIndex + 1n) * order.windowLength
  return (end > order.openedAt ? end : order.openedAt) + settlementWindow
}

/** What OrderSettled publishes: the buyer opens the data key from this alone (decryptKeyTransfer). */
export interface KeySettlement {
  orderId: bigint
  datasetId: bigint
  buyer: string
  nonce: bigint
  /** The y coordinate of the ephemeral public key. */
  ephemeralKey: bigint
  cipherHi: bigint
  cipherLo: bigint
  /** The access expiry the purchase gave (2^64 - 1 = perpetual, as a stream window's always is). */
  expiresAt: bigint
  /** Set when this settles one window of a stream order (WindowSettled). */
  window?: { streamId: bigint; windowIndex: bigint }
  txHash: string
  blockNumber: number
}
