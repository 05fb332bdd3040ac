import { randomUUID } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Router } from 'express'
import { API, type Api, type ResponseBody } from '../api/index.js'
import { importReadings, inferMapping, isSignedBatchFile } from '../pipelines/index.js'
import { reply } from './contract-route.js'
import { parseInput } from './validation-error.js'
import { receiveUpload } from './receive-upload.js'
import { parseMappingField } from './mapping-field.js'

/** Largest file head the preview reads: the first rows are enough to infer and check a mapping. */
export const MAPPING_PREVIEW_BYTES = 1024 * 1024
const PREVIEW_ROWS = 12

/** One row of the preview as the mapping reads it: time, device and each metric's value. */
export type PreviewRow = MappingPreview['rows'][number]
/** The answer of POST /mappings/preview (the API contract's mappingPreviewSchema). */
export type MappingPreview = ResponseBody<Api['previewMapping']>

/**
 * POST /mappings/preview (multipart: `file`, the head of the seller's file, and optionally
 * `mapping`): the mapping `assay map` would infer, or the seller's edited one checked, and the
 * first rows parsed with it, so the Sell page can show what will be published before uploading.
 */
export function mappingRoutes(api: { workDir: string }): Router {
  const router = Router()
  router.post('/mappings/preview', async (req, res, next) => {
    const dir = join(api.workDir, 'previews', randomUUID())
    try {
      const { file, fields: received } = await receiveUpload(req, dir, MAPPING_PREVIEW_BYTES)
      const fields = parseInput(API.previewMapping.form, received, 'form')
      if (await isSignedBatchFile(file)) {
        const notes = ['device-signed batches: published exactly as the devices signed them, no mapping needed']
        const preview: MappingPreview = { kind: 'signed-batches', notes, columns: [], sample: [], rows: [], problems: [] }
        return reply(res, API.previewMapping, 200, preview)
      }
      const inferred = await inferMapping(file)
      const mapping = parseMappingField(fields.mapping) ?? inferred.mapping
      // The page sends the file's head cut at a line end, so every problem here is a real one.
      const imported = await importReadings(file, mapping, { skipBadRows: true, maxRows: 200, keepProblems: 10 })
      const byRow = new Map<string, PreviewRow>()
      for (const s of imported.series) {
        s.times.forEach((time, i) => {
          const key = `${s.device}\u0000${time}`
          const row = byRow.get(key) ?? { time, device: s.device, values: {} }
          row.values[s.metric.name] = s.values[i]!
          byRow.set(key, row)
        })
      }
      const rows = [...byRow.values()].sort((a, b) => a.time - b.time || a.device.localeCompare(b.device)).slice(0, PREVIEW_ROWS)
      const preview: MappingPreview = {
        kind: 'table',
        mapping,
        notes: inferred.notes,
        columns: Object.keys(inferred.sample[0]?.fields ?? {}),
        sample: inferred.sample.slice(0, 5).map((r) => ({ line: r.line, fields: r.fields })),
        rows,
        problems: imported.problems.map(({ line, column, message }) => ({ line, column, message })),
      }
      reply(res, API.previewMapping, 200, preview)
    } catch (err) {
      next(err)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
  return router
}
