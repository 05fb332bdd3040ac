import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import type { Server } from 'node:http'
import { Readable } from 'node:stream'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { withHTTP } from '@helia/http'
import type { Router } from '@helia/interface'
import { createVerifiedFetch, type VerifiedFetch } from '@helia/verified-fetch'
import { multiaddr } from '@multiformats/multiaddr'
import { expect } from 'chai'
import express from 'express'
import { createHeliaLight } from 'helia'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { parseImportMapping } from '../../core/index.js'
import { publishDataset, type PublishResult } from '../../pipelines/index.js'
import { createAssayClient } from '../../sdk/index.js'
import { createApp } from '../../server/index.js'
import { concatBytes, readCarFile } from '../../storage/index.js'
import { datasetPath } from '../helpers/datasets.js'
import { testAuth } from '../helpers/operator.js'
import { startTestPublisher, type TestPublisher } from '../helpers/publisher.js'

/** Multicodec of an HTTP trustless gateway as a provider (what @helia/fallback-router names one by). */
const TRANSPORT_IPFS_GATEWAY_HTTP = 0x0920

/**
 * A router that names the Assay node as the provider of every CID: verified-fetch's only source.
 * No delegated router, no DHT, no libp2p: every block comes over HTTP from the node.
 */
function onlyTheNode(gateway: URL): Router {
  const provider = {
    id: CID.createV1(TRANSPORT_IPFS_GATEWAY_HTTP, identity.digest(new TextEncoder().encode(gateway.href))),
    multiaddrs: [multiaddr(`/ip4/${gateway.hostname}/tcp/${gateway.port}/http`)],
    protocols: ['transport-ipfs-gateway-http'],
    router: 'assay-node',
    fallback: false,
  }
  return { name: 'assay-node', findProviders: () => Readable.from([provider]) }
}

/** A fresh verified-fetch (its own empty in-memory blockstore) that fetches from the node alone. */
async function verifiedFetchFrom(gateway: URL): Promise<VerifiedFetch> {
  // Loopback over plain HTTP: allowed here, as verified-fetch's own tests do.
  const helia = withHTTP(createHeliaLight({ routers: [onlyTheNode(gateway)] }), {
    delegatedRouters: [],
    recursiveGateways: [],
    allowLocal: true,
    allowInsecure: true,
  })
  return createVerifiedFetch(await helia.start())
}

async function bytesOf(response: Response): Promise<Uint8Array> {
  expect(response.status, `${response.url}: ${response.statusText}`).to.equal(200)
  return new Uint8Array(await response.arrayBuffer())
}

describe('a real client, @helia/verified-fetch, reads a published dataset from the node’s trustless gateway', function () {
  this.timeout(300_000)
  let publisher: TestPublisher
  let published: PublishResult
  let server: Server
  let gateway: URL
  /** Requests the node's gateway received, as `METHOD path?query`. */
  const received: string[] = []
  /** Every object of the dataset, by name. */
  let objects: Record<string, CID>
  /** What the SDK reads for each object: the node's CAR, every block checked. */
  const sdkBytes = new Map<string, Uint8Array>()

  before(async () => {
    publisher = await startTestPublisher('verified-fetch')
    // 16 readings of one metric (one batch, one proof) and a notes column that the mapping leaves
    // out but the archive keeps: the ciphertext spans two 1 MiB leaves under a dag-pb root.
    const [header, ...rows] = readFileSync(datasetPath('occupancy-room-2015.csv'), 'utf8').trim().split('\n')
    const notes = 'n'.repeat(72_000)
    const file = join(publisher.dir, 'office-notes.csv')
    await writeFile(
      file,
      `${header},"Notes"\n${rows
        .slice(0, 16)
        .map((r) => `${r},"${notes}"`)
        .join('\n')}\n`,
    )
    published = await publishDataset(publisher.components, {
      file,
      mapping: parseImportMapping({
        version: 1,
        format: 'csv',
        delimiter: ',',
        timestamp: { columns: ['Date'], format: 'YYYY-MM-DD HH:mm:ss', timeZone: 'Europe/Brussels' },
        device: { fixed: 'umons-office-room' },
        metrics: [{ column: 'Temperature', name: 'temperature', unit: '°C', scale: 2, validRange: [-50, 60] }],
        missing: ['', 'NA'],
      }),
      title: 'Office temperature with notes',
      licence: 'CC-BY-4.0',
      circuitId: 'sensor-stats-b16-v2',
    })
    const m = published.manifest
    expect(m.previewCid, 'the publication renders a preview').to.be.a('string')
    expect(m.thumbnailCid, 'the publication renders a thumbnail').to.be.a('string')
    objects = {
      manifest: CID.parse(published.manifestCid),
      'quality report': CID.parse(m.quality.reportCid),
      preview: CID.parse(m.previewCid!),
      thumbnail: CID.parse(m.thumbnailCid!),
      'proof bundle': CID.parse(m.proofs.bundleCid),
      ciphertext: CID.parse(m.content.ciphertextCid),
    }
    // The node's gateway alone, every request it receives noted.
    const app = express()
    app.use((req, _res, next) => {
      received.push(`${req.method} ${req.url}`)
      next()
    })
    app.use(
      createApp({
        auth: testAuth(),
        checkHealth: () => Promise.resolve({ ok: true, services: {} }),
        ipfs: { contentStore: publisher.components.contentStore },
      }),
    )
    server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    gateway = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    const client = createAssayClient({ node: gateway.origin })
    for (const [name, cid] of Object.entries(objects)) {
      const chunks: Uint8Array[] = []
      for await (const chunk of readCarFile(await client.car(cid), cid)) chunks.push(chunk)
      sdkBytes.set(name, concatBytes(chunks))
    }
  })
  after(async () => {
    server?.close()
    await publisher?.stop()
  })

  it('publishes a ciphertext of several blocks, so the block-by-block path is exercised', () => {
    const root = objects.ciphertext!
    expect(root.code, 'a dag-pb root').to.equal(0x70)
    expect(sdkBytes.get('ciphertext')!.length).to.be.above(1_048_576)
  })

  it('fetches every object block by block (raw blocks from the node), byte-identical to what the SDK reads', async () => {
    const fetch = await verifiedFetchFrom(gateway)
    try {
      for (const [name, cid] of Object.entries(objects)) {
        const before = received.length
        const bytes = await bytesOf(await fetch(`ipfs://${cid.toString()}`, { signal: AbortSignal.timeout(30_000) }))
        expect(Buffer.from(bytes).equals(Buffer.from(sdkBytes.get(name)!)), name).to.equal(true)
        const asked = received.slice(before)
        expect(asked, name).to.include(`GET /ipfs/${cid.toString()}?format=raw`)
        expect(
          asked.every((r) => r.endsWith('?format=raw')),
          `${name}: ${asked.join(', ')}`,
        ).to.equal(true)
        // The root of the ciphertext, then each of its leaves.
        if (name === 'ciphertext') expect(asked.length, asked.join(', ')).to.be.above(2)
      }
    } finally {
      await fetch.stop()
    }
  })

  it('fetches every object as a CAR, whose file is byte-identical to what the SDK reads', async () => {
    // A fresh client: nothing cached, every block comes from the node again.
    const fetch = await verifiedFetchFrom(gateway)
    try {
      for (const [name, cid] of Object.entries(objects)) {
        const before = received.length
        const response = await fetch(`ipfs://${cid.toString()}`, {
          headers: { accept: 'application/vnd.ipld.car' },
          signal: AbortSignal.timeout(30_000),
        })
        expect(response.headers.get('content-type'), name).to.match(/^application\/vnd\.ipld\.car; version=1/)
        const car = await bytesOf(response)
        const chunks: Uint8Array[] = []
        for await (const chunk of readCarFile(Readable.from([car]), cid)) chunks.push(chunk)
        expect(Buffer.from(concatBytes(chunks)).equals(Buffer.from(sdkBytes.get(name)!)), name).to.equal(true)
        expect(received.length, `${name}: the blocks came from the node`).to.be.above(before)
      }
    } finally {
      await fetch.stop()
    }
  })
})
