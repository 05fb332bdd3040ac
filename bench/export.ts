// bench:export — `assay export --car`'s work on a dataset of --size-mib (default 64) MiB of plaintext:
// blocks read from a node's content store through an HTTP gateway (the SDK's car(cid), as the CLI
// reads them), each checked against its CID and each DAG checked complete, written as one CARv1
// to disk with its CommP computed on the way; then CommP alone over the written file. The export
// runs in its own process, so its peak RSS is its own. Last line: JSON.
import '../core/polyfill.js'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import { CID } from 'multiformats/cid'
import { createAssayClient } from '../sdk/index.js'
import { exportDatasetCar, generateDataKey } from '../storage/index.js'
import { computePieceCid, createContentStore, createEmbeddedHelia, writeCarFile } from '../storage/node.js'
import { sampleManifest } from '../tests/helpers/manifest.js'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}

/** The measured export, in this process: `--step <dataDir> <manifestCid>`. */
async function step(dataDir: string, manifestCid: string): Promise<void> {
  const node = await createEmbeddedHelia({ dataDir })
  const store = createContentStore({ helia: node.helia })
  const app = express()
  app.get('/ipfs/:cid', async (req, res) => {
    res.type('application/vnd.ipld.car')
    for await (const chunk of store.exportCar(CID.parse(req.params.cid)))
      if (!res.write(chunk)) await new Promise((r) => res.once('drain', r))
    res.end()
  })
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const client = createAssayClient({ node: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
  const manifest = await store.getManifest(CID.parse(manifestCid))
  const out = join(dataDir, 'dataset.car')
  const baselineRssMb = process.memoryUsage().rss / 1024 / 1024
  const started = process.hrtime.bigint()
  const cpu = process.cpuUsage()
  const car = exportDatasetCar(CID.parse(manifestCid), manifest, { car: (cid) => client.car(cid) })
  const piece = await writeCarFile(car, out)
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const used = process.cpuUsage(cpu)
  server.close()
  await node.stop()
  const commpStarted = process.hrtime.bigint()
  await computePieceCid(createReadStream(out, { highWaterMark: 1024 * 1024 }))
  const commpSeconds = Number(process.hrtime.bigint() - commpStarted) / 1e9
  console.log(
    JSON.stringify({
      carBytes: piece.payloadSize,
      blocks: car.blocks,
      seconds,
      cpuSeconds: (used.user + used.system) / 1e6,
      mbps: piece.payloadSize / 1e6 / seconds,
      commpOnlyMbps: piece.payloadSize / 1e6 / commpSeconds,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      baselineRssMb,
      pieceCid: piece.pieceCid,
      pieceSize: piece.pieceSize,
    }),
  )
}

async function main(): Promise<void> {
  const sizeMiB = arg('--size-mib', 64)
  const dir = await mkdtemp(join(tmpdir(), 'assay-bench-export-'))
  try {
    // The dataset, as a node stores it: the encrypted file and the JSON objects a manifest names.
    const node = await createEmbeddedHelia({ dataDir: dir })
    const store = createContentStore({ helia: node.helia })
    const plaintext = (function* () {
      for (let i = 0; i < sizeMiB; i++) yield randomBytes(1024 * 1024)
    })()
    const added = await store.addStream(plaintext, generateDataKey())
    const bundle = await store.putJson({ batches: Array.from({ length: 100 }, (_, i) => ({ proof: randomBytes(256).toString('hex'), i })) })
    const report = await store.putJson({ score: 90 })
    const preview = await store.putBytes(randomBytes(40_000))
    const manifestCid = await store.putManifest(
      sampleManifest({
        content: { ciphertextCid: added.cid.toString(), plaintextSha256: 'ab'.repeat(32), bytes: sizeMiB * 1024 * 1024, rows: 1 },
        proofs: { circuitId: 'sensor-stats-b16-v2', vkeyHash: 'cd'.repeat(32), bundleCid: bundle.toString() },
        quality: { score: 90, reportCid: report.toString() },
        previewCid: preview.toString(),
      }),
    )
    await node.stop()
    console.error(`[bench] ${sizeMiB} MiB dataset stored (${added.ciphertext.bytes} bytes of ciphertext)`)
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'bench/export.ts', '--step', dir, manifestCid.toString()], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    })
    if (res.status !== 0) throw new Error(`export step failed:\n${res.stderr}`)
    const m = JSON.parse(res.stdout.trim().split('\n').pop()!) as Record<string, number | string>
    const carMb = Number(m.carBytes) / 1e6
    console.error(
      `[bench] export ${carMb.toFixed(1)} MB CAR (${m.blocks} blocks): ${Number(m.mbps).toFixed(1)} MB/s, peak RSS ${Number(m.peakRssMb).toFixed(0)} MB (${Number(m.baselineRssMb).toFixed(0)} MB before it); CommP alone ${Number(m.commpOnlyMbps).toFixed(1)} MB/s`,
    )
    if ((await stat(join(dir, 'dataset.car'))).size !== Number(m.carBytes)) throw new Error('the CAR on disk is not the size hashed')
    console.log(
      JSON.stringify({
        bench: 'export',
        node: process.version,
        size_mib: sizeMiB,
        car_bytes: m.carBytes,
        blocks: m.blocks,
        seconds: Number(Number(m.seconds).toFixed(2)),
        cpu_seconds: Number(Number(m.cpuSeconds).toFixed(2)),
        export_mbps: Number(Number(m.mbps).toFixed(1)),
        commp_only_mbps: Number(Number(m.commpOnlyMbps).toFixed(1)),
        peak_rss_mb: Number(Number(m.peakRssMb).toFixed(0)),
        rss_before_export_mb: Number(Number(m.baselineRssMb).toFixed(0)),
        piece_size: m.pieceSize,
      }),
    )
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

const stepAt = process.argv.indexOf('--step')
if (stepAt >= 0) await step(process.argv[stepAt + 1]!, process.argv[stepAt + 2]!)
else await main()
