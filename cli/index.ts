// CLI: the `assay` command (cli/assay.ts is its entry) and the node launcher it runs.
export { startNode } from './start-node.js'
export type { AssayNode } from './start-node.js'
export { deployCommand } from './deploy-command.js'
export type { DeployCommandOptions } from './deploy-command.js'
export { mapCommand } from './map-command.js'
export { parseDuration, publishCommand, PublishCommandError } from './publish-command.js'
export type { PublishCommandOptions } from './publish-command.js'
export { workerCommand } from './worker-command.js'
