import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createWriteStream, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { ServiceError } from './errors.js'

/** A child process owned by this node: started once, stopped once, never left behind. */
export interface ManagedProcess {
  readonly name: string
  readonly pid: number
  /** Resolves with the exit code (or null when killed by a signal) once the process has ended. */
  readonly exited: Promise<number | null>
  /** Sends SIGTERM, waits up to `graceMs`, then SIGKILL. Safe to call more than once. */
  stop(graceMs?: number): Promise<void>
}

export interface StartProcessOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Where stdout and stderr are appended; the last lines are also kept for error messages. */
  logFile?: string
  /** Polled until it resolves true; the process counts as started then. */
  ready: () => Promise<boolean>
  /** Give up (and kill the process) after this long. Default 20 s. */
  timeoutMs?: number
}

const live = new Set<ChildProcess>()
let exitHookInstalled = false

// Last resort against orphans: if this process exits without stopping its children
// (uncaught error, process.exit), kill them synchronously on the way out.
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL')
  })
}

/**
 * Spawns `command` and waits until `options.ready()` says it serves.
 *
 * @throws {ServiceError} when it exits early or is not ready in time; the message carries the
 * tail of its output so the user sees why.
 */
export async function startManagedProcess(
  name: string,
  command: string,
  args: string[],
  options: StartProcessOptions,
): Promise<ManagedProcess> {
  installExitHook()
  const tail: string[] = []
  const log = options.logFile === undefined ? undefined : openLog(options.logFile)
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const collect = (chunk: Buffer): void => {
    log?.write(chunk)
    tail.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim() !== ''),
    )
    if (tail.length > 20) tail.splice(0, tail.length - 20)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)

  // 'close' comes after the process exited and its output was drained; then the log is flushed,
  // so nothing the process printed last is lost ('exit' can come before the final output).
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => {
      live.delete(child)
      if (log === undefined) resolve(code)
      else log.end(() => resolve(code))
    })
  })
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve))
  live.add(child)

  const stop = async (graceMs = 5000): Promise<void> => {
    let timer: NodeJS.Timeout | undefined
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    }
    await exited
    clearTimeout(timer)
  }

  // Only a process that really started may be polled for readiness.
  const spawned = await Promise.race([once(child, 'spawn').then(() => undefined), spawnError])
  if (spawned instanceof Error) {
    live.delete(child)
    throw new ServiceError(name, `could not be started (${spawned.message})`, { cause: spawned })
  }

  const deadline = Date.now() + (options.timeoutMs ?? 20_000)
  let done = false
  const early = exited.then((code) => new ServiceError(name, `exited with code ${code} before it was ready`))
  while (!done) {
    const probe = options.ready().catch(() => false)
    const outcome = await Promise.race([probe, early, sleep(200).then(() => 'pending' as const)])
    if (outcome instanceof ServiceError) {
      throw withTail(outcome, tail)
    }
    if (outcome === true) {
      done = true
    } else if (Date.now() > deadline) {
      await stop(1000)
      throw withTail(new ServiceError(name, `was not ready within ${options.timeoutMs ?? 20_000} ms`), tail)
    } else if (outcome === false) {
      await sleep(100)
    }
  }
  return { name, pid: child.pid ?? -1, exited, stop }
}

function withTail(error: ServiceError, tail: string[]): ServiceError {
  if (tail.length === 0) return error
  return new ServiceError(error.service, `${error.message.slice(error.service.length + 2)}; last output:\n  ${tail.join('\n  ')}`, {
    cause: error.cause,
  })
}

function openLog(path: string): NodeJS.WritableStream {
  mkdirSync(dirname(path), { recursive: true })
  return createWriteStream(path, { flags: 'a' })
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
