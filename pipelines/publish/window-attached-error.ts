import { AssayError } from '../../core/index.js'

/**
 * A stream window is already attached to another dataset on-chain: this publication can never
 * attach its own, so it fails once (a permanent failure) instead of being retried.
 */
export class WindowAttachedError extends AssayError {
  override readonly category = 'conflict' as const
  readonly streamId: bigint
  readonly windowIndex: bigint
  readonly datasetId: bigint
  constructor(streamId: bigint, windowIndex: bigint, datasetId: bigint) {
    super(`window ${windowIndex} of stream ${streamId} is already dataset ${datasetId}`)
    this.name = 'WindowAttachedError'
    this.streamId = streamId
    this.windowIndex = windowIndex
    this.datasetId = datasetId
  }
}
