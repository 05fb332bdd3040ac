// Escrow: the seller's side of trustless key delivery. Follows KeyEscrow's opened orders for the
// datasets this node sells, and settles each (key encrypted to the buyer, key-transfer proof,
// `settle`) from a BullMQ queue: retried, idempotent, with status. Node-only.
export {
  settleOrder,
  DataKeyUnavailableError,
  KeyCommitmentMismatchError,
  SettlementFailedError,
  SettlementTooLateError,
} from './settle-order.js'
export type { SettleOrderComponents, SettleOrderOptions, SettleOutcome, SettlementChain } from './settle-order.js'
export { createSettlementQueue, deserializeOrder, serializeOrder, SETTLE_QUEUE, startSettlementWorker } from './settlement-queue.js'
export type {
  SerializedOrder,
  SettleJob,
  SettleJobResult,
  SettlementQueue,
  SettlementQueueOptions,
  SettlementStatus,
} from './settlement-queue.js'
export { createEscrowWatcher } from './escrow-watcher.js'
export type { EscrowWatcher, EscrowWatcherComponents, EscrowWatcherOptions } from './escrow-watcher.js'
export { createFileCursor } from './file-cursor.js'
