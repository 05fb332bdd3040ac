import '../core/polyfill.js'
import { createBatchVerifier } from '../pipelines/index.js'
const r0 = process.memoryUsage().rss
const v = createBatchVerifier({ threads: 1 })
await new Promise((r) => setTimeout(r, 6000))
console.log('thread adds MB', ((process.memoryUsage().rss - r0) / 1e6).toFixed(0))
await v.close()
