import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import type { DagScope } from '../storage/index.js'
import { parseAccept, type MediaRange } from './accept-header.js'
import { GatewayRequestError } from './gateway-request-error.js'

export const RAW_TYPE = 'application/vnd.ipld.raw'
export const CAR_TYPE = 'application/vnd.ipld.car'

/** Longest CID accepted: an identity CID carries its block, so this bounds what one can make the node decode. */
const MAX_CID_CHARS = 512
const MAX_PATH_SEGMENTS = 64
const MAX_SEGMENT_CHARS = 255

/** `entity-bytes=from:to` as asked: inclusive byte offsets, negative ones counted from the end, `*` the end. */
export interface EntityBytes {
  from: number
  to: number | '*'
}

/** How a CAR is cut and ordered. */
export interface CarParameters {
  /** Whether a block is sent each time the DAG links to it (`dups=y`) or once (`dups=n`, the default). */
  dups: boolean
  scope: DagScope
  entityBytes?: EntityBytes
}

/** A trustless gateway request, checked: what to serve and how. */
export interface GatewayRequest {
  cid: CID
  /** The UnixFS path under the CID, a name per segment (empty segments dropped). */
  path: string[]
  format: 'raw' | 'car'
  /** Where the format came from: `?format=`, or the Accept header (then the answer names its `?format=` URL). */
  formatFrom: 'query' | 'accept'
  car: CarParameters
}

/** What the parser reads from an HTTP request. */
export interface GatewayRequestInput {
  cid: string
  path?: readonly string[]
  query: Record<string, unknown>
  accept?: string
}

/** A query parameter given at most once, as text. */
function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new GatewayRequestError(name, 'give it once')
  return value
}

/** A CAR media range whose parameters this gateway can honour: CARv1, any order (it sends dfs), dups y or n. */
const supportedCar = (range: MediaRange): boolean =>
  [undefined, '1'].includes(range.params.version) &&
  [undefined, 'dfs', 'unk'].includes(range.params.order) &&
  [undefined, 'y', 'n'].includes(range.params.dups)

function parseCid(text: string): CID {
  if (text.length > MAX_CID_CHARS) throw new GatewayRequestError('cid', `longer than ${MAX_CID_CHARS} characters`)
  try {
    return CID.parse(text)
  } catch (err) {
    throw new GatewayRequestError('cid', `${JSON.stringify(text.slice(0, 80))} is not a CID`, { cause: err })
  }
}

function parsePath(segments: readonly string[]): string[] {
  const path = segments.filter((s) => s !== '')
  if (path.length > MAX_PATH_SEGMENTS) throw new GatewayRequestError('path', `more than ${MAX_PATH_SEGMENTS} segments`)
  const long = path.find((s) => s.length > MAX_SEGMENT_CHARS)
  if (long !== undefined) throw new GatewayRequestError('path', `a name longer than ${MAX_SEGMENT_CHARS} characters`)
  return path
}

/** `from:to` (e.g. `0:1023`, `-1024:*`, `499:-1000`). */
export function parseEntityBytes(text: string): EntityBytes {
  const match = /^(-?\d{1,15}):(-?\d{1,15}|\*)$/.exec(text)
  if (match === null)
    throw new GatewayRequestError(
      'entity-bytes',
      `${JSON.stringify(text.slice(0, 40))} is not from:to (byte offsets, negative ones from the end, * for the end: 0:1023, -1024:*)`,
    )
  const from = Number(match[1])
  const to = match[2] === '*' ? '*' : Number(match[2])
  if (to !== '*' && from >= 0 && to >= 0 && to < from)
    throw new GatewayRequestError('entity-bytes', `ends at byte ${to}, before it starts (${from})`)
  return { from, to }
}

/**
 * The bytes `entity-bytes` asks of a file of `size` bytes, as an offset and a length (0 when the
 * range resolves to nothing: the answer is then the root block alone, as the spec says).
 * @throws {GatewayRequestError} when the range starts past the end of the file
 */
export function byteRangeOf(bytes: EntityBytes, size: number): { offset: number; length: number } {
  const absolute = (n: number): number => (n < 0 ? Math.max(0, size + n) : n)
  const offset = absolute(bytes.from)
  if (offset >= size && size > 0)
    throw new GatewayRequestError('entity-bytes', `starts at byte ${offset}, past the end of the file (${size} bytes)`)
  const last = bytes.to === '*' ? size - 1 : Math.min(bytes.to < 0 ? size + bytes.to : bytes.to, size - 1)
  return { offset, length: Math.max(0, last - offset + 1) }
}

/**
 * Reads a trustless gateway request (specs.ipfs.tech/http-gateways/trustless-gateway): the CID and
 * path, the format (`?format=` wins over `Accept`, whose weights are honoured), and the CAR's
 * parameters (`car-version`, `car-order`, `car-dups` in the query win over those of the Accept
 * header's CAR type; `dag-scope`, `entity-bytes`).
 * @throws {GatewayRequestError} naming the parameter at fault
 */
export function parseGatewayRequest(input: GatewayRequestInput): GatewayRequest {
  const { query } = input
  const cid = parseCid(input.cid)
  const path = parsePath(input.path ?? [])

  const asked = single(query, 'format')
  if (asked !== undefined && asked !== 'raw' && asked !== 'car')
    throw new GatewayRequestError(
      'format',
      `${JSON.stringify(asked.slice(0, 40))} is not served: this trustless gateway answers raw (one block) or car`,
    )
  const ranges = parseAccept(input.accept).filter((r) => r.q > 0)
  const carRanges = ranges.filter((r) => r.type === CAR_TYPE)
  let format: 'raw' | 'car'
  let carRange: MediaRange | undefined
  if (asked !== undefined) {
    format = asked
    carRange = carRanges.find(supportedCar) ?? carRanges[0]
  } else {
    const chosen = ranges.find((r) => r.type === RAW_TYPE || (r.type === CAR_TYPE && supportedCar(r))) ?? carRanges[0]
    if (chosen === undefined)
      throw new GatewayRequestError(
        'format',
        'ask for ?format=raw (one block) or ?format=car, or send Accept: application/vnd.ipld.raw or application/vnd.ipld.car: this trustless gateway serves no deserialized files',
      )
    format = chosen.type === RAW_TYPE ? 'raw' : 'car'
    carRange = format === 'car' ? chosen : undefined
  }

  // A CAR parameter from the query, else from the Accept header's CAR type; errors name where it came from.
  const carParameter = (name: 'version' | 'order' | 'dups'): { value: string | undefined; from: string } => {
    const fromQuery = single(query, `car-${name}`)
    if (fromQuery !== undefined) return { value: fromQuery, from: `car-${name}` }
    return { value: format === 'car' ? carRange?.params[name] : undefined, from: 'accept' }
  }
  const version = carParameter('version')
  if (version.value !== undefined && version.value !== '1')
    throw new GatewayRequestError(
      version.from,
      `CAR version ${JSON.stringify(version.value.slice(0, 10))} is not served: only CARv1 (version 1)`,
    )
  const order = carParameter('order')
  if (order.value !== undefined && order.value !== 'dfs' && order.value !== 'unk')
    throw new GatewayRequestError(
      order.from,
      `block order ${JSON.stringify(order.value.slice(0, 10))} is not served: dfs (or unk, answered in dfs)`,
    )
  const dups = carParameter('dups')
  if (dups.value !== undefined && dups.value !== 'y' && dups.value !== 'n')
    throw new GatewayRequestError(dups.from, `duplicates ${JSON.stringify(dups.value.slice(0, 10))}: y or n`)

  const scopeText = single(query, 'dag-scope')
  if (scopeText !== undefined && scopeText !== 'block' && scopeText !== 'entity' && scopeText !== 'all')
    throw new GatewayRequestError('dag-scope', `${JSON.stringify(scopeText.slice(0, 40))} is not block, entity or all`)
  const bytesText = single(query, 'entity-bytes')
  const entityBytes = bytesText === undefined ? undefined : parseEntityBytes(bytesText)
  // entity-bytes implies dag-scope=entity, and means nothing with another scope.
  const scope: DagScope = scopeText ?? (entityBytes !== undefined ? 'entity' : 'all')
  if (entityBytes !== undefined && scope !== 'entity')
    throw new GatewayRequestError('entity-bytes', `applies to dag-scope=entity, not dag-scope=${scope}`)

  if (format === 'raw' && path.length > 0)
    throw new GatewayRequestError(
      'path',
      'a raw block is asked for by its CID alone (/ipfs/{cid}?format=raw); ask for a CAR to follow a path',
    )

  return {
    cid,
    path,
    format,
    formatFrom: asked !== undefined ? 'query' : 'accept',
    car: { dups: dups.value === 'y', scope, ...(entityBytes !== undefined ? { entityBytes } : {}) },
  }
}

/**
 * The ETag of a response: per CID and format, and for a CAR per path, scope, byte range and
 * duplicates too (another cut of the DAG is another representation). Strong: the same request
 * gets the same bytes (blocks in depth-first order).
 */
export function etagOf(request: GatewayRequest): string {
  if (request.format === 'raw') return `"${request.cid.toString()}.raw"`
  const { dups, scope, entityBytes } = request.car
  const variant = JSON.stringify({
    path: request.path,
    version: 1,
    order: 'dfs',
    dups,
    scope,
    bytes: entityBytes === undefined ? null : `${entityBytes.from}:${entityBytes.to}`,
  })
  return `"${request.cid.toString()}.car.${createHash('sha256').update(variant).digest('hex').slice(0, 16)}"`
}

/** Whether an If-None-Match header names `etag` (weakly compared, as RFC 9110 §13.1.2 asks) or is `*`. */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag)
}

/** Whether a Cache-Control request header says `only-if-cached`. */
export const onlyIfCached = (cacheControl: string | undefined): boolean =>
  cacheControl !== undefined && cacheControl.split(',').some((d) => d.trim().toLowerCase() === 'only-if-cached')
