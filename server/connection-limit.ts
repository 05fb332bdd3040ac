import { isIPv6 } from 'node:net'
import type { RequestHandler } from 'express'
import { AssayError } from '../core/index.js'

/** A client holds as many long-lived connections (event streams) as it may, or the node does. */
export class TooManyConnectionsError extends AssayError {
  override readonly category = 'rate-limited' as const
  constructor(message: string) {
    super(message)
    this.name = 'TooManyConnectionsError'
  }
}

/**
 * The client a socket address stands for, as the caps count them: an IPv4 address, or an IPv6
 * address's /64 (one subscriber's network: whoever has one address there has 2^64 of them).
 * An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is its IPv4 address.
 */
export function clientOf(address: string | undefined): string {
  if (address === undefined) return 'unknown'
  const bare = address.split('%')[0]! // without a zone (fe80::1%eth0)
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(bare)
  if (mapped !== null) return mapped[1]!
  if (!isIPv6(bare)) return bare
  // An IPv4 tail (::ffff:0:192.0.2.1) is the last two hextets: outside the /64.
  const text = bare.replace(/\d{1,3}(?:\.\d{1,3}){3}$/, '0:0')
  const [head = '', tail] = text.split('::')
  const front = head === '' ? [] : head.split(':')
  const back = tail === undefined || tail === '' ? [] : tail.split(':')
  const hextets = tail === undefined ? front : [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back]
  return `${hextets
    .slice(0, 4)
    .map((h) => parseInt(h, 16).toString(16))
    .join(':')}::/64`
}

export interface ConnectionLimitOptions {
  /** Open connections one client (its IPv4 address, or its IPv6 /64: see clientOf) may hold (default 16). */
  perClient?: number
  /** Open connections all clients together may hold (default 256). */
  total?: number
  /** What the connections are, in the refusals (default 'event streams'). */
  what?: string
}

/**
 * Caps long-lived responses (server-sent events, gateway CARs): each holds a socket and a timer,
 * and a poll of the job store or a walk of a DAG, for as long as the client keeps it open. A connection counts until its response
 * closes, however it ends. Beyond a cap: 429 TooManyConnectionsError, nothing opened.
 */
export function createConnectionLimit(options: ConnectionLimitOptions = {}): RequestHandler & { open(): number } {
  const perClient = options.perClient ?? 16
  const total = options.total ?? 256
  const what = options.what ?? 'event streams'
  const byClient = new Map<string, number>()
  let open = 0
  const handler: RequestHandler = (req, res, next) => {
    const client = clientOf(req.socket.remoteAddress)
    const mine = byClient.get(client) ?? 0
    if (mine >= perClient) return next(new TooManyConnectionsError(`this client already holds ${mine} ${what}; close one first`))
    if (open >= total) return next(new TooManyConnectionsError(`the node holds ${open} ${what}, its limit; try again later`))
    open++
    byClient.set(client, mine + 1)
    // Counted down once, on whichever closes first: a response still queued behind a pipelined
    // request never emits 'close' when its socket dies; the socket does.
    const socket = req.socket
    let counted = true
    const release = (): void => {
      if (!counted) return
      counted = false
      socket.off('close', release)
      open--
      const left = (byClient.get(client) ?? 1) - 1
      if (left === 0) byClient.delete(client)
      else byClient.set(client, left)
    }
    res.once('close', release)
    socket.once('close', release)
    next()
  }
  return Object.assign(handler, { open: () => open })
}
