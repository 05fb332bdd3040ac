import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { createConnection } from 'node:net'
import { join } from 'node:path'
import { ServiceError } from '../../core/index.js'
import { findFreePort, startManagedProcess } from '../../core/node.js'

/** The MQTT broker devices publish stream readings to: external (MQTT_URL) or a private mosquitto. */
export interface MqttBroker {
  url: string
  embedded: boolean
  pid?: number
  stop(): Promise<void>
}

export const MOSQUITTO_INSTALL_HINT =
  'install it with `sudo apt-get install -y mosquitto` (Debian/Ubuntu) or set MQTT_URL to an existing broker'

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.end()
      resolve(true)
    })
    socket.on('error', () => resolve(false))
  })
}

function installed(binary: string): boolean {
  try {
    // mosquitto has no --version that exits 0 everywhere; -h prints usage and exits 3.
    execFileSync(binary, ['-h'], { stdio: 'ignore' })
    return true
  } catch (err) {
    return (err as { code?: string }).code !== 'ENOENT'
  }
}

/**
 * Uses `url`, or spawns a private mosquitto on a free loopback port, anonymous (loopback only),
 * persisting queued QoS 1 messages under `<dataDir>/mqtt` so a restarted node still gets what
 * devices published while it was down.
 *
 * @throws {ServiceError} when no mosquitto is installed (with an install hint).
 */
export async function startMosquitto(options: { url?: string; dataDir: string; binary?: string }): Promise<MqttBroker> {
  if (options.url !== undefined) return { url: options.url, embedded: false, stop: async () => {} }
  const binary =
    options.binary ?? (installed('mosquitto') ? 'mosquitto' : installed('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : undefined)
  if (binary === undefined) throw new ServiceError('mqtt', `mosquitto is not installed: ${MOSQUITTO_INSTALL_HINT}`)
  const dir = join(options.dataDir, 'mqtt')
  await mkdir(dir, { recursive: true })
  const port = await findFreePort()
  const conf = join(dir, 'mosquitto.conf')
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      // Small acknowledgements must not wait for Nagle's algorithm.
      'set_tcp_nodelay true',
      'persistence true',
      `persistence_location ${dir}/`,
      'autosave_interval 1',
      'max_queued_messages 100000',
      'log_dest stdout',
      '',
    ].join('\n'),
  )
  const proc = await startManagedProcess('mqtt', binary, ['-c', conf], {
    ready: () => listening(port),
    logFile: join(dir, 'mosquitto.log'),
    timeoutMs: 15_000,
  })
  return { url: `mqtt://127.0.0.1:${port}`, embedded: true, pid: proc.pid, stop: () => proc.stop() }
}
