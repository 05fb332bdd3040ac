import { randomBytes, timingSafeEqual } from 'node:crypto'
import express, { type Request, type RequestHandler, type Router } from 'express'
import { AssayError } from '../core/index.js'

/** A request that needs the operator came without the operator's token, or with another one. */
export class OperatorAuthError extends AssayError {
  constructor(message: string) {
    super(message)
    this.name = 'OperatorAuthError'
  }
}

/**
 * A request the node refuses for where it comes from: a Host the node does not serve (DNS
 * rebinding), or a state-changing request from another origin (a page the operator visits).
 */
export class ForeignRequestError extends AssayError {
  constructor(message: string) {
    super(message)
    this.name = 'ForeignRequestError'
  }
}

/** Host names a node bound to this machine answers to when nothing else is configured. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'] as const

export interface OperatorAuthOptions {
  /** The operator's bearer token (`<dataDir>/operator.token`, or ASSAY_TOKEN). */
  token: string
  /** Host names (without port) the node serves; loopback names when empty. */
  allowedHosts?: readonly string[]
  /** How long a browser session lasts (default 12 hours). */
  sessionSeconds?: number
  /** Sessions kept at once; the oldest goes first (default 64). */
  maxSessions?: number
}

/** The cookie a signed-in browser carries: HttpOnly, SameSite=Strict, so no other site's page sends it. */
export const SESSION_COOKIE = 'assay_operator'

function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const at = part.indexOf('=')
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim()
  }
  return undefined
}

function urlOf(value: string): URL | undefined {
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}

/** The host name of a Host value, lowercased, without port or IPv6 brackets. */
function hostnameOf(host: string): string | undefined {
  return urlOf(`http://${host}`)
    ?.hostname.replace(/^\[|\]$/g, '')
    .toLowerCase()
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * The node acts for its operator only: requests must name a Host the node serves (a DNS-rebinding
 * page names its own); state-changing requests must not come from another origin (a cross-site
 * form or fetch from a page the operator has open); and operator routes need the operator's token
 * as `Authorization: Bearer …`, or a browser session opened with it (`sessionRoutes`). Buyers' routes (catalog, content, purchases' key requests, device
 * readings signed by their devices) need no token.
 */
export function createOperatorAuth(options: OperatorAuthOptions) {
  const expected = Buffer.from(options.token, 'utf8')
  const allowed = new Set((options.allowedHosts?.length ? options.allowedHosts : LOOPBACK_HOSTS).map((h) => h.toLowerCase()))
  const sessionMs = (options.sessionSeconds ?? 12 * 3600) * 1000
  const maxSessions = options.maxSessions ?? 64
  /** Browser sessions: id → expiry (ms). In memory: a restarted node asks the browser to sign in again. */
  const sessions = new Map<string, number>()

  const isToken = (value: string): boolean => {
    const given = Buffer.from(value, 'utf8')
    return given.length === expected.length && timingSafeEqual(given, expected)
  }

  function hasSession(req: Request): boolean {
    const id = cookieOf(req, SESSION_COOKIE)
    if (id === undefined) return false
    const expires = sessions.get(id)
    if (expires === undefined) return false
    if (expires > Date.now()) return true
    sessions.delete(id)
    return false
  }

  /** Whether the request is the operator's: their token (compared in constant time) or a signed-in browser. */
  function isOperator(req: Request): boolean {
    const header = req.get('authorization')
    const match = header === undefined ? null : /^Bearer ([\x21-\x7e]{1,200})$/.exec(header)
    return match !== null ? isToken(match[1]!) : hasSession(req)
  }

  /**
   * POST /operator/session {token}: a browser signs in once with the operator token and gets an
   * HttpOnly, SameSite=Strict session cookie (EventSource and forms cannot send a bearer header);
   * GET says whether this browser is signed in; DELETE signs it out.
   */
  function sessionRoutes(): Router {
    const router = express.Router()
    router.get('/operator/session', (req, res) => void res.json({ operator: isOperator(req) }))
    router.post('/operator/session', express.json({ limit: '1kb' }), (req, res, next) => {
      const token = (req.body as { token?: unknown } | undefined)?.token
      if (typeof token !== 'string' || !isToken(token)) {
        next(new OperatorAuthError('that is not the operator token of this node'))
        return
      }
      const now = Date.now()
      for (const [id, expires] of sessions) if (expires <= now) sessions.delete(id)
      while (sessions.size >= maxSessions) sessions.delete(sessions.keys().next().value!)
      const id = randomBytes(32).toString('base64url')
      sessions.set(id, now + sessionMs)
      res.cookie(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'strict', path: '/', maxAge: sessionMs })
      res.json({ operator: true })
    })
    router.delete('/operator/session', (req, res) => {
      const id = cookieOf(req, SESSION_COOKIE)
      if (id !== undefined) sessions.delete(id)
      res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/' })
      res.json({ operator: false })
    })
    return router
  }

  /** Refuses a Host the node does not serve, and a state-changing request from another origin. */
  const guardRequest: RequestHandler = (req, _res, next) => {
    const host = hostnameOf(req.get('host') ?? '')
    if (host === undefined || !allowed.has(host)) {
      next(new ForeignRequestError(`host ${JSON.stringify(req.get('host') ?? '')} is not one this node serves`))
      return
    }
    if (!SAFE_METHODS.has(req.method)) {
      const origin = req.get('origin')
      // Browsers send Origin with every cross-origin request and with same-origin POSTs; a request
      // without one is not from a page (curl, the CLI), where the token decides.
      // Only a well-formed origin naming this very host and port is the node's own page: `null`,
      // another port, or a value that is no URL at all is foreign (and never an exception).
      if (origin !== undefined && urlOf(origin)?.host === req.get('host')) {
        next()
        return
      }
      if (origin !== undefined || req.get('sec-fetch-site') === 'cross-site') {
        next(
          new ForeignRequestError(
            `a ${req.method} from ${origin ?? 'another site'} is refused: only the node's own pages and clients may change state`,
          ),
        )
        return
      }
    }
    next()
  }

  /** Lets only the operator through. */
  const requireOperator: RequestHandler = (req, _res, next) => {
    if (isOperator(req)) next()
    else
      next(
        new OperatorAuthError(
          req.get('authorization') === undefined
            ? `${req.method} ${req.path} is the operator's: send the operator token (Authorization: Bearer …)`
            : `${req.method} ${req.path}: the operator token is not this node's`,
        ),
      )
  }

  return { guardRequest, requireOperator, isOperator, sessionRoutes }
}

export type OperatorAuth = ReturnType<typeof createOperatorAuth>
