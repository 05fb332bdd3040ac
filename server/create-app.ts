import { existsSync } from 'node:fs'
import express, { type Express, type RequestHandler } from 'express'
import type { z } from 'zod'
import {
  API,
  openApiDocument,
  ROUTES,
  type Api,
  type ResponseBody,
  type healthReportSchema,
  type HttpMethod,
  type serviceHealthSchema,
} from '../api/index.js'
import { reply } from './contract-route.js'
import { createErrorHandler } from './http-errors.js'
import { catalogRoutes, type CatalogApi } from './catalog-routes.js'
import { circuitRoutes } from './circuit-routes.js'
import { createConnectionLimit, type ConnectionLimitOptions } from './connection-limit.js'
import { deviceRoutes, type DevicesApi } from './device-routes.js'
import { ipfsRoutes, type IpfsApi } from './ipfs-routes.js'
import type { Metrics } from './metrics.js'
import { escrowRoutes, type EscrowApi } from './escrow-routes.js'
import { keyReleaseRoutes, type KeyReleaseComponents } from './key-release.js'
import type { OperatorAuth } from './operator-auth.js'
import { mappingRoutes } from './mapping-routes.js'
import { publishingRoutes, type PublishingApi } from './publishing-routes.js'
import { streamRoutes, type StreamsApi } from './stream-routes.js'
import { NotFoundError } from './not-found-error.js'
import { mirrorRoutes } from './mirror-routes.js'
import type { MirrorsApi } from './mirror-service.js'

/** State of one embedded or external service, as reported by `GET /health`. */
export type ServiceHealth = z.output<typeof serviceHealthSchema>
/** The whole report of `GET /health` (the API contract's healthReportSchema). */
export type HealthReport = z.output<typeof healthReportSchema>
/** One circuit's build state: a node builds missing circuits in the background while it serves. */
/** The circuits' part of the report. */
export type CircuitsHealth = NonNullable<HealthReport['circuits']>
export type CircuitState = CircuitsHealth['circuits'][string]

export interface AppComponents {
  /** Probes every service; called per `GET /health`. */
  checkHealth(): Promise<HealthReport>
  /** Who may do what: the Host and Origin guard, and the operator's token (createOperatorAuth). */
  auth: OperatorAuth
  /** Per-client limits on the routes anyone may call that cost the node work (createRateLimit). */
  rateLimits?: { readings?: RequestHandler; keyRequests?: RequestHandler; escrowStatus?: RequestHandler }
  /** Caps on open event streams (GET /jobs/:id/events), per client and in total (createConnectionLimit's defaults). */
  eventStreams?: ConnectionLimitOptions
  /** Gateway responses (GET/HEAD /ipfs/…) open at once, per client and in all (default 64 and 256). */
  gatewayResponses?: ConnectionLimitOptions
  /** Built web app (Vite output) to serve at `/`, when present. */
  webDir?: string
  /** Publishing: uploads become publication jobs (absent: the routes answer 404). */
  publishing?: PublishingApi
  /** Device registration through the node's account (absent: the routes answer 404). */
  devices?: DevicesApi
  /** The catalog: search, dataset pages, previews (absent: the routes answer 404). */
  catalog?: CatalogApi
  /** Data streams: creation, live ingestion, windows (absent: the routes answer 404). */
  streams?: StreamsApi
  /** Trustless key delivery: this node's settlements of KeyEscrow orders (absent: the routes answer 404). */
  escrow?: EscrowApi
  /** Key release to buyers (absent: the route answers 404). */
  keyRelease?: KeyReleaseComponents
  /** The trustless gateway (CAR and raw blocks) over the node's content store. */
  ipfs?: IpfsApi
  /** Mirroring datasets from other nodes (absent: the route answers 404). */
  mirrors?: MirrorsApi
  /** Prometheus metrics, served at /metrics. */
  metrics?: Metrics
  /** Where a circuit's verification key is (the committed copy): served to browsers. */
  vkeyPath?: (circuitId: string) => string
  /** Public facts clients need: chain id and contract addresses. */
  deployment?: ResponseBody<Api['deployment']>
  logError?: (err: unknown) => void
}

/**
 * Routes only the operator may call (with the operator token). Everything else is public: the
 * catalog and content (read), key requests (signed by the buyer, EIP-712) and stream readings
 * (signed by the stream's devices, each checked).
 */
export const OPERATOR_ROUTES: ReadonlyArray<readonly [HttpMethod, string]> = ROUTES.filter((r) => r.access === 'operator').map(
  (r) => [r.method, r.path] as const,
)

/** What /health tells anyone: each service up or down, and how many circuits are ready. */
export function publicHealth(report: HealthReport): HealthReport {
  return {
    ok: report.ok,
    services: Object.fromEntries(
      Object.entries(report.services).map(([name, s]) => [name, { ok: s.ok, embedded: s.embedded, detail: {} }]),
    ),
    ...(report.circuits !== undefined
      ? {
          circuits: {
            ready: report.circuits.ready,
            total: report.circuits.total,
            ...(report.circuits.building !== undefined ? { building: report.circuits.building } : {}),
            circuits: Object.fromEntries(Object.entries(report.circuits.circuits).map(([id, c]) => [id, { state: c.state }])),
          },
        }
      : {}),
  }
}

/** The HTTP API and web UI of an Assay node. */
export function createApp(components: AppComponents): Express {
  const app = express()
  app.disable('x-powered-by')
  app.use((_req, res, next) => {
    res.setHeader('x-content-type-options', 'nosniff')
    res.setHeader('x-frame-options', 'DENY')
    res.setHeader('referrer-policy', 'no-referrer')
    res.setHeader('cross-origin-opener-policy', 'same-origin')
    next()
  })

  // Before any route: a rebinding Host or a cross-site write is refused whatever it asks for.
  app.use(components.auth.guardRequest)
  // The operator's routes: publishing, devices, streams, jobs (their status reveals uploads), metrics.
  for (const [method, path] of OPERATOR_ROUTES) app[method](path, components.auth.requireOperator)
  // Open routes that make the node work (signature checks, key unwrapping): a share per client.
  if (components.rateLimits?.readings !== undefined) app.post('/streams/:id/readings', components.rateLimits.readings)
  if (components.rateLimits?.keyRequests !== undefined) app.post('/datasets/:id/key', components.rateLimits.keyRequests)
  // Each answer reads the chain (a settled order's event): a share per client too.
  if (components.rateLimits?.escrowStatus !== undefined)
    app.get(['/escrow/orders/:id', '/escrow/orders/:id/windows/:index'], components.rateLimits.escrowStatus)
  // Each event stream holds a socket and polls the job store until its client leaves.
  app.get('/jobs/:id/events', createConnectionLimit(components.eventStreams))
  // Each gateway answer holds a block in memory, or walks a DAG for as long as its client reads: a
  // stranger cannot open them without end (a block-by-block client asks for a few dozen at once).
  app.use('/ipfs', createConnectionLimit({ perClient: 64, total: 256, what: 'gateway responses', ...components.gatewayResponses }))

  if (components.metrics !== undefined) {
    const metrics = components.metrics
    app.use(metrics.middleware)
    app.get('/metrics', async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics())
    })
  }

  app.get('/openapi.json', (_req, res) => void res.json(openApiDocument()))
  app.use(components.auth.sessionRoutes())

  app.get('/health', async (req, res) => {
    const report = await components.checkHealth()
    // Anonymous callers learn only whether each service is up; details (addresses, URLs,
    // errors) are the operator's.
    reply(res, API.health, report.ok ? 200 : 503, components.auth.isOperator(req) ? report : publicHealth(report))
  })

  if (components.deployment !== undefined) app.get('/deployment', (_req, res) => reply(res, API.deployment, 200, components.deployment!))
  if (components.ipfs !== undefined) app.use(ipfsRoutes(components.ipfs))
  if (components.catalog !== undefined) app.use(catalogRoutes(components.catalog))
  if (components.vkeyPath !== undefined) app.use(circuitRoutes({ vkeyPath: components.vkeyPath }))
  if (components.publishing !== undefined) app.use(mappingRoutes(components.publishing))
  if (components.publishing !== undefined) app.use(publishingRoutes(components.publishing))
  if (components.streams !== undefined) app.use(streamRoutes(components.streams))
  if (components.keyRelease !== undefined) app.use(keyReleaseRoutes(components.keyRelease))
  if (components.escrow !== undefined) app.use(escrowRoutes(components.escrow))
  if (components.devices !== undefined) app.use('/devices', express.json({ limit: '16kb' }))
  if (components.devices !== undefined) app.use(deviceRoutes(components.devices))
  if (components.mirrors !== undefined) app.use(mirrorRoutes(components.mirrors))

  if (components.webDir !== undefined && existsSync(components.webDir)) {
    app.use(express.static(components.webDir, { index: 'index.html', maxAge: '1h' }))
  }

  app.use((req, _res, next) => {
    next(new NotFoundError(`no route for ${req.method} ${req.path}`))
  })
  app.use(createErrorHandler(components.logError))
  return app
}
