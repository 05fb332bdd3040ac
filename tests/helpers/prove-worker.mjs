// Worker entry: Node 20 does not pass tsx's loader on to worker threads, so register it here.
import { register } from 'tsx/esm/api'

register()
await import('./prove-worker.ts')
