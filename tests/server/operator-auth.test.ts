import { request as httpRequest } from 'node:http'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { startNode, type AssayNode } from '../../cli/index.js'
import { createDeviceKey } from '../../circuits/index.js'
import { loadConfig } from '../../core/index.js'
import { OPERATOR_ROUTES } from '../../server/index.js'
import { operatorHeaders } from '../helpers/operator.js'

interface Answer {
  status: number
  error?: { name: string; message: string }
  body: Record<string, unknown>
  setCookie?: string[]
}

/** One raw HTTP request (node:http, so Host and Origin are exactly what an attacker would send). */
function send(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString()))
      res.on('end', () => {
        let body: Record<string, unknown> = {}
        try {
          body = JSON.parse(text) as Record<string, unknown>
        } catch {
          // not JSON: the web app's HTML, say
        }
        resolve({
          status: res.statusCode ?? 0,
          body,
          ...(body.error !== undefined ? { error: body.error as Answer['error'] } : {}),
          ...(res.headers['set-cookie'] !== undefined ? { setCookie: res.headers['set-cookie'] } : {}),
        })
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function rpc(url: string, method: string): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }),
  })
  return ((await res.json()) as { result: string }).result
}

/** A request that would act if it were let through: a publication, a device, a stream, a retry. */
function bodyFor(method: string, path: string): { headers: Record<string, string>; body?: string } {
  if (method === 'get') return { headers: {} }
  if (path === '/datasets' || path === '/mappings/preview') {
    const boundary = 'b0undary'
    const part = (name: string, value: string, file?: string) =>
      `--${boundary}\r\ncontent-disposition: form-data; name="${name}"${file !== undefined ? `; filename="${file}"` : ''}\r\n\r\n${value}\r\n`
    return {
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: `${part('title', 'Forged')}${part('file', 'time,temperature\n2026-01-01T00:00:00Z,21.5\n', 'x.csv')}--${boundary}--\r\n`,
    }
  }
  return { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Forged stream', windowSeconds: 60 }) }
}

describe('operator authorisation (a real node): the node acts for its operator only', function () {
  this.timeout(300_000)
  let dir: string
  let node: AssayNode
  let host: string

  /** Everything a refused request could have changed: chain height, upload folder, streams. */
  async function effects(): Promise<{ block: number; uploads: string[]; streams: number }> {
    const uploads = join(dir, 'node', 'publishing')
    const exists = await stat(uploads).then(
      () => true,
      () => false,
    )
    const streams = (await send(node.url, 'GET', '/streams')).body.streams as unknown[]
    return {
      block: Number(await rpc(node.rpcUrl, 'eth_blockNumber')),
      uploads: exists ? (await readdir(uploads, { recursive: true })).sort() : [],
      streams: streams.length,
    }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-operator-'))
    node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node') }), port: 0 }, () => undefined)
    host = new URL(node.url).host
  })
  after(async () => {
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('keeps the operator token in the data directory, readable by its owner only', async () => {
    const mode = (await stat(join(dir, 'node', 'operator.token'))).mode & 0o777
    expect(mode).to.equal(0o600)
    expect(node.operatorToken).to.match(/^[\w-]{43}$/)
  })

  it('refuses every operator route without the token, with a wrong one, from a foreign Origin and under a rebinding Host, with 0 effects', async () => {
    const before = await effects()
    const outcomes: string[] = []
    for (const [method, pattern] of OPERATOR_ROUTES) {
      const path = pattern.replace(':id', 'pub-1')
      const { headers, body } = bodyFor(method, path)
      const token = operatorHeaders(node.operatorToken)
      const cases: Array<[string, Record<string, string>, number, string]> = [
        ['no token', {}, 401, 'OperatorAuthError'],
        ['wrong token', { authorization: `Bearer ${'x'.repeat(43)}` }, 401, 'OperatorAuthError'],
        ['malformed header', { authorization: node.operatorToken }, 401, 'OperatorAuthError'],
        ['rebinding Host', { ...token, host: 'attacker.example' }, 403, 'ForeignRequestError'],
        ['rebinding Host with port', { ...token, host: `attacker.example:${new URL(node.url).port}` }, 403, 'ForeignRequestError'],
      ]
      // A page elsewhere can only send what a browser sends: state changes carry its Origin.
      if (method === 'post')
        cases.push(
          ['foreign Origin', { ...token, origin: 'http://attacker.example' }, 403, 'ForeignRequestError'],
          ['another port of this host', { ...token, origin: `http://127.0.0.1:1` }, 403, 'ForeignRequestError'],
          ['opaque Origin', { ...token, origin: 'null' }, 403, 'ForeignRequestError'],
          ['Origin that is no URL', { ...token, origin: host }, 403, 'ForeignRequestError'],
          ['cross-site fetch metadata', { ...token, 'sec-fetch-site': 'cross-site' }, 403, 'ForeignRequestError'],
        )
      for (const [what, extra, status, name] of cases) {
        const answer = await send(node.url, method.toUpperCase(), path, { host, ...headers, ...extra }, body)
        outcomes.push(`${method} ${pattern} ${what}: ${answer.status} ${answer.error?.name}`)
        expect([method, pattern, what, answer.status, answer.error?.name]).to.deep.equal([method, pattern, what, status, name])
      }
    }
    expect(outcomes.length).to.equal(OPERATOR_ROUTES.length * 5 + OPERATOR_ROUTES.filter(([m]) => m === 'post').length * 5)
    expect(await effects()).to.deep.equal(before)
  })

  it('lets the operator through: with the token, and from the node’s own origin', async () => {
    const token = operatorHeaders(node.operatorToken)
    const terms = await send(node.url, 'GET', '/devices/registration', { host, ...token })
    expect(terms.status).to.equal(200)
    const preview = bodyFor('post', '/mappings/preview')
    const own = await send(
      node.url,
      'POST',
      '/mappings/preview',
      { host, origin: `http://${host}`, ...token, ...preview.headers },
      preview.body,
    )
    expect(own.status).to.equal(200)
    // The names the node serves: loopback ones by default.
    expect(
      (await send(node.url, 'GET', '/devices/registration', { host: `localhost:${new URL(node.url).port}`, ...token })).status,
    ).to.equal(200)
  })

  it('opens a browser session only for the token: HttpOnly, SameSite=Strict, and it acts as the operator until signed out', async () => {
    const json = { host, 'content-type': 'application/json', origin: `http://${host}` }
    const wrong = await send(node.url, 'POST', '/operator/session', json, JSON.stringify({ token: 'nope' }))
    expect([wrong.status, wrong.error?.name, wrong.setCookie]).to.deep.equal([401, 'OperatorAuthError', undefined])
    const signedIn = await send(node.url, 'POST', '/operator/session', json, JSON.stringify({ token: node.operatorToken }))
    expect(signedIn.status).to.equal(200)
    const cookie = signedIn.setCookie![0]!
    expect(cookie).to.match(/^assay_operator=[\w-]{43}; Max-Age=43200; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Strict$/)
    const session = cookie.split(';')[0]!
    expect((await send(node.url, 'GET', '/operator/session', { host, cookie: session })).body).to.deep.equal({ operator: true })
    expect((await send(node.url, 'GET', '/devices/registration', { host, cookie: session })).status).to.equal(200)
    // The cookie does not carry a cross-site write: the Origin check refuses it first.
    const crossSite = await send(node.url, 'POST', '/streams', {
      host,
      cookie: session,
      origin: 'http://attacker.example',
      ...bodyFor('post', '/streams').headers,
    })
    expect([crossSite.status, crossSite.error?.name]).to.deep.equal([403, 'ForeignRequestError'])
    await send(node.url, 'DELETE', '/operator/session', { host, cookie: session, origin: `http://${host}` })
    expect((await send(node.url, 'GET', '/devices/registration', { host, cookie: session })).status).to.equal(401)
    expect((await send(node.url, 'GET', '/operator/session', { host, cookie: session })).body).to.deep.equal({ operator: false })
  })

  it('keeps buyers’ routes open, and tells anonymous callers of /health only what is up', async () => {
    expect((await send(node.url, 'GET', '/datasets', { host })).status).to.equal(200)
    expect((await send(node.url, 'GET', '/deployment', { host })).status).to.equal(200)
    // Device readings are signed by their devices, not the operator: refused for what they are, not for auth.
    const readings = await send(node.url, 'POST', '/streams/1/readings', { host, 'content-type': 'application/x-ndjson' }, '{}')
    expect(readings.error?.name).to.equal('UnknownStreamError')
    const anonymous = (await send(node.url, 'GET', '/health', { host })).body as { services: Record<string, { detail: object }> }
    for (const s of Object.values(anonymous.services)) expect(s.detail).to.deep.equal({})
    const operator = (await send(node.url, 'GET', '/health', { host, ...operatorHeaders(node.operatorToken) })).body as {
      services: Record<string, { detail: object }>
    }
    expect(Object.values(operator.services).some((s) => Object.keys(s.detail).length > 0)).to.equal(true)
    // A key is proof of nothing without its device's signature over this node's terms: refused by the route, not auth.
    const key = await createDeviceKey()
    const device = await send(
      node.url,
      'POST',
      '/devices',
      { host, ...operatorHeaders(node.operatorToken), 'content-type': 'application/json' },
      JSON.stringify({ publicKey: { x: key.Ax.toString(), y: key.Ay.toString() } }),
    )
    expect(device.status).to.equal(400)
  })
})
