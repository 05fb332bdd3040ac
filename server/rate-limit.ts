import type { RequestHandler } from 'express'
import { AssayError } from '../core/index.js'
import { clientOf } from './connection-limit.js'

/** A client sent more requests than its share; it may try again after `retryAfterS` seconds. */
export class RateLimitedError extends AssayError {
  override readonly category = 'rate-limited' as const
  readonly retryAfterS: number
  constructor(retryAfterS: number) {
    super(`too many requests from this client; try again in ${retryAfterS} s`)
    this.name = 'RateLimitedError'
    this.retryAfterS = retryAfterS
  }
}

export interface RateLimitOptions {
  /** Requests per minute a client may make, on average. */
  perMinute: number
  /** Requests a client may make at once before the average applies (default: perMinute). */
  burst?: number
  /** Clients remembered at once; the least recently seen are forgotten first (default 10,000). */
  maxClients?: number
  /** Whether this machine's own clients (loopback addresses: the operator's CLI, tests) are exempt (default true). */
  exemptLoopback?: boolean
  /** Seconds, fractional, from any fixed origin (tests move it). */
  now?: () => number
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/

/**
 * A per-client token bucket: each client (its address as the socket reports it; no header is
 * trusted) gets `burst` requests at once and `perMinute` on average; beyond that, 429
 * RateLimitedError with Retry-After. Memory is bounded by `maxClients`.
 */
export function createRateLimit(options: RateLimitOptions): RequestHandler & { clients(): number } {
  const rate = options.perMinute / 60
  const burst = options.burst ?? options.perMinute
  const maxClients = options.maxClients ?? 10_000
  const exemptLoopback = options.exemptLoopback ?? true
  // Only differences matter: a monotonic clock, so a wall-clock step never refills or drains a bucket.
  const now = options.now ?? ((): number => performance.now() / 1000)
  const buckets = new Map<string, { tokens: number; at: number }>()

  const handler: RequestHandler = (req, res, next) => {
    const address = req.socket.remoteAddress ?? 'unknown'
    if (exemptLoopback && LOOPBACK.test(address)) return next()
    // One bucket per IPv4 address or IPv6 /64: a host holds a whole /64, not one address of it.
    const client = clientOf(address)
    const t = now()
    const previous = buckets.get(client)
    const tokens = previous === undefined ? burst : Math.min(burst, previous.tokens + (t - previous.at) * rate)
    // Re-inserted so the map's order is least recently seen first.
    buckets.delete(client)
    if (tokens < 1) {
      buckets.set(client, { tokens, at: t })
      const retryAfterS = Math.max(1, Math.ceil((1 - tokens) / rate))
      res.setHeader('retry-after', String(retryAfterS))
      return next(new RateLimitedError(retryAfterS))
    }
    buckets.set(client, { tokens: tokens - 1, at: t })
    while (buckets.size > maxClients) buckets.delete(buckets.keys().next().value!)
    next()
  }
  return Object.assign(handler, { clients: () => buckets.size })
}
