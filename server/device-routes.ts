import { Router } from 'express'
import { ZeroAddress } from 'ethers'
import { API } from '../api/index.js'
import { reply, requestOf } from './contract-route.js'
import { deviceIdOf, deviceKeyFault, InvalidDeviceKeyError, verifyEddsaPoseidon } from '../circuits/index.js'
import { AssayError } from '../core/index.js'
import { ContractError, deviceRegistrationMessage, type ChainClient } from '../contracts/index.js'
import { ValidationError } from './validation-error.js'
import { NotFoundError } from './not-found-error.js'

/** What the device routes need: the node's chain client and the account it signs with. */
export interface DevicesApi {
  chain: Pick<ChainClient, 'registerDevice' | 'registrationTerms' | 'deviceOf' | 'canPublish'>
  owner: string
}

/** The device is registered to another account (409). */
export class DeviceOwnedError extends AssayError {
  override readonly category = 'conflict' as const
  constructor(deviceId: bigint, owner: string) {
    super(`device ${deviceId} is already registered to ${owner}`)
    this.name = 'DeviceOwnedError'
  }
}

/**
 * GET /devices/registration says what a device key must sign to be registered to the node's
 * account; POST /devices registers a device's public key with that signature (the key file stays
 * with its owner: only the public key and the signature travel); GET /devices/:id says who owns a
 * device and whether this node may publish its batches.
 */
export function deviceRoutes(api: DevicesApi): Router {
  const router = Router()

  router.get('/devices/registration', async (_req, res, next) => {
    try {
      const t = await api.chain.registrationTerms(api.owner)
      reply(res, API.deviceRegistration, 200, {
        owner: t.owner,
        chainId: t.chainId.toString(),
        registry: t.registry,
        nonce: t.nonce.toString(),
      })
    } catch (err) {
      next(err)
    }
  })

  router.post('/devices', async (req, res, next) => {
    try {
      const { body } = requestOf(API.registerDevice, req)
      const Ax = BigInt(body.publicKey.x)
      const Ay = BigInt(body.publicKey.y)
      const fault = deviceKeyFault([Ax, Ay])
      if (fault !== undefined) {
        const err = new InvalidDeviceKeyError([Ax, Ay], fault)
        throw new ValidationError(`publicKey: ${err.message} (see \`assay device create\`)`, { cause: err })
      }
      const deviceId = await deviceIdOf(Ax, Ay)
      const current = await api.chain.deviceOf(deviceId)
      if (current.owner !== ZeroAddress) {
        if (current.owner.toLowerCase() !== api.owner.toLowerCase()) throw new DeviceOwnedError(deviceId, current.owner)
        return reply(res, API.registerDevice, 200, { deviceId: deviceId.toString(), owner: current.owner, alreadyRegistered: true })
      }
      // Checked here too, so a bad proof costs no gas and is refused by name rather than as a revert.
      const terms = await api.chain.registrationTerms(api.owner)
      const proof = { nonce: BigInt(body.proof.nonce), R8x: BigInt(body.proof.R8x), R8y: BigInt(body.proof.R8y), S: BigInt(body.proof.S) }
      const staleNonce = (current: bigint, cause?: unknown): ValidationError =>
        new ValidationError(
          `proof.nonce: signed for registration nonce ${proof.nonce}, but this node's account is at ${current} (sign GET /devices/registration again)`,
          { cause },
        )
      if (proof.nonce !== terms.nonce) throw staleNonce(terms.nonce)
      if (!(await verifyEddsaPoseidon(deviceRegistrationMessage(terms), proof, [Ax, Ay])))
        throw new ValidationError(`proof: not this device key's signature of the node's registration message (GET /devices/registration)`)
      try {
        const tx = await api.chain.registerDevice(Ax, Ay, body.label ?? '', proof)
        reply(res, API.registerDevice, 201, {
          deviceId: deviceId.toString(),
          owner: api.owner,
          txHash: tx.txHash,
          alreadyRegistered: false,
        })
      } catch (err) {
        // Somebody registered it between our read and our transaction.
        if (err instanceof ContractError && err.errorName === 'DeviceAlreadyRegistered')
          throw new DeviceOwnedError(deviceId, (await api.chain.deviceOf(deviceId)).owner)
        // Another registration by this node's account took the nonce meanwhile.
        if (err instanceof ContractError && err.errorName === 'InvalidRegistrationNonce')
          throw staleNonce((await api.chain.registrationTerms(api.owner)).nonce, err)
        throw err
      }
    } catch (err) {
      next(err)
    }
  })

  router.get('/devices/:id', async (req, res, next) => {
    try {
      const deviceId = BigInt(requestOf(API.device, req).params.id)
      const d = await api.chain.deviceOf(deviceId)
      if (d.owner === ZeroAddress) return next(new NotFoundError(`no device ${deviceId}`))
      reply(res, API.device, 200, {
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
