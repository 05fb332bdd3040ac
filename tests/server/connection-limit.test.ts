import { EventEmitter, once } from 'node:events'
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { expect } from 'chai'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import type { Request, Response } from 'express'
import { createApp, type ConnectionLimitOptions, type PublishingApi } from '../../server/index.js'
import { clientOf, createConnectionLimit } from '../../server/connection-limit.js'
import { operatorHeaders, testAuth } from '../helpers/operator.js'

describe('connection caps (event streams, gateway responses)', () => {
  // A job that never finishes: its event stream stays open until the client leaves.
  const publishing: PublishingApi = {
    workDir: '/nonexistent',
    maxUploadBytes: 1,
    submit: () => Promise.reject(new Error('not here')),
    retry: () => Promise.resolve(undefined),
    list: () => Promise.reject(new Error('not here')),
    status: () => Promise.resolve({ id: 'job-1', stages: {}, proofs: { done: 0, total: 0 } } as never),
  }
  async function withNode(
    eventStreams: ConnectionLimitOptions,
    run: (open: () => Promise<Stream>, port: number) => Promise<void>,
  ): Promise<void> {
    const server = createApp({
      auth: testAuth(),
      checkHealth: () => Promise.resolve({ ok: true, services: {} }),
      publishing,
      eventStreams,
      logError: () => undefined,
    }).listen(0, '127.0.0.1')
    await once(server, 'listening')
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jobs/job-1/events`
    const open = async (): Promise<Stream> => {
      const controller = new AbortController()
      const res = await fetch(url, { headers: operatorHeaders(), signal: controller.signal })
      const error = res.ok ? undefined : ((await res.json()) as { error: { name: string; message: string } }).error
      return { status: res.status, error, close: () => controller.abort() }
    }
    try {
      await run(open, (server.address() as AddressInfo).port)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  }
  interface Stream {
    status: number
    error: { name: string; message: string } | undefined
    close(): void
  }

  it('refuses a client an event stream beyond its cap with 429 TooManyConnectionsError, and admits it again once one closes', async () => {
    await withNode({ perClient: 2, total: 10 }, async (open) => {
      const a = await open()
      const b = await open()
      expect([a.status, b.status]).to.deep.equal([200, 200])
      const c = await open()
      expect(c.status).to.equal(429)
      expect(c.error?.name).to.equal('TooManyConnectionsError')
      expect(c.error?.message).to.match(/this client already holds 2/)
      a.close()
      // Wait until the node has seen the close (state, not time): a new stream is admitted then.
      let d = await open()
      while (d.status === 429) d = await open()
      expect(d.status).to.equal(200)
      b.close()
      d.close()
    })
  })

  it("refuses an event stream beyond the node's total with 429 TooManyConnectionsError", async () => {
    await withNode({ perClient: 10, total: 2 }, async (open) => {
      const streams = [await open(), await open()]
      const over = await open()
      expect(over.status).to.equal(429)
      expect(over.error?.message).to.match(/the node holds 2 event streams/)
      streams.forEach((s) => s.close())
    })
  })

  it('frees the slots of pipelined event streams whose socket died before they were answered', async () => {
    await withNode({ perClient: 2, total: 10 }, async (open, port) => {
      // Three requests on one connection, back to back: the second waits behind the first's endless answer.
      const socket = connect(port, '127.0.0.1')
      await once(socket, 'connect')
      const request = `GET /jobs/job-1/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${operatorHeaders().authorization!.slice(7)}\r\n\r\n`
      socket.write(request.repeat(3))
      await once(socket, 'data') // the first stream is open
      socket.destroy()
      // Both slots come back (state, not time: ask until they do; a leak would keep them forever).
      let streams = [await open(), await open()]
      for (let tries = 0; streams.some((s) => s.status !== 200) && tries < 200; tries++) {
        streams.forEach((s) => s.close())
        await new Promise((r) => setImmediate(r))
        streams = [await open(), await open()]
      }
      expect(streams.map((s) => s.status)).to.deep.equal([200, 200])
      streams.forEach((s) => s.close())
    })
  })

  it('caps the gateway responses a client holds open (429 TooManyConnectionsError, in its words), and frees a slot when one ends', async () => {
    // A block that never arrives keeps its answer open: what a slow or stalling gateway read does.
    const cid = CID.create(1, raw.code, await sha256.digest(new Uint8Array([1])))
    const server = createApp({
      auth: testAuth(),
      checkHealth: () => Promise.resolve({ ok: true, services: {} }),
      ipfs: {
        contentStore: {
          isPinned: () => Promise.resolve(true),
          hasBlock: () => Promise.resolve(true),
          getBlock: (_cid, options) =>
            new Promise((_resolve, reject) => options?.signal?.addEventListener('abort', () => reject(options.signal!.reason as Error))),
          resolvePath: () => Promise.reject(new Error('not here')),
          selectBlocks: () => (async function* () {})(),
        },
      },
      gatewayResponses: { perClient: 2, total: 10 },
      logError: () => undefined,
    }).listen(0, '127.0.0.1')
    await once(server, 'listening')
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ipfs/${cid.toString()}?format=raw`
    const pending: AbortController[] = []
    const hold = (): void => {
      const controller = new AbortController()
      pending.push(controller)
      fetch(url, { signal: controller.signal }).catch(() => undefined)
    }
    try {
      hold()
      hold()
      // Ask until both held answers are counted (state, not time): then the third is refused.
      let third = await fetch(url)
      while (third.status !== 429) {
        await third.body?.cancel()
        third = await fetch(url)
      }
      const error = ((await third.json()) as { error: { name: string; message: string } }).error
      expect(error.name).to.equal('TooManyConnectionsError')
      expect(error.message).to.match(/^this client already holds 2 gateway responses; close one first/)
      pending.shift()!.abort()
      let after = await fetch(url, { signal: AbortSignal.timeout(200) }).catch((err: Error) => err)
      while (!(after instanceof Error) && after.status === 429)
        after = await fetch(url, { signal: AbortSignal.timeout(200) }).catch((err: Error) => err)
      // Admitted: it waits for its block like the others (cut short by the client's own timeout).
      expect(after).to.be.instanceOf(Error)
    } finally {
      pending.forEach((c) => c.abort())
      server.closeAllConnections()
      server.close()
    }
  })

  const addresses: [string | undefined, string][] = [
    ['192.0.2.7', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8:1:3::1', '2001:db8:1:3::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::ffff:0:192.0.2.7', '0:0:0:0::/64'],
    [undefined, 'unknown'],
  ]
  for (const [address, client] of addresses)
    it(`counts ${address ?? 'an unknown address'} as the client ${client}`, () => {
      expect(clientOf(address)).to.equal(client)
    })

  it('counts every address of one IPv6 /64 against one cap, and another /64 apart', () => {
    const limit = createConnectionLimit({ perClient: 2, total: 10, what: 'gateway responses' })
    const from = (remoteAddress: string): unknown => {
      const socket = Object.assign(new EventEmitter(), { remoteAddress })
      let passed: unknown = 'not called'
      limit({ socket } as unknown as Request, new EventEmitter() as unknown as Response, (err?: unknown) => (passed = err))
      return passed
    }
    // Two addresses of the network take its two slots; a third address of it is refused.
    expect(from('2001:db8:1:2::a')).to.equal(undefined)
    expect(from('2001:db8:1:2:ffff::b')).to.equal(undefined)
    const refused = from('2001:db8:1:2::c') as Error
    expect(refused.name).to.equal('TooManyConnectionsError')
    expect(refused.message).to.match(/this client already holds 2 gateway responses/)
    // The next /64 is another subscriber.
    expect(from('2001:db8:1:3::a')).to.equal(undefined)
    expect(limit.open()).to.equal(3)
  })
})
