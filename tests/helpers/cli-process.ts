// The `assay` command as a separate process (bin/assay.js), as a user runs it.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'

export interface Cli {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

/**
 * `assay <args>`, its output collected. `env` replaces the whole environment when `clean` is set
 * (a command started with nothing but what it is given), else it is added to this process's.
 */
export function runCli(args: string[], env: Record<string, string>, options: { clean?: boolean } = {}): Cli {
  const child = spawn(process.execPath, ['bin/assay.js', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.clean === true ? env : { ...process.env, ...env },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited: (once(child, 'exit') as Promise<[number | null]>).then(([code]) => code),
  }
}

/** Polls `check` (state, not time) until it holds; fails naming `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs = 120_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); await sleep(50))
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
}
