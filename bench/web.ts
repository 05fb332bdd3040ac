// bench:web — the web app in headless Chromium on this machine.
// 1. In-browser proof verification: a real node publishes one device-signed dataset of 100 batches
//    (test circuit B = 16: verification cost does not depend on B); the dataset page verifies
//    every batch proof in its worker. Reported: the worker's verification time (median of 3 page
//    loads) and the time from navigation to "proven".
// 2. Decryption throughput: a 64 MiB envelope (Node encryptEnvelope) decrypted in the page by the
//    app's WebCrypto decryptor, in 1 MiB pieces, output hashed and checked. Median of 3 runs.
// Last line: JSON.
import '../core/polyfill.js'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'vite'
import { startNode } from '../cli/index.js'
import { loadConfig } from '../core/index.js'
import { encryptEnvelope } from '../storage/node.js'
import { launchChromium } from '../tests/helpers/browser.js'
import { publishMeterDataset } from './publish-meter-dataset.js'

const log = (msg: string): void => console.error(`[bench] ${msg}`)
const BATCHES = Number(process.env.BENCH_BATCHES ?? 100)
const DECRYPT_MIB = Number(process.env.BENCH_DECRYPT_MIB ?? 64)
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

const dir = await mkdtemp(join(tmpdir(), 'assay-bench-web-'))
const node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node') }), port: 0 }, () => undefined)
const browser = await launchChromium()
try {
  // 1. A 100-batch dataset, verified by the dataset page.
  const { datasetId, seconds } = await publishMeterDataset(node, dir, BATCHES)
  log(`published #${datasetId} (${BATCHES} batches) in ${seconds.toFixed(1)} s`)
  let t = performance.now()
  while (node.catalog.get(BigInt(datasetId)) === undefined) await new Promise((r) => setTimeout(r, 200))

  const page = await browser.newPage()
  const verifySeconds: number[] = []
  const pageSeconds: number[] = []
  for (let run = 0; run < 3; run++) {
    t = performance.now()
    await page.goto(`${node.url}/#/datasets/${datasetId}`)
    const status = page.locator('[data-testid=proof-status][data-state]')
    await status.waitFor({ timeout: 120_000 })
    pageSeconds.push((performance.now() - t) / 1000)
    if ((await status.getAttribute('data-state')) !== 'proven') throw new Error('the page did not find the proofs valid')
    verifySeconds.push(Number(await status.getAttribute('data-seconds')))
    log(
      `run ${run + 1}: ${BATCHES} proofs verified in ${verifySeconds.at(-1)!.toFixed(2)} s (page to proven ${pageSeconds.at(-1)!.toFixed(2)} s)`,
    )
    await page.goto('about:blank')
  }

  // 2. Decryption throughput of the browser's decryptor.
  const out = join(dir, 'decrypt-bundle')
  await build({
    configFile: false,
    logLevel: 'error',
    build: {
      outDir: out,
      emptyOutDir: true,
      lib: { entry: join(import.meta.dirname, 'web', 'decrypt-entry.ts'), formats: ['es'], fileName: 'decrypt' },
    },
  })
  const plain = randomBytes(DECRYPT_MIB << 20)
  const dataKey = randomBytes(32)
  const parts: Uint8Array[] = []
  for await (const c of encryptEnvelope([plain], dataKey)) parts.push(c)
  const sealed = Buffer.concat(parts)
  const script = await readFile(join(out, 'decrypt.js'))
  const server = createServer((req, res) => {
    if (req.url === '/decrypt.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
    if (req.url === '/envelope') return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(sealed)
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/decrypt.js"></script>')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  await page.goto(`${base}/`)
  await page.waitForFunction(() => 'runDecryptBench' in globalThis)
  const expected = createHash('sha256').update(plain).digest('hex')
  const rates: number[] = []
  for (let run = 0; run < 3; run++) {
    const r = await page.evaluate(
      ([url, k]) =>
        (
          globalThis as unknown as { runDecryptBench(u: string, k: string): Promise<{ bytes: number; seconds: number; sha256: string }> }
        ).runDecryptBench(url!, k!),
      [`${base}/envelope`, dataKey.toString('hex')],
    )
    if (r.sha256 !== expected || r.bytes !== plain.length) throw new Error('the browser decrypted something else')
    rates.push(r.bytes / (1 << 20) / r.seconds)
    log(`decrypt run ${run + 1}: ${DECRYPT_MIB} MiB in ${r.seconds.toFixed(3)} s = ${rates.at(-1)!.toFixed(0)} MiB/s`)
  }
  server.close()

  console.log(
    JSON.stringify({
      browser_verify_100_batches_seconds: Math.round(median(verifySeconds) * 100) / 100,
      browser_page_to_proven_seconds: Math.round(median(pageSeconds) * 100) / 100,
      browser_decrypt_mib_per_s: Math.round(median(rates)),
      batches: BATCHES,
      decrypt_mib: DECRYPT_MIB,
    }),
  )
} finally {
  await browser.close()
  await node.stop()
  await rm(dir, { recursive: true, force: true })
}
