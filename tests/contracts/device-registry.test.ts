import { buildEddsa } from 'circomlibjs'
import { expect } from 'chai'
import { addPoint, BABYJUB_SUBORDER, BASE8, mulPoint } from '../../circuits/babyjub.js'
import {
  createDeviceKey,
  DEVICE_KEY_FAULTS,
  deviceKeyFault,
  signEddsaPoseidon,
  SNARK_FIELD,
  type DeviceKey,
  type DeviceKeyFault,
} from '../../circuits/index.js'
import { deviceRegistrationMessage, type DeviceRegistry, type PossessionProof, type TypedContract } from '../../contracts/index.js'
import { loadFixture, type AssayFixture } from '../helpers/chain.js'
import { connected, deployTypedAssay, type TypedAssay } from '../helpers/typed-assay.js'

const FIELD = SNARK_FIELD
type Signer = AssayFixture['deployer']
type Point = [bigint, bigint]
type Registry = TypedContract<DeviceRegistry>

/** A point of order 8; its multiples are the curve's 8 small-order points (checked in babyjub.test.ts). */
const ORDER_8: Point = [
  17545522957889784193459637215142187266023652151580582754000402781682644312291n,
  4826523245007015323400664741523384119579596407052839571721035538011798951543n,
]
const SMALL_ORDER: Point[] = [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n].map((k) => mulPoint(ORDER_8, k))
/** DeviceRegistry's DeviceKeyFault enum value of a fault. */
const faultCode = (fault: DeviceKeyFault): number => DEVICE_KEY_FAULTS.indexOf(fault)

describe('DeviceRegistry', function () {
  this.timeout(120_000)
  let key: DeviceKey

  async function fixture(): Promise<TypedAssay & { owner: Signer; other: Signer; registry: Registry }> {
    const f = await deployTypedAssay()
    return { ...f, owner: f.signers[2]!, other: f.signers[3]!, registry: f.devices }
  }
  const chainId = async (registry: Registry): Promise<bigint> => (await registry.runner!.provider!.getNetwork()).chainId

  /** `k`'s proof for `owner` (nonce, chain and registry as given, else the registry's own). */
  async function proofOf(
    registry: Registry,
    owner: Signer,
    k: Pick<DeviceKey, 'privateKey'>,
    terms: { nonce?: bigint; chainId?: bigint; registry?: string } = {},
  ): Promise<PossessionProof> {
    const nonce = terms.nonce ?? (await registry.registrationNonce(owner.address))
    const message = deviceRegistrationMessage({
      owner: owner.address,
      chainId: terms.chainId ?? (await chainId(registry)),
      registry: terms.registry ?? (await registry.getAddress()),
      nonce,
    })
    return { nonce, ...(await signEddsaPoseidon(k.privateKey, message)) }
  }
  const struct = (p: PossessionProof) => ({ nonce: p.nonce, r8x: p.R8x, r8y: p.R8y, s: p.S })
  const registerWith = (registry: Registry, signer: Signer, A: Point, proof: PossessionProof, uri = 'ipfs://device-meta') =>
    connected(registry, signer).register(A[0], A[1], struct(proof), uri)
  const register = async (registry: Registry, signer: Signer, k: DeviceKey = key) =>
    registerWith(registry, signer, [k.Ax, k.Ay], await proofOf(registry, signer, k))

  before(async () => {
    key = await createDeviceKey()
  })

  describe('registration', () => {
    it('registers a key under Poseidon(Ax, Ay), the id circomlibjs computes and proofs state', async () => {
      const { registry, owner } = await loadFixture(fixture)
      await expect(register(registry, owner))
        .to.emit(registry, 'DeviceRegistered')
        .withArgs(key.deviceId, owner.address, key.Ax, key.Ay, 'ipfs://device-meta')
      const device = await registry.deviceOf(key.deviceId)
      expect(device.owner).to.equal(owner.address)
      expect(device.revokedAt).to.equal(0n)
      expect(await registry.canPublish(key.deviceId, owner.address)).to.equal(true)
      expect(await registry.deviceIdOf(key.Ax, key.Ay)).to.equal(key.deviceId)
    })

    it('takes a signature made by circomlibjs eddsa.signPoseidon itself, and moves the owner’s nonce on', async () => {
      const { registry, owner } = await loadFixture(fixture)
      const eddsa = await buildEddsa()
      expect(await registry.registrationNonce(owner.address)).to.equal(0n)
      for (let i = 0; i < 3; i++) {
        const k = await createDeviceKey()
        const message = await registry.registrationMessage(owner.address, BigInt(i))
        const sig = eddsa.signPoseidon(k.privateKey, eddsa.F.e(message))
        const proof = { nonce: BigInt(i), R8x: eddsa.F.toObject(sig.R8[0]), R8y: eddsa.F.toObject(sig.R8[1]), S: sig.S }
        await expect(registerWith(registry, owner, [k.Ax, k.Ay], proof, ''))
          .to.emit(registry, 'DeviceRegistered')
          .withArgs(k.deviceId, owner.address, k.Ax, k.Ay, '')
        expect(await registry.registrationNonce(owner.address)).to.equal(BigInt(i + 1))
      }
    })

    it('computes the registration message the TypeScript client signs', async () => {
      const { registry, owner, other } = await loadFixture(fixture)
      for (const [who, nonce] of [
        [owner, 0n],
        [other, 7n],
      ] as const) {
        const mirror = deviceRegistrationMessage({
          owner: who.address,
          chainId: await chainId(registry),
          registry: await registry.getAddress(),
          nonce,
        })
        expect(await registry.registrationMessage(who.address, nonce)).to.equal(mirror)
        expect(mirror < FIELD).to.equal(true)
      }
    })

    it('rejects a second registration of the same key with DeviceAlreadyRegistered(deviceId)', async () => {
      const { registry, owner, other } = await loadFixture(fixture)
      const proof = await proofOf(registry, owner, key)
      await registerWith(registry, owner, [key.Ax, key.Ay], proof)
      await expect(register(registry, other)).to.be.revertedWithCustomError(registry, 'DeviceAlreadyRegistered').withArgs(key.deviceId)
      // The same transaction again: the id is taken before the nonce is even looked at.
      await expect(registerWith(registry, owner, [key.Ax, key.Ay], proof))
        .to.be.revertedWithCustomError(registry, 'DeviceAlreadyRegistered')
        .withArgs(key.deviceId)
    })

    // docs/contracts.md quotes the figure: ~730k (subgroup check ~200k, signature check ~240k, PoseidonT6 ~175k).
    it('costs under 800k gas', async () => {
      const { registry, owner } = await loadFixture(fixture)
      const receipt = await (await register(registry, owner)).wait()
      expect(Number(receipt!.gasUsed)).to.be.within(500_000, 800_000)
    })
  })

  describe('device keys', () => {
    it('rejects keys off the curve or out of the field with InvalidDeviceKey(ax, ay, NotOnCurve)', async () => {
      const { registry, owner } = await loadFixture(fixture)
      const proof = await proofOf(registry, owner, key)
      for (const A of [
        [0n, 0n],
        [0n, key.Ay],
        [key.Ax, key.Ay + 1n],
        [key.Ax, key.Ay + FIELD],
        [key.Ax, FIELD],
        [FIELD, 1n],
      ] as Point[]) {
        expect(deviceKeyFault(A)).to.equal('not-on-curve')
        await expect(registerWith(registry, owner, A, proof))
          .to.be.revertedWithCustomError(registry, 'InvalidDeviceKey')
          .withArgs(A[0], A[1], faultCode('not-on-curve'))
      }
    })

    it('rejects each of the 8 small-order points with InvalidDeviceKey(ax, ay, SmallOrder)', async () => {
      const { registry, owner } = await loadFixture(fixture)
      const proof = await proofOf(registry, owner, key)
      for (const A of SMALL_ORDER) {
        expect(deviceKeyFault(A)).to.equal('small-order')
        await expect(registerWith(registry, owner, A, proof))
          .to.be.revertedWithCustomError(registry, 'InvalidDeviceKey')
          .withArgs(A[0], A[1], faultCode('small-order'))
      }
    })

    it('rejects a key outside the prime-order subgroup with InvalidDeviceKey(ax, ay, NotInSubgroup)', async () => {
      const { registry, owner } = await loadFixture(fixture)
      const proof = await proofOf(registry, owner, key)
      // A device key plus a small-order point: 8·A is a device key's, so a signature check alone would pass.
      for (const A of [
        addPoint([key.Ax, key.Ay], SMALL_ORDER[1]!),
        addPoint(BASE8, SMALL_ORDER[4]!),
        addPoint(mulPoint(BASE8, 5n), SMALL_ORDER[2]!),
      ]) {
        expect(deviceKeyFault(A)).to.equal('not-in-subgroup')
        await expect(registerWith(registry, owner, A, proof))
          .to.be.revertedWithCustomError(registry, 'InvalidDeviceKey')
          .withArgs(A[0], A[1], faultCode('not-in-subgroup'))
      }
    })

    it('accepts keys made by circomlibjs prv2pub (always in the subgroup), as the TypeScript rule does', async () => {
      const { registry, owner } = await loadFixture(fixture)
      for (let i = 0; i < 4; i++) {
        const k = await createDeviceKey()
        expect(deviceKeyFault([k.Ax, k.Ay])).to.equal(undefined)
        await expect(register(registry, owner, k)).to.emit(registry, 'DeviceRegistered')
      }
    })
  })

  describe('proof of possession', () => {
    it('rejects a proof signed by another key with InvalidPossessionProof(deviceId, owner, nonce)', async () => {
      const { registry, owner } = await loadFixture(fixture)
      const squatter = await createDeviceKey()
      await expect(registerWith(registry, owner, [key.Ax, key.Ay], await proofOf(registry, owner, squatter)))
        .to.be.revertedWithCustomError(registry, 'InvalidPossessionProof')
        .withArgs(key.deviceId, owner.address, 0n)
    })

    it('rejects a proof made for another owner: a front-runner cannot take the owner’s registration', async () => {
      const { registry, owner, other } = await loadFixture(fixture)
      const proof = await proofOf(registry, owner, key)
      await expect(registerWith(registry, other, [key.Ax, key.Ay], proof))
        .to.be.revertedWithCustomError(registry, 'InvalidPossessionProof')
        .withArgs(key.deviceId, other.address, 0n)
      await expect(registerWith(registry, owner, [key.Ax, key.Ay], proof)).to.emit(registry, 'DeviceRegistered')
    })

    it('rejects a proof made for another chain or another registry with InvalidPossessionProof', async () => {
      const { registry, owner, datasets } = await loadFixture(fixture)
      const foreign = [
        await proofOf(registry, owner, key, { chainId: (await chainId(registry)) + 1n }),
        await proofOf(registry, owner, key, { registry: await datasets.getAddress() }),
      ]
      for (const proof of foreign)
        await expect(registerWith(registry, owner, [key.Ax, key.Ay], proof))
          .to.be.revertedWithCustomError(registry, 'InvalidPossessionProof')
          .withArgs(key.deviceId, owner.address, 0n)
    })

    it('rejects a replayed or early proof (another nonce) with InvalidRegistrationNonce(owner, nonce, expected)', async () => {
      const { registry, owner } = await loadFixture(fixture)
      const second = await createDeviceKey()
      const stale = await proofOf(registry, owner, second) // signed for nonce 0
      await register(registry, owner) // takes nonce 0
      await expect(registerWith(registry, owner, [second.Ax, second.Ay], stale))
        .to.be.revertedWithCustomError(registry, 'InvalidRegistrationNonce')
        .withArgs(owner.address, 0n, 1n)
      await expect(registerWith(registry, owner, [second.Ax, second.Ay], await proofOf(registry, owner, second, { nonce: 2n })))
        .to.be.revertedWithCustomError(registry, 'InvalidRegistrationNonce')
        .withArgs(owner.address, 2n, 1n)
      // A proof whose nonce field is moved on but whose signature is for the old nonce.
      await expect(registerWith(registry, owner, [second.Ax, second.Ay], { ...stale, nonce: 1n }))
        .to.be.revertedWithCustomError(registry, 'InvalidPossessionProof')
        .withArgs(second.deviceId, owner.address, 1n)
      await expect(register(registry, owner, second)).to.emit(registry, 'DeviceRegistered')
    })

    it('rejects malformed signatures (S out of range, R8 off the curve, S + SUBORDER) with InvalidPossessionProof', async () => {
      const { registry, owner } = await loadFixture(fixture)
      const good = await proofOf(registry, owner, key)
      for (const proof of [
        { ...good, S: good.S + BABYJUB_SUBORDER },
        { ...good, S: (good.S + 1n) % BABYJUB_SUBORDER },
        { ...good, R8y: good.R8y + 1n },
        { ...good, R8x: good.R8x + FIELD },
        { ...good, R8x: 0n, R8y: 1n, S: 0n },
      ])
        await expect(registerWith(registry, owner, [key.Ax, key.Ay], proof))
          .to.be.revertedWithCustomError(registry, 'InvalidPossessionProof')
          .withArgs(key.deviceId, owner.address, 0n)
      await expect(registerWith(registry, owner, [key.Ax, key.Ay], good)).to.emit(registry, 'DeviceRegistered')
    })
  })

  describe('management', () => {
    it('lets only the owner revoke, for good: DeviceRevoked, then DeviceIsRevoked(deviceId, revokedAt)', async () => {
      const { registry, owner, other } = await loadFixture(fixture)
      await register(registry, owner)
      await expect(connected(registry, other).revoke(key.deviceId))
        .to.be.revertedWithCustomError(registry, 'NotDeviceOwner')
        .withArgs(key.deviceId, other.address)
      await expect(connected(registry, owner).revoke(key.deviceId)).to.emit(registry, 'DeviceRevoked').withArgs(key.deviceId, owner.address)
      const { revokedAt } = await registry.deviceOf(key.deviceId)
      expect(revokedAt).to.be.greaterThan(0n)
      expect(await registry.canPublish(key.deviceId, owner.address)).to.equal(false)
      await expect(connected(registry, owner).revoke(key.deviceId))
        .to.be.revertedWithCustomError(registry, 'DeviceIsRevoked')
        .withArgs(key.deviceId, revokedAt)
      await expect(register(registry, owner)).to.be.revertedWithCustomError(registry, 'DeviceAlreadyRegistered')
    })

    it('rejects managing a device that was never registered with UnknownDevice(deviceId)', async () => {
      const { registry, owner } = await loadFixture(fixture)
      await expect(connected(registry, owner).revoke(123n)).to.be.revertedWithCustomError(registry, 'UnknownDevice').withArgs(123n)
    })

    it('authorises a publisher, and the authorisation lapses when the device changes owner', async () => {
      const { registry, owner, other, signers } = await loadFixture(fixture)
      const gateway = signers[4]!
      await register(registry, owner)
      await expect(connected(registry, owner).setPublisher(key.deviceId, gateway.address, true))
        .to.emit(registry, 'PublisherAuthorised')
        .withArgs(key.deviceId, gateway.address, true)
      expect(await registry.canPublish(key.deviceId, gateway.address)).to.equal(true)
      await expect(connected(registry, owner).transferDevice(key.deviceId, other.address))
        .to.emit(registry, 'DeviceTransferred')
        .withArgs(key.deviceId, owner.address, other.address)
      expect(await registry.canPublish(key.deviceId, gateway.address)).to.equal(false)
      expect(await registry.canPublish(key.deviceId, owner.address)).to.equal(false)
      expect(await registry.canPublish(key.deviceId, other.address)).to.equal(true)
      await expect(connected(registry, owner).setPublisher(key.deviceId, gateway.address, true))
        .to.be.revertedWithCustomError(registry, 'NotDeviceOwner')
        .withArgs(key.deviceId, owner.address)
    })

    it('lists an account’s registrations, those it was transferred included (the chain client’s deviceRegistrationsOf)', async () => {
      const f = await loadFixture(fixture)
      const { registry, owner, other } = f
      const client = f.client(owner)
      const [mine, theirs, kept] = [key, await createDeviceKey(), await createDeviceKey()]
      expect(await client.deviceRegistrationsOf(owner.address)).to.deep.equal([])
      await register(registry, owner, mine)
      await register(registry, other, theirs)
      await register(registry, other, kept)
      await (await connected(registry, other).transferDevice(theirs.deviceId, owner.address)).wait()
      const listed = await client.deviceRegistrationsOf(owner.address)
      expect(listed.map((r) => [r.deviceId, r.registeredBy, r.Ax, r.Ay, r.label])).to.deep.equal([
        [mine.deviceId, owner.address, mine.Ax, mine.Ay, 'ipfs://device-meta'],
        [theirs.deviceId, other.address, theirs.Ax, theirs.Ay, 'ipfs://device-meta'],
      ])
      expect(listed.every((r) => /^0x[0-9a-f]{64}$/.test(r.txHash) && r.blockNumber > 0)).to.equal(true)
      expect((await client.deviceRegistrationsOf(other.address)).map((r) => r.deviceId)).to.deep.equal([theirs.deviceId, kept.deviceId])
    })

    it('rejects the zero address as new owner or publisher with InvalidAddress(account)', async () => {
      const { registry, owner } = await loadFixture(fixture)
      await register(registry, owner)
      const zero = '0x0000000000000000000000000000000000000000'
      await expect(connected(registry, owner).transferDevice(key.deviceId, zero))
        .to.be.revertedWithCustomError(registry, 'InvalidAddress')
        .withArgs(zero)
      await expect(connected(registry, owner).setPublisher(key.deviceId, zero, true))
        .to.be.revertedWithCustomError(registry, 'InvalidAddress')
        .withArgs(zero)
    })
  })
})
