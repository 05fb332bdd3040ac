import express, { Router } from 'express'
import type { z } from 'zod'
import { API, type Api, type createStreamSchema, type ResponseBody } from '../api/index.js'
import { reply, requestOf } from './contract-route.js'
import {
  IngestBusyError,
  MAX_BATCHES_PER_REQUEST,
  type IngestResult,
  type StreamIngest,
  type StreamSpec,
  type StreamStore,
  UnknownStreamError,
} from '../pipelines/index.js'
import { ValidationError } from './validation-error.js'

/** What the stream routes need from the node. */
export interface StreamsApi {
  store: StreamStore
  ingest: StreamIngest
  /** Creates the stream on-chain with the node's account and keeps its spec. */
  create(input: CreateStreamInput): Promise<StreamSpec & { txHash: string }>
}

/** POST /streams body, after defaults. */
export type CreateStreamInput = z.output<typeof createStreamSchema>

/** A stream as GET /streams/:id shows it (GET /streams lists them without `windows`). */
export type StreamView = ResponseBody<Api['stream']>

function view(api: StreamsApi, spec: StreamSpec): StreamView {
  const windows = api.store.windows(spec.streamId)
  return {
    ...spec,
    lastReading: api.store.lastReading(spec.streamId) ?? null,
    windowsPublished: windows.filter((w) => w.state === 'published').length,
    windows,
  }
}

/**
 * POST /streams (create), GET /streams, GET /streams/:id (terms, windows, live status), and
 * POST /streams/:id/readings: signed batches, one JSON object per line; each is checked and
 * stored before the answer, which gives one result per line (200 when all were taken, 422 when
 * any was refused: the others are kept).
 */
export function streamRoutes(api: StreamsApi): Router {
  const router = Router()
  router.post('/streams', express.json({ limit: '64kb' }), async (req, res, next) => {
    try {
      const { body } = requestOf(API.createStream, req)
      reply(res, API.createStream, 201, await api.create(body))
    } catch (err) {
      next(err)
    }
  })
  router.get('/streams', (_req, res, next) => {
    try {
      // The summary schema leaves each stream's windows out.
      reply(res, API.streams, 200, { streams: api.store.streams().map((s) => view(api, s)) })
    } catch (err) {
      next(err)
    }
  })
  router.get('/streams/:id', (req, res, next) => {
    try {
      const { id } = requestOf(API.stream, req).params
      const spec = api.store.stream(id)
      if (spec === undefined) return next(new UnknownStreamError(id))
      reply(res, API.stream, 200, view(api, spec))
    } catch (err) {
      next(err)
    }
  })
  // A batch holds at most B readings (400 for Groth16, ~20 kB as JSON; 1,152 for UltraHonk): 2 MB
  // takes a device's backlog of dozens of batches, and bounds what a stranger can make the node
  // parse and hash per request (at most 2 MB of readings, whatever B is).
  router.post('/streams/:id/readings', express.text({ type: () => true, limit: '2mb' }), async (req, res, next) => {
    try {
      const text = typeof req.body === 'string' ? req.body : ''
      const trimmed = text.trim()
      // A JSON array of batches is taken too; otherwise one batch per line.
      let lines = text.split('\n').filter((l) => l.trim() !== '')
      if (trimmed.startsWith('[')) {
        try {
          lines = (JSON.parse(trimmed) as unknown[]).map((b) => JSON.stringify(b))
        } catch (err) {
          throw new ValidationError(`body: not a JSON array of batches (${(err as Error).message})`, { cause: err })
        }
      }
      if (lines.length > MAX_BATCHES_PER_REQUEST)
        throw new ValidationError(`body: ${lines.length} batches in one request; send at most ${MAX_BATCHES_PER_REQUEST}`)
      const { id } = requestOf(API.sendReadings, req).params
      const results: IngestResult[] = await api.ingest.ingest(id, lines, { client: req.socket.remoteAddress ?? 'unknown' })
      const accepted = results.filter((r) => r.ok).length
      reply(res, API.sendReadings, accepted === results.length ? 200 : 422, { accepted, rejected: results.length - accepted, results })
    } catch (err) {
      if (err instanceof IngestBusyError) res.setHeader('retry-after', '1')
      next(err)
    }
  })
  return router
}
