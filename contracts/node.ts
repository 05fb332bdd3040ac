// Node-only part of contracts: the embedded anvil chain.
export { resolveAnvilBinary, startAnvil } from './start-anvil.js'
export type { AnvilService, StartAnvilOptions } from './start-anvil.js'
