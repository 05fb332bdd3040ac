// Mirror: copies an anchored dataset onto this node from another node or any trustless gateway,
// every block checked against its CID and the manifest against its on-chain anchor, then pinned.
// Node-only (it writes to the node's blockstore).
export { mirrorDataset } from './mirror-dataset.js'
export type { DatasetAnchor, MirrorComponents, MirroredDataset, MirrorOptions } from './mirror-dataset.js'
export { createGatewaySource } from './gateway-source.js'
export type { CarSource, GatewaySourceOptions } from './gateway-source.js'
export { providerAddress } from './provider-address.js'
export { receiveDag } from './receive-dag.js'
export type { ReceiveDagComponents, ReceiveDagOptions, ReceivedDag } from './receive-dag.js'
export {
  AnchorMismatchError,
  DatasetNotAnchoredError,
  DeclaredSizeMismatchError,
  IncompleteCarError,
  MirrorSourceError,
  MirrorTooLargeError,
} from './mirror-errors.js'
