import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CarWriter } from '@ipld/car'
import { expect } from 'chai'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { findFreePort } from '../../core/node.js'
import { contentProviders, createAssayClient, firstProvider, ProvidersFailedError } from '../../sdk/index.js'
import { readCarFile } from '../../storage/index.js'
import { collect } from '../helpers/bytes.js'
import { caught } from '../helpers/errors.js'

const block = new TextEncoder().encode('{"a manifest":"or any block"}')

/** A gateway answering every request with `answer`, remembering each request's headers. */
async function gateway(
  answer: (url: string) => { status: number; body?: Uint8Array },
): Promise<{ url: string; seen: IncomingHttpHeaders[]; server: Server }> {
  const seen: IncomingHttpHeaders[] = []
  const server = createServer((req, res) => {
    seen.push(req.headers)
    const { status, body } = answer(req.url ?? '')
    res.writeHead(status).end(body)
  })
  server.listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server }
}

describe('reading content from a list of providers (SDK)', () => {
  let cid: CID
  const servers: Server[] = []
  before(async () => {
    cid = CID.createV1(0x55, await sha256.digest(block))
  })
  after(async () => {
    for (const s of servers) {
      s.closeAllConnections()
      await new Promise((r) => s.close(r))
    }
  })
  const start = async (answer: (url: string) => { status: number; body?: Uint8Array }) => {
    const g = await gateway(answer)
    servers.push(g.server)
    return g
  }

  it('skips a provider that is down, one that does not hold the block and one that forges it; the token goes to the node alone', async () => {
    const down = `http://127.0.0.1:${await findFreePort()}`
    const missing = await start(() => ({ status: 404 }))
    const forging = await start(() => ({ status: 200, body: new TextEncoder().encode('{"a manifest":"forged"}') }))
    const honest = await start((url) => (url === `/ipfs/${cid.toString()}?format=raw` ? { status: 200, body: block } : { status: 400 }))
    const client = createAssayClient({ node: honest.url, operatorToken: 'operator-token-0123456789abcdef-0123' })
    const got = await client.block(cid, { providers: [down, missing.url, forging.url, honest.url] })
    expect(new TextDecoder().decode(got)).to.equal(new TextDecoder().decode(block))
    expect([missing.seen.length, forging.seen.length, honest.seen.length]).to.deep.equal([1, 1, 1])
    expect([missing.seen[0]!.authorization, forging.seen[0]!.authorization, honest.seen[0]!.authorization]).to.deep.equal([
      undefined,
      undefined,
      'Bearer operator-token-0123456789abcdef-0123',
    ])
    // Without providers: the node, as before.
    expect(await client.block(cid)).to.deep.equal(got)
  })

  it('takes a CAR from the first provider that answers, a gateway under a path included', async () => {
    const down = `http://127.0.0.1:${await findFreePort()}`
    const prefixed = await start((url) => (url.startsWith('/gw/ipfs/') ? { status: 200, body: block } : { status: 404 }))
    const car = await createAssayClient({ node: down }).car(cid, { providers: [down, `${prefixed.url}/gw`] })
    expect(await collect(car)).to.deep.equal(block)
  })

  it('moves on from a provider answering 200 with something that is not a CAR (an HTML page)', async () => {
    const html = await start(() => ({ status: 200, body: new TextEncoder().encode('<html>a captive portal</html>') }))
    const { writer, out } = CarWriter.create([cid])
    void writer.put({ cid, bytes: block }).then(() => writer.close())
    const honest = await start(((car) => () => ({ status: 200, body: car }))(await collect(out)))
    const client = createAssayClient({ node: honest.url })
    const download = (providers: string[]) =>
      firstProvider(providers, 'the file', async (p) => collect(readCarFile(await client.car(cid, { providers: [p] }), cid)))
    const alone = await caught(() => download([html.url]))
    expect(alone.name).to.equal('ContentCorruptedError')
    expect(alone.message.startsWith(`${cid.toString()}: the CAR does not parse: `), alone.message).to.equal(true)
    expect(await download([html.url, honest.url])).to.deep.equal(block)
    expect([html.seen.length, honest.seen.length]).to.deep.equal([2, 1])
  })

  it('cuts off a provider sending more than a block may have, and moves on', async function () {
    this.timeout(10_000) // reading the flood whole would never end
    let closed: Promise<unknown> = Promise.resolve()
    const endless = createServer((_req, res) => {
      res.writeHead(200)
      closed = new Promise((r) => res.once('close', r))
      const chunk = new Uint8Array(64 * 1024)
      const more = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', more)
      }
      more()
    })
    servers.push(endless)
    endless.listen(0, '127.0.0.1')
    await new Promise((r) => endless.once('listening', r))
    const flood = `http://127.0.0.1:${(endless.address() as AddressInfo).port}`
    const honest = await start(() => ({ status: 200, body: block }))
    const client = createAssayClient({ node: honest.url })
    const alone = (await caught(() => client.block(cid, { providers: [flood] }))) as Error & { limit?: number }
    expect([alone.name, alone.limit, alone.message]).to.deep.equal([
      'ContentTooLargeError',
      2 * 1024 * 1024,
      `${cid.toString()}: ${flood} sent more than the ${2 * 1024 * 1024} bytes a block may have`,
    ])
    await closed // the client hung up
    expect(await client.block(cid, { providers: [flood, honest.url] })).to.deep.equal(block)
  })

  it('names every provider and why it failed when none serves the block', async () => {
    const down = `http://127.0.0.1:${await findFreePort()}`
    const missing = await start(() => ({ status: 404 }))
    const err = (await caught(() =>
      createAssayClient({ node: down }).block(cid, { providers: [down, missing.url] }),
    )) as ProvidersFailedError
    expect(err).to.be.instanceOf(ProvidersFailedError)
    expect(err.failures.map((f) => [f.provider, f.error.name])).to.deep.equal([
      [down, 'NodeUnreachableError'],
      [missing.url, 'AssayApiError'],
    ])
    expect(err.category).to.equal('unavailable') // one was away: it may come back
    expect(err.message).to.equal(
      `no provider served ${cid.toString()}: ${down}: the node at ${down} is unreachable (connection refused); ${missing.url}: BlockUnavailable: ${cid.toString()} is not served by ${missing.url}`,
    )
    const notFound = (await caught(() =>
      createAssayClient({ node: down }).block(cid, { providers: [missing.url, missing.url] }),
    )) as ProvidersFailedError
    expect(notFound.category).to.equal('not-found')
  })

  it('stops at the first failure that is not the provider’s', async () => {
    let tried = 0
    const err = await caught(() =>
      firstProvider(['http://a.test', 'http://b.test'], 'x', () => {
        tried++
        return Promise.reject(Object.assign(new Error('the key does not open this envelope'), { name: 'WrongKeyError' }))
      }),
    )
    expect([err.name, tried]).to.deep.equal(['WrongKeyError', 1])
  })

  it('lists a dataset page’s providers, then the node itself when it did not list itself', () => {
    expect(contentProviders(['http://b:7420', 'http://a:7420'], 'http://b:7420/')).to.deep.equal(['http://b:7420', 'http://a:7420'])
    expect(contentProviders(['http://a:7420'], 'http://b:7420')).to.deep.equal(['http://a:7420', 'http://b:7420'])
    expect(contentProviders(undefined, 'http://b:7420')).to.deep.equal(['http://b:7420'])
  })
})
