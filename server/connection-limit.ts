import type { Request, RequestHandler } from 'express'
import { AssayError } from '../core/index.js'

/** A client holds as many long-lived connections (event streams) as it may, or the node does. */
export class TooManyConnectionsError extends AssayError {
  override readonly category = 'rate-limited' as const
  constructor(message: string) {
    super(message)
    this.name = 'TooManyConnectionsError'
  }
}

export interface ConnectionLimitOptions {
  /** Open connections one client (its socket address) may hold (default 16). */
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
  const clientOf = (req: Request): string => req.socket.remoteAddress ?? 'unknown'

  const handler: RequestHandler = (req, res, next) => {
    const client = clientOf(req)
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
