// Node-only part of contracts: the embedded anvil chain and deployment files.
export { resolveAnvilBinary, startAnvil } from './start-anvil.js'
export type { AnvilService, StartAnvilOptions } from './start-anvil.js'
export { ensureDeployment, loadDeployment } from './ensure-deployment.js'
