import { AssayError, deserializeError } from '../core/index.js'
import type { PublicationStatus } from '../sdk/index.js'
import { createAssayClient, followPublication, NodeUnreachableError } from '../sdk/index.js'
import { describeFailure, describeResult, describeStages } from './describe-publication.js'
import { PublishCommandError } from './publish-command-error.js'
import { reportOutage } from './report-outage.js'

export interface FollowProgressOptions {
  json?: boolean
  /** The operator token: a publication's status is the operator's to read. */
  operatorToken?: string | undefined
  /** How long to wait for a node that went away before giving up (default 10 minutes). */
  giveUpAfterMs?: number
}

/**
 * The node stayed away longer than the command would wait. The publication itself goes on once the
 * node is back; the message names the command that follows it again.
 */
export class FollowTimeoutError extends AssayError {
  override readonly category = 'unavailable' as const
  readonly jobId: string

  constructor(jobId: string, cause: NodeUnreachableError) {
    super(
      `stopped following publication ${jobId}: ${cause.message}; it goes on once the node is back, ` +
        `follow it then with: assay status ${jobId} --follow --node ${cause.node}`,
      { cause },
    )
    this.name = 'FollowTimeoutError'
    this.jobId = jobId
  }
}

/**
 * Follows a publication on the terminal (`assay publish`, `assay retry`, `assay status --follow`):
 * one stderr line per change of its stages, one sentence when the node goes away and one when it is
 * back, then the published dataset on stdout (`--json`: {datasetId, manifestCid, root, txHash,
 * stats, quality}). Returns the final status, `result` set.
 *
 * @throws {PublishCommandError} when the publication fails
 * @throws {FollowTimeoutError} when the node stays away longer than `giveUpAfterMs`
 */
export async function followProgress(
  node: string,
  jobId: string,
  options: FollowProgressOptions,
  io: { out: (s: string) => void; err: (s: string) => void },
): Promise<PublicationStatus> {
  let last = ''
  let final: PublicationStatus
  try {
    final = await followPublication(createAssayClient({ node, operatorToken: options.operatorToken }), jobId, {
      onEvent: (status) => {
        const line = describeStages(status)
        if (line !== last) io.err((last = line))
      },
      ...reportOutage(io, node, `following publication ${jobId} again`),
      ...(options.giveUpAfterMs !== undefined ? { giveUpAfterMs: options.giveUpAfterMs } : {}),
    })
  } catch (err) {
    if (NodeUnreachableError.is(err) && err.waitedMs !== undefined) throw new FollowTimeoutError(jobId, err)
    throw err
  }
  if (final.result === undefined)
    throw new PublishCommandError(describeFailure(jobId, final), {
      category: final.category,
      // The node's named error (its class when this process knows it), for whoever catches this.
      ...(final.error !== undefined ? { cause: deserializeError(final.error) } : {}),
    })
  io.out(options.json === true ? JSON.stringify(final.result) : describeResult(final.result))
  return final
}
