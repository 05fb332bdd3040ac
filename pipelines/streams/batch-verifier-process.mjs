// Entry of a batch verifier child process (see batch-verifier.ts). The child inherits no loader
// when the node was started through bin/assay.js (tsx registered in-process, not via --import):
// register it here.
import { register } from 'tsx/esm/api'

register()
await import('./batch-verifier-process.ts')
