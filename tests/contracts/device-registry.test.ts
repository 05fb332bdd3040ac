import { expect } from 'chai'
import type { Contract } from 'ethers'
import { createDeviceKey, SNARK_FIELD, type DeviceKey } from '../../circuits/index.js'
import { deployAssay, loadFixture, type AssayFixture } from '../helpers/chain.js'

const FIELD = SNARK_FIELD

describe('DeviceRegistry', function () {
  this.timeout(120_000)
  let key: DeviceKey

  async function fixture(): Promise<
    AssayFixture & { owner: AssayFixture['deployer']; other: AssayFixture['deployer']; registry: Contract }
  > {
    const f = await deployAssay()
    return { ...f, owner: f.signers[2]!, other: f.signers[3]!, registry: f.devices }
  }
  const as = (c: Contract, signer: AssayFixture['deployer']): Contract => c.connect(signer) as Contract
  const register = (c: Contract, k: DeviceKey = key) => c.getFunction('register')(k.Ax, k.Ay, 'ipfs://device-meta')

  before(async () => {
    key = await createDeviceKey()
  })

  it('registers a key under Poseidon(Ax, Ay), the id circomlibjs computes and proofs state', async () => {
    const { registry, owner } = await loadFixture(fixture)
    await expect(register(as(registry, owner)))
      .to.emit(registry, 'DeviceRegistered')
      .withArgs(key.deviceId, owner.address, key.Ax, key.Ay, 'ipfs://device-meta')
    const device = await registry.getFunction('deviceOf')(key.deviceId)
    expect(device.owner).to.equal(owner.address)
    expect(device.revokedAt).to.equal(0n)
    expect(await registry.getFunction('canPublish')(key.deviceId, owner.address)).to.equal(true)
    expect(await registry.getFunction('deviceIdOf')(key.Ax, key.Ay)).to.equal(key.deviceId)
  })

  it('rejects a second registration of the same key with DeviceAlreadyRegistered(deviceId)', async () => {
    const { registry, owner, other } = await loadFixture(fixture)
    await register(as(registry, owner))
    await expect(register(as(registry, other)))
      .to.be.revertedWithCustomError(registry, 'DeviceAlreadyRegistered')
      .withArgs(key.deviceId)
  })

  it('rejects a zero or out-of-field key with InvalidPublicKey(ax, ay)', async () => {
    const { registry, owner } = await loadFixture(fixture)
    await expect(as(registry, owner).getFunction('register')(0n, key.Ay, ''))
      .to.be.revertedWithCustomError(registry, 'InvalidPublicKey')
      .withArgs(0n, key.Ay)
    await expect(as(registry, owner).getFunction('register')(key.Ax, FIELD, ''))
      .to.be.revertedWithCustomError(registry, 'InvalidPublicKey')
      .withArgs(key.Ax, FIELD)
  })

  it('lets only the owner revoke, for good: DeviceRevoked, then DeviceIsRevoked(deviceId, revokedAt)', async () => {
    const { registry, owner, other } = await loadFixture(fixture)
    await register(as(registry, owner))
    await expect(as(registry, other).getFunction('revoke')(key.deviceId))
      .to.be.revertedWithCustomError(registry, 'NotDeviceOwner')
      .withArgs(key.deviceId, other.address)
    await expect(as(registry, owner).getFunction('revoke')(key.deviceId))
      .to.emit(registry, 'DeviceRevoked')
      .withArgs(key.deviceId, owner.address)
    const { revokedAt } = await registry.getFunction('deviceOf')(key.deviceId)
    expect(revokedAt).to.be.greaterThan(0n)
    expect(await registry.getFunction('canPublish')(key.deviceId, owner.address)).to.equal(false)
    await expect(as(registry, owner).getFunction('revoke')(key.deviceId))
      .to.be.revertedWithCustomError(registry, 'DeviceIsRevoked')
      .withArgs(key.deviceId, revokedAt)
    await expect(register(as(registry, owner))).to.be.revertedWithCustomError(registry, 'DeviceAlreadyRegistered')
  })

  it('rejects managing a device that was never registered with UnknownDevice(deviceId)', async () => {
    const { registry, owner } = await loadFixture(fixture)
    await expect(as(registry, owner).getFunction('revoke')(123n)).to.be.revertedWithCustomError(registry, 'UnknownDevice').withArgs(123n)
  })

  it('authorises a publisher, and the authorisation lapses when the device changes owner', async () => {
    const { registry, owner, other, signers } = await loadFixture(fixture)
    const gateway = signers[4]!
    await register(as(registry, owner))
    await expect(as(registry, owner).getFunction('setPublisher')(key.deviceId, gateway.address, true))
      .to.emit(registry, 'PublisherAuthorised')
      .withArgs(key.deviceId, gateway.address, true)
    expect(await registry.getFunction('canPublish')(key.deviceId, gateway.address)).to.equal(true)
    await expect(as(registry, owner).getFunction('transferDevice')(key.deviceId, other.address))
      .to.emit(registry, 'DeviceTransferred')
      .withArgs(key.deviceId, owner.address, other.address)
    expect(await registry.getFunction('canPublish')(key.deviceId, gateway.address)).to.equal(false)
    expect(await registry.getFunction('canPublish')(key.deviceId, owner.address)).to.equal(false)
    expect(await registry.getFunction('canPublish')(key.deviceId, other.address)).to.equal(true)
    await expect(as(registry, owner).getFunction('setPublisher')(key.deviceId, gateway.address, true))
      .to.be.revertedWithCustomError(registry, 'NotDeviceOwner')
      .withArgs(key.deviceId, owner.address)
  })

  it('rejects the zero address as new owner or publisher with InvalidAddress(account)', async () => {
    const { registry, owner } = await loadFixture(fixture)
    await register(as(registry, owner))
    const zero = '0x0000000000000000000000000000000000000000'
    await expect(as(registry, owner).getFunction('transferDevice')(key.deviceId, zero))
      .to.be.revertedWithCustomError(registry, 'InvalidAddress')
      .withArgs(zero)
    await expect(as(registry, owner).getFunction('setPublisher')(key.deviceId, zero, true))
      .to.be.revertedWithCustomError(registry, 'InvalidAddress')
      .withArgs(zero)
  })
})
