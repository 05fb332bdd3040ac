import type { PublicationStatus } from '../sdk/index.js'
import { createAssayClient } from '../sdk/index.js'
import { describeFailedError, describeFailure, describeResult, describeStages } from './describe-publication.js'
import { followProgress } from './follow-progress.js'

type Io = { out: (s: string) => void; err: (s: string) => void }

/**
 * `assay status JOB`: where a publication stands, one line (`--json`: the node's whole status).
 * With `--follow`, follows it like `assay publish` does until it is listed or fails — the way to
 * pick a publication up again after the command that started it stopped following.
 */
export async function statusCommand(
  jobId: string,
  o: { node: string; operatorToken?: string | undefined; follow?: boolean; json?: boolean; giveUpAfterMs?: number },
  io: Io = { out: (s) => console.log(s), err: (s) => console.error(s) },
): Promise<PublicationStatus> {
  if (o.follow === true) return followProgress(o.node, jobId, o, io)
  const status = await createAssayClient({ node: o.node, operatorToken: o.operatorToken }).publication(jobId)
  if (o.json === true) io.out(JSON.stringify(status))
  else {
    io.out(`publication ${jobId}: ${describeStages(status)}`)
    if (status.result !== undefined) io.out(describeResult(status.result))
    else if (status.failedReason !== undefined) {
      io.out(describeFailure(jobId, status))
      if (status.error !== undefined) io.out(describeFailedError(status.error))
    } else io.out(`still running; follow it with: assay status ${jobId} --follow`)
  }
  return status
}
