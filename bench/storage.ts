// bench:storage — Assay's encrypted storage against the machine's limit and plain Helia.
//   (a) limit: openssl enc -aes-256-ctr | openssl dgst -sha256 over the file (reads, writes nothing)
//   (b) default @helia/unixfs addByteStream of the plaintext
//   (c) Assay encrypt+add   (d) Assay cat+decrypt   (e) (c) and (d) on a 1 GiB file: peak RSS
// Also: plain Helia add + its default recursive pin, since Assay's add pins too; and the required
// work's own bound (bench/storage-floor.mjs: read, plaintext SHA-256, AES-GCM, leaf SHA-256, one
// file per leaf — and back — on two threads with nothing else), which no add or cat can beat.
// Each 256 MiB step runs --repeats times (default 3) in fresh processes; the median run counts.
// The limit is the median of three samples (start, before the adds, before the cats). Plain
// Helia's stores are removed before the adds, and before each step the dirty pages of the steps
// before it are flushed (`sync`, not timed): a step pays for neither.
// Options: --size-mib N (default 256), --big-mib N (default 1024), --skip-big, --seal-workers N
// (the add's worker threads; 0 = all on the main thread). Last line: JSON.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const sizeMiB = arg('--size-mib', 256)
const bigMiB = arg('--big-mib', 1024)
const skipBig = process.argv.includes('--skip-big')
const repeats = arg('--repeats', 3)
const sealWorkers = process.argv.includes('--seal-workers') ? String(arg('--seal-workers', 2)) : undefined
const work = mkdtempSync(join(tmpdir(), 'assay-bench-storage-'))

interface Step {
  mbps: number
  seconds: number
  /** CPU of all the step's threads. */
  cpuSeconds: number
  peakRssMb: number
  cid?: string
  key?: string
}

/** Runs a step `repeats` times on fresh data dirs (or the same one, for reads) and keeps the median run. */
function median(mode: string, file: string, dataDir: (i: number) => string, extra: (i: number) => string[] = () => []): Step {
  const runs = Array.from({ length: repeats }, (_, i) => step(mode, file, dataDir(i), extra(i)))
  return runs.sort((a, b) => a.mbps - b.mbps)[Math.floor(runs.length / 2)]!
}

function step(mode: string, file: string, dataDir: string, extra: string[] = []): Step {
  execFileSync('sync')
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'bench/storage-step.ts', mode, file, dataDir, ...extra], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: sealWorkers === undefined ? process.env : { ...process.env, BENCH_SEAL_WORKERS: sealWorkers },
  })
  if (res.status !== 0) throw new Error(`${mode} failed:\n${res.stderr}`)
  const last = res.stdout.trim().split('\n').pop()!
  const parsed = JSON.parse(last) as Step
  console.error(
    `[bench] ${mode} ${Number(file.match(/(\d+)\.bin$/)?.[1]) || 0} MiB: ${parsed.mbps.toFixed(0)} MB/s, ${parsed.seconds.toFixed(2)} s, CPU ${parsed.cpuSeconds.toFixed(2)} s, peak RSS ${parsed.peakRssMb.toFixed(0)} MB`,
  )
  return parsed
}

function makeFile(mib: number): string {
  const file = join(work, `plain-${mib}.bin`)
  execFileSync('openssl', ['rand', '-out', file, String(mib * 1024 * 1024)])
  return file
}

function limit(file: string, mib: number): number {
  const t0 = process.hrtime.bigint()
  execFileSync('bash', [
    '-c',
    `openssl enc -aes-256-ctr -K ${'11'.repeat(32)} -iv ${'22'.repeat(16)} -in '${file}' | openssl dgst -sha256 > /dev/null`,
  ])
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const mbps = (mib * 1024 * 1024) / 1e6 / seconds
  console.error(`[bench] limit (openssl aes-256-ctr | sha256) ${mib} MiB: ${mbps.toFixed(0)} MB/s`)
  return mbps
}

/** The required work alone (see storage-floor.mjs), --repeats times; the median of each direction. */
function floor(file: string): { add: number; cat: number; addCpu: number; catCpu: number } {
  const runs = Array.from({ length: repeats }, (_, i) => {
    const dir = join(work, `floor-${i}`)
    execFileSync('sync')
    const out = execFileSync(process.execPath, ['bench/storage-floor.mjs', file, dir], { encoding: 'utf8' })
    rmSync(dir, { recursive: true, force: true })
    const r = JSON.parse(out.trim().split('\n').pop()!) as { add_mbps: number; cat_mbps: number; add_cpu_s: number; cat_cpu_s: number }
    console.error(
      `[bench] required work alone: add ${r.add_mbps.toFixed(0)} MB/s (CPU ${r.add_cpu_s} s), cat ${r.cat_mbps.toFixed(0)} MB/s (CPU ${r.cat_cpu_s} s)`,
    )
    return r
  })
  const mid = <T>(xs: T[], by: (x: T) => number): T => [...xs].sort((a, b) => by(a) - by(b))[Math.floor(xs.length / 2)]!
  const add = mid(runs, (r) => r.add_mbps)
  const cat = mid(runs, (r) => r.cat_mbps)
  return { add: add.add_mbps, cat: cat.cat_mbps, addCpu: add.add_cpu_s, catCpu: cat.cat_cpu_s }
}

try {
  const file = makeFile(sizeMiB)
  // Warm the page cache so every step reads the file from memory, as the limit does.
  execFileSync('bash', ['-c', `cat '${file}' > /dev/null`])
  // The limit moves with the machine's other work: it is sampled at the start and again just
  // before the adds and the cats, and the median of the three counts.
  const limits = [limit(file, sizeMiB)]
  const required = floor(file)
  const dir = (name: string) => (i: number) => join(work, `${name}-${i}`)
  const heliaDefault = median('helia-add', file, dir('helia'))
  const heliaPinned = median('helia-add-pin', file, dir('helia-pin'))
  // Plain Helia's stores are not read again: removed now, so the adds after them do not write
  // next to 1.5 GiB of their blocks.
  for (const name of ['helia', 'helia-pin']) for (let i = 0; i < repeats; i++) rmSync(dir(name)(i), { recursive: true, force: true })
  limits.push(limit(file, sizeMiB))
  const adds = Array.from({ length: repeats }, (_, i) => step('encrypt-add', file, dir('assay')(i)))
  const encryptAdd = [...adds].sort((a, b) => a.mbps - b.mbps)[Math.floor(repeats / 2)]!
  limits.push(limit(file, sizeMiB))
  const limitMbps = [...limits].sort((a, b) => a - b)[1]!
  const catDecrypt = median('cat-decrypt', file, dir('assay'), (i) => [adds[i]!.cid!, adds[i]!.key!])
  for (let i = 0; i < repeats; i++) rmSync(dir('assay')(i), { recursive: true, force: true })

  let peakRss1GiB: number | null = null
  let big: { encryptAdd: Step; catDecrypt: Step } | undefined
  if (!skipBig) {
    rmSync(file)
    const bigFile = makeFile(bigMiB)
    const e = step('encrypt-add', bigFile, join(work, 'node-e'))
    const d = step('cat-decrypt', bigFile, join(work, 'node-e'), [e.cid!, e.key!])
    big = { encryptAdd: e, catDecrypt: d }
    peakRss1GiB = Math.max(e.peakRssMb, d.peakRssMb)
  }
  const round = (x: number): number => Math.round(x * 100) / 100
  console.log(
    JSON.stringify({
      bench: 'storage',
      size_mib: sizeMiB,
      limit_mbps: round(limitMbps),
      limit_samples_mbps: limits.map(round),
      repeats,
      ...(sealWorkers !== undefined ? { seal_workers: Number(sealWorkers) } : {}),
      helia_default_mbps: round(heliaDefault.mbps),
      helia_default_add_and_pin_mbps: round(heliaPinned.mbps),
      encrypt_add_mbps: round(encryptAdd.mbps),
      cat_decrypt_mbps: round(catDecrypt.mbps),
      encrypt_add_ratio: round(encryptAdd.mbps / limitMbps),
      cat_decrypt_ratio: round(catDecrypt.mbps / limitMbps),
      floor_add_mbps: round(required.add),
      floor_cat_mbps: round(required.cat),
      floor_cpu_s: { add: required.addCpu, cat: required.catCpu },
      floor_add_ratio: round(required.add / limitMbps),
      floor_cat_ratio: round(required.cat / limitMbps),
      encrypt_add_vs_floor: round(encryptAdd.mbps / required.add),
      cat_decrypt_vs_floor: round(catDecrypt.mbps / required.cat),
      encrypt_add_vs_helia_default: round(encryptAdd.mbps / heliaDefault.mbps),
      encrypt_add_vs_helia_add_and_pin: round(encryptAdd.mbps / heliaPinned.mbps),
      peak_rss_mb_256mib: { encrypt_add: round(encryptAdd.peakRssMb), cat_decrypt: round(catDecrypt.peakRssMb) },
      peak_rss_mb_1gib: peakRss1GiB === null ? null : round(peakRss1GiB),
      big_mib: skipBig ? null : bigMiB,
      big_mbps: big === undefined ? null : { encrypt_add: round(big.encryptAdd.mbps), cat_decrypt: round(big.catDecrypt.mbps) },
    }),
  )
} finally {
  rmSync(work, { recursive: true, force: true })
}
