import { execFileSync } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { redactUrl, ServiceError } from '../../core/index.js'
import { findFreePort, startManagedProcess } from '../../core/node.js'

/** A Redis this node uses: external (from REDIS_URL) or a private redis-server it spawned. */
export interface RedisService {
  url: string
  /** True when this process spawned the server (and so stops it). */
  embedded: boolean
  pid?: number
  stop(): Promise<void>
}

export interface StartRedisOptions {
  /** Use this Redis instead of spawning one. */
  url?: string
  /** Data dir of the node; the embedded server keeps its append-only file under `<dataDir>/redis`. */
  dataDir: string
  /** redis-server binary. Default: `redis-server` on PATH. */
  binary?: string
  /** Port for the embedded server (0 or absent: a free one). */
  port?: number
}

/** The line to show a user who has no redis-server. */
export const REDIS_INSTALL_HINT =
  'install it with `sudo apt-get install -y redis-server` (Debian/Ubuntu) or set REDIS_URL to an existing Redis'

async function ping(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 })
  client.on('error', () => {}) // reported through the failed ping below
  try {
    await client.connect()
    return (await client.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}

function resolveBinary(binary: string): string | undefined {
  try {
    execFileSync(binary, ['--version'], { stdio: 'ignore' })
    return binary
  } catch {
    return undefined
  }
}

/**
 * Connects to `options.url`, or spawns a private redis-server on a free loopback port with
 * persistence (appendonly) under the data dir.
 *
 * @throws {ServiceError} when the URL does not answer, or no redis-server is installed (with an install hint).
 */
export async function startRedis(options: StartRedisOptions): Promise<RedisService> {
  if (options.url !== undefined) {
    if (!(await ping(options.url))) {
      throw new ServiceError('redis', `no answer from REDIS_URL ${redactUrl(options.url)}`)
    }
    return { url: options.url, embedded: false, stop: async () => {} }
  }
  const binary = resolveBinary(options.binary ?? 'redis-server')
  if (binary === undefined) {
    throw new ServiceError('redis', `redis-server is not installed: ${REDIS_INSTALL_HINT}`)
  }
  const dir = join(options.dataDir, 'redis')
  await mkdir(dir, { recursive: true })
  const port = options.port !== undefined && options.port !== 0 ? options.port : await findFreePort()
  const url = `redis://127.0.0.1:${port}`
  const proc = await startManagedProcess(
    'redis',
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
    ],
    { ready: () => ping(url), logFile: join(dir, 'redis.log'), timeoutMs: 15_000 },
  )
  return { url, embedded: true, pid: proc.pid, stop: () => proc.stop() }
}
