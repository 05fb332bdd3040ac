import { errorClassNamed } from './error-registry.js'
import { AssayError, isErrorCategory, type ErrorCategory } from './errors.js'

/** A JSON value that stood for a bigint (JSON has none). */
export interface SerializedBigint {
  $bigint: string
}

/** An error as plain JSON: what crosses a process boundary (IPC, a queue's job data, an HTTP body). */
export interface SerializedError {
  name: string
  message: string
  category: ErrorCategory
  /** The error's own enumerable fields (e.g. a WitnessError's circuitId), JSON-safe. */
  fields?: Record<string, unknown>
  cause?: SerializedError
}

/** How many causes are kept: enough for any wrapper chain Assay builds, bounded against cycles. */
const MAX_DEPTH = 8
/** Set by the constructors of Error and AssayError, restored separately. */
const OWN = new Set(['name', 'message', 'stack', 'cause', 'category'])

/** A JSON-safe copy of a field's value: bigints marked, errors serialized, what JSON cannot hold dropped. */
function toJson(value: unknown, depth: number): unknown {
  if (typeof value === 'bigint') return { $bigint: value.toString() } satisfies SerializedBigint
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value !== 'object' || depth > MAX_DEPTH) return undefined // functions, symbols, undefined
  if (value instanceof Error) return { $error: serializeAt(value, depth + 1) }
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.map((v) => toJson(v, depth + 1) ?? null)
  // Only plain objects: a class instance (a provider, a buffer) is not data to send.
  const proto = Object.getPrototypeOf(value) as unknown
  if (proto !== Object.prototype && proto !== null) return undefined
  return jsonFields(value as Record<string, unknown>, depth + 1)
}

function jsonFields(value: Record<string, unknown>, depth: number, skip?: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (skip?.has(k) === true) continue
    const json = toJson(v, depth)
    if (json !== undefined) out[k] = json
  }
  return out
}

function fromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJson)
  if (value === null || typeof value !== 'object') return value
  const o = value as Record<string, unknown>
  if (typeof o.$bigint === 'string' && Object.keys(o).length === 1) return BigInt(o.$bigint)
  if (typeof o.$error === 'object' && o.$error !== null && Object.keys(o).length === 1) return deserializeError(o.$error as SerializedError)
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, fromJson(v)]))
}

function serializeAt(err: unknown, depth: number): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), category: 'internal' }
  const fields = jsonFields(err as unknown as Record<string, unknown>, depth, OWN)
  const s: SerializedError = { name: err.name, message: err.message, category: categoryOf(err) }
  if (Object.keys(fields).length > 0) s.fields = fields
  if (err.cause !== undefined && depth < MAX_DEPTH) s.cause = serializeAt(err.cause, depth + 1)
  return s
}

// An error re-created from another process may be a RemoteError whose category came from there.
const categoryOf = (err: Error): ErrorCategory => (err instanceof AssayError ? err.category : 'internal')

/**
 * An error as plain JSON, for sending to another process: name, message, category, its own
 * enumerable fields (bigints as `{ $bigint }`, nested errors serialized, what JSON cannot hold
 * dropped) and its cause chain (at most 8 deep). The stack stays here: it names this machine's
 * paths, and the receiver's own stack says where the error arrived.
 */
export function serializeError(err: unknown): SerializedError {
  return serializeAt(err, 0)
}

/**
 * An error from another process whose class is not registered here. It keeps the sender's name,
 * message, category and fields, so it is told apart and handled by category like the original.
 */
export class RemoteError extends AssayError {
  override readonly category: ErrorCategory

  constructor(name: string, message: string, category: ErrorCategory, options?: { cause?: unknown }) {
    super(message, options)
    this.name = name
    this.category = category
  }
}

const define = (target: object, key: string, value: unknown, enumerable: boolean): void => {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable })
}

/**
 * The error `serializeError` described: an instance of its class when that is registered (fields
 * and category set as they were; the constructor is not run, since each class has its own
 * arguments), else a RemoteError of the same name, category and fields. Causes are re-created the
 * same way.
 */
export function deserializeError(s: SerializedError): Error {
  const category: ErrorCategory = isErrorCategory(s.category) ? s.category : 'internal'
  const cause = s.cause !== undefined ? deserializeError(s.cause) : undefined
  const Class = errorClassNamed(s.name)
  let err: Error
  if (Class === undefined) {
    err = new RemoteError(String(s.name), String(s.message), category, cause !== undefined ? { cause } : undefined)
  } else {
    err = Object.create(Class.prototype as object) as Error
    define(err, 'message', String(s.message), false)
    define(err, 'name', s.name, true)
    if (err instanceof AssayError) define(err, 'category', category, true)
    if (cause !== undefined) define(err, 'cause', cause, false)
    define(err, 'stack', `${s.name}: ${String(s.message)}\n    (re-created from another process)`, false)
  }
  for (const [k, v] of Object.entries(s.fields ?? {})) if (!OWN.has(k)) define(err, k, fromJson(v), true)
  return err
}
