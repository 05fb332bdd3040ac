import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import fc from 'fast-check'
import { startNode, type AssayNode } from '../../cli/index.js'
import { loadConfig } from '../../core/index.js'
import { operatorHeaders } from '../helpers/operator.js'

/** One HTTP request the fuzzer sends. */
interface FuzzRequest {
  method: 'GET' | 'POST'
  path: string
  headers?: Record<string, string>
  body?: string | Uint8Array
}

const hex = (o: { minLength?: number; maxLength?: number }) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), ...o })
const segment = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('1', '0', '-1', '99999999999999999999999', 'NaN', '..', '%00', 'bafkreiabc', '1e3', ' 1'),
  fc.string({ minLength: 500, maxLength: 3_000 }),
)
const jsonValue = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.string({ maxLength: 200 }).map((s) => JSON.stringify(s)),
)
const keyRequestish = fc.record(
  {
    request: fc.record(
      {
        buyer: fc.oneof(hex({ maxLength: 42 }), fc.constant('0x70997970C51812dc3A010C7d01b50e0d17dc79C8'), fc.integer()),
        datasetId: fc.oneof(
          fc.constant('1'),
          fc.string({ maxLength: 90 }),
          fc.bigInt({ min: -10n, max: 10n ** 80n }).map(String),
          fc.integer(),
        ),
        ephemeralPublicKey: fc.oneof(
          hex({ maxLength: 140 }).map((h: string) => `0x${h}`),
          fc.string({ maxLength: 30 }),
        ),
        nonce: fc.oneof(
          hex({ minLength: 64, maxLength: 64 }).map((h: string) => `0x${h}`),
          fc.string({ maxLength: 70 }),
        ),
        expiry: fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String), fc.string({ maxLength: 25 }), fc.double()),
      },
      { requiredKeys: [] },
    ),
    signature: fc.oneof(
      hex({ maxLength: 140 }).map((h: string) => `0x${h}`),
      fc.constant(''),
      fc.integer(),
    ),
    extra: fc.string({ maxLength: 20_000 }),
  },
  { requiredKeys: [] },
)

const requests: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc
    .dictionary(
      fc.oneof(
        fc.constantFrom('q', 'metric', 'unit', 'minQuality', 'maxPrice', 'from', 'to', 'limit', 'offset', 'sort', 'listed', 'owner'),
        fc.string({ maxLength: 12 }),
      ),
      segment,
      { maxKeys: 5 },
    )
    .map((query) => ({
      method: 'GET' as const,
      path: `/datasets?${new URLSearchParams(query)}`,
    })),
  segment.map((id) => ({ method: 'GET' as const, path: `/datasets/${encodeURIComponent(id)}` })),
  fc
    .tuple(segment, fc.constantFrom('preview', 'thumbnail'))
    .map(([id, image]) => ({ method: 'GET' as const, path: `/datasets/${encodeURIComponent(id)}/${image}` })),
  fc
    .tuple(segment, fc.constantFrom('car', 'raw', 'json', ''))
    .map(([cid, format]) => ({ method: 'GET' as const, path: `/ipfs/${encodeURIComponent(cid)}?format=${format}` })),
  segment.map((id) => ({ method: 'GET' as const, path: `/jobs/${encodeURIComponent(id)}` })),
  segment.map((id) => ({ method: 'GET' as const, path: `/devices/${encodeURIComponent(id)}` })),
  fc
    .tuple(
      segment,
      fc.oneof(
        keyRequestish.map((b) => JSON.stringify(b)),
        jsonValue,
        fc.string({ maxLength: 300 }),
      ),
    )
    .map(([id, body]) => ({
      method: 'POST' as const,
      path: `/datasets/${encodeURIComponent(id)}/key`,
      headers: { 'content-type': 'application/json' },
      body,
    })),
  fc
    .oneof(jsonValue, fc.string({ maxLength: 30_000 }))
    .map((body) => ({ method: 'POST' as const, path: '/devices', headers: { 'content-type': 'application/json' }, body })),
  // Broken multipart: bad framing, missing boundary, or text fields with no file part.
  fc
    .tuple(
      fc.uint8Array({ maxLength: 4_000 }),
      fc.constantFrom('multipart/form-data; boundary=xyz', 'multipart/form-data', 'text/plain', 'application/json'),
    )
    .map(([body, type]) => ({
      method: 'POST' as const,
      path: '/datasets',
      headers: { 'content-type': type },
      body,
    })),
  fc
    .dictionary(
      fc.constantFrom('title', 'price', 'mapping', 'splits', 'tags', 'paymentToken', 'accessPeriod', 'x'),
      fc.string({ maxLength: 200 }),
      { maxKeys: 6 },
    )
    .map((fields) => {
      const parts = Object.entries(fields).map(([k, v]) => `--b\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      return {
        method: 'POST' as const,
        path: '/datasets',
        headers: { 'content-type': 'multipart/form-data; boundary=b' },
        body: `${parts.join('')}--b--\r\n`,
      }
    }),
  segment.map((p) => ({ method: 'GET' as const, path: `/${encodeURIComponent(p)}` })),
)

describe('API fuzzing (fast-check, a real node)', function () {
  this.timeout(600_000)
  let dir: string
  let node: AssayNode
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-fuzz-'))
    node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node') }), port: 0 }, () => undefined)
  })
  after(async () => {
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('answers 10,000 malformed, oversized and random requests with 0 crashes, 0 5xx and 0 hangs', async () => {
    const statuses = new Map<number, number>()
    let sent = 0
    await fc.assert(
      fc.asyncProperty(requests, async (r) => {
        sent++
        // As the operator, so the operator routes' parsers are fuzzed too, not just their 401.
        const res = await fetch(new URL(r.path, node.url), {
          method: r.method,
          headers: { ...r.headers, ...operatorHeaders(node.operatorToken) },
          body: r.body instanceof Uint8Array ? new Blob([new Uint8Array(r.body)]) : r.body,
          signal: AbortSignal.timeout(5_000), // a hang fails the property
        })
        await res.arrayBuffer()
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
        return res.status < 500
      }),
      { numRuns: 10_000, seed: 20261122, endOnFailure: true },
    )
    expect(sent).to.equal(10_000)
    expect((await node.checkHealth()).ok, 'the node is still healthy').to.equal(true)
    const summary = [...statuses.entries()].sort(([a], [b]) => a - b)
    expect(
      summary.every(([s]) => s < 500),
      JSON.stringify(summary),
    ).to.equal(true)
  })
})
