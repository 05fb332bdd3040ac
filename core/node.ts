// Node-only part of core: process management and ports. Never imported on a browser path.
export { findFreePort } from './free-port.js'
export { startManagedProcess } from './managed-process.js'
export { isProcessAlive } from './process-alive.js'
export type { ManagedProcess, StartProcessOptions } from './managed-process.js'
