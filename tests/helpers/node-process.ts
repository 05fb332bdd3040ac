// `assay node` as a separate process (bin/assay.js), for tests that kill it.
import { spawn, type ChildProcess } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { readOperatorToken } from '../../cli/index.js'
import { findFreePort, isProcessAlive } from '../../core/node.js'

export interface RunningNode {
  child: ChildProcess
  url: string
  rpcUrl: string
  pids: number[]
  output: () => string
  /** The operator token the node created in its data directory. */
  operatorToken: string
}

/**
 * `assay node` as a user runs it (bin/assay.js), on a data dir that survives restarts; on a free
 * port unless `env.PORT` names one (a restart where clients expect it).
 */
export async function runNode(dataDir: string, env: Record<string, string> = {}): Promise<RunningNode> {
  const port = env.PORT !== undefined ? Number(env.PORT) : await findFreePort()
  const child = spawn(process.execPath, ['bin/assay.js', 'node'], {
    env: { ...process.env, ASSAY_DATA_DIR: dataDir, PORT: String(port), REDIS_URL: '', RPC_URL: '', MQTT_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr.on('data', (c: Buffer) => (out += c.toString()))
  for (const deadline = Date.now() + 90_000; !out.includes('assay node ready'); await sleep(100)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`assay node exited early:\n${out}`)
    if (Date.now() > deadline) throw new Error(`assay node not ready:\n${out}`)
  }
  const pids = [...out.matchAll(/\(pid (\d+)/g)].map((m) => Number(m[1]))
  const operatorToken = env.ASSAY_TOKEN ?? (await readOperatorToken({ dataDir }))
  if (operatorToken === undefined) throw new Error(`assay node wrote no operator token in ${dataDir}`)
  return { child, url: `http://127.0.0.1:${port}`, rpcUrl: /anvil at (\S+)/.exec(out)?.[1] ?? '', pids, output: () => out, operatorToken }
}

/** Stops what a SIGKILLed node left behind (anvil, redis) the way a clean exit would, so state persists. */
export async function stopOrphans(pids: number[]): Promise<void> {
  for (const pid of pids) if (isProcessAlive(pid)) process.kill(pid, 'SIGTERM')
  for (let i = 0; i < 100 && pids.some(isProcessAlive); i++) await sleep(100)
}

/** SIGTERM, and SIGKILL if the node has not stopped within 20 s. */
export async function stopNode(n: RunningNode): Promise<void> {
  if (n.child.exitCode !== null || n.child.signalCode !== null) return
  const exited = new Promise((r) => n.child.once('exit', r))
  n.child.kill('SIGTERM')
  const timer = setTimeout(() => n.child.kill('SIGKILL'), 20_000)
  await exited
  clearTimeout(timer)
}
