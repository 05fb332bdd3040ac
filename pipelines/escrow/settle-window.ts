import { windowShare, type StreamEscrowOrder } from '../../contracts/index.js'
import {
  checkSettlementDeadline,
  proveKeyDelivery,
  SettlementFailedError,
  SettlementUnprofitableError,
  type SettleOrderComponents,
  type SettleOrderOptions,
  type SettleOutcome,
  type WindowSettlementChain,
} from './settle-order.js'
import { ServiceError } from '../../core/index.js'

/**
 * Settles one window of a KeyEscrow stream order: the window dataset's key, encrypted to the
 * order's buyer key under the window's nonce, with its key-transfer proof, sent as `settleWindow`
 * (which pays the window's share). Idempotent as settleOrder: a window already settled or refunded
 * is reported closed. Called once the window's dataset is attached to the stream.
 *
 * @throws {SettlementTooLateError} when the window's deadline is within the margin (or past)
 * @throws {DataKeyUnavailableError} / {KeyCommitmentMismatchError} as settleOrder
 * @throws {ServiceError} when the window has no dataset attached yet (retried)
 * @throws {SettlementUnprofitableError} when `worthSettling` says the window's share does not pay for it (retried)
 */
export async function settleWindow(
  components: SettleOrderComponents<WindowSettlementChain>,
  order: StreamEscrowOrder,
  windowIndex: bigint,
  options: SettleOrderOptions = {},
): Promise<SettleOutcome> {
  const { chain } = components
  const status = await chain.windowStatus(order, windowIndex)
  // 'none': not a window of this order (the watcher only queues windows of the range).
  if (status !== 'open') return { outcome: 'closed', status }
  const deadline = await chain.windowDeadline(order, windowIndex)
  const checkDeadline = () => checkSettlementDeadline(components, order.id, deadline, options, windowIndex)
  await checkDeadline()
  const share = windowShare(order, windowIndex - order.firstWindow)
  if (components.worthSettling !== undefined && !(await components.worthSettling(order.paymentToken, share)))
    throw new SettlementUnprofitableError(order.id, windowIndex, share)
  const datasetId = await chain.windowDataset(order.streamId, windowIndex)
  if (datasetId === 0n) throw new ServiceError('chain', `stream ${order.streamId} window ${windowIndex} has no dataset attached yet`)
  const nonce = await chain.windowNonce(order.id, windowIndex)
  const { encrypted, proof, anchor } = await proveKeyDelivery(components, datasetId, order.buyerKey, nonce)
  await checkDeadline()
  try {
    const { ephemeralKey, cipherHi, cipherLo } = encrypted.input
    const r = await chain.settleWindow(order, windowIndex, proof, { ephemeralKey, cipherHi, cipherLo }, anchor)
    return { outcome: 'settled', txHash: r.txHash, blockNumber: r.blockNumber, expiresAt: (1n << 64n) - 1n }
  } catch (err) {
    const after = await chain.windowStatus(order, windowIndex).catch(() => 'open' as const)
    if (after !== 'open') return { outcome: 'closed', status: after }
    throw new SettlementFailedError(order.id, { cause: err, windowIndex })
  }
}
