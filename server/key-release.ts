import express, { Router, type ErrorRequestHandler, type Request } from 'express'
import { SigningKey } from 'ethers'
import { API } from '../api/index.js'
import { reply } from './contract-route.js'
import { parseInput } from './validation-error.js'
import { computeKeyCommitment } from '../circuits/index.js'
import { AssayError, type Manifest } from '../core/index.js'
import { recoverKeyRequestSigner, type ChainClient, type Deployment, type KeyRequest } from '../contracts/index.js'
import { wrapKey } from '../storage/node.js'
import type { AuditLog } from './audit-log.js'
import type { NonceStore } from './nonce-store.js'

/** How far ahead a request's expiry may lie: a signed request is a bearer token until then. */
export const MAX_REQUEST_LIFETIME_S = 3_600

export interface KeyReleaseComponents {
  deployment: Pick<Deployment, 'chainId' | 'contracts'>
  chain: Pick<ChainClient, 'hasAccess'>
  /** The anchored dataset's manifest, checked against its anchor; undefined when not anchored (or invalid). */
  manifestOf(datasetId: bigint): Manifest | undefined | Promise<Manifest | undefined>
  /** Accounts whose data keys this node can open (the node's own account). */
  sellers: ReadonlySet<string>
  /** Opens the seller's copy of a data key (`encryption.sellerWrappedKey`, wrapped to the seller's key). */
  unwrapSellerKey(wrapped: Uint8Array): Uint8Array
  nonces: NonceStore
  audit: AuditLog
  now?: () => number
}

/** The request is malformed, names another dataset, or lives too long (400). */
export class KeyRequestError extends AssayError {
  override readonly category = 'bad-input' as const
  constructor(message: string) {
    super(message)
    this.name = 'KeyRequestError'
  }
}
/** The request's expiry has passed (400). */
export class KeyRequestExpiredError extends AssayError {
  override readonly category = 'bad-input' as const
  constructor(expiry: bigint, now: number) {
    super(`the request expired at ${expiry} (now ${now}); sign a new one`)
    this.name = 'KeyRequestExpiredError'
  }
}
/** The signature is not the buyer's for this request, chain and market (401). */
export class KeyRequestSignatureError extends AssayError {
  override readonly category = 'unauthorised' as const
  constructor(message: string) {
    super(message)
    this.name = 'KeyRequestSignatureError'
  }
}
/** This buyer already used this nonce (409): a replay, or a client that reused one. */
export class NonceReusedError extends AssayError {
  override readonly category = 'conflict' as const
  constructor(nonce: string) {
    super(`nonce ${nonce} was already used; every request needs a fresh one`)
    this.name = 'NonceReusedError'
  }
}
/** The buyer holds no valid access token for the dataset (403). */
export class NoAccessError extends AssayError {
  override readonly category = 'forbidden' as const
  constructor(buyer: string, datasetId: bigint) {
    super(`${buyer} has no access to dataset ${datasetId} (buy it, or renew an expired access)`)
    this.name = 'NoAccessError'
  }
}
/** The dataset is unknown here, or its key is held by another node (404). */
export class KeyNotHeldError extends AssayError {
  override readonly category = 'not-found' as const
  constructor(datasetId: bigint, why: string) {
    super(`dataset ${datasetId}: ${why}`)
    this.name = 'KeyNotHeldError'
  }
}

/**
 * POST /datasets/:id/key: releases a dataset's data key to a buyer, wrapped (ECIES) to the
 * ephemeral key the buyer's wallet signed. Checks, in order: shape, dataset id, expiry, the
 * EIP-712 signature, the nonce (burnt once the signature is valid), that this node holds the key,
 * and `hasAccess` on-chain. Every release and refusal is appended to the audit log first.
 */
export function keyReleaseRoutes(c: KeyReleaseComponents): Router {
  const router = Router()
  const now = c.now ?? (() => Math.floor(Date.now() / 1000))
  // Keys opened (and checked against their anchored commitment) once per manifest.
  const opened = new Map<string, Uint8Array>()
  const keyOf = async (datasetId: bigint, manifest: Manifest): Promise<Uint8Array> => {
    const cid = manifest.content.ciphertextCid
    let key = opened.get(cid)
    if (key === undefined) {
      key = c.unwrapSellerKey(Buffer.from(manifest.encryption.sellerWrappedKey, 'base64'))
      // The key must open what was anchored; a mismatch is this node's fault, never the buyer's.
      if ((await computeKeyCommitment(key)).toString() !== manifest.encryption.keyCommitment)
        throw new AssayError(`dataset ${datasetId}: the held key does not match its anchored commitment`)
      opened.set(cid, key)
    }
    return key
  }

  const audited = new WeakSet<object>()
  router.post('/datasets/:id/key', express.json({ limit: '16kb' }), async (req, res, next) => {
    const seen: { datasetId?: string; buyer?: string; nonce?: string } = {}
    try {
      const { request, signature, datasetId } = parse(req)
      Object.assign(seen, { datasetId: datasetId.toString(), buyer: request.buyer, nonce: request.nonce })
      const t = now()
      if (request.expiry < BigInt(t)) throw new KeyRequestExpiredError(request.expiry, t)
      if (request.expiry > BigInt(t + MAX_REQUEST_LIFETIME_S))
        throw new KeyRequestError(`expiry: at most ${MAX_REQUEST_LIFETIME_S} s ahead (a signed request works until it expires)`)
      let signer: string
      try {
        signer = recoverKeyRequestSigner(c.deployment, request, signature)
      } catch (err) {
        throw new KeyRequestSignatureError(`signature: ${(err as Error).message.split(' (')[0]}`)
      }
      if (signer.toLowerCase() !== request.buyer.toLowerCase())
        throw new KeyRequestSignatureError('the signature is not the buyer’s for this request, chain and market')
      if (!c.nonces.use(request.buyer, request.nonce, Number(request.expiry))) throw new NonceReusedError(request.nonce)
      const manifest = await c.manifestOf(datasetId)
      if (manifest === undefined) throw new KeyNotHeldError(datasetId, 'not anchored, or its manifest is not readable here')
      if (!c.sellers.has(manifest.owner.toLowerCase()))
        throw new KeyNotHeldError(datasetId, `its key is held by its seller ${manifest.owner}`)
      const isSeller = request.buyer.toLowerCase() === manifest.owner.toLowerCase()
      if (!isSeller && !(await c.chain.hasAccess(request.buyer, datasetId))) throw new NoAccessError(request.buyer, datasetId)
      const key = await keyOf(datasetId, manifest)
      const context = keyContext(c.deployment.chainId, datasetId, request.nonce)
      const wrappedKey = Buffer.from(wrapKey(request.ephemeralPublicKey, key, { context })).toString('base64')
      c.audit.append({ outcome: 'released', reason: 'released', ...seen, remote: req.ip })
      reply(res, API.requestKey, 200, {
        datasetId: datasetId.toString(),
        wrappedKey,
        context,
        keyCommitment: manifest.encryption.keyCommitment,
      })
    } catch (err) {
      c.audit.append({ outcome: 'refused', reason: (err as Error).name ?? 'Error', ...seen, remote: req.ip })
      if (typeof err === 'object' && err !== null) audited.add(err)
      next(err)
    }
  })
  // Refusals before the handler (broken JSON, a body too large) are audited too.
  const auditEarlyRefusal: ErrorRequestHandler = (err: unknown, req, _res, next) => {
    if (typeof err !== 'object' || err === null || !audited.has(err))
      c.audit.append({ outcome: 'refused', reason: (err as Error)?.name ?? 'Error', remote: req.ip })
    next(err)
  }
  router.use('/datasets/:id/key', auditEarlyRefusal)
  return router
}

/** What a released key is wrapped for: one chain, dataset and request. */
export function keyContext(chainId: number, datasetId: bigint, nonce: string): string {
  return `assay-key:${chainId}:${datasetId}:${nonce.toLowerCase()}`
}

function parse(req: Request): { request: KeyRequest; signature: string; datasetId: bigint } {
  // The path is checked after the body, against it: a request names the dataset it was signed for.
  const { request: r, signature } = parseInput(API.requestKey.body, req.body, 'body', (message) => new KeyRequestError(message))
  const pathId = String(req.params.id)
  if (!/^[1-9]\d{0,76}$/.test(pathId) || BigInt(pathId) !== BigInt(r.datasetId))
    throw new KeyRequestError(`request.datasetId ${r.datasetId} is not the dataset in the path (${pathId.slice(0, 80)})`)
  try {
    SigningKey.computePublicKey(r.ephemeralPublicKey, true)
  } catch {
    throw new KeyRequestError('request.ephemeralPublicKey: not a point of secp256k1')
  }
  return {
    request: {
      buyer: r.buyer,
      datasetId: BigInt(r.datasetId),
      ephemeralPublicKey: r.ephemeralPublicKey,
      nonce: r.nonce,
      expiry: BigInt(r.expiry),
    },
    signature,
    datasetId: BigInt(r.datasetId),
  }
}
