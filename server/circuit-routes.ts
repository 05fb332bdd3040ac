import { readFile } from 'node:fs/promises'
import { Router } from 'express'
import { getCircuitManifest } from '../circuits/index.js'
import { API } from '../api/index.js'
import { requestOf } from './contract-route.js'
import { NotFoundError } from './not-found-error.js'

/**
 * GET /circuits/:id/vkey.json: a circuit's verification key, for browsers verifying proofs. The
 * node is not trusted for it: clients check its sha256 against the committed artifact manifest.
 */
export function circuitRoutes(api: { vkeyPath: (circuitId: string) => string }): Router {
  const router = Router()
  router.get('/circuits/:id/vkey.json', async (req, res, next) => {
    try {
      const { id } = requestOf(API.verificationKey, req).params
      try {
        getCircuitManifest(id) // only committed circuit ids reach the file system
      } catch (err) {
        return next(new NotFoundError((err as Error).message))
      }
      // Sent as committed, byte for byte: clients check its sha256 against the artifact manifest.
      const bytes = await readFile(api.vkeyPath(id))
      res.set('cache-control', 'public, max-age=3600').type('application/json').send(bytes)
    } catch (err) {
      next(err)
    }
  })
  return router
}
