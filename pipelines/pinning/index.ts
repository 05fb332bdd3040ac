// Remote pinning: keeps the node's anchored datasets pinned on an IPFS Pinning Service API
// endpoint (storage's client), the requests followed and kept in a ledger across restarts.
export { createPinFollower } from './pin-follower.js'
export type { PinFollower, PinFollowerComponents, PinFollowerOptions, PinnableDataset, PinningReport } from './pin-follower.js'
export { createPinLedgerFile, PIN_STATES } from './pin-ledger.js'
export type { DatasetPins, PinLedger, PinLedgerState, PinRecord, PinState } from './pin-ledger.js'
