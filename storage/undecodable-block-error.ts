import { AssayError } from '../core/index.js'

/**
 * A block whose bytes are not valid under its CID's codec, or a codec this node cannot decode.
 * The bytes hash to the CID, so nothing was altered: the CID names them under a codec they were
 * not written in (the same bytes can be named under any codec). The specification's 400 for a
 * CID whose codec is unsupported; the block itself can still be fetched raw or with
 * `dag-scope=block`.
 */
export class UndecodableBlockError extends AssayError {
  override readonly category = 'bad-input' as const
  readonly cid: string
  /** The codec the CID names, e.g. `dag-json` or `0x9999`. */
  readonly codec: string

  constructor(cid: string, codec: string, reason: string, options?: { cause?: unknown }) {
    super(`${cid}: not decodable as ${codec}: ${reason}`, options)
    this.name = 'UndecodableBlockError'
    this.cid = cid
    this.codec = codec
  }
}
