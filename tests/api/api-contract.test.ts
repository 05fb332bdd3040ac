import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { expect } from 'chai'
import type { Express } from 'express'
import { openApiDocument, openApiPath, ROUTES, type RouteContract } from '../../api/index.js'
import { createApp, OPERATOR_ROUTES, type AppComponents } from '../../server/index.js'
import { testAuth } from '../helpers/operator.js'

type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } }

/** Every method and path an express app routes, through its routers. */
function mountedRoutes(app: Express): Set<string> {
  const found = new Set<string>()
  const walk = (stack: Layer[]): void => {
    for (const layer of stack) {
      if (layer.route !== undefined)
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on && method !== '_all') found.add(`${method} ${layer.route.path}`)
      if (layer.handle?.stack !== undefined) walk(layer.handle.stack)
    }
  }
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack)
  return found
}

/** A node with every optional part present (none of them is called: only the routes are looked at). */
function fullApp(overrides: Partial<AppComponents> = {}): Express {
  const some = {} as never
  return createApp({
    auth: testAuth(),
    checkHealth: () => Promise.resolve({ ok: true, services: {} }),
    metrics: { middleware: (_req: unknown, _res: unknown, next: () => void) => next(), registry: {} } as never,
    deployment: some,
    ipfs: some,
    catalog: some,
    vkeyPath: () => '',
    publishing: some,
    streams: some,
    keyRelease: { deployment: { chainId: 31337, contracts: {} } } as never,
    escrow: some,
    devices: some,
    mirrors: some,
    logError: () => {},
    ...overrides,
  })
}

const routes = ROUTES
const key = (r: Pick<RouteContract, 'method' | 'path'>): string => `${r.method} ${r.path}`

describe('the API contract (api/)', () => {
  it('declares every route the node mounts, and the node mounts every route it declares', () => {
    expect([...mountedRoutes(fullApp())].sort()).to.deep.equal(routes.map(key).sort())
  })

  it('declares each route once', () => {
    expect(new Set(routes.map(key)).size).to.equal(routes.length)
  })

  it('generates an OpenAPI 3.1 document with every route, its parameters, bodies and responses', () => {
    const doc = openApiDocument() as {
      openapi: string
      paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters: Array<{ name: string; in: string }> }>>
    }
    expect(doc.openapi).to.equal('3.1.0')
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
    expect(documented.sort()).to.deep.equal(routes.map((r) => `${r.method} ${openApiPath(r.path)}`).sort())
    for (const r of routes) {
      const op = doc.paths[openApiPath(r.path)]![r.method]!
      expect(Object.keys(op.responses), key(r)).to.deep.equal(Object.keys(r.responses))
      // Every path parameter is declared.
      const named = [...r.path.matchAll(/[:*](\w+)/g)].map((m) => m[1])
      expect(
        op.parameters.filter((p) => p.in === 'path').map((p) => p.name),
        key(r),
      ).to.deep.equal(named)
    }
    const search = doc.paths['/datasets']!.get!.parameters.map((p) => p.name)
    expect(search).to.include.members(['q', 'metric', 'minQuality', 'sort', 'limit', 'offset'])
  })

  it('makes the operator’s routes exactly those the contract marks as the operator’s', () => {
    expect(OPERATOR_ROUTES.map(([m, p]) => `${m} ${p}`).sort()).to.deep.equal(
      routes
        .filter((r) => r.access === 'operator')
        .map(key)
        .sort(),
    )
  })

  it('refuses to send an answer its contract does not allow: a 500 that says nothing, and the cause logged', async () => {
    const logged: unknown[] = []
    // A health probe that reports a service in a shape the contract has no room for.
    const app = fullApp({
      checkHealth: () => Promise.resolve({ ok: 'yes', services: {} } as never),
      logError: (err) => logged.push(err),
    })
    const server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/health`)
      expect(res.status).to.equal(500)
      expect(await res.json()).to.deep.equal({
        error: { name: 'InternalError', message: 'internal error', category: 'internal', retryable: false },
      })
      expect(logged.map((e) => (e as Error).name)).to.deep.equal(['ResponseContractError'])
      expect((logged[0] as Error).message).to.equal(
        'GET /health: the answer breaks the API contract: ok: Invalid input: expected boolean, received string',
      )
    } finally {
      server.close()
    }
  })

  it('sends only what the contract declares: a field the server did not mean to publish is dropped', async () => {
    const app = fullApp({ checkHealth: () => Promise.resolve({ ok: true, services: {}, secret: 'x' } as never) })
    const server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/health`)
      expect(await res.json()).to.deep.equal({ ok: true, services: {} })
    } finally {
      server.close()
    }
  })
})
