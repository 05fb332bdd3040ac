// One measured step of bench:storage, in its own process so its peak RSS is its own.
// Usage: tsx bench/storage-step.ts <helia-add|helia-add-pin|encrypt-add|cat-decrypt> <file> <dataDir> [cid keyHex]
import '../core/polyfill.js'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { unixfs } from '@helia/unixfs'
import { CID } from 'multiformats/cid'
import { generateDataKey } from '../storage/index.js'
import { createContentStore, createEmbeddedHelia } from '../storage/node.js'

const [mode, file, dataDir, cidArg, keyHex] = process.argv.slice(2)
if (mode === undefined || file === undefined || dataDir === undefined)
  throw new Error('usage: storage-step <mode> <file> <dataDir> [cid keyHex]')

const node = await createEmbeddedHelia({ dataDir })
// bench:storage --seal-workers N sets this: 0 measures the single-thread add, for comparison.
const sealWorkers = process.env.BENCH_SEAL_WORKERS
const store = createContentStore({ helia: node.helia }, sealWorkers !== undefined ? { sealWorkers: Number(sealWorkers) } : {})
const bytes = (await stat(file)).size
const readStream = (): AsyncIterable<Uint8Array> => createReadStream(file, { highWaterMark: 1024 * 1024 })
const started = process.hrtime.bigint()
const cpuStarted = process.cpuUsage()
const out: Record<string, unknown> = { mode, bytes }

if (mode === 'helia-add' || mode === 'helia-add-pin') {
  const cid = await unixfs(node.helia).addByteStream(readStream())
  if (mode === 'helia-add-pin') for await (const _ of node.helia.pins.add(cid)) void _
  out.cid = cid.toString()
} else if (mode === 'encrypt-add') {
  const key = generateDataKey()
  const result = await store.addStream(readStream(), key)
  out.cid = result.cid.toString()
  out.key = Buffer.from(key).toString('hex')
} else if (mode === 'cat-decrypt') {
  let n = 0
  for await (const chunk of store.cat(CID.parse(cidArg!), new Uint8Array(Buffer.from(keyHex!, 'hex')))) n += chunk.length
  if (n !== bytes) throw new Error(`decrypted ${n} bytes, expected ${bytes}`)
} else {
  throw new Error(`unknown mode ${mode}`)
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9
const cpu = process.cpuUsage(cpuStarted)
await node.stop()
out.seconds = seconds
out.mbps = bytes / 1e6 / seconds
// CPU of every thread of the process during the step (main, libuv's pool, workers): less noisy than wall time on a busy machine.
out.cpuSeconds = (cpu.user + cpu.system) / 1e6
out.peakRssMb = process.resourceUsage().maxRSS / 1024
console.log(JSON.stringify(out))
