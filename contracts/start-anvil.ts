import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { ServiceError } from '../core/index.js'
import { findFreePort, startManagedProcess } from '../core/node.js'

/** The embedded development chain. */
export interface AnvilService {
  rpcUrl: string
  chainId: number
  pid: number
  stop(): Promise<void>
}

export interface StartAnvilOptions {
  /** Chain state persists in `<dataDir>/chain/anvil-state.json` across restarts. */
  dataDir: string
  /** Port (0 = a free one). */
  port?: number
  chainId?: number
}

const PLATFORM_PACKAGES: Record<string, string> = {
  'linux-x64': '@foundry-rs/anvil-linux-amd64',
  'linux-arm64': '@foundry-rs/anvil-linux-arm64',
  'darwin-x64': '@foundry-rs/anvil-darwin-amd64',
  'darwin-arm64': '@foundry-rs/anvil-darwin-arm64',
  'win32-x64': '@foundry-rs/anvil-win32-amd64',
}

/** Path of the anvil binary shipped by the npm package `@foundry-rs/anvil` for this platform. */
export function resolveAnvilBinary(): string {
  const key = `${process.platform}-${process.arch}`
  const pkg = PLATFORM_PACKAGES[key]
  if (pkg === undefined) throw new ServiceError('anvil', `no anvil build for ${key}; set RPC_URL to an external chain`)
  try {
    const require = createRequire(import.meta.url)
    const dir = dirname(require.resolve(`${pkg}/package.json`))
    return join(dir, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil')
  } catch (err) {
    throw new ServiceError('anvil', `package ${pkg} is not installed (run npm install)`, { cause: err })
  }
}

async function rpcChainId(url: string): Promise<number | undefined> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1000),
    })
    const body = (await res.json()) as { result?: string }
    return body.result === undefined ? undefined : Number(BigInt(body.result))
  } catch {
    return undefined
  }
}

/**
 * Starts anvil on 127.0.0.1 with its state persisted under the data dir (anvil writes it on
 * SIGINT/SIGTERM and reloads it at the next start).
 *
 * @throws {ServiceError} when the binary is missing or anvil does not answer.
 */
export async function startAnvil(options: StartAnvilOptions): Promise<AnvilService> {
  const binary = resolveAnvilBinary()
  const dir = join(options.dataDir, 'chain')
  await mkdir(dir, { recursive: true })
  const port = options.port !== undefined && options.port !== 0 ? options.port : await findFreePort()
  const chainId = options.chainId ?? 31337
  const rpcUrl = `http://127.0.0.1:${port}`
  const proc = await startManagedProcess(
    'anvil',
    binary,
    ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId), '--state', join(dir, 'anvil-state.json'), '--silent'],
    { ready: async () => (await rpcChainId(rpcUrl)) === chainId, logFile: join(dir, 'anvil.log'), timeoutMs: 30_000 },
  )
  return { rpcUrl, chainId, pid: proc.pid, stop: () => proc.stop(10_000) }
}
