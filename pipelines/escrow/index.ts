// Escrow: the seller's side of trustless key delivery. Follows KeyEscrow's opened orders for the
// datasets and streams this node sells, and settles each (key encrypted to the buyer, key-transfer
// proof, `settle`; a stream order window by window, as windows are attached) from a BullMQ queue:
// retried, idempotent, with status. Node-only.
export {
  settleOrder,
  DataKeyUnavailableError,
  KeyCommitmentMismatchError,
  SettlementFailedError,
  SettlementTooLateError,
  SettlementUnprofitableError,
} from './settle-order.js'
export type {
  OrderSettlementChain,
  SettleOrderComponents,
  SettleOrderOptions,
  SettleOutcome,
  SettlementChain,
  WindowSettlementChain,
} from './settle-order.js'
export { settleWindow } from './settle-window.js'
export {
  createSettlementQueue,
  deserializeOrder,
  deserializeStreamOrder,
  priorityOf,
  serializeOrder,
  serializeStreamOrder,
  SETTLE_QUEUE,
  startSettlementWorker,
} from './settlement-queue.js'
export type {
  SerializedOrder,
  SerializedStreamOrder,
  SettleJob,
  SettleJobResult,
  SettlementQueue,
  SettlementQueueOptions,
  SettlementStatus,
} from './settlement-queue.js'
export { createEscrowWatcher } from './escrow-watcher.js'
export type {
  EscrowWatcher,
  EscrowWatcherComponents,
  EscrowWatcherOptions,
  PublishedWindow,
  StreamOrderComponents,
} from './escrow-watcher.js'
export { createFileCursor } from './file-cursor.js'
