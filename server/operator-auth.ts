import { randomBytes, timingSafeEqual } from 'node:crypto'
import express, { type Request, type RequestHandler, type Response, type Router } from 'express'
import { API, type Api, type RequestBody } from '../api/index.js'
import { AssayError, SiweError, siweTime } from '../core/index.js'
import { reply, requestOf } from './contract-route.js'
import type { SiweVerifier } from './siwe.js'

/** A request that needs the operator came without the operator's token, or with another one. */
export class OperatorAuthError extends AssayError {
  override readonly category = 'unauthorised' as const
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
  override readonly category = 'forbidden' as const
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
  /** Sign-In with Ethereum for the operator's address (createSiweVerifier); absent: the token only. */
  siwe?: SiweVerifier
  /** A per-client limit on signing in (`GET /operator/siwe`, `POST /operator/session`; createRateLimit). */
  signInRateLimit?: RequestHandler
}

/** Body of `POST /operator/session`: the operator token, or a signed EIP-4361 message. */

/** The cookie a signed-in browser carries: HttpOnly, SameSite=Strict, so no other site's page sends it. */
export const SESSION_COOKIE = 'assay_operator'
/**
 * Its name when the page is served over HTTPS (behind a TLS proxy): Secure, so the browser never
 * sends it over plain HTTP, and `__Host-`, so no other port or subdomain can set or read it.
 */
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`

function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const at = part.indexOf('=')
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim()
  }
  return undefined
}

/** The session id a browser sent, under either cookie name. */
const sessionIdOf = (req: Request): string | undefined => cookieOf(req, SECURE_SESSION_COOKIE) ?? cookieOf(req, SESSION_COOKIE)

/** Whether the browser's page is on HTTPS: its Origin says so (the node itself speaks HTTP behind a proxy). */
const overHttps = (req: Request): boolean => req.secure || req.get('origin')?.startsWith('https://') === true

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
 * as `Authorization: Bearer …`, or a browser session opened with it or with the operator's wallet
 * (`sessionRoutes`). Buyers' routes (catalog, content, purchases' key requests, device readings
 * signed by their devices) need no token.
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
    const id = sessionIdOf(req)
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
   * A new session from `now` until `until` (ms) for a browser that just proved it is the operator.
   * The id is always fresh and the browser's previous one ends: a cookie planted before sign-in is
   * never promoted.
   */
  function openSession(req: Request, res: Response, now: number, until: number): void {
    const previous = sessionIdOf(req)
    if (previous !== undefined) sessions.delete(previous)
    for (const [id, expires] of sessions) if (expires <= now) sessions.delete(id)
    while (sessions.size >= maxSessions) sessions.delete(sessions.keys().next().value!)
    const id = randomBytes(32).toString('base64url')
    sessions.set(id, until)
    const secure = overHttps(req)
    res.cookie(secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, id, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure,
      maxAge: until - now,
    })
    reply(res, API.signIn, 200, { operator: true })
  }

  const walletOff = (): SiweError =>
    new SiweError('disabled', 'wallet sign-in is off on this node (set ASSAY_OPERATOR_ADDRESS): sign in with the operator token')

  /**
   * POST /operator/session: a browser signs in once, with the operator token or a Sign-In with
   * Ethereum message signed by the operator's wallet (its nonce from GET /operator/siwe), and gets
   * an HttpOnly, SameSite=Strict session cookie (EventSource and forms cannot send a bearer
   * header); GET says whether this browser is signed in; DELETE signs it out. These routes take no
   * credentials (they are how one signs in), but the Host and Origin checks of `guardRequest` apply.
   */
  function sessionRoutes(): Router {
    const router = express.Router()
    const limit: RequestHandler[] = options.signInRateLimit !== undefined ? [options.signInRateLimit] : []
    router.get('/operator/session', (req, res) => reply(res, API.operatorSession, 200, { operator: isOperator(req) }))
    router.get('/operator/siwe', ...limit, (req, res, next) => {
      if (options.siwe === undefined) return next(walletOff())
      // A nonce is single-use: no cache may hand it to anyone else.
      res.setHeader('cache-control', 'no-store')
      reply(res, API.siweNonce, 200, { ...options.siwe.issueNonce(), domain: req.get('host'), chainId: options.siwe.chainId, version: '1' })
    })
    router.post('/operator/session', ...limit, express.json({ limit: '8kb' }), (req, res, next) => {
      let body: RequestBody<Api['signIn']>
      try {
        body = requestOf(API.signIn, req, (m) => new OperatorAuthError(`send {token} or {message, signature}: ${m}`)).body
      } catch (err) {
        return next(err)
      }
      const now = Date.now()
      const sessionEnd = now + sessionMs
      if ('token' in body) {
        if (!isToken(body.token)) return next(new OperatorAuthError('that is not the operator token of this node'))
        return openSession(req, res, now, sessionEnd)
      }
      if (options.siwe === undefined) return next(walletOff())
      try {
        const signed = options.siwe.verify(body.message, body.signature, {
          host: req.get('host') ?? '',
          ...(req.get('origin') !== undefined ? { origin: req.get('origin')! } : {}),
        })
        // The session ends no later than the message says it may be used.
        const expires = signed.expirationTime !== undefined ? siweTime(signed.expirationTime)! : sessionEnd
        openSession(req, res, now, Math.min(sessionEnd, expires))
      } catch (err) {
        next(err)
      }
    })
    router.delete('/operator/session', (req, res) => {
      const id = sessionIdOf(req)
      if (id !== undefined) sessions.delete(id)
      res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/' })
      if (overHttps(req)) res.clearCookie(SECURE_SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/', secure: true })
      reply(res, API.signOut, 200, { operator: false })
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
