// The required work of an encrypted add (and of a cat) with nothing else: no IPFS, no envelope
// framing, no DAG, no pin. Every byte is read from the page cache, SHA-256'd as plaintext (the
// manifest's digest), AES-256-GCM'd, SHA-256'd as a 1 MiB leaf (its CID) and written to a file of
// its own in the blockstore's layout (shard dir, temp file, rename); a cat reads each leaf file,
// SHA-256s it and AES-256-GCM-opens it. Two worker threads take one half of the file each, with
// buffers reused, so this is an optimistic bound for two cores: no real add can split the
// plaintext digest, which is one sequential pass. bench:storage reports it beside the openssl limit.
// Usage: node bench/storage-floor.mjs <file> <dir>. Prints one JSON line: { add_mbps, cat_mbps, add_cpu_s, cat_cpu_s }.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { mkdirSync, statSync } from 'node:fs'
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import { Buffer } from 'node:buffer'
import process from 'node:process'
import { URL } from 'node:url'

const LEAF = 1024 * 1024

if (isMainThread) {
  const [file, dir] = process.argv.slice(2)
  if (file === undefined || dir === undefined) throw new Error('usage: storage-floor <file> <dir>')
  mkdirSync(dir, { recursive: true })
  const bytes = statSync(file).size
  const leaves = Math.ceil(bytes / LEAF)
  const half = Math.ceil(leaves / 2)
  const key = randomBytes(32)
  const run = (mode, wanted = [[], []]) => {
    const started = process.hrtime.bigint()
    const cpuStarted = process.cpuUsage()
    const parts = [
      [0, half],
      [half, leaves],
    ].map(
      ([from, to], half) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), { workerData: { mode, file, dir, key, from, to, wanted: wanted[half] } })
          worker.once('message', resolve)
          worker.once('error', reject)
        }),
    )
    return Promise.all(parts).then((tags) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      const cpu = process.cpuUsage(cpuStarted)
      return { mbps: bytes / 1e6 / seconds, cpu: (cpu.user + cpu.system) / 1e6, leaves: tags }
    })
  }
  const add = await run('add')
  // A cat knows each leaf's CID (from the DAG) and each chunk's tag (in the envelope).
  const cat = await run('cat', add.leaves)
  const round = (x) => Math.round(x * 100) / 100
  process.stdout.write(
    `${JSON.stringify({ add_mbps: round(add.mbps), cat_mbps: round(cat.mbps), add_cpu_s: round(add.cpu), cat_cpu_s: round(cat.cpu) })}\n`,
  )
} else {
  const { mode, file, dir, key, from, to, wanted } = workerData
  const nonce = (i) => {
    const n = Buffer.alloc(12)
    n.writeUInt32BE(i, 8)
    return n
  }
  const names = []
  if (mode === 'add') {
    const fh = await open(file)
    const buffer = Buffer.allocUnsafe(LEAF)
    const plain = createHash('sha256')
    for (let i = from; i < to; i++) {
      const { bytesRead } = await fh.read(buffer, 0, LEAF, i * LEAF)
      const chunk = buffer.subarray(0, bytesRead)
      plain.update(chunk)
      const cipher = createCipheriv('aes-256-gcm', key, nonce(i))
      const sealed = cipher.update(chunk)
      cipher.final()
      const name = createHash('sha256').update(sealed).digest('hex')
      const shard = join(dir, name.slice(-3, -1))
      await mkdir(shard, { recursive: true })
      await writeFile(join(shard, `.${name}.tmp`), sealed)
      await rename(join(shard, `.${name}.tmp`), join(shard, name))
      names.push([name, cipher.getAuthTag()])
    }
    await fh.close()
    plain.digest()
    parentPort.postMessage(names)
  } else {
    parentPort.postMessage(await catLeaves(wanted))
  }

  async function catLeaves(wanted) {
    const out = []
    for (let j = 0; j < wanted.length; j++) {
      const [name, tag] = wanted[j]
      const sealed = await readFile(join(dir, name.slice(-3, -1), name))
      if (createHash('sha256').update(sealed).digest('hex') !== name) throw new Error(`leaf ${name} corrupted`)
      const decipher = createDecipheriv('aes-256-gcm', key, nonce(from + j))
      decipher.setAuthTag(tag)
      decipher.update(sealed)
      decipher.final()
      out.push(name)
    }
    return out
  }
}
