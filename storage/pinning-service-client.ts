import { z } from 'zod'
import {
  PinningServiceAuthError,
  PinningServiceRequestError,
  PinningServiceResponseError,
  PinningServiceUnavailableError,
  type PinningServiceAnswer,
} from './pinning-service-error.js'

/** The states of a pin request (the spec's `Status`), in the order a request goes through them. */
export const PIN_STATUSES = ['queued', 'pinning', 'pinned', 'failed'] as const
export type PinStatusValue = (typeof PIN_STATUSES)[number]

// The IPFS Pinning Service API 1.0.0 (ipfs/pinning-services-api-spec, ipfs-pinning-service.yaml).
// Answers are read leniently where the spec only advises (extra fields, info values).
const pinSchema = z.looseObject({
  cid: z.string().min(1),
  name: z.string().max(255).optional(),
  origins: z.array(z.string()).max(20).optional(),
  meta: z.record(z.string(), z.string()).optional(),
})
const pinStatusSchema = z.looseObject({
  requestid: z.string().min(1).max(1000),
  status: z.enum(PIN_STATUSES),
  created: z.string(),
  pin: pinSchema,
  delegates: z.array(z.string()).max(20),
  info: z.record(z.string(), z.unknown()).optional(),
})
const pinResultsSchema = z.looseObject({ count: z.number().int().min(0), results: z.array(pinStatusSchema).max(1000) })
const failureSchema = z.looseObject({ error: z.looseObject({ reason: z.string(), details: z.string().optional() }) })

/** A pin request (the spec's `Pin`): a CID to pin recursively, with hints and labels. */
export interface Pin {
  cid: string
  /** For lookups; at most 255 characters. */
  name?: string
  /** Multiaddrs that provide the data (at most 20), each ending in `/p2p/<peer id>`. */
  origins?: string[]
  meta?: Record<string, string>
}

/** A pin request as the service holds it (the spec's `PinStatus`). */
export type PinStatus = z.output<typeof pinStatusSchema>

/** Filters of GET /pins; without `status` the service lists only pinned requests. */
export interface PinFilter {
  /** At most 10 CIDs. */
  cid?: string[]
  name?: string
  status?: PinStatusValue[]
  meta?: Record<string, string>
  /** 1 to 1000 (the service's default: 10). */
  limit?: number
}

export interface PinningServiceClientOptions {
  /** The service's API endpoint (its `/pins` is below it), e.g. `https://api.pinata.cloud/psa`. */
  url: string
  /** The access token, sent as `Authorization: Bearer`; it never appears in errors. */
  token: string
  /** Longest wait for one answer, body included. Default 10 s. */
  timeoutMs?: number
  /** Largest answer read. Default 1 MiB (1000 pin statuses fit). */
  maxResponseBytes?: number
  fetch?: typeof globalThis.fetch
}

/** The calls of the IPFS Pinning Service API Assay makes. Every failure is a named PinningService…Error. */
export interface PinningServiceClient {
  /** The endpoint, without credentials or query: what may be shown and logged. */
  readonly endpoint: string
  /** POST /pins. */
  add(pin: Pin): Promise<PinStatus>
  /** GET /pins with filters. */
  list(filter?: PinFilter): Promise<{ count: number; results: PinStatus[] }>
  /** GET /pins/{requestid}. */
  get(requestid: string): Promise<PinStatus>
  /** DELETE /pins/{requestid}. */
  remove(requestid: string): Promise<void>
}

/** The endpoint of a URL as it may be shown: no user, password, query or fragment. */
export function pinningEndpoint(url: string): string {
  const u = new URL(url)
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`
}

/** The longest Retry-After honoured: a service cannot park its callers for longer. */
const RETRY_AFTER_MAX_MS = 3_600_000
const HTTP_DATE = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/

/** A Retry-After header (seconds, or an HTTP date) as milliseconds from now, within 0 and an hour. */
function retryAfterMs(header: string | null): number | undefined {
  const value = header?.trim() ?? ''
  const ms = /^\d{1,10}$/.test(value) ? Number(value) * 1000 : HTTP_DATE.test(value) ? Date.parse(value) - Date.now() : NaN
  return Number.isFinite(ms) ? Math.min(RETRY_AFTER_MAX_MS, Math.max(0, ms)) : undefined
}

async function readBody(res: Response, max: number): Promise<string> {
  if (res.body === null) return ''
  const reader = res.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.length
    if (size > max) {
      await reader.cancel()
      throw new PinningServiceResponseError(`the pinning service answered more than ${max} bytes`)
    }
    text += decoder.decode(value, { stream: true })
  }
  return text + decoder.decode()
}

/**
 * A client of an IPFS Pinning Service API endpoint, with Bearer authentication and a bounded
 * wait per call (the answer's size bounded too). Browser-safe.
 *
 * @example
 *   const service = createPinningServiceClient({ url: 'https://pins.example/api', token })
 *   const { requestid } = await service.add({ cid, name: 'assay-dataset-7' })
 */
export function createPinningServiceClient(options: PinningServiceClientOptions): PinningServiceClient {
  const base = new URL(options.url)
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new TypeError(`a pinning service URL starts with http:// or https:// (got ${base.protocol})`)
  // Calls go to `<endpoint>/pins` with the token as a Bearer header: credentials, a query or a
  // fragment in the URL (an API key, say) would be dropped silently.
  if (base.username !== '' || base.password !== '' || /[?#]/.test(options.url))
    throw new TypeError(
      `a pinning service URL holds no credentials, query or fragment (${pinningEndpoint(options.url)}): pass the access token as \`token\``,
    )
  const endpoint = pinningEndpoint(options.url)
  const timeoutMs = options.timeoutMs ?? 10_000
  const maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024
  const fetchFn = options.fetch ?? globalThis.fetch
  const root = `${endpoint}/pins`

  async function call<T>(
    what: string,
    method: string,
    path: string,
    schema: z.ZodType<T> | undefined,
    body?: unknown,
  ): Promise<T | undefined> {
    const signal = AbortSignal.timeout(timeoutMs)
    let res: Response
    let text: string
    try {
      res = await fetchFn(`${root}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal,
        redirect: 'error',
      })
      text = await readBody(res, maxResponseBytes)
    } catch (err) {
      if (err instanceof PinningServiceResponseError) throw err
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : ''
      const message = signal.aborted ? `no answer within ${timeoutMs} ms` : `${err instanceof Error ? err.message : String(err)}${cause}`
      throw new PinningServiceUnavailableError(`${what}: cannot reach the pinning service at ${endpoint}: ${message}`, { cause: err })
    }
    if (res.status >= 200 && res.status < 300) {
      if (schema === undefined) return undefined
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch (err) {
        throw new PinningServiceResponseError(`${what}: the pinning service answered ${res.status} with no JSON`, { cause: err })
      }
      const parsed = schema.safeParse(json)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]
        throw new PinningServiceResponseError(
          `${what}: the pinning service's answer is not the spec's (${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'})`,
          { cause: parsed.error },
        )
      }
      return parsed.data
    }
    const answer: PinningServiceAnswer = { status: res.status }
    try {
      const failure = failureSchema.safeParse(JSON.parse(text))
      if (failure.success) {
        answer.reason = failure.data.error.reason.slice(0, 200)
        if (failure.data.error.details !== undefined) answer.details = failure.data.error.details.slice(0, 500)
      }
    } catch {
      // Not JSON: the status alone says what happened.
    }
    if (res.status === 401 || res.status === 403) throw new PinningServiceAuthError(answer)
    if (res.status === 429 || res.status >= 500) {
      const retryAfter = retryAfterMs(res.headers.get('retry-after'))
      throw new PinningServiceUnavailableError(
        `${what}: the pinning service at ${endpoint} answered ${res.status}${answer.reason !== undefined ? ` ${answer.reason}` : ''}${
          retryAfter !== undefined ? ` (retry after ${Math.ceil(retryAfter / 1000)} s)` : ''
        }`,
        { ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}) },
      )
    }
    throw new PinningServiceRequestError(`${what}: the pinning service refused it`, answer)
  }

  return {
    endpoint,
    async add(pin) {
      return (await call(`pin ${pin.cid}`, 'POST', '', pinStatusSchema, pin))!
    },
    async list(filter = {}) {
      const query = new URLSearchParams()
      if (filter.cid !== undefined) query.set('cid', filter.cid.join(','))
      if (filter.name !== undefined) query.set('name', filter.name)
      if (filter.status !== undefined) query.set('status', filter.status.join(','))
      if (filter.meta !== undefined) query.set('meta', JSON.stringify(filter.meta))
      if (filter.limit !== undefined) query.set('limit', String(filter.limit))
      const q = query.toString()
      return (await call('list pins', 'GET', q === '' ? '' : `?${q}`, pinResultsSchema))!
    },
    async get(requestid) {
      return (await call(`pin request ${requestid}`, 'GET', `/${encodeURIComponent(requestid)}`, pinStatusSchema))!
    },
    async remove(requestid) {
      await call(`remove pin request ${requestid}`, 'DELETE', `/${encodeURIComponent(requestid)}`, undefined)
    },
  }
}
