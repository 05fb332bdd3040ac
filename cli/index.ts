// CLI: the `assay` command (cli/assay.ts is its entry) and the node launcher it runs.
export { startNode } from './start-node.js'
export type { AssayNode } from './start-node.js'
export { deployCommand } from './deploy-command.js'
export type { DeployCommandOptions } from './deploy-command.js'
export { mapCommand } from './map-command.js'
export { parseDuration, publishCommand, retryCommand } from './publish-command.js'
export type { PublishCommandOptions } from './publish-command.js'
export { PublishCommandError } from './publish-command-error.js'
export { followProgress, FollowTimeoutError } from './follow-progress.js'
export type { FollowProgressOptions } from './follow-progress.js'
export { statusCommand } from './status-command.js'
export { ensureOperatorToken, operatorTokenPath, readOperatorToken } from './operator-token.js'
export { retryWhenNodeReturns } from './retry-when-node-returns.js'
export type { RetryWhenNodeReturnsOptions } from './retry-when-node-returns.js'
export { workerCommand } from './worker-command.js'
export { deviceCreateCommand, deviceRegisterCommand, readDeviceKeyFile } from './device-command.js'
export { simulateCommand } from './simulate-command.js'
export type { SimulateCommandOptions } from './simulate-command.js'
export { listCommand, showCommand } from './catalog-commands.js'
export type { ListOptions } from './catalog-commands.js'
export { buyCommand } from './buy-command.js'
export { buyTrustlessCommand } from './buy-trustless-command.js'
export type { BuyTrustlessCommandOptions, BuyTrustlessResult } from './buy-trustless-command.js'
export { downloadCommand } from './download-command.js'
export { mirrorCommand } from './mirror-command.js'
export type { MirrorCommandOptions } from './mirror-command.js'
export type { KeySource } from './download-command.js'
export { readHexKeyFile } from './hex-key-file.js'
export { parseWindowRange, refundCommand } from './refund-command.js'
export { subscribeTrustlessCommand } from './subscribe-trustless-command.js'
export type { SubscribeTrustlessResult } from './subscribe-trustless-command.js'
export { savedDeployment } from './saved-deployment.js'
export { settleCommand } from './settle-command.js'
export type { SettleCommandOptions } from './settle-command.js'
export { verifyCommand } from './verify-command.js'
export { exportCommand } from './export-command.js'
export type { ExportCommandOptions, ExportResult } from './export-command.js'
export { buyerWallet, connectChain, withChain, withDataset } from './wallet.js'
export type { ChainAccess } from './wallet.js'
export { demoCommand } from './demo-command.js'
export { recomputeQuality } from './recompute-quality.js'
export {
  pushBatches,
  requestChunks,
  streamCreateCommand,
  streamFeedCommand,
  StreamPushError,
  streamPullCommand,
  streamPushCommand,
  streamView,
  subscribeCommand,
} from './stream-commands.js'
