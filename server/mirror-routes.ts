import express, { Router } from 'express'
import { API } from '../api/index.js'
import { reply, requestOf } from './contract-route.js'
import type { MirrorsApi } from './mirror-service.js'

/**
 * POST /mirrors (the operator's): mirrors a dataset, or every dataset the catalog knows, from
 * another node or a trustless gateway, and answers once it is done. A client that hangs up ends
 * the mirror (what was pinned stays; the next mirror goes on from there).
 */
export function mirrorRoutes(api: MirrorsApi): Router {
  const router = Router()
  router.post('/mirrors', express.json({ limit: '16kb' }), async (req, res, next) => {
    try {
      const { body } = requestOf(API.mirror, req)
      const hangUp = new AbortController()
      res.on('close', () => {
        if (!res.writableFinished) hangUp.abort()
      })
      const report = await api.mirror(
        body.datasetId !== undefined ? { from: body.from, datasetId: BigInt(body.datasetId) } : { from: body.from, all: true },
        { signal: hangUp.signal },
      )
      reply(res, API.mirror, 200, report)
    } catch (err) {
      next(err)
    }
  })
  return router
}
