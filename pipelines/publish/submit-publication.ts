import type { FlowJob } from 'bullmq'
import { indexPublication } from './list-publications.js'
import { JOB_DEFAULTS, publicationId, STAGE_QUEUE, stageJobId, type PublishQueues, type StageJob } from './publish-queues.js'
import { FINAL_PUBLISH_STAGE, publishStageDeclaration, type PublishStage } from './publish-stages.js'
import type { Publication } from './publication.js'

/**
 * Submits a publication as one BullMQ flow built from the declared stages: each stage's job has
 * the stage it depends on as its child (list ← anchor ← preview ← quality ← store ← prove ←
 * ingest; a parent runs after its child, so ingest runs first). Job ids are derived from the
 * publication, so submitting twice adds nothing. The publication joins the node's list
 * (`listPublications`) first, so a flow never runs unlisted.
 */
export async function submitPublication(queues: PublishQueues, publication: Publication): Promise<string> {
  const pubId = publicationId(publication)
  const jobOf = (stage: PublishStage): FlowJob => {
    const { after } = publishStageDeclaration(stage)
    return {
      name: stage,
      queueName: STAGE_QUEUE,
      data: { workspace: publication.dir } satisfies StageJob,
      opts: { ...JOB_DEFAULTS, jobId: stageJobId(pubId, stage), failParentOnFailure: true },
      ...(after !== null ? { children: [jobOf(after)] } : {}),
    }
  }
  await indexPublication(queues, pubId, (await publication.spec()).createdAt)
  await queues.flows.add(jobOf(FINAL_PUBLISH_STAGE), { queuesOptions: { [STAGE_QUEUE]: { defaultJobOptions: JOB_DEFAULTS } } })
  return pubId
}
