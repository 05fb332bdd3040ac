import type { CID } from 'multiformats/cid'
import { MirrorSourceError } from './mirror-errors.js'
import { providerAddress } from './provider-address.js'

/** Where a mirror takes blocks from: a DAG as a CAR stream, checked by the receiver. */
export interface CarSource {
  /** The source's address (for messages and the providers record; recorded through providerAddress). */
  readonly url: string
  /** The whole DAG under `cid` as a CAR stream. @throws {MirrorSourceError} */
  car(cid: CID, options?: { signal?: AbortSignal }): AsyncIterable<Uint8Array>
}

export interface GatewaySourceOptions {
  fetch?: typeof fetch
  /** Longest wait for the answer's headers or its next bytes before giving up. Default 30 s. */
  idleTimeoutMs?: number
}

/** What a trustless gateway is asked for: a CARv1 of the whole DAG, parents before children, each block once. */
const CAR_ACCEPT = 'application/vnd.ipld.car; version=1; order=dfs; dups=n'

/** A few words for the codes Node's fetch (undici) puts in a network failure's `cause`. */
function reasonOf(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause
  if (cause?.code === 'ECONNREFUSED') return 'connection refused'
  if (typeof cause?.code === 'string') return cause.code
  return typeof cause?.message === 'string' ? cause.message : (err as Error).message
}

/**
 * A trustless gateway as a mirror's source: `GET /ipfs/<cid>?format=car&dag-scope=all` on an Assay
 * node or any gateway speaking the trustless gateway specification. Nothing it sends is trusted:
 * the receiver checks every block (receiveDag). Bounded in time: the answer must start, and keep
 * coming, within `idleTimeoutMs`. A redirect is not followed (it is a MirrorSourceError): the
 * operator named this source, not wherever it points the node to (an address inside its network).
 */
export function createGatewaySource(url: string, options: GatewaySourceOptions = {}): CarSource {
  const http = options.fetch ?? fetch
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000
  // A base with a path (https://host/prefix) keeps it: `ipfs/…` resolves below it.
  const base = url.endsWith('/') ? url : `${url}/`
  // Its name in messages and records: without the credentials, query or fragment `url` may carry.
  const shown = providerAddress(url)
  return {
    url: shown,
    async *car(cid, callOptions = {}) {
      const idle = new AbortController()
      const timer = setTimeout(() => idle.abort(), idleTimeoutMs)
      const signal = callOptions.signal !== undefined ? AbortSignal.any([callOptions.signal, idle.signal]) : idle.signal
      const failure = (err: unknown): unknown => {
        if (callOptions.signal?.aborted === true) return err // the caller's own abort
        if (idle.signal.aborted)
          return new MirrorSourceError(shown, cid.toString(), `nothing arrived for ${idleTimeoutMs} ms`, { cause: err })
        return err instanceof TypeError ? new MirrorSourceError(shown, cid.toString(), reasonOf(err), { cause: err }) : err
      }
      try {
        let res: Response
        try {
          res = await http(new URL(`ipfs/${cid.toString()}?format=car&dag-scope=all`, base), {
            headers: { accept: CAR_ACCEPT },
            redirect: 'manual',
            signal,
          })
        } catch (err) {
          throw failure(err)
        }
        if (res.status !== 200 || res.body === null) {
          await res.body?.cancel().catch(() => undefined)
          const redirect = res.status >= 300 && res.status < 400 ? ' (a redirect, not followed)' : ''
          throw new MirrorSourceError(shown, cid.toString(), `it answered ${res.status}${redirect}`, { status: res.status })
        }
        const reader = res.body.getReader()
        try {
          for (;;) {
            let next: ReadableStreamReadResult<Uint8Array>
            try {
              next = await reader.read()
            } catch (err) {
              throw failure(err)
            }
            if (next.done) return
            timer.refresh()
            yield next.value
          }
        } finally {
          // Stopped early (a refused block, too large): the source may stop sending.
          reader.releaseLock()
          await res.body.cancel().catch(() => undefined)
        }
      } finally {
        clearTimeout(timer)
      }
    },
  }
}
