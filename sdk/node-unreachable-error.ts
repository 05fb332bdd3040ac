import { AssayError } from '../core/index.js'

/** A few words for the codes Node's fetch (undici) puts in a network failure's `cause`. */
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  UND_ERR_SOCKET: 'connection closed',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'timed out',
  UND_ERR_CONNECT_TIMEOUT: 'timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timed out',
  UND_ERR_BODY_TIMEOUT: 'timed out',
}

/**
 * The node could not be reached, or the connection to it broke in the middle of a request (it
 * stopped, crashed or restarted). Trying again once the node is back can help. `reason` is a few
 * words ('connection refused', 'connection closed' …); `cause` keeps fetch's own error.
 */
export class NodeUnreachableError extends AssayError {
  override readonly category = 'unavailable' as const
  /** The node's address, as the client was given it. */
  readonly node: string
  readonly reason: string
  /** Set when a caller waited this long for the node to come back and gave up. */
  readonly waitedMs: number | undefined

  constructor(node: string, reason: string, options?: { cause?: unknown; waitedMs?: number }) {
    super(
      options?.waitedMs === undefined
        ? `the node at ${node} is unreachable (${reason})`
        : `the node at ${node} has not come back within ${formatWait(options.waitedMs)} (${reason})`,
      options,
    )
    this.name = 'NodeUnreachableError'
    this.node = node
    this.reason = reason
    this.waitedMs = options?.waitedMs
  }

  /** Whether `err` is one (by name: the class may come from another bundle). */
  static is(err: unknown): err is NodeUnreachableError {
    return err instanceof Error && err.name === 'NodeUnreachableError'
  }

  /**
   * fetch's network failure as a NodeUnreachableError; anything else is returned unchanged. The
   * fetch standard reports every network failure, before or during the response body, as a
   * TypeError (Node: "fetch failed", "terminated"); an abort is a DOMException and stays one.
   */
  static wrap(node: string, err: unknown): unknown {
    if (!(err instanceof TypeError)) return err
    const cause = err.cause as { code?: unknown; message?: unknown } | undefined
    const code = typeof cause?.code === 'string' ? cause.code : undefined
    const reason = (code !== undefined ? REASONS[code] : undefined) ?? (typeof cause?.message === 'string' ? cause.message : err.message)
    return new NodeUnreachableError(node, reason, { cause: err })
  }
}

function formatWait(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`
  return `${Math.round(ms / 100) / 10} s`
}
