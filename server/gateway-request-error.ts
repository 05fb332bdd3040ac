import { AssayError } from '../core/index.js'

/**
 * A trustless gateway request this node cannot answer as asked (400): a malformed CID, a format it
 * does not serve, a bad `dag-scope`, `entity-bytes` or CAR parameter. Names the parameter.
 */
export class GatewayRequestError extends AssayError {
  override readonly category = 'bad-input' as const
  /** The request part at fault: `cid`, `path`, `format`, `accept`, `dag-scope`, `entity-bytes`, `car-version`, `car-order` or `car-dups`. */
  readonly parameter: string

  constructor(parameter: string, message: string, options?: { cause?: unknown }) {
    super(`${parameter}: ${message}`, options)
    this.name = 'GatewayRequestError'
    this.parameter = parameter
  }
}
