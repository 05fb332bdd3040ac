import { Router } from 'express'
import { ZeroAddress } from 'ethers'
import { z } from 'zod'
import { deviceIdOf, isDevicePublicKey } from '../circuits/index.js'
import { AssayError, fieldElementSchema } from '../core/index.js'
import { ContractError, type ChainClient } from '../contracts/index.js'
import { parseInput, ValidationError } from './validation-error.js'

/** What the device routes need: the node's chain client and the account it signs with. */
export interface DevicesApi {
  chain: Pick<ChainClient, 'registerDevice' | 'deviceOf' | 'canPublish'>
  owner: string
}

/** The device is registered to another account (409). */
export class DeviceOwnedError extends AssayError {
  constructor(deviceId: bigint, owner: string) {
    super(`device ${deviceId} is already registered to ${owner}`)
    this.name = 'DeviceOwnedError'
  }
}

/** POST /devices body. */
export const registerDeviceSchema = z.strictObject({
  publicKey: z.strictObject({ x: fieldElementSchema, y: fieldElementSchema }),
  label: z.string().trim().max(200).optional(),
})

/**
 * POST /devices registers a device's public key to the node's account (the key file stays with
 * its owner: only the public key travels); GET /devices/:id says who owns a device and whether
 * this node may publish its batches.
 */
export function deviceRoutes(api: DevicesApi): Router {
  const router = Router()

  router.post('/devices', async (req, res, next) => {
    try {
      const body = parseInput(registerDeviceSchema, req.body, 'body')
      const Ax = BigInt(body.publicKey.x)
      const Ay = BigInt(body.publicKey.y)
      if (!(await isDevicePublicKey(Ax, Ay))) throw new ValidationError('publicKey: not a point of Baby Jubjub (see `assay device create`)')
      const deviceId = await deviceIdOf(Ax, Ay)
      const current = await api.chain.deviceOf(deviceId)
      if (current.owner !== ZeroAddress) {
        if (current.owner.toLowerCase() !== api.owner.toLowerCase()) throw new DeviceOwnedError(deviceId, current.owner)
        return void res.json({ deviceId: deviceId.toString(), owner: current.owner, alreadyRegistered: true })
      }
      try {
        const tx = await api.chain.registerDevice(Ax, Ay, body.label ?? '')
        res.status(201).json({ deviceId: deviceId.toString(), owner: api.owner, txHash: tx.txHash, alreadyRegistered: false })
      } catch (err) {
        // Somebody registered it between our read and our transaction.
        if (err instanceof ContractError && err.errorName === 'DeviceAlreadyRegistered')
          throw new DeviceOwnedError(deviceId, (await api.chain.deviceOf(deviceId)).owner)
        throw err
      }
    } catch (err) {
      next(err)
    }
  })

  router.get('/devices/:id', async (req, res, next) => {
    try {
      const id = fieldElementSchema.safeParse(req.params.id)
      if (!id.success) throw new ValidationError('id: must be a decimal device id')
      const deviceId = BigInt(id.data)
      const d = await api.chain.deviceOf(deviceId)
      if (d.owner === ZeroAddress) return void res.status(404).json({ error: { name: 'NotFoundError', message: `no device ${deviceId}` } })
      res.json({
        deviceId: deviceId.toString(),
        owner: d.owner,
        registeredAt: Number(d.registeredAt),
        revokedAt: d.revokedAt === 0n ? null : Number(d.revokedAt),
        publishableByThisNode: await api.chain.canPublish(deviceId, api.owner),
      })
    } catch (err) {
      next(err)
    }
  })
  return router
}
