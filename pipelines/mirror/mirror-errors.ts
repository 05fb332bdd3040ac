import { AssayError, type ErrorCategory } from '../../core/index.js'

/** No dataset with this id is anchored on the chain this node follows (or its catalog has not seen it yet). */
export class DatasetNotAnchoredError extends AssayError {
  override readonly category = 'not-found' as const
  readonly datasetId: bigint
  constructor(datasetId: bigint, options?: { cause?: unknown }) {
    super(`dataset ${datasetId} is not anchored on this node's chain`, options)
    this.name = 'DatasetNotAnchoredError'
    this.datasetId = datasetId
  }
}

/**
 * A mirrored manifest is not the one anchored for its dataset: its CID, key commitment and
 * statistics do not hash to the on-chain anchor, or its root or owner differ. Nothing was kept.
 */
export class AnchorMismatchError extends AssayError {
  override readonly category = 'tampered' as const
  readonly datasetId: bigint
  /** What differs: `anchor`, `root`, `owner` or `manifestCid`. */
  readonly field: string
  constructor(datasetId: bigint, field: string, message: string) {
    super(`dataset ${datasetId}: ${message}`)
    this.name = 'AnchorMismatchError'
    this.datasetId = datasetId
    this.field = field
  }
}

/**
 * The mirror's source did not serve a CID: it refused (its HTTP status: 404 is `not-found`, the
 * content is not there), could not be reached, or stopped sending. Another source may serve it.
 */
export class MirrorSourceError extends AssayError {
  override readonly category: ErrorCategory
  readonly source: string
  readonly cid: string
  /** The source's HTTP status, when it answered. */
  readonly status: number | undefined
  constructor(source: string, cid: string, reason: string, options?: { status?: number; cause?: unknown }) {
    super(`${source} did not serve ${cid}: ${reason}`, options)
    this.name = 'MirrorSourceError'
    this.source = source
    this.cid = cid
    this.status = options?.status
    this.category = options?.status === 404 ? 'not-found' : 'unavailable'
  }
}

/**
 * The source's CAR ended without every block of the DAG it was asked for (or was no CAR, or sent
 * more blocks ahead of their parents than the mirror holds back). Nothing of it was pinned.
 */
export class IncompleteCarError extends AssayError {
  override readonly category = 'unavailable' as const
  readonly cid: string
  constructor(cid: string, reason: string, options?: { cause?: unknown }) {
    super(`the CAR of ${cid} does not hold its whole DAG: ${reason}`, options)
    this.name = 'IncompleteCarError'
    this.cid = cid
  }
}

/** The source sent more bytes for an object than its manifest allows it (`limit`). Nothing of it was pinned. */
export class MirrorTooLargeError extends AssayError {
  override readonly category = 'too-large' as const
  readonly cid: string
  readonly limit: number
  constructor(cid: string, limit: number) {
    super(`the CAR of ${cid} is larger than the ${limit} bytes its dataset allows`)
    this.name = 'MirrorTooLargeError'
    this.cid = cid
    this.limit = limit
  }
}
