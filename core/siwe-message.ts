import { AssayError } from './errors.js'

/**
 * A Sign-In with Ethereum message (EIP-4361). Times are kept as the RFC 3339 text that was signed,
 * so `formatSiweMessage(parseSiweMessage(text)) === text`.
 */
export interface SiweMessage {
  /** The URI scheme written before the domain, when the message names one (`https`). */
  scheme?: string
  /** The authority asking for the sign-in: host and port, as the browser shows them. */
  domain: string
  /** The account signing in, EIP-55 checksummed. */
  address: string
  /** A line for the person signing; no line breaks. */
  statement?: string
  /** The resource the sign-in is for (the node's origin). */
  uri: string
  version: '1'
  chainId: number
  /** At least 8 letters and digits, chosen by the node. */
  nonce: string
  issuedAt: string
  expirationTime?: string
  notBefore?: string
  requestId?: string
  resources?: string[]
}

/** Why a sign-in with Ethereum was refused. */
export type SiweRefusal =
  | 'malformed'
  | 'domain'
  | 'uri'
  | 'chain'
  | 'nonce-unknown'
  | 'nonce-used'
  | 'nonce-expired'
  | 'issued-at'
  | 'expired'
  | 'not-yet-valid'
  | 'address'
  | 'signature'
  | 'busy'
  | 'disabled'

/** A Sign-In with Ethereum message that is malformed, or not one this node accepts (`reason` says which check). */
export class SiweError extends AssayError {
  override readonly category = 'unauthorised' as const
  readonly reason: SiweRefusal
  constructor(reason: SiweRefusal, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SiweError'
    this.reason = reason
  }
}

/** Longest message accepted: a sign-in is a few hundred characters; parsing never sees megabytes. */
export const MAX_SIWE_MESSAGE_LENGTH = 4096

const HEADER_SUFFIX = ' wants you to sign in with your Ethereum account:'
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/
// An authority without userinfo: a DNS name or IPv4 address, or a bracketed IPv6 one, and an optional port.
const DOMAIN =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/
const ADDRESS = /^0x[0-9a-fA-F]{40}$/
// RFC 3986 reserved and unreserved characters and spaces: what the ABNF allows in a statement.
const STATEMENT = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;= ]+$/
const NONCE = /^[A-Za-z0-9]{8,128}$/
const REQUEST_ID = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%]*$/
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/

const malformed = (message: string): SiweError => new SiweError('malformed', `not a sign-in message: ${message}`)

/** An RFC 3339 date-time's instant in ms; undefined for text that is not one (or names no real day). */
export function siweTime(text: string): number | undefined {
  const m = DATE_TIME.exec(text)
  if (m === null) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  const offsetOk = m[9] === undefined || (Number(m[9]) < 24 && Number(m[10]) < 60)
  const calendar = new Date(Date.UTC(year, month - 1, day))
  if (month < 1 || month > 12 || calendar.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59 || !offsetOk) return undefined
  const ms = Date.parse(text)
  return Number.isFinite(ms) ? ms : undefined
}

/** A URI as the message may carry it: absolute, printable ASCII (RFC 3986), no spaces. */
function isUri(text: string): boolean {
  if (!/^[!-~]+$/.test(text)) return false
  try {
    new URL(text)
    return true
  } catch {
    return false
  }
}

/** The text an EIP-4361 wallet shows and signs. Does not check the fields: `parseSiweMessage` does. */
export function formatSiweMessage(m: SiweMessage): string {
  return [
    `${m.scheme !== undefined ? `${m.scheme}://` : ''}${m.domain}${HEADER_SUFFIX}`,
    m.address,
    '',
    ...(m.statement !== undefined ? [m.statement, ''] : ['']),
    `URI: ${m.uri}`,
    `Version: ${m.version}`,
    `Chain ID: ${m.chainId}`,
    `Nonce: ${m.nonce}`,
    `Issued At: ${m.issuedAt}`,
    ...(m.expirationTime !== undefined ? [`Expiration Time: ${m.expirationTime}`] : []),
    ...(m.notBefore !== undefined ? [`Not Before: ${m.notBefore}`] : []),
    ...(m.requestId !== undefined ? [`Request ID: ${m.requestId}`] : []),
    ...(m.resources !== undefined ? ['Resources:', ...m.resources.map((r) => `- ${r}`)] : []),
  ].join('\n')
}

/**
 * Reads an EIP-4361 message in its exact line layout (LF line ends, fields in the ABNF's order,
 * nothing before or after). Checks each field's syntax, not its meaning: the address's shape but
 * not its EIP-55 checksum (that needs keccak), the times' syntax but not the clock.
 *
 * @throws {SiweError} reason `malformed`, naming the first line that is wrong.
 */
export function parseSiweMessage(text: string): SiweMessage {
  if (text.length > MAX_SIWE_MESSAGE_LENGTH) throw malformed(`longer than ${MAX_SIWE_MESSAGE_LENGTH} characters`)
  const lines = text.split('\n')
  let at = 0
  /** The next line's value after `prefix`, or undefined (and the line not taken) when it has another prefix. */
  const field = (prefix: string): string | undefined => {
    const line = lines[at]
    if (line === undefined || !line.startsWith(prefix)) return undefined
    at++
    return line.slice(prefix.length)
  }
  const required = (prefix: string, valid: (value: string) => boolean): string => {
    const value = field(prefix)
    if (value === undefined) throw malformed(`line ${at + 1} must start with "${prefix}"`)
    if (!valid(value)) throw malformed(`line ${at} has an invalid ${prefix.replace(/: ?$/, '')}`)
    return value
  }

  const header = lines[at++]!
  if (!header.endsWith(HEADER_SUFFIX)) throw malformed(`line 1 must end with "${HEADER_SUFFIX.trim()}"`)
  const origin = header.slice(0, -HEADER_SUFFIX.length)
  const schemeEnd = origin.indexOf('://')
  const scheme = schemeEnd >= 0 ? origin.slice(0, schemeEnd) : undefined
  const domain = schemeEnd >= 0 ? origin.slice(schemeEnd + 3) : origin
  if (scheme !== undefined && !SCHEME.test(scheme)) throw malformed('line 1 has an invalid scheme')
  if (!DOMAIN.test(domain)) throw malformed('line 1 has an invalid domain')
  const address = lines[at++]
  if (address === undefined || !ADDRESS.test(address)) throw malformed('line 2 must be the address, 0x and 40 hex digits')
  if (lines[at++] !== '') throw malformed('line 3 must be empty')
  let statement: string | undefined
  if (lines[at] !== '') {
    statement = lines[at++]
    if (statement === undefined || !STATEMENT.test(statement)) throw malformed('line 4 must be a statement or empty')
  }
  if (lines[at++] !== '') throw malformed(`line ${at} must be empty`)

  const uri = required('URI: ', isUri)
  const version = required('Version: ', (v) => v === '1') as '1'
  const chainId = Number(required('Chain ID: ', (v) => /^[1-9]\d{0,15}$/.test(v) && Number.isSafeInteger(Number(v))))
  const nonce = required('Nonce: ', (v) => NONCE.test(v))
  const issuedAt = required('Issued At: ', (v) => siweTime(v) !== undefined)
  const optional = (prefix: string, valid: (value: string) => boolean): string | undefined => {
    const value = field(prefix)
    if (value !== undefined && !valid(value)) throw malformed(`line ${at} has an invalid ${prefix.replace(/: ?$/, '')}`)
    return value
  }
  const expirationTime = optional('Expiration Time: ', (v) => siweTime(v) !== undefined)
  const notBefore = optional('Not Before: ', (v) => siweTime(v) !== undefined)
  const requestId = optional('Request ID: ', (v) => REQUEST_ID.test(v))
  let resources: string[] | undefined
  if (lines[at] === 'Resources:') {
    at++
    resources = []
    for (let r = field('- '); r !== undefined; r = field('- ')) {
      if (!isUri(r)) throw malformed(`line ${at} has an invalid resource`)
      resources.push(r)
    }
  }
  if (at !== lines.length) throw malformed(`line ${at + 1} is not a field of a sign-in message (or the message has a trailing line)`)
  return {
    ...(scheme !== undefined ? { scheme } : {}),
    domain,
    address,
    ...(statement !== undefined ? { statement } : {}),
    uri,
    version,
    chainId,
    nonce,
    issuedAt,
    ...(expirationTime !== undefined ? { expirationTime } : {}),
    ...(notBefore !== undefined ? { notBefore } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
    ...(resources !== undefined ? { resources } : {}),
  }
}
