import type { RequestHandler } from 'express'

/** Headers a page on another origin may read from a gateway answer (beyond the CORS-safelisted ones). */
const EXPOSED = [
  'Content-Disposition',
  'Content-Length',
  'Content-Location',
  'ETag',
  'X-Content-Type-Options',
  'X-Ipfs-Path',
  'X-Ipfs-Roots',
  'Vary',
].join(', ')

/**
 * CORS for the read-only trustless gateway: any origin may GET or HEAD public, content-addressed
 * data (clients check every block against its CID, so they need not trust this node) and answer
 * a preflight (OPTIONS) with 204. No credentials: cookies never ride along (`*` forbids them).
 * Mount it on the gateway's paths only; every other route stays same-origin.
 */
export const gatewayCors: RequestHandler = (req, res, next) => {
  res.setHeader('access-control-allow-origin', '*')
  res.setHeader('access-control-expose-headers', EXPOSED)
  if (req.method !== 'OPTIONS') return next()
  res.setHeader('access-control-allow-methods', 'GET, HEAD, OPTIONS')
  res.setHeader('access-control-allow-headers', 'Accept, Cache-Control, If-None-Match, User-Agent, X-Requested-With')
  res.setHeader('access-control-max-age', '86400')
  res.status(204).end()
}
