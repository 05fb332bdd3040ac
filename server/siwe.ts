import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { getAddress, verifyMessage } from 'ethers'
import { parseSiweMessage, SiweError, siweTime, type SiweMessage } from '../core/index.js'

export interface SiweVerifierOptions {
  /** The operator's address: the only account let in. */
  address: string
  /** The node's chain: a message for another chain is refused. */
  chainId: number
  /** How long an issued nonce can be used, in seconds (default 300). */
  nonceSeconds?: number
  /** How far the signer's clock may be from the node's, in seconds, for Issued At (default 60). */
  skewSeconds?: number
  /** Spent nonces remembered at once (until they expire); beyond that, sign-ins wait (default 1024). */
  maxSpentNonces?: number
  /** Milliseconds now (tests move it). */
  now?: () => number
  /** Key the nonces are authenticated with (default: 32 random bytes, so a restart forgets every nonce). */
  secret?: Uint8Array
}

/** What the node expects of a message, from the request that carries it. */
export interface SiweExpectations {
  /** The request's Host header: the domain the browser showed (host and port). */
  host: string
  /** The request's Origin header, when it has one (a browser's POST does). */
  origin?: string
}

/** A nonce to sign, with the node's clock for Issued At. */
export interface SiweNonce {
  nonce: string
  issuedAt: string
  /** After this, the nonce is refused. */
  expiresAt: string
}

export interface SiweVerifier {
  /** The chain messages must name. */
  readonly chainId: number
  /** A fresh nonce. Stateless (authenticated, timestamped), so issuing them costs no memory. */
  issueNonce(): SiweNonce
  /**
   * Checks a signed message against the node's expectations and spends its nonce; the cheap
   * checks run first, the signature last, the nonce is spent only when every check passed.
   *
   * @throws {SiweError} naming the first check that failed; nothing is spent then.
   */
  verify(message: string, signature: string, expected: SiweExpectations): SiweMessage
}

// A nonce: 8 random bytes, 4 bytes of issue time (unix seconds) and a 16-byte MAC of both, in hex.
const NONCE_HEX = /^[0-9a-f]{56}$/
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/

/** The origin of a URL, or undefined for text that is none. */
function originOf(text: string): string | undefined {
  try {
    return new URL(text).origin
  } catch {
    return undefined
  }
}

/**
 * Sign-In with Ethereum (EIP-4361) for the node's operator. The message must name the request's
 * Host as its domain, the page's origin as its URI, the node's chain, a nonce this verifier issued
 * in the last `nonceSeconds` and never spent, a current Issued At, and be signed by `address`.
 *
 * Nonces are authenticated with a secret and carry their issue time, so the node stores nothing
 * when it hands one out (a flood of requests cannot push the operator's nonce out of a store);
 * only spent nonces are kept, until they expire.
 */
export function createSiweVerifier(options: SiweVerifierOptions): SiweVerifier {
  const operator = getAddress(options.address)
  const chainId = options.chainId
  const nonceMs = (options.nonceSeconds ?? 300) * 1000
  const skewMs = (options.skewSeconds ?? 60) * 1000
  const maxSpent = options.maxSpentNonces ?? 1024
  const now = options.now ?? Date.now
  const secret = options.secret ?? randomBytes(32)
  /** Spent nonces → when they expire (ms); forgotten after that, when an expired nonce is refused anyway. */
  const spent = new Map<string, number>()

  const mac = (body: Buffer): Buffer => createHmac('sha256', secret).update(body).digest().subarray(0, 16)

  function issueNonce(): SiweNonce {
    const t = now()
    const body = Buffer.alloc(12)
    randomBytes(8).copy(body)
    body.writeUInt32BE(Math.floor(t / 1000), 8)
    return {
      nonce: Buffer.concat([body, mac(body)]).toString('hex'),
      issuedAt: new Date(t).toISOString(),
      expiresAt: new Date(Math.floor(t / 1000) * 1000 + nonceMs).toISOString(),
    }
  }

  /** When the nonce expires (ms); throws when it is not one of ours, or spent, or expired. */
  function checkNonce(nonce: string, t: number): number {
    const bytes = NONCE_HEX.test(nonce) ? Buffer.from(nonce, 'hex') : undefined
    if (bytes === undefined || !timingSafeEqual(mac(bytes.subarray(0, 12)), bytes.subarray(12)))
      throw new SiweError('nonce-unknown', 'the nonce was not issued by this node (or the node restarted since): ask for a new one')
    const expires = bytes.readUInt32BE(8) * 1000 + nonceMs
    if (expires <= t) throw new SiweError('nonce-expired', 'the nonce expired: ask for a new one')
    if (spent.has(nonce)) throw new SiweError('nonce-used', 'the nonce was used already: each sign-in needs a new one')
    return expires
  }

  function checkOrigin(m: SiweMessage, expected: SiweExpectations): void {
    if (m.domain.toLowerCase() !== expected.host.toLowerCase())
      throw new SiweError('domain', `the message is for ${m.domain}, not for ${expected.host}`)
    const uri = new URL(m.uri)
    // A browser names the page's origin; without one (a script), the node's host under either
    // scheme (a TLS proxy may stand in front of it).
    const allowed =
      expected.origin !== undefined
        ? [originOf(expected.origin)]
        : [originOf(`http://${expected.host}`), originOf(`https://${expected.host}`)]
    if (uri.origin === 'null' || !allowed.includes(uri.origin))
      throw new SiweError('uri', `the message's URI ${m.uri} is not this node's origin`)
    if (m.scheme !== undefined && `${m.scheme.toLowerCase()}:` !== uri.protocol)
      throw new SiweError('uri', `the message's scheme ${m.scheme} is not its URI's`)
  }

  function checkTimes(m: SiweMessage, t: number): void {
    const issued = siweTime(m.issuedAt)!
    if (issued > t + skewMs) throw new SiweError('issued-at', `the message was issued in the future (${m.issuedAt})`)
    if (issued < t - nonceMs - skewMs) throw new SiweError('issued-at', `the message was issued too long ago (${m.issuedAt})`)
    if (m.expirationTime !== undefined && siweTime(m.expirationTime)! <= t)
      throw new SiweError('expired', `the message expired at ${m.expirationTime}`)
    if (m.notBefore !== undefined && siweTime(m.notBefore)! > t)
      throw new SiweError('not-yet-valid', `the message is not valid before ${m.notBefore}`)
  }

  function verify(message: string, signature: string, expected: SiweExpectations): SiweMessage {
    const m = parseSiweMessage(message)
    if (getAddress(m.address.toLowerCase()) !== m.address)
      throw new SiweError('malformed', `not a sign-in message: the address ${m.address} is not EIP-55 checksummed`)
    checkOrigin(m, expected)
    if (m.chainId !== chainId) throw new SiweError('chain', `the message is for chain ${m.chainId}; this node is on chain ${chainId}`)
    const t = now()
    checkTimes(m, t)
    const expires = checkNonce(m.nonce, t)
    if (m.address !== operator)
      throw new SiweError('address', `${m.address} is not this node's operator: sign in with the operator's account`)
    let signer: string
    try {
      if (!SIGNATURE.test(signature)) throw new Error('not 0x and 65 bytes in hex')
      signer = verifyMessage(message, signature)
    } catch (err) {
      throw new SiweError('signature', 'the signature is malformed', { cause: err })
    }
    if (signer !== m.address) throw new SiweError('signature', `the signature is not ${m.address}'s`)
    for (const [n, e] of spent) if (e <= t) spent.delete(n)
    if (spent.size >= maxSpent) throw new SiweError('busy', 'too many sign-ins in the last minutes: try again shortly')
    spent.set(m.nonce, expires)
    return m
  }

  return { chainId, issueNonce, verify }
}
