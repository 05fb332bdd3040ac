// Entry of a batch verifier thread (see batch-verifier.ts). A thread inherits no loader when the
// node was started through bin/assay.js (tsx registered in-process, not via --import): register it.
import { createRequire } from 'node:module'
import { register } from 'tsx/esm/api'

// circomlibjs loads ffjavascript, which loads the `web-worker` package; in any thread but the
// main one that package takes the thread over as a web worker (and fails: we pass it no module to
// run). This thread only hashes and checks signatures, so let the package see a main thread.
const threads = createRequire(import.meta.url)('node:worker_threads')
Object.defineProperty(threads, 'isMainThread', { value: true })

register()
await import('./batch-verifier-thread.ts')
