import express, { Router } from 'express'
import { z } from 'zod'
import {
  IngestBusyError,
  MAX_BATCHES_PER_REQUEST,
  type IngestResult,
  type StreamIngest,
  type StreamSpec,
  type StreamStore,
  type WindowRecord,
} from '../pipelines/index.js'
import { parseInput, ValidationError } from './validation-error.js'

/** What the stream routes need from the node. */
export interface StreamsApi {
  store: StreamStore
  ingest: StreamIngest
  /** Creates the stream on-chain with the node's account and keeps its spec. */
  create(input: CreateStreamInput): Promise<StreamSpec & { txHash: string }>
}

const decimal = z.string().regex(/^\d{1,78}$/, { message: 'must be a whole number' })
const seconds = z
  .number()
  .int()
  .min(1)
  .max(100 * 365 * 86_400)

/** POST /streams body. */
export const createStreamSchema = z.strictObject({
  title: z.string().trim().min(1).max(200),
  description: z.string().max(10_000).default(''),
  licence: z.string().trim().min(1).max(100).default('CC-BY-4.0'),
  tags: z.array(z.string().trim().min(1).max(40)).max(32).default([]),
  /** Seconds per window. */
  windowSeconds: seconds,
  /** Seconds of access one purchase buys: a whole number of windows (default: one window). */
  periodSeconds: seconds.optional(),
  /** Price per period in wei (or the token's base units). */
  price: decimal,
  paymentToken: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/)
    .optional(),
  graceSeconds: z.number().int().min(0).max(86_400).default(60),
  maxReadings: z.number().int().min(1).max(100_000_000).default(1_000_000),
  deviceIds: z.array(decimal).min(1).max(1000),
  circuitId: z.string().min(1).max(100).optional(),
  /** Start of window 0 (unix seconds); default: now. */
  start: z.number().int().min(0).optional(),
})
export type CreateStreamInput = z.output<typeof createStreamSchema>

/** A stream as GET /streams/:id shows it (GET /streams lists them without `windows`). */
export interface StreamView extends StreamSpec {
  /** Time of the newest accepted reading (unix seconds). */
  lastReading: number | null
  windowsPublished: number
  windows: WindowRecord[]
}

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
      const input = parseInput(createStreamSchema, req.body, 'body')
      res.status(201).json(await api.create(input))
    } catch (err) {
      next(err)
    }
  })
  router.get(
    '/streams',
    (_req, res) => void res.json({ streams: api.store.streams().map((s) => ({ ...view(api, s), windows: undefined })) }),
  )
  router.get('/streams/:id', (req, res) => {
    const spec = api.store.stream(req.params.id)
    if (spec === undefined)
      return void res.status(404).json({ error: { name: 'UnknownStreamError', message: `no stream ${req.params.id}` } })
    res.json(view(api, spec))
  })
  // A batch holds at most B ≤ 400 readings (~20 kB as JSON): 2 MB takes a device's backlog of
  // dozens of batches, and bounds what a stranger can make the node parse per request.
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
      const results: IngestResult[] = await api.ingest.ingest(req.params.id, lines, { client: req.socket.remoteAddress ?? 'unknown' })
      const accepted = results.filter((r) => r.ok).length
      res.status(accepted === results.length ? 200 : 422).json({ accepted, rejected: results.length - accepted, results })
    } catch (err) {
      if (err instanceof IngestBusyError) res.setHeader('retry-after', '1')
      next(err)
    }
  })
  return router
}
