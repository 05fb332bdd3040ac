import { once } from 'node:events'
import { createServer as createNetServer } from 'node:net'
import { ServiceError } from '../core/index.js'

/** Holds a TCP port until `release` (which is idempotent). @throws {ServiceError} when the port is taken */
export async function reservePort(port: number, host: string): Promise<{ release(): Promise<void> }> {
  // Clients retrying while the node restarts connect to the holder: it drops them at once (they see
  // a reset and retry), because close() waits for every open connection and a client that keeps one
  // open would hold the node's start until it gave up (seen as a 90 s hang in a reconnect test).
  const holder = createNetServer((socket) => socket.destroy())
  holder.listen(port, host)
  try {
    await once(holder, 'listening')
  } catch (err) {
    throw new ServiceError('http', `cannot listen on ${host}:${port}: ${(err as Error).message} (set PORT to a free port)`, { cause: err })
  }
  let released: Promise<void> | undefined
  return { release: () => (released ??= new Promise<void>((res) => holder.close(() => res()))) }
}
