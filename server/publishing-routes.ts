import { randomUUID } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Router, type Request, type Response } from 'express'
import type { z } from 'zod'
import { API, publishFieldsSchema, splitsSchema } from '../api/index.js'
import { checkedBody, reply, requestOf } from './contract-route.js'
import type { ImportMapping } from '../core/index.js'
import type { ProofSystem } from '../circuits/index.js'
import { parseMappingField } from './mapping-field.js'
import { receiveUpload } from './receive-upload.js'
import { parseInput, ValidationError } from './validation-error.js'
import {
  inferMapping,
  isSignedBatchFile,
  Publication,
  type ListPublicationsOptions,
  type PublicationSpec,
  type PublicationStatus,
  type PublicationSummary,
} from '../pipelines/index.js'
import { NotFoundError } from './not-found-error.js'

/** What the publishing routes need from the node. */
export interface PublishingApi {
  /** Folder for uploads and publication workspaces. */
  workDir: string
  /** Largest accepted upload in bytes. */
  maxUploadBytes: number
  submit(publication: Publication): Promise<string>
  status(id: string): Promise<PublicationStatus | undefined>
  /** One page of the node's publications, newest first: at most `limit` (1–100), after `offset`. */
  list(options: Required<ListPublicationsOptions>): Promise<{ total: number; items: PublicationSummary[] }>
  /**
   * Submits a failed publication again, keeping what it had finished; undefined for an unknown id.
   * @throws {PublicationNotFailedError} @throws {PublicationBusyError}
   */
  retry(id: string): Promise<string | undefined>
  /** The proof system of publications whose form names none (the node's ASSAY_PROVER; default groth16). */
  defaultProofSystem?: ProofSystem
}

/**
 * POST /datasets (multipart upload → a publication job), GET /jobs (the publications, newest
 * first), GET /jobs/:id, GET /jobs/:id/events (SSE), POST /jobs/:id/retry (a failed publication,
 * from where it stopped).
 */
export function publishingRoutes(api: PublishingApi): Router {
  const router = Router()

  router.post('/datasets', async (req, res, next) => {
    const id = `pub-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`
    const uploadDir = join(api.workDir, 'uploads', id)
    try {
      const { file, fields } = await receiveUpload(req, uploadDir, api.maxUploadBytes)
      const f = parseInput(publishFieldsSchema, fields, 'form')
      let mapping: ImportMapping | undefined = parseMappingField(f.mapping)
      const signed = await isSignedBatchFile(file)
      // Signed batches carry their own encoding; anything else gets the mapping `assay map` would infer.
      if (mapping === undefined && !signed) mapping = (await inferMapping(file)).mapping
      // Devices signed one circuit's commitments: a signed file proves with that circuit's system
      // unless the seller names one (which must then be it); other files take the node's default.
      const prover =
        f.prover === 'honk' ? 'ultrahonk' : f.prover === 'groth16' ? 'groth16' : signed ? undefined : (api.defaultProofSystem ?? 'groth16')
      let splits: z.infer<typeof splitsSchema> | undefined
      if (f.splits !== undefined && f.splits.trim() !== '') {
        const s = splitsSchema.safeParse(JSON.parse(f.splits))
        if (!s.success) throw new ValidationError(`splits: ${s.error.issues[0]!.message}`)
        splits = s.data
      }
      const spec: Omit<PublicationSpec, 'sourceName' | 'createdAt'> = {
        title: f.title,
        description: f.description,
        licence: f.licence,
        tags: f.tags,
        ...(prover !== undefined ? { proofSystem: prover } : {}),
        ...(mapping !== undefined ? { mapping } : {}),
        ...(f.price !== undefined
          ? {
              listing: {
                price: f.price,
                ...(f.paymentToken !== undefined ? { paymentToken: f.paymentToken } : {}),
                ...(f.accessPeriod !== undefined ? { accessPeriod: f.accessPeriod } : {}),
                ...(splits !== undefined ? { splits } : {}),
              },
            }
          : {}),
      }
      const publication = await Publication.create(join(api.workDir, 'publications', id), file, spec)
      await rm(uploadDir, { recursive: true, force: true })
      const jobId = await api.submit(publication)
      reply(res, API.publishDataset, 202, { jobId, status: `/jobs/${jobId}`, events: `/jobs/${jobId}/events` })
    } catch (err) {
      await rm(uploadDir, { recursive: true, force: true })
      next(err)
    }
  })

  router.get('/jobs', async (req, res, next) => {
    try {
      const { limit, offset } = requestOf(API.publications, req).query
      const { total, items } = await api.list({ limit, offset })
      // The bound holds whatever the job store returns.
      reply(res, API.publications, 200, { total, limit, offset, items: items.slice(0, limit) })
    } catch (err) {
      next(err)
    }
  })

  router.get('/jobs/:id', async (req, res, next) => {
    try {
      const { id } = requestOf(API.publication, req).params
      const status = await api.status(id)
      if (status === undefined) return next(new NotFoundError(`no job ${id}`))
      reply(res, API.publication, 200, status)
    } catch (err) {
      next(err)
    }
  })

  router.post('/jobs/:id/retry', async (req, res, next) => {
    try {
      const { id } = requestOf(API.retryPublication, req).params
      const jobId = await api.retry(id)
      if (jobId === undefined) return next(new NotFoundError(`no job ${id}`))
      reply(res, API.retryPublication, 202, { jobId, status: `/jobs/${jobId}`, events: `/jobs/${jobId}/events` })
    } catch (err) {
      next(err)
    }
  })

  router.get('/jobs/:id/events', async (req, res, next) => {
    try {
      const { id } = requestOf(API.publicationEvents, req).params
      const first = await api.status(id)
      if (first === undefined) return next(new NotFoundError(`no job ${id}`))
      streamStatus(req, res, id, api)
    } catch (err) {
      next(err)
    }
  })
  return router
}

/** Server-sent events: `progress` on every change, then `done` or `failed`, then the stream ends. */
function streamStatus(req: Request, res: Response, id: string, api: PublishingApi): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
  let last = ''
  // A client gone before this point (during the first status lookup) left no 'close' to hear:
  // the response's own state says so.
  let closed = res.destroyed
  req.on('close', () => (closed = true))
  const tick = async (): Promise<void> => {
    while (!closed && !res.destroyed) {
      const status = await api.status(id)
      if (status === undefined) break
      const text = JSON.stringify(checkedBody(API.publication, 200, status))
      if (text !== last) {
        last = text
        res.write(`event: progress\ndata: ${text}\n\n`)
      }
      if (status.result !== undefined || status.failedReason !== undefined) {
        res.write(`event: ${status.result !== undefined ? 'done' : 'failed'}\ndata: ${text}\n\n`)
        break
      }
      await new Promise((r) => setTimeout(r, 400))
    }
    res.end()
  }
  tick().catch(() => res.end())
}
