import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { isHonkCircuit, listCircuits, listHonkCircuits, type CircuitManifestEntry, type HonkCircuitEntry } from '../circuits/index.js'
import { AssayError } from '../core/index.js'
import { isProcessAlive } from '../core/node.js'
import type { CircuitsHealth, CircuitState } from '../server/index.js'

/** Proving artifacts a node builds itself when they are missing (`assay node` on a fresh checkout). */
export interface CircuitBuilder {
  health(): CircuitsHealth
  /**
   * Resolves once `circuitId` can be proven with; until then calls `onWait` with a sentence for
   * the user whenever the build moves on.
   * @throws {CircuitBuildError} when its build failed or the node is stopping.
   */
  whenReady(circuitId: string, onWait?: (message: string) => void | Promise<void>): Promise<void>
  /** Ends a running build (a later start resumes: finished circuits are kept). */
  stop(): Promise<void>
}

/** A circuit could not be built, so nothing that needs it can be proven yet. */
export class CircuitBuildError extends AssayError {
  override readonly category = 'internal' as const
  readonly circuitId: string

  constructor(circuitId: string, message: string, options?: { cause?: unknown }) {
    super(`circuit ${circuitId}: ${message}`, options)
    this.name = 'CircuitBuildError'
    this.circuitId = circuitId
  }
}

export interface CircuitBuilderOptions {
  /** The checkout: build/circuits and scripts/build-circuits.ts are under it. */
  projectRoot: string
  /** Where the circuits are built (default: build/circuits in the checkout; circom needs it inside the checkout). */
  buildDir?: string
  log?: (msg: string) => void
  /** How often waiters look at the build's status. Default 500 ms. */
  pollMs?: number
}

/** What `build-circuits --status FILE` writes after every change, and the builder reads. */
export interface CircuitBuildStatus {
  /** The build script's own process. */
  pid: number
  startedAt: string
  finishedAt?: string
  circuits: Record<string, CircuitState>
}

/**
 * Checks which circuits of the committed manifest are built (their stamp records the manifest's
 * hashes), and builds the missing ones in a child process (`build-circuits --against-manifest`,
 * which refuses anything that differs from the committed hashes) while the node already serves.
 * A build already running for the same checkout (another node) is followed instead of repeated.
 */
export function startCircuitBuilder(options: CircuitBuilderOptions): CircuitBuilder {
  const log = options.log ?? ((): void => undefined)
  const pollMs = options.pollMs ?? 500
  const buildDir = options.buildDir ?? join(options.projectRoot, 'build', 'circuits')
  const statusFile = join(buildDir, 'build-status.json')
  // Retired circuits are verify-only: nothing builds or proves with them (their vkeys are committed).
  const circuits = listCircuits().filter(([, entry]) => entry.purpose !== 'retired')
  const built = new Set(circuits.filter(([id, entry]) => isBuilt(buildDir, id, entry)).map(([id]) => id))
  // Production circuits first: they are what publications wait for.
  const missing = circuits
    .filter(([id]) => !built.has(id))
    .sort(([, a], [, b]) => Number(a.purpose !== 'production') - Number(b.purpose !== 'production'))
    .map(([id]) => id)
  let child: ChildProcess | undefined
  let followed: number | undefined
  let exited: string | undefined
  let stopped = false

  if (missing.length > 0) {
    const running = readStatus(statusFile)
    if (running !== undefined && running.finishedAt === undefined && isProcessAlive(running.pid)) {
      followed = running.pid
      log(`circuits: following the build already running (pid ${running.pid}) for ${missing.join(', ')}`)
    } else {
      mkdirSync(buildDir, { recursive: true })
      rmSync(statusFile, { force: true }) // an earlier build's verdicts say nothing about this one
      const tsx = createRequire(import.meta.url).resolve('tsx/cli')
      child = spawn(
        process.execPath,
        [
          tsx,
          'scripts/build-circuits.ts',
          '--against-manifest',
          '--build-dir',
          buildDir,
          '--status',
          statusFile,
          '--only',
          missing.join(','),
        ],
        // A process group of its own: tsx runs the script in a second process, and stop() ends both.
        { cwd: options.projectRoot, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
      )
      for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => log(line))
      child.on('exit', (code, signal) => {
        exited = code === 0 ? undefined : `the build stopped (${signal ?? `exit ${code}`})`
        child = undefined
      })
      log(`circuits: building ${missing.join(', ')} in the background (pid ${child.pid}); the node serves meanwhile`)
    }
  }

  const honk = startHonkBuilder({ ...options, buildDir, log, pollMs })

  const states = (): Record<string, CircuitState> => {
    const status = missing.length > 0 ? readStatus(statusFile) : undefined
    return Object.fromEntries(
      circuits.map(([id]): [string, CircuitState] => {
        if (built.has(id)) return [id, { state: 'ready' }]
        const s = status?.circuits[id]
        if (s?.state === 'ready' || s?.state === 'failed') return [id, s]
        // A build that ended without finishing this circuit will not finish it.
        if (stopped) return [id, { state: 'failed', error: 'the node stopped its build' }]
        if (exited !== undefined) return [id, { state: 'failed', error: exited }]
        if (followed !== undefined && !isProcessAlive(followed))
          return [id, { state: 'failed', error: `the build (pid ${followed}) stopped` }]
        return [id, s ?? { state: 'pending' }]
      }),
    )
  }

  const health = (): CircuitsHealth => {
    const all = states()
    const building = Object.entries(all).find(([, s]) => s.state === 'building')?.[0]
    return {
      ready: Object.values(all).filter((s) => s.state === 'ready').length,
      total: circuits.length,
      ...(building !== undefined ? { building } : {}),
      circuits: all,
    }
  }

  return {
    health,
    async whenReady(circuitId, onWait) {
      if (isHonkCircuit(circuitId)) return honk.whenReady(circuitId, onWait)
      let said = ''
      for (;;) {
        const h = health()
        const s = h.circuits[circuitId]
        if (s === undefined) throw new CircuitBuildError(circuitId, 'not in circuits/artifacts.json')
        if (s.state === 'ready') return
        if (s.state === 'failed') throw new CircuitBuildError(circuitId, `its build failed: ${s.error ?? 'unknown error'}`)
        const message = `waiting for circuit ${circuitId} to be built (${s.state}; ${h.ready} of ${h.total} circuits ready)`
        if (message !== said) await onWait?.((said = message))
        await new Promise((r) => setTimeout(r, pollMs))
      }
    },
    async stop() {
      stopped = true
      await honk.stop()
      if (child !== undefined) await endBuild(child)
    },
  }
}

/** Built for this manifest entry: the build's stamp records exactly the committed hashes. */
function isBuilt(buildDir: string, circuitId: string, entry: CircuitManifestEntry): boolean {
  const dir = join(buildDir, circuitId)
  const stampPath = join(dir, 'stamp.json')
  if (!['main_js/main.wasm', 'main.zkey', 'vkey.json'].every((f) => existsSync(join(dir, f))) || !existsSync(stampPath)) return false
  try {
    const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as { entry?: { files?: unknown } }
    return JSON.stringify(stamp.entry?.files) === JSON.stringify(entry.files)
  } catch {
    return false
  }
}

function readStatus(path: string): CircuitBuildStatus | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as CircuitBuildStatus
  } catch {
    return undefined // not there yet, or being replaced (writes are atomic renames)
  }
}

/**
 * UltraHonk circuits are built on first use, not at start (most nodes never prove with them): the
 * first publication that needs one starts `build-honk-circuits --against-manifest --only ID` (about
 * half a minute per circuit, plus the development powers of tau once per machine) and waits for it.
 */
function startHonkBuilder(options: CircuitBuilderOptions & { buildDir: string; log: (msg: string) => void; pollMs: number }): {
  whenReady(circuitId: string, onWait?: (message: string) => void | Promise<void>): Promise<void>
  stop(): Promise<void>
} {
  const entries = new Map(listHonkCircuits())
  const builds = new Map<string, Promise<void>>()
  let queue: Promise<unknown> = Promise.resolve()
  const children = new Set<ChildProcess>()
  let stopped = false

  const build = (circuitId: string, onWait?: (message: string) => void | Promise<void>): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (stopped) return reject(new CircuitBuildError(circuitId, 'the node is stopping'))
      mkdirSync(options.buildDir, { recursive: true })
      const tsx = createRequire(import.meta.url).resolve('tsx/cli')
      const args = ['scripts/build-honk-circuits.ts', '--against-manifest', '--build-dir', options.buildDir, '--only', circuitId]
      const child = spawn(process.execPath, [tsx, ...args], { cwd: options.projectRoot, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
      children.add(child)
      const tail: string[] = []
      for (const stream of [child.stdout, child.stderr])
        createInterface({ input: stream }).on('line', (line) => {
          options.log(line)
          tail.push(line)
          if (tail.length > 5) tail.shift()
        })
      options.log(`circuits: building UltraHonk circuit ${circuitId} for its first use (pid ${child.pid})`)
      void onWait?.(`waiting for UltraHonk circuit ${circuitId} to be built (first use on this node)`)
      child.on('exit', (code, signal) => {
        children.delete(child)
        if (code === 0 && isHonkBuilt(options.buildDir, circuitId, entries.get(circuitId)!)) resolve()
        else reject(new CircuitBuildError(circuitId, `its build failed (${signal ?? `exit ${code}`}): ${tail.join(' / ')}`))
      })
    })

  return {
    async whenReady(circuitId, onWait) {
      const entry = entries.get(circuitId)
      if (entry === undefined) throw new CircuitBuildError(circuitId, 'not in circuits/honk-artifacts.json')
      if (isHonkBuilt(options.buildDir, circuitId, entry)) return
      let pending = builds.get(circuitId)
      if (pending === undefined) {
        // One UltraHonk build at a time (each uses every core); a failed one is kept for a minute,
        // so publications asking meanwhile fail at once instead of each starting a build.
        const queued = queue.then(() => build(circuitId, onWait))
        queue = queued.catch(() => undefined)
        builds.set(circuitId, (pending = queued))
        pending.catch(() => setTimeout(() => builds.delete(circuitId), FAILED_BUILD_KEPT_MS).unref())
      }
      return pending
    },
    async stop() {
      stopped = true
      await Promise.all([...children].map(endBuild))
    },
  }
}

/** Ends a build's process group (tsx runs the script in a second process) and waits for it. */
async function endBuild(child: ChildProcess): Promise<void> {
  const done = new Promise((r) => child.once('exit', r))
  try {
    process.kill(-child.pid!, 'SIGTERM')
  } catch {
    child.kill('SIGTERM') // the group is gone already
  }
  await done
}

/** How long a failed UltraHonk build's error is the answer before a publication may start another. */
const FAILED_BUILD_KEPT_MS = 60_000

/** An UltraHonk circuit is built when its stamp records exactly the committed bytecode, key and reference string. */
function isHonkBuilt(buildDir: string, circuitId: string, entry: HonkCircuitEntry): boolean {
  const dir = join(buildDir, circuitId)
  if (!['program.json', 'vk', 'stamp.json'].every((f) => existsSync(join(dir, f)))) return false
  try {
    const stamp = JSON.parse(readFileSync(join(dir, 'stamp.json'), 'utf8')) as { entry?: HonkCircuitEntry }
    return JSON.stringify(stamp.entry) === JSON.stringify(entry)
  } catch {
    return false
  }
}
