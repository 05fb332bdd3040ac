// Entry of a prover child process (see prover-pool.ts). The child inherits no loader when the node
// was started through bin/assay.js (tsx registered in-process, not via --import): register it here.
import { register } from 'tsx/esm/api'

register()
await import('./prover-process.ts')
