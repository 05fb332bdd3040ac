import type { RequestHandler } from 'express'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** The node's Prometheus metrics (one registry per app, so tests and several apps never mix). */
export interface Metrics {
  registry: Registry
  /** Counts and times every request by method, route pattern and status. */
  middleware: RequestHandler
  keyReleases: Counter<'outcome' | 'reason'>
  /** Gauges read when scraped (catalog size, cursor…). */
  gauge(name: string, help: string, read: () => number): void
}

export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'assay_' })
  const requests = new Counter({
    name: 'assay_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'assay_http_request_duration_seconds',
    help: 'HTTP request duration by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  })
  const keyReleases = new Counter({
    name: 'assay_key_releases_total',
    help: 'Key requests by outcome (released, refused) and reason',
    labelNames: ['outcome', 'reason'] as const,
    registers: [registry],
  })
  return {
    registry,
    keyReleases,
    middleware: (req, res, next) => {
      const start = process.hrtime.bigint()
      res.on('finish', () => {
        // The route pattern, not the path: ids and CIDs would make labels unbounded.
        const route = (req.route as { path?: string } | undefined)?.path ?? (res.statusCode === 404 ? 'unmatched' : 'other')
        requests.inc({ method: req.method, route: String(route), status: String(res.statusCode) })
        duration.observe({ method: req.method, route: String(route) }, Number(process.hrtime.bigint() - start) / 1e9)
      })
      next()
    },
    gauge(name, help, read) {
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read())
        },
      })
    },
  }
}
