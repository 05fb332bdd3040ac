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

/**
 * An object is larger than its manifest allows it (`limit`): the source sent more bytes of CAR
 * than that, or the object's root describes a larger file (`declared`). Nothing of it was pinned.
 */
export class MirrorTooLargeError extends AssayError {
  override readonly category = 'too-large' as const
  readonly cid: string
  readonly limit: number
  /** The file size the object's root describes, when that is what exceeds the limit. */
  readonly declared: bigint | undefined
  constructor(cid: string, limit: number, options?: { declared?: bigint }) {
    super(
      options?.declared === undefined
        ? `the CAR of ${cid} is larger than the ${limit} bytes its dataset allows`
        : `${cid} describes a file of ${options.declared} bytes, more than the ${limit} bytes its dataset allows`,
    )
    this.name = 'MirrorTooLargeError'
    this.cid = cid
    this.limit = limit
    this.declared = options?.declared
  }
}

/**
 * An object a manifest names is not the file the manifest says: its root describes another size
 * than the manifest records (`expected`: the ciphertext's envelope), or no UnixFS file at all
 * (`declared` undefined). A few KB of genuine blocks can describe terabytes (a node linking
 * hundreds of times to the same child): the root is checked before anything below it is taken.
 * Any source would send the same blocks, so the dataset itself is at fault. Nothing of it was kept.
 */
export class DeclaredSizeMismatchError extends AssayError {
  override readonly category = 'tampered' as const
  readonly cid: string
  readonly expected: bigint | undefined
  readonly declared: bigint | undefined
  constructor(cid: string, expected: bigint | undefined, declared: bigint | undefined) {
    super(
      declared === undefined
        ? `${cid} is not a UnixFS file (its root is neither a raw block nor a dag-pb file node)`
        : `${cid} describes a file of ${declared} bytes where its manifest records ${expected}`,
    )
    this.name = 'DeclaredSizeMismatchError'
    this.cid = cid
    this.expected = expected
    this.declared = declared
  }
}
