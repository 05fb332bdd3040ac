import { expect } from 'chai'
import { Wallet } from 'ethers'
import { formatSiweMessage, parseSiweMessage, SiweError, type SiweMessage, type SiweRefusal } from '../../core/index.js'
import { createSiweVerifier, type SiweVerifier } from '../../server/index.js'

const operator = new Wallet(`0x${'42'.repeat(32)}`)
const stranger = new Wallet(`0x${'17'.repeat(32)}`)
const HOST = '127.0.0.1:7420'
const ORIGIN = `http://${HOST}`
const CHAIN = 31337
const T0 = Date.parse('2026-03-01T12:00:00.000Z')

/** The SiweError a call throws, or a failure when it throws nothing (or something else). */
function refusal(call: () => unknown): SiweError {
  try {
    call()
  } catch (err) {
    expect(err).to.be.instanceOf(SiweError)
    return err as SiweError
  }
  throw new Error('expected a SiweError')
}

describe('Sign-In with Ethereum messages (EIP-4361)', () => {
  const full: SiweMessage = {
    domain: 'assay.example.org',
    address: operator.address,
    statement: 'Sign in as the operator of this Assay node.',
    uri: 'https://assay.example.org/#/sell',
    version: '1',
    chainId: 1,
    nonce: 'a1b2c3d4e5f6',
    issuedAt: '2026-03-01T12:00:00.000Z',
    expirationTime: '2026-03-01T12:05:00Z',
    notBefore: '2026-03-01T11:59:00+01:00',
    requestId: 'req-1',
    resources: ['ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', 'https://assay.example.org/terms'],
  }

  it('reads every field of a message in the EIP-4361 layout and writes it back byte for byte', () => {
    const text = formatSiweMessage(full)
    expect(text).to.equal(
      [
        'assay.example.org wants you to sign in with your Ethereum account:',
        operator.address,
        '',
        'Sign in as the operator of this Assay node.',
        '',
        'URI: https://assay.example.org/#/sell',
        'Version: 1',
        'Chain ID: 1',
        'Nonce: a1b2c3d4e5f6',
        'Issued At: 2026-03-01T12:00:00.000Z',
        'Expiration Time: 2026-03-01T12:05:00Z',
        'Not Before: 2026-03-01T11:59:00+01:00',
        'Request ID: req-1',
        'Resources:',
        '- ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi',
        '- https://assay.example.org/terms',
      ].join('\n'),
    )
    expect(parseSiweMessage(text)).to.deep.equal(full)
  })

  it('reads a message without a statement (address, two empty lines, URI) and one with a scheme before the domain', () => {
    const { statement: _, ...bare } = full
    const text = formatSiweMessage(bare)
    expect(text.split('\n').slice(1, 5)).to.deep.equal([operator.address, '', '', 'URI: https://assay.example.org/#/sell'])
    expect(parseSiweMessage(text)).to.deep.equal(bare)
    const schemed = { ...full, scheme: 'https' }
    expect(parseSiweMessage(formatSiweMessage(schemed))).to.deep.equal(schemed)
  })

  it('refuses every departure from the layout as malformed, naming the line', () => {
    const text = formatSiweMessage(full)
    const lines = text.split('\n')
    const swap = (i: number, line: string | null): string =>
      lines.flatMap((l, j) => (j !== i ? [l] : line === null ? [] : [line])).join('\n')
    const cases: Array<[string, string, RegExp]> = [
      ['an empty text', '', /line 1 must end with/],
      ['another header', swap(0, 'assay.example.org asks you to sign in with your Ethereum account:'), /line 1/],
      ['a domain with userinfo', swap(0, 'user@assay.example.org wants you to sign in with your Ethereum account:'), /invalid domain/],
      ['a domain with a path', swap(0, 'assay.example.org/x wants you to sign in with your Ethereum account:'), /invalid domain/],
      ['a short address', swap(1, operator.address.slice(0, 41)), /line 2 must be the address/],
      ['an address without 0x', swap(1, operator.address.slice(2)), /line 2/],
      ['no empty line after the address', swap(2, null), /line 3 must be empty/],
      ['a statement with a line break in it', swap(3, 'Sign in\r'), /line 4 must be a statement/],
      ['no empty line after the statement', swap(4, null), /line 5 must be empty/],
      ['a missing URI', swap(5, null), /line 6 must start with "URI: "/],
      ['a relative URI', swap(5, 'URI: /#/sell'), /invalid URI/],
      ['a URI with a space', swap(5, 'URI: https://assay.example.org/ x'), /invalid URI/],
      ['version 2', swap(6, 'Version: 2'), /invalid Version/],
      ['a chain id with a leading zero', swap(7, 'Chain ID: 01'), /invalid Chain ID/],
      ['a chain id that is no number', swap(7, 'Chain ID: one'), /invalid Chain ID/],
      ['a nonce of 7 characters', swap(8, 'Nonce: abc1234'), /invalid Nonce/],
      ['a nonce with a dash', swap(8, 'Nonce: abcd-1234'), /invalid Nonce/],
      ['an Issued At that is no date', swap(9, 'Issued At: yesterday'), /invalid Issued At/],
      ['an Issued At on 31 February', swap(9, 'Issued At: 2026-02-31T12:00:00Z'), /invalid Issued At/],
      ['an Issued At without a zone', swap(9, 'Issued At: 2026-03-01T12:00:00'), /invalid Issued At/],
      [
        'fields out of order',
        swap(10, null).replace('Request ID: req-1', 'Request ID: req-1\nExpiration Time: 2026-03-01T12:05:00Z'),
        /line 13/,
      ],
      ['an unknown field', `${text}\nColour: blue`, /line 17 is not a field/],
      ['a trailing line break', `${text}\n`, /line 17/],
      ['CRLF line ends', text.replaceAll('\n', '\r\n'), /line 1/],
      ['a resource that is no URI', `${text}\n- not a uri`, /invalid resource/],
      ['8 KiB of text', `${text}${'x'.repeat(8192)}`, /longer than 4096/],
    ]
    for (const [what, message, why] of cases) {
      const err = refusal(() => parseSiweMessage(message))
      expect([what, err.reason]).to.deep.equal([what, 'malformed'])
      expect(err.message, what).to.match(why)
    }
  })
})

describe('createSiweVerifier', () => {
  let clock: number
  let siwe: SiweVerifier

  beforeEach(() => {
    clock = T0
    siwe = createSiweVerifier({ address: operator.address, chainId: CHAIN, now: () => clock })
  })

  /** A message for this node with a fresh nonce; `fields` overrides any part. */
  const messageFor = (fields: Partial<SiweMessage> = {}): string => {
    const { nonce, issuedAt } = siwe.issueNonce()
    return formatSiweMessage({
      domain: HOST,
      address: operator.address,
      statement: 'Sign in as the operator of this Assay node.',
      uri: `${ORIGIN}/`,
      version: '1',
      chainId: CHAIN,
      nonce,
      issuedAt,
      ...fields,
    })
  }
  const expected = { host: HOST, origin: ORIGIN }
  /** Why the node refuses `message` signed by the operator. */
  const refused = async (message: string): Promise<SiweRefusal> => {
    const signature = await operator.signMessage(message)
    return refusal(() => siwe.verify(message, signature, expected)).reason
  }

  it('issues nonces of 56 hex digits, each different, expiring after 5 minutes', () => {
    const a = siwe.issueNonce()
    const b = siwe.issueNonce()
    expect(a.nonce).to.match(/^[0-9a-f]{56}$/)
    expect(a.nonce).to.not.equal(b.nonce)
    expect([a.issuedAt, a.expiresAt]).to.deep.equal(['2026-03-01T12:00:00.000Z', '2026-03-01T12:05:00.000Z'])
  })

  it('accepts a message signed by the operator for this host, origin and chain, once', async () => {
    const message = messageFor()
    const signature = await operator.signMessage(message)
    expect(siwe.verify(message, signature, expected)).to.deep.include({ address: operator.address, chainId: CHAIN })
    // Replayed: the nonce was spent.
    expect(refusal(() => siwe.verify(message, signature, expected)).reason).to.equal('nonce-used')
  })

  it('accepts a message without Origin (a script) for the host under http or https', async () => {
    const secure = messageFor({ uri: `https://${HOST}/` })
    expect(siwe.verify(secure, await operator.signMessage(secure), { host: HOST }).uri).to.equal(`https://${HOST}/`)
    const plain = messageFor()
    expect(siwe.verify(plain, await operator.signMessage(plain), { host: HOST }).uri).to.equal(`${ORIGIN}/`)
  })

  it('refuses each forgery by name, and spends no nonce on a refusal', async () => {
    const message = messageFor()
    const signature = await operator.signMessage(message)
    const other = messageFor({ address: stranger.address })
    const cases: Array<[string, () => unknown, SiweRefusal]> = [
      ['another account signs as itself', () => siwe.verify(other, stranger.signMessageSync(other), expected), 'address'],
      ['another account signs as the operator', () => siwe.verify(message, stranger.signMessageSync(message), expected), 'signature'],
      [
        'the message is changed after signing',
        () => siwe.verify(message.replace('this Assay node', 'that Assay node'), signature, expected),
        'signature',
      ],
      ['the signature is cut short', () => siwe.verify(message, signature.slice(0, 100), expected), 'signature'],
      ['the signature is no hex', () => siwe.verify(message, `0x${'zz'.repeat(65)}`, expected), 'signature'],
      [
        'the page is on another host',
        () => siwe.verify(message, signature, { host: 'attacker.example', origin: 'http://attacker.example' }),
        'domain',
      ],
      [
        'the page is on another port',
        () => siwe.verify(message, signature, { host: '127.0.0.1:7421', origin: 'http://127.0.0.1:7421' }),
        'domain',
      ],
      ['the Origin is another scheme', () => siwe.verify(message, signature, { host: HOST, origin: `https://${HOST}` }), 'uri'],
    ]
    for (const [what, call, reason] of cases) expect([what, refusal(call).reason]).to.deep.equal([what, reason])
    // None of them spent the nonce: the operator's own request still goes through.
    expect(siwe.verify(message, signature, expected).nonce).to.equal(parseSiweMessage(message).nonce)
  })

  it('refuses a message for another domain, origin or chain even when the operator signed it', async () => {
    expect(await refused(messageFor({ domain: 'attacker.example' }))).to.equal('domain')
    expect(await refused(messageFor({ domain: '127.0.0.1:7421' }))).to.equal('domain')
    expect(await refused(messageFor({ uri: 'http://attacker.example/' }))).to.equal('uri')
    expect(await refused(messageFor({ uri: 'http://127.0.0.1:7421/' }))).to.equal('uri')
    expect(await refused(messageFor({ uri: 'urn:assay:node' }))).to.equal('uri')
    expect(await refused(messageFor({ scheme: 'https' }))).to.equal('uri')
    expect(await refused(messageFor({ chainId: 1 }))).to.equal('chain')
  })

  it('refuses nonces it did not issue, issued by another node, or issued more than 5 minutes ago', async () => {
    expect(await refused(messageFor({ nonce: 'abcdefgh12345678' }))).to.equal('nonce-unknown')
    const elsewhere = createSiweVerifier({ address: operator.address, chainId: CHAIN, now: () => clock }).issueNonce().nonce
    expect(await refused(messageFor({ nonce: elsewhere }))).to.equal('nonce-unknown')
    // A nonce whose issue time was moved forward loses its MAC.
    const { nonce } = siwe.issueNonce()
    const later = nonce.slice(0, 16) + (parseInt(nonce.slice(16, 24), 16) + 600).toString(16).padStart(8, '0') + nonce.slice(24)
    expect(await refused(messageFor({ nonce: later }))).to.equal('nonce-unknown')
    const stale = messageFor()
    clock += 300_000
    expect(await refused(stale.replace(/Issued At: .*/, `Issued At: ${new Date(clock).toISOString()}`))).to.equal('nonce-expired')
  })

  it('refuses a message issued too far from the node’s clock, expired, or not valid yet', async () => {
    const at = (ms: number): string => new Date(T0 + ms).toISOString()
    expect(await refused(messageFor({ issuedAt: at(61_000) }))).to.equal('issued-at')
    expect(await refused(messageFor({ issuedAt: at(-361_000) }))).to.equal('issued-at')
    expect(await refused(messageFor({ expirationTime: at(0) }))).to.equal('expired')
    expect(await refused(messageFor({ notBefore: at(1_000) }))).to.equal('not-yet-valid')
    // Within the tolerated skew, and inside its validity window: let in.
    const fine = messageFor({ issuedAt: at(59_000), expirationTime: at(1_000), notBefore: at(0) })
    expect(siwe.verify(fine, await operator.signMessage(fine), expected).expirationTime).to.equal(at(1_000))
  })

  it('refuses an address that is not EIP-55 checksummed, though it is the operator’s', () => {
    const lower = messageFor({ address: operator.address.toLowerCase() })
    const err = refusal(() => siwe.verify(lower, operator.signMessageSync(lower), expected))
    expect([err.reason, err.message]).to.deep.equal([
      'malformed',
      `not a sign-in message: the address ${operator.address.toLowerCase()} is not EIP-55 checksummed`,
    ])
  })

  it('remembers at most maxSpentNonces spent nonces until they expire, and waits rather than forget one', async () => {
    siwe = createSiweVerifier({ address: operator.address, chainId: CHAIN, now: () => clock, maxSpentNonces: 2 })
    for (let i = 0; i < 2; i++) {
      const m = messageFor()
      siwe.verify(m, await operator.signMessage(m), expected)
    }
    const third = messageFor()
    expect(await refused(third)).to.equal('busy')
    clock += 301_000
    const fourth = messageFor()
    expect(siwe.verify(fourth, await operator.signMessage(fourth), expected).address).to.equal(operator.address)
  })
})
