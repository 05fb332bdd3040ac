import { expect } from 'chai'
import { ZeroAddress } from 'ethers'
import { createDeviceKey, signEddsaPoseidon, type DeviceKey } from '../../circuits/index.js'
import { verifierSlotOf } from '../../contracts/index.js'
import { hardhat, increaseTime, loadFixture, type AssayFixture } from '../helpers/chain.js'
import { connected, deployTypedAssay } from '../helpers/typed-assay.js'

type Signer = AssayFixture['deployer']
const HOUR = 3_600n
const PRICE = 10n ** 16n
const STREAM_BIT = 1n << 255n

describe('DataMarket streams (subscriptions over windows)', function () {
  this.timeout(300_000)
  let device: DeviceKey
  before(async () => {
    device = await createDeviceKey()
  })

  // Stream 1 of `owner`: hourly windows from `start`, sold by the 2-hour period; datasets 1–5 of
  // the owner are ready to be attached as windows 0–4.
  async function fixture() {
    const f = await deployTypedAssay()
    const [owner, subscriber, other, deviceOwner] = [f.signers[2]!, f.signers[3]!, f.signers[4]!, f.signers[5]!]
    await f.client(owner).registerDevice(device.Ax, device.Ay, '', (m) => signEddsaPoseidon(device.privateKey, m))
    for (let i = 1; i <= 5; i++)
      await (
        await connected(f.datasets, owner).publish(
          `bafywindow${i}`,
          BigInt(i),
          2n,
          9000,
          `0x${'00'.repeat(32)}`,
          [device.deviceId],
          0n,
          verifierSlotOf('sensor-stats-b16-v2'),
        )
      ).wait()
    const { ethers } = await hardhat()
    const now = BigInt(((await ethers.provider.send('eth_getBlockByNumber', ['latest', false])) as { timestamp: string }).timestamp)
    const start = now + 100n
    const market = connected(f.market, owner)
    await (
      await market.createStream(
        start,
        HOUR,
        2n * HOUR,
        ZeroAddress,
        PRICE,
        [device.deviceId],
        [{ account: deviceOwner.address, bps: 1000 }],
      )
    ).wait()
    return { ...f, owner, subscriber, other, deviceOwner, start }
  }
  /** Moves the chain's clock to `offset` seconds after the stream's start. */
  const at = async (start: bigint, offset: bigint): Promise<void> => {
    const { ethers } = await hardhat()
    const now = BigInt(((await ethers.provider.send('eth_getBlockByNumber', ['latest', false])) as { timestamp: string }).timestamp)
    await increaseTime(Number(start + offset - now))
  }

  it('creates a stream owned by the caller: StreamCreated with the terms, streamOf and its devices', async () => {
    const { market, owner, start, deviceOwner } = await loadFixture(fixture)
    const s = await market.streamOf(1n)
    expect([s.owner, s.start, s.windowLength, s.period, s.pricePerPeriod]).to.deep.equal([owner.address, start, HOUR, 2n * HOUR, PRICE])
    expect(await market.streamDevices(1n)).to.deep.equal([device.deviceId])
    await expect(connected(market, owner).createStream(0n, 60n, 120n, ZeroAddress, 5n, [], []))
      .to.emit(market, 'StreamCreated')
      .withArgs(2n, owner.address, (t: bigint) => t > 0n, 60n, 120n, ZeroAddress, 5n, [], [])
    void deviceOwner
  })

  it('rejects bad streams with named errors', async () => {
    const { market, owner } = await loadFixture(fixture)
    const create = (window: bigint, period: bigint, price = PRICE) =>
      connected(market, owner).createStream(0n, window, period, ZeroAddress, price, [], [])
    await expect(create(0n, 60n)).to.be.revertedWithCustomError(market, 'InvalidWindow').withArgs(0n, 60n)
    await expect(create(60n, 90n)).to.be.revertedWithCustomError(market, 'InvalidWindow').withArgs(60n, 90n)
    await expect(create(60n, 120n, 0n))
      .to.be.revertedWithCustomError(market, 'InvalidPrice')
      .withArgs(0n)
    await expect(market.streamOf(9n)).to.be.revertedWithCustomError(market, 'UnknownStream').withArgs(9n)
  })

  it('sells a subscription from the window now open: fee, split and owner credited, token minted, Subscribed', async () => {
    const { market, subscriber, owner, treasury, deviceOwner, start } = await loadFixture(fixture)
    await at(start, HOUR + 600n) // inside window 1
    await expect(connected(market, subscriber).subscribe(1n, 2n, PRICE, { value: 2n * PRICE }))
      .to.emit(market, 'Subscribed')
      .withArgs(1n, subscriber.address, ZeroAddress, 2n * PRICE, (2n * PRICE * 250n) / 10_000n, start + HOUR, start + 5n * HOUR)
    const fee = (2n * PRICE * 250n) / 10_000n
    const share = ((2n * PRICE - fee) * 1000n) / 10_000n
    expect(await market.owed(treasury.address, ZeroAddress)).to.equal(fee)
    expect(await market.owed(deviceOwner.address, ZeroAddress)).to.equal(share)
    expect(await market.owed(owner.address, ZeroAddress)).to.equal(2n * PRICE - fee - share)
    expect(await market.balanceOf(subscriber.address, STREAM_BIT | 1n)).to.equal(1n)
    expect(await market.streamTokenId(1n)).to.equal(STREAM_BIT | 1n)
  })

  it('extends an unbroken subscription, and starts a lapsed one again at the current window', async () => {
    const { market, subscriber, start } = await loadFixture(fixture)
    const sub = connected(market, subscriber).subscribe
    await (await sub(1n, 1n, PRICE, { value: PRICE })).wait() // before the start: windows 0–1
    await (await sub(1n, 1n, PRICE, { value: PRICE })).wait() // renewal: windows 2–3
    const s = await market.subscriptionOf(subscriber.address, 1n)
    expect([s.start, s.end]).to.deep.equal([start, start + 4n * HOUR])
    await at(start, 6n * HOUR + 5n) // lapsed; window 6 is open
    await (await sub(1n, 1n, PRICE, { value: PRICE })).wait()
    const again = await market.subscriptionOf(subscriber.address, 1n)
    expect([again.start, again.end]).to.deep.equal([start + 6n * HOUR, start + 8n * HOUR])
  })

  it('refuses wrong payments, a changed price, zero or too many periods, unknown streams', async () => {
    const { market, subscriber } = await loadFixture(fixture)
    const sub = connected(market, subscriber).subscribe
    await expect(sub(1n, 1n, PRICE, { value: PRICE - 1n }))
      .to.be.revertedWithCustomError(market, 'IncorrectPayment')
      .withArgs(PRICE - 1n, PRICE)
    await expect(sub(1n, 1n, PRICE + 1n, { value: PRICE }))
      .to.be.revertedWithCustomError(market, 'StreamPriceMismatch')
      .withArgs(1n, PRICE + 1n, PRICE)
    await expect(sub(1n, 0n, PRICE))
      .to.be.revertedWithCustomError(market, 'InvalidPeriods')
      .withArgs(0n)
    await expect(sub(1n, 1001n, PRICE))
      .to.be.revertedWithCustomError(market, 'InvalidPeriods')
      .withArgs(1001n)
    await expect(sub(7n, 1n, PRICE, { value: PRICE }))
      .to.be.revertedWithCustomError(market, 'UnknownStream')
      .withArgs(7n)
  })

  it('attaches a started window once, by the owner of stream and dataset: WindowPublished, windowOf, windowDataset', async () => {
    const { market, owner, other, start } = await loadFixture(fixture)
    const attach = (s: Signer, window: bigint, dataset: bigint) => connected(market, s).attachWindow(1n, window, dataset)
    await expect(attach(owner, 0n, 1n))
      .to.be.revertedWithCustomError(market, 'WindowNotStarted')
      .withArgs(1n, 0n, start)
    await at(start, HOUR + 1n)
    await expect(attach(owner, 0n, 1n))
      .to.emit(market, 'WindowPublished')
      .withArgs(1n, 0n, 1n)
    expect(await market.windowDataset(1n, 0n)).to.equal(1n)
    expect([...(await market.windowOf(1n))]).to.deep.equal([1n, 0n])
    expect([...(await market.windowOf(2n))]).to.deep.equal([0n, 0n])
    await expect(attach(owner, 0n, 2n))
      .to.be.revertedWithCustomError(market, 'WindowAlreadyPublished')
      .withArgs(1n, 0n, 1n)
    await expect(attach(owner, 1n, 1n))
      .to.be.revertedWithCustomError(market, 'DatasetAlreadyAttached')
      .withArgs(1n)
    await expect(attach(other, 1n, 2n))
      .to.be.revertedWithCustomError(market, 'NotStreamOwner')
      .withArgs(1n, other.address)
    await expect(attach(owner, 2n, 2n)).to.be.revertedWithCustomError(market, 'WindowNotStarted')
  })

  it('gives a subscriber for windows 2–3 exactly those windows, including ones published after the purchase', async () => {
    const { market, owner, subscriber, other, start } = await loadFixture(fixture)
    await at(start, 2n * HOUR + 10n) // window 2 open
    await (await connected(market, owner).attachWindow(1n, 0n, 1n)).wait()
    await (await connected(market, owner).attachWindow(1n, 1n, 2n)).wait()
    await (await connected(market, subscriber).subscribe(1n, 1n, PRICE, { value: PRICE })).wait()
    await at(start, 5n * HOUR)
    for (const [window, dataset] of [
      [2n, 3n],
      [3n, 4n],
      [4n, 5n],
    ] as const)
      await (await connected(market, owner).attachWindow(1n, window, dataset)).wait()
    const access = async (who: string) => Promise.all([1n, 2n, 3n, 4n, 5n].map((d) => market.hasAccess(who, d)))
    expect(await access(subscriber.address)).to.deep.equal([false, false, true, true, false])
    expect(await access(other.address)).to.deep.equal([false, false, false, false, false])
  })

  it('keeps the windows a lapsed subscriber paid for when they renew later: a renewal never loses paid time', async () => {
    const { market, owner, subscriber, start } = await loadFixture(fixture)
    const sub = connected(market, subscriber).subscribe
    await at(start, 10n) // window 0 open: pays for windows 0–1
    await (await sub(1n, 1n, PRICE, { value: PRICE })).wait()
    await at(start, 4n * HOUR + 10n) // lapsed at 2; window 4 open: pays for windows 4–5
    await (await sub(1n, 1n, PRICE, { value: PRICE })).wait()
    const past = await market.pastSubscriptionsOf(subscriber.address, 1n)
    expect(past.map((p) => [p.start, p.end])).to.deep.equal([[start, start + 2n * HOUR]])
    const now = await market.subscriptionOf(subscriber.address, 1n)
    expect([now.start, now.end]).to.deep.equal([start + 4n * HOUR, start + 6n * HOUR])
    for (const [window, dataset] of [
      [0n, 1n],
      [1n, 2n],
      [2n, 3n],
      [3n, 4n],
      [4n, 5n],
    ] as const)
      await (await connected(market, owner).attachWindow(1n, window, dataset)).wait()
    const access = await Promise.all([1n, 2n, 3n, 4n, 5n].map((d) => market.hasAccess(subscriber.address, d)))
    // Windows 0–1 (paid first) and 4 (paid on renewal) are readable; 2–3, the gap, are not.
    expect(access).to.deep.equal([true, true, false, false, true])
  })

  it('never lets a subscription token move to another account', async () => {
    const { market, subscriber, other } = await loadFixture(fixture)
    await (await connected(market, subscriber).subscribe(1n, 1n, PRICE, { value: PRICE })).wait()
    await expect(connected(market, subscriber).safeTransferFrom(subscriber.address, other.address, STREAM_BIT | 1n, 1n, '0x'))
      .to.be.revertedWithCustomError(market, 'AccessNotTransferable')
      .withArgs(STREAM_BIT | 1n)
  })
})
