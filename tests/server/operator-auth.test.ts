import { once } from 'node:events'
import { request as httpRequest } from 'node:http'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { HDNodeWallet, Wallet } from 'ethers'
import { startNode, type AssayNode } from '../../cli/index.js'
import { createDeviceKey } from '../../circuits/index.js'
import { ConfigError, DEV_MNEMONIC, formatSiweMessage, loadConfig, type SiweMessage } from '../../core/index.js'
import { createApp, createOperatorAuth, createRateLimit, createSiweVerifier, OPERATOR_ROUTES } from '../../server/index.js'
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
      body: `${path === '/datasets' ? part('title', 'Forged') : ''}${part('file', 'time,temperature\n2026-01-01T00:00:00Z,21.5\n', 'x.csv')}--${boundary}--\r\n`,
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

  it('marks the session cookie Secure and __Host- when the page is on HTTPS (behind a TLS proxy), so it never travels over plain HTTP', async () => {
    const json = { host, 'content-type': 'application/json', origin: `https://${host}` }
    const signedIn = await send(node.url, 'POST', '/operator/session', json, JSON.stringify({ token: node.operatorToken }))
    const cookie = signedIn.setCookie![0]!
    expect(cookie).to.match(/^__Host-assay_operator=[\w-]{43}; Max-Age=43200; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Strict$/)
    const session = cookie.split(';')[0]!
    expect((await send(node.url, 'GET', '/devices/registration', { host, cookie: session })).status).to.equal(200)
    await send(node.url, 'DELETE', '/operator/session', { host, cookie: session, origin: `https://${host}` })
    expect((await send(node.url, 'GET', '/devices/registration', { host, cookie: session })).status).to.equal(401)
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

describe('operator wallet sign-in (a real node): Sign-In with Ethereum, EIP-4361', function () {
  this.timeout(300_000)
  const deployer = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/0")
  const dirs: string[] = []
  let node: AssayNode
  let host: string

  async function start(env: Record<string, string> = {}): Promise<AssayNode> {
    const dir = await mkdtemp(join(tmpdir(), 'assay-siwe-'))
    dirs.push(dir)
    return startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node'), ...env }), port: 0 }, () => undefined)
  }

  /** A message for `at`'s node from its nonce, signed by `signer`; `fields` overrides any part. */
  async function signIn(
    at: AssayNode,
    signer: Pick<Wallet, 'address' | 'signMessage'>,
    fields: Partial<SiweMessage> = {},
  ): Promise<{ message: string; signature: string }> {
    const h = new URL(at.url).host
    const { nonce, issuedAt } = (await send(at.url, 'GET', '/operator/siwe', { host: h })).body as { nonce: string; issuedAt: string }
    const message = formatSiweMessage({
      domain: h,
      address: signer.address,
      statement: 'Sign in as the operator of this Assay node.',
      uri: `http://${h}/#/sell`,
      version: '1',
      chainId: 31337,
      nonce,
      issuedAt,
      ...fields,
    })
    return { message, signature: await signer.signMessage(message) }
  }

  /** POST /operator/session from `at`'s own page; a header given as null is left out. */
  const post = (at: AssayNode, body: unknown, headers: Record<string, string | null> = {}): Promise<Answer> => {
    const h = new URL(at.url).host
    const all: Record<string, string | null> = { host: h, origin: `http://${h}`, 'content-type': 'application/json', ...headers }
    const sent = Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== null))
    return send(at.url, 'POST', '/operator/session', sent, JSON.stringify(body))
  }

  before(async () => {
    // The deployer is anvil's account 0, whose key is public: it signs in only when named explicitly.
    node = await start({ ASSAY_OPERATOR_ADDRESS: deployer.address })
    host = new URL(node.url).host
  })
  after(async () => {
    await node?.stop()
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })

  it('hands anyone a fresh nonce with what the message must name, never cached, and not the operator’s address', async () => {
    const a = await send(node.url, 'GET', '/operator/siwe', { host })
    const b = await send(node.url, 'GET', '/operator/siwe', { host })
    expect(a.status).to.equal(200)
    expect(Object.keys(a.body).sort()).to.deep.equal(['chainId', 'domain', 'expiresAt', 'issuedAt', 'nonce', 'version'])
    expect(a.body).to.include({ domain: host, chainId: 31337, version: '1' })
    expect(a.body.nonce).to.match(/^[0-9a-f]{56}$/)
    expect(a.body.nonce).to.not.equal(b.body.nonce)
    expect(Date.parse(a.body.expiresAt as string) - Date.parse(a.body.issuedAt as string)).to.be.within(299_000, 300_000)
    expect(JSON.stringify(a.body).toLowerCase()).to.not.contain(deployer.address.slice(2).toLowerCase())
    const raw = await fetch(new URL('/operator/siwe', node.url))
    expect(raw.headers.get('cache-control')).to.equal('no-store')
    // A rebinding page cannot fetch one: the Host check applies to this route too.
    const rebound = await send(node.url, 'GET', '/operator/siwe', { host: 'attacker.example' })
    expect([rebound.status, rebound.error?.name]).to.deep.equal([403, 'ForeignRequestError'])
  })

  it('opens a session for a message the operator’s wallet (ASSAY_OPERATOR_ADDRESS) signed, and it lets an operator route through', async () => {
    const anonymous = await send(node.url, 'GET', '/devices/registration', { host })
    expect(anonymous.status).to.equal(401)
    const signed = await post(node, await signIn(node, deployer))
    expect([signed.status, signed.body]).to.deep.equal([200, { operator: true }])
    const cookie = signed.setCookie![0]!
    expect(cookie).to.match(/^assay_operator=[\w-]{43}; Max-Age=43200; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Strict$/)
    const session = cookie.split(';')[0]!
    expect((await send(node.url, 'GET', '/devices/registration', { host, cookie: session })).status).to.equal(200)
    expect((await send(node.url, 'GET', '/operator/session', { host, cookie: session })).body).to.deep.equal({ operator: true })
    // The same without Origin (a script): its URI names the node's host.
    const script = await signIn(node, deployer)
    expect((await post(node, script, { origin: null })).status).to.equal(200)
  })

  it('refuses every forged or replayed sign-in with 401 SiweError (403 for a foreign page), and opens no session', async () => {
    const stranger = Wallet.createRandom()
    const replayed = await signIn(node, deployer)
    expect((await post(node, replayed)).status).to.equal(200)
    const good = await signIn(node, deployer)
    const tampered = good.message.replace('Sign in as the operator', 'Sign in as the owner')
    const old = new Date(Date.now() - 3_600_000).toISOString()
    const lower = await signIn(node, { address: deployer.address.toLowerCase(), signMessage: (m) => deployer.signMessage(m) })
    const cases: Array<[string, () => Promise<Answer>, number, string, RegExp]> = [
      ['another account', () => signIn(node, stranger).then((b) => post(node, b)), 401, 'SiweError', /is not this node's operator/],
      [
        'the operator’s address, another key',
        () => signIn(node, { address: deployer.address, signMessage: (m) => stranger.signMessage(m) }).then((b) => post(node, b)),
        401,
        'SiweError',
        /signature is not/,
      ],
      ['a replayed message', () => post(node, replayed), 401, 'SiweError', /nonce was used already/],
      [
        'a nonce the node never issued',
        () => signIn(node, deployer, { nonce: 'a'.repeat(56) }).then((b) => post(node, b)),
        401,
        'SiweError',
        /not issued by this node/,
      ],
      [
        'another domain',
        () => signIn(node, deployer, { domain: 'attacker.example' }).then((b) => post(node, b)),
        401,
        'SiweError',
        /is for attacker.example/,
      ],
      [
        'another port',
        () => signIn(node, deployer, { domain: '127.0.0.1:1' }).then((b) => post(node, b)),
        401,
        'SiweError',
        /is for 127.0.0.1:1/,
      ],
      [
        'another URI',
        () => signIn(node, deployer, { uri: 'http://attacker.example/' }).then((b) => post(node, b)),
        401,
        'SiweError',
        /URI .* is not this node's origin/,
      ],
      [
        'another chain',
        () => signIn(node, deployer, { chainId: 1 }).then((b) => post(node, b)),
        401,
        'SiweError',
        /for chain 1; this node is on chain 31337/,
      ],
      ['a message changed after signing', () => post(node, { ...good, message: tampered }), 401, 'SiweError', /signature is not/],
      [
        'an expired message',
        () => signIn(node, deployer, { expirationTime: old }).then((b) => post(node, b)),
        401,
        'SiweError',
        /expired at/,
      ],
      [
        'a message issued an hour ago',
        () => signIn(node, deployer, { issuedAt: old }).then((b) => post(node, b)),
        401,
        'SiweError',
        /issued too long ago/,
      ],
      [
        'a malformed message',
        () => post(node, { message: good.message.replace('\n\n', '\n'), signature: good.signature }),
        401,
        'SiweError',
        /not a sign-in message: line 3/,
      ],
      ['an address not checksummed', () => post(node, lower), 401, 'SiweError', /not EIP-55 checksummed/],
      ['no signature', () => post(node, { message: good.message }), 401, 'OperatorAuthError', /send \{token\} or \{message, signature\}/],
      ['a token and a message', () => post(node, { ...good, token: node.operatorToken }), 401, 'OperatorAuthError', /send \{token\} or/],
      ['a foreign page', () => post(node, good, { origin: 'http://attacker.example' }), 403, 'ForeignRequestError', /refused/],
      ['a rebinding Host', () => post(node, good, { host: 'attacker.example' }), 403, 'ForeignRequestError', /not one this node serves/],
    ]
    for (const [what, answer, status, name, message] of cases) {
      const a = await answer()
      expect([what, a.status, a.error?.name, a.setCookie]).to.deep.equal([what, status, name, undefined])
      expect(a.error?.message, what).to.match(message)
    }
    // Nothing above spent the last nonce: the operator's own message still signs in.
    expect((await post(node, good)).status).to.equal(200)
  })

  it('never promotes a cookie planted before sign-in, ends the browser’s previous session, and ends no later than the message', async () => {
    const planted = 'assay_operator=chosen-by-the-attacker-000000000000000000000000'
    const first = await post(node, await signIn(node, deployer), { cookie: planted })
    const session = first.setCookie![0]!.split(';')[0]!
    expect(session).to.not.equal(planted)
    expect((await send(node.url, 'GET', '/operator/session', { host, cookie: planted })).body).to.deep.equal({ operator: false })
    const second = await post(node, await signIn(node, deployer), { cookie: session })
    expect((await send(node.url, 'GET', '/operator/session', { host, cookie: session })).body).to.deep.equal({ operator: false })
    expect(second.setCookie![0]).to.match(/Max-Age=43200;/)
    const short = await post(node, await signIn(node, deployer, { expirationTime: new Date(Date.now() + 60_000).toISOString() }))
    expect(Number(/Max-Age=(\d+);/.exec(short.setCookie![0]!)![1])).to.be.within(58, 60)
  })

  it('lets in ASSAY_OPERATOR_ADDRESS instead of the node’s account, even on a node others can reach', async () => {
    const operator = Wallet.createRandom()
    const other = await start({ ASSAY_OPERATOR_ADDRESS: operator.address, ASSAY_ALLOWED_HOSTS: 'assay.example.org' })
    try {
      const deployerTry = await post(other, await signIn(other, deployer))
      expect([deployerTry.status, deployerTry.error?.name, deployerTry.setCookie]).to.deep.equal([401, 'SiweError', undefined])
      expect((await post(other, await signIn(other, operator))).status).to.equal(200)
    } finally {
      await other.stop()
    }
  })

  it('turns wallet sign-in off where the node’s account is one of anvil’s public development accounts, even on a loopback-only node; the token still works', async () => {
    for (const env of [{}, { ASSAY_ALLOWED_HOSTS: 'assay.example.org' }] as Record<string, string>[]) {
      const devNode = await start(env)
      try {
        const h = new URL(devNode.url).host
        const nonce = await send(devNode.url, 'GET', '/operator/siwe', { host: h })
        expect([nonce.status, nonce.error?.name, nonce.error?.message]).to.deep.equal([
          401,
          'SiweError',
          'wallet sign-in is off on this node (set ASSAY_OPERATOR_ADDRESS): sign in with the operator token',
        ])
        // Anyone holds the deployer's key: a message it signed (with another node's nonce) opens nothing.
        const forged = await post(devNode, await signIn(node, deployer))
        expect([forged.status, forged.error?.name, forged.setCookie]).to.deep.equal([401, 'SiweError', undefined])
        expect((await post(devNode, { token: devNode.operatorToken })).status).to.equal(200)
      } finally {
        await devNode.stop()
      }
    }
  })

  it('refuses to start with an ASSAY_OPERATOR_ADDRESS whose checksum is wrong, or that is no address', async () => {
    const address = Wallet.createRandom().address
    const flipped = address.slice(0, 2) + [...address.slice(2)].map((c) => (/[a-f]/.test(c) ? c.toUpperCase() : c.toLowerCase())).join('')
    const err = await start({ ASSAY_OPERATOR_ADDRESS: flipped }).then(
      () => undefined,
      (e: unknown) => e as ConfigError,
    )
    expect([err?.name, err?.variable]).to.deep.equal(['ConfigError', 'ASSAY_OPERATOR_ADDRESS'])
    expect(() => loadConfig({ ASSAY_OPERATOR_ADDRESS: 'vitalik.eth' })).to.throw(ConfigError, /ASSAY_OPERATOR_ADDRESS: must be an address/)
    expect(loadConfig({ ASSAY_OPERATOR_ADDRESS: address.toLowerCase() }).operatorAddress).to.equal(address.toLowerCase())
  })
})

describe('operator sign-in routes', () => {
  it('hand out nonces and take sign-ins at the sign-in rate limit', async () => {
    const auth = createOperatorAuth({
      token: 't'.repeat(40),
      siwe: createSiweVerifier({ address: HDNodeWallet.fromPhrase(DEV_MNEMONIC).address, chainId: 31337 }),
      signInRateLimit: createRateLimit({ perMinute: 2, exemptLoopback: false }),
    })
    const server = createApp({ auth, checkHealth: () => Promise.resolve({ ok: true, services: {} }), logError: () => {} }).listen(
      0,
      '127.0.0.1',
    )
    await once(server, 'listening')
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const host = new URL(url).host
      const nonce = await send(url, 'GET', '/operator/siwe', { host })
      const token = await send(
        url,
        'POST',
        '/operator/session',
        { host, 'content-type': 'application/json' },
        JSON.stringify({ token: 'nope' }),
      )
      const third = await send(url, 'GET', '/operator/siwe', { host })
      expect([nonce.status, token.status, third.status, third.error?.name]).to.deep.equal([200, 401, 429, 'RateLimitedError'])
    } finally {
      server.close()
    }
  })
})
