import { AssayError } from '../core/index.js'

/**
 * A DAG walk (a gateway's path or `dag-scope`) read more blocks that added nothing to the answer
 * than one request may: a DAG that links to the same blocks over and over (a "dedup bomb") or a
 * HAMT that leads its search in circles. Its bytes were chosen by whoever made it; asking again
 * walks it again (413). Ask for less of it (`dag-scope=block`, `entity-bytes`).
 */
export class DagWalkLimitError extends AssayError {
  override readonly category = 'too-large' as const
  /** The root of the walk. */
  readonly cid: string
  /** The reads it was allowed. */
  readonly limit: number

  constructor(cid: string, limit: number, message: string) {
    super(`${cid}: ${message}`)
    this.name = 'DagWalkLimitError'
    this.cid = cid
    this.limit = limit
  }
}
