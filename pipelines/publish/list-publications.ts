import type { RedisClient } from 'bullmq'
import type { PublicationSpec } from './publication-spec.js'
import { publicationStatus, type PublicationStatus } from './publication-status.js'
import { stageJobId, type PublishQueues } from './publish-queues.js'
import { FINAL_PUBLISH_STAGE } from './publish-stages.js'
import { Publication } from './publication.js'

/** The most a page lists; the HTTP route refuses more by name, this bounds every other caller. */
export const MAX_PUBLICATIONS_PAGE = 100

/** A publication as the node lists it: where it stands, and what the seller asked for. */
export interface PublicationSummary extends PublicationStatus {
  /** The spec's title (the job id when its workspace is gone). */
  title: string
  /** When the publication was created (ISO 8601); a retry keeps it. */
  createdAt: string
  /** The seller's file name. */
  sourceName?: string
  /** Set for a stream window's publication. */
  stream?: PublicationSpec['stream']
}

export interface ListPublicationsOptions {
  /** Publications per page, 1 to MAX_PUBLICATIONS_PAGE (default 20). */
  limit?: number
  /** How many of the newest to skip (default 0). */
  offset?: number
}

// The index: a sorted set of every publication submitted (id → creation time in ms), kept under
// the stage queue's prefix and name, next to the jobs it lists.
const INDEX_KEY = 'publications'
const INDEX_COMMAND = 'assayIndexPublication'
const scripted = new WeakSet<RedisClient>()

async function indexOf(queues: PublishQueues): Promise<{ client: RedisClient; key: string }> {
  const client = await queues.stages.getBackend().client
  // BullMQ's client interface declares only the commands BullMQ uses (no ZADD): a script adds.
  if (!scripted.has(client)) {
    client.defineCommand(INDEX_COMMAND, { numberOfKeys: 1, lua: "return redis.call('ZADD', KEYS[1], 'NX', ARGV[1], ARGV[2])" })
    scripted.add(client)
  }
  return { client, key: queues.stages.toKey(INDEX_KEY) }
}

/**
 * Adds a publication to the node's list, placed by its creation time; a retry keeps its place.
 * The list lives in Redis beside the jobs, so a page reads `limit` ids instead of scanning every
 * job or workspace.
 */
export async function indexPublication(queues: PublishQueues, pubId: string, createdAt: string): Promise<void> {
  const { client, key } = await indexOf(queues)
  const at = Date.parse(createdAt)
  await client.runCommand(INDEX_COMMAND, [key, Number.isFinite(at) ? at : Date.now(), pubId])
}

/**
 * One page of the node's publications, newest first, each with its status (as `publicationStatus`
 * reads it), title and creation time. `total` counts every publication submitted; one whose jobs
 * are gone (Redis cleared) is left out of `items`, which hold at most `limit`.
 */
export async function listPublications(
  queues: PublishQueues,
  options: ListPublicationsOptions = {},
): Promise<{ total: number; items: PublicationSummary[] }> {
  const limit = Math.max(1, Math.min(MAX_PUBLICATIONS_PAGE, Math.floor(options.limit ?? 20)))
  const offset = Math.max(0, Math.floor(options.offset ?? 0))
  const { client, key } = await indexOf(queues)
  const [total, page] = await Promise.all([client.zcard(key), client.zrevrange(key, offset, offset + limit - 1, { WITHSCORES: true })])
  const entries: Array<[string, number]> = []
  for (let i = 0; i + 1 < page.length; i += 2) entries.push([page[i]!, Number(page[i + 1])])
  const items = await Promise.all(entries.map(([id, at]) => summaryOf(queues, id, at)))
  return { total, items: items.filter((item) => item !== undefined) }
}

async function summaryOf(queues: PublishQueues, id: string, createdAtMs: number): Promise<PublicationSummary | undefined> {
  const status = await publicationStatus(queues, id)
  if (Object.values(status.stages).every((s) => s === 'unknown')) return undefined
  // The flow's root job names the workspace, whose spec holds what the seller asked for.
  const root = await queues.stages.getJob(stageJobId(id, FINAL_PUBLISH_STAGE))
  const spec = root === undefined ? undefined : await new Publication(root.data.workspace).spec().catch(() => undefined)
  return {
    ...status,
    title: spec?.title ?? id,
    createdAt: new Date(createdAtMs).toISOString(),
    ...(spec?.sourceName !== undefined ? { sourceName: spec.sourceName } : {}),
    ...(spec?.stream !== undefined ? { stream: spec.stream } : {}),
  }
}
