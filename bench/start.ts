// A newcomer's first start, on empty caches: a fresh clone of HEAD, `npm ci` from an empty npm
// cache, `npm start` until `/health` answers, every circuit built, and the first publication of a
// 200-row file (the occupancy sample) until it is listed. Prints a final JSON line.
//   npm run bench:start
// Only committed work is measured (a clone of HEAD). Takes about 6 minutes on 2 cores.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { findFreePort } from '../core/node.js'

interface Health {
  ok: boolean
  circuits?: { ready: number; total: number }
}

const root = resolve('.')
const tmp = mkdtempSync(join(tmpdir(), 'assay-bench-start-'))
const clone = join(tmp, 'assay')
const seconds = (from: number): number => Math.round((Date.now() - from) / 100) / 10
const log = (msg: string): void => console.error(`[bench:start] ${msg}`)

async function main(): Promise<Record<string, unknown>> {
  if (execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '')
    log('the working tree has uncommitted changes: only HEAD is measured')
  execFileSync('git', ['clone', '--quiet', '--no-local', root, clone])
  const port = await findFreePort()
  const env = {
    ...process.env,
    npm_config_cache: join(tmp, 'npm-cache'), // empty: every package comes from the registry
    ASSAY_CACHE_DIR: join(tmp, 'assay-cache'), // empty: no circuit built before
    ASSAY_DATA_DIR: join(tmp, 'data'),
    PORT: String(port),
    REDIS_URL: '',
    RPC_URL: '',
    MQTT_URL: '',
  }

  const installed = Date.now()
  log('npm ci (empty npm cache)')
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: clone, env, stdio: ['ignore', 'ignore', 'inherit'] })
  const install_s = seconds(installed)

  const started = Date.now()
  log('npm start')
  const node = spawn('npm', ['start'], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let output = ''
  node.stdout.on('data', (c: Buffer) => (output += c.toString()))
  node.stderr.on('data', (c: Buffer) => (output += c.toString()))
  const url = `http://127.0.0.1:${port}`
  const health = async (): Promise<Health | undefined> => {
    try {
      return (await (await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) })).json()) as Health
    } catch {
      return undefined
    }
  }
  try {
    let first: Health | undefined
    while ((first = await health()) === undefined) {
      if (node.exitCode !== null) throw new Error(`npm start exited:\n${output}`)
      if (Date.now() - started > 20 * 60_000) throw new Error(`no /health after 20 minutes:\n${output}`)
      await sleep(250)
    }
    const health_s = seconds(started)
    log(`/health answers after ${health_s} s (${first.circuits?.ready ?? '?'} of ${first.circuits?.total ?? '?'} circuits built)`)

    let circuits_ready_s: number | undefined
    const watch = (async (): Promise<void> => {
      for (;;) {
        const h = await health()
        if (h?.circuits !== undefined && h.circuits.ready === h.circuits.total) {
          circuits_ready_s = seconds(started)
          log(`every circuit built after ${circuits_ready_s} s`)
          return
        }
        if (node.exitCode !== null) return
        await sleep(1_000)
      }
    })()

    const file = join(tmp, 'office-200.csv')
    const lines = readFileSync(join(clone, 'datasets', 'occupancy-room-2015.csv'), 'utf8').split('\n')
    writeFileSync(file, `${lines.slice(0, 201).join('\n')}\n`)
    log('assay publish (200 rows of the occupancy sample)')
    const published = JSON.parse(
      execFileSync(
        process.execPath,
        [
          'bin/assay.js',
          'publish',
          file,
          '--map',
          'examples/occupancy-room-2015.mapping.json',
          '--title',
          'Office room, first 200 readings',
          '--price',
          '0.01',
          '--node',
          url,
          '--json',
        ],
        { cwd: clone, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      ),
    ) as { datasetId: string }
    const first_publish_s = seconds(started)
    log(`dataset ${published.datasetId} listed after ${first_publish_s} s`)
    await watch
    return {
      bench: 'start',
      node: process.version,
      cores: (await import('node:os')).cpus().length,
      install_s,
      health_s,
      circuits_ready_s,
      first_publish_s,
      rows: 200,
    }
  } finally {
    try {
      process.kill(-node.pid!, 'SIGINT')
    } catch {
      // already gone
    }
    for (let i = 0; i < 300 && node.exitCode === null && node.signalCode === null; i++) await sleep(100)
  }
}

main()
  .then((result) => {
    rmSync(tmp, { recursive: true, force: true })
    console.log(JSON.stringify(result))
  })
  .catch((err: unknown) => {
    log(`failed: ${err instanceof Error ? err.message : String(err)} (left ${tmp} for inspection)`)
    process.exit(1)
  })
