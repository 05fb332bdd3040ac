// A small IPFS Pinning Service API (ipfs/pinning-services-api-spec 1.0.0) for the tests: express,
// in memory, Bearer auth. It really pins: a request's CID is fetched from the HTTP gateway among
// its origins (`/…/tcp/PORT/http…`) as a CAR, every block checked against its CID and the DAG
// checked complete, before the request is reported `pinned`.
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CarBlockIterator } from '@ipld/car'
import express, { type NextFunction, type Request, type Response } from 'express'
import { CID } from 'multiformats/cid'
import { createDagVerifier } from '../../storage/index.js'

type Status = 'queued' | 'pinning' | 'pinned' | 'failed'
const STATUSES = new Set<Status>(['queued', 'pinning', 'pinned', 'failed'])

export interface TestPin {
  cid: string
  name?: string
  origins?: string[]
  meta?: Record<string, string>
}

export interface TestPinStatus {
  requestid: string
  status: Status
  created: string
  pin: TestPin
  delegates: string[]
  info: Record<string, string>
}

export interface TestPinningService {
  url: string
  /** Every request it holds, oldest first. */
  pins(): TestPinStatus[]
  /** Blocks it holds (CID string → bytes): what it fetched and checked. */
  blocks: Map<string, Uint8Array>
  /** Calls it answered, as `METHOD /path status`. */
  calls: string[]
  setToken(token: string): void
  /** Stops answering (connections refused), keeping its pins; start() comes back on the same port. */
  stop(): Promise<void>
  start(): Promise<void>
}

const failure = (res: Response, status: number, reason: string, details: string): void =>
  void res.status(status).json({ error: { reason, details } })

/** The gateway base URL of an `/ip4|ip6|dns4|dns6|dns/HOST/tcp/PORT/http[s]…` origin, if it is one. */
export function gatewayOf(origin: string): string | undefined {
  const m = /^\/(ip4|ip6|dns4|dns6|dns)\/([^/]+)\/tcp\/(\d+)\/(https?)(\/|$)/.exec(origin)
  if (m === null) return undefined
  const host = m[1] === 'ip6' ? `[${m[2]}]` : m[2]
  return `${m[4]}://${host}:${m[3]}`
}

/**
 * Starts the service on a free loopback port. `delayMs` holds each request in `queued` that long
 * before fetching (so a client sees the states go by).
 */
export async function startPinningService(options: { token: string; delayMs?: number }): Promise<TestPinningService> {
  let token = options.token
  const pins: TestPinStatus[] = []
  const blocks = new Map<string, Uint8Array>()
  const calls: string[] = []
  let lastCreated = 0
  const app = express()
  app.use((req, res, next) => {
    res.on('finish', () => calls.push(`${req.method} ${req.path} ${res.statusCode}`))
    next()
  })
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.headers.authorization !== `Bearer ${token}`) return failure(res, 401, 'UNAUTHORIZED', 'Access token is missing or invalid')
    next()
  })
  app.use(express.json({ limit: '64kb' }))

  async function pinIt(status: TestPinStatus): Promise<void> {
    if (options.delayMs !== undefined) await new Promise((r) => setTimeout(r, options.delayMs))
    if (!pins.includes(status)) return // removed meanwhile
    status.status = 'pinning'
    const root = CID.parse(status.pin.cid)
    const gateways = (status.pin.origins ?? []).map(gatewayOf).filter((g) => g !== undefined)
    const errors: string[] = []
    for (const gateway of gateways) {
      try {
        const res = await fetch(`${gateway}/ipfs/${root.toString()}?format=car`, {
          headers: { accept: 'application/vnd.ipld.car' },
          signal: AbortSignal.timeout(30_000),
        })
        if (!res.ok || res.body === null) throw new Error(`${gateway} answered ${res.status}`)
        const verifier = createDagVerifier(root)
        const fetched = new Map<string, Uint8Array>()
        for await (const block of await CarBlockIterator.fromIterable(res.body as unknown as AsyncIterable<Uint8Array>)) {
          const cid = CID.decode(block.cid.bytes)
          if (await verifier.add(cid, block.bytes)) fetched.set(cid.toString(), block.bytes)
        }
        verifier.end()
        for (const [cid, bytes] of fetched) blocks.set(cid, bytes)
        status.status = 'pinned'
        status.info = { status_details: `${fetched.size} blocks from ${gateway}` }
        return
      } catch (err) {
        errors.push(`${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`)
      }
    }
    status.status = 'failed'
    status.info = { status_details: errors.length > 0 ? errors.join('; ') : 'no HTTP gateway among the origins' }
  }

  app.post('/pins', (req, res) => {
    const body = req.body as Partial<TestPin> | undefined
    try {
      CID.parse(String(body?.cid))
    } catch {
      return failure(res, 400, 'BAD_REQUEST', 'cid: not a CID')
    }
    if (body!.name !== undefined && (typeof body!.name !== 'string' || body!.name.length > 255))
      return failure(res, 400, 'BAD_REQUEST', 'name: at most 255 characters')
    if (body!.origins !== undefined && (!Array.isArray(body!.origins) || body!.origins.length > 20))
      return failure(res, 400, 'BAD_REQUEST', 'origins: at most 20 multiaddrs')
    if (body!.meta !== undefined && Object.values(body!.meta).some((v) => typeof v !== 'string'))
      return failure(res, 400, 'BAD_REQUEST', 'meta: string values only')
    // `created` orders the pages (`before`/`after`): unique per request.
    lastCreated = Math.max(Date.now(), lastCreated + 1)
    const status: TestPinStatus = {
      requestid: randomUUID(),
      status: 'queued',
      created: new Date(lastCreated).toISOString(),
      pin: {
        cid: body!.cid!,
        ...(body!.name !== undefined ? { name: body!.name } : {}),
        ...(body!.origins !== undefined ? { origins: body!.origins } : {}),
        ...(body!.meta !== undefined ? { meta: body!.meta } : {}),
      },
      delegates: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWAssayTestPinningServiceDelegate1111111111'],
      info: {},
    }
    pins.push(status)
    void pinIt(status)
    res.status(202).json(status)
  })

  app.get('/pins', (req, res) => {
    const list = (v: unknown): string[] | undefined => (typeof v === 'string' ? v.split(',').filter((x) => x !== '') : undefined)
    const cids = list(req.query.cid)
    const statuses = list(req.query.status) ?? ['pinned']
    if (cids !== undefined && cids.length > 10) return failure(res, 400, 'BAD_REQUEST', 'cid: at most 10')
    if (statuses.some((s) => !STATUSES.has(s as Status))) return failure(res, 400, 'BAD_REQUEST', 'status: unknown status')
    const limit = req.query.limit === undefined ? 10 : Number(req.query.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return failure(res, 400, 'BAD_REQUEST', 'limit: 1 to 1000')
    let meta: Record<string, string> = {}
    try {
      if (typeof req.query.meta === 'string') meta = JSON.parse(req.query.meta) as Record<string, string>
    } catch {
      return failure(res, 400, 'BAD_REQUEST', 'meta: not JSON')
    }
    const name = typeof req.query.name === 'string' ? req.query.name : undefined
    const matching = pins
      .filter(
        (p) =>
          statuses.includes(p.status) &&
          (cids === undefined || cids.includes(p.pin.cid)) &&
          (name === undefined || p.pin.name === name) &&
          Object.entries(meta).every(([k, v]) => p.pin.meta?.[k] === v),
      )
      .reverse()
    res.json({ count: matching.length, results: matching.slice(0, limit) })
  })

  app.get('/pins/:requestid', (req, res) => {
    const status = pins.find((p) => p.requestid === req.params.requestid)
    if (status === undefined) return failure(res, 404, 'NOT_FOUND', 'The specified resource was not found')
    res.json(status)
  })

  app.delete('/pins/:requestid', (req, res) => {
    const i = pins.findIndex((p) => p.requestid === req.params.requestid)
    if (i < 0) return failure(res, 404, 'NOT_FOUND', 'The specified resource was not found')
    pins.splice(i, 1)
    res.status(202).end()
  })

  let server: Server | undefined
  let port = 0
  const listen = async (): Promise<void> => {
    server = app.listen(port, '127.0.0.1')
    await once(server, 'listening')
    port = (server.address() as AddressInfo).port
  }
  await listen()
  return {
    url: `http://127.0.0.1:${port}`,
    pins: () => [...pins],
    blocks,
    calls,
    setToken(t) {
      token = t
    },
    async stop() {
      const s = server
      server = undefined
      if (s === undefined) return
      s.closeAllConnections()
      await new Promise((r) => s.close(r))
    },
    start: listen,
  }
}
