import { expect } from 'chai'
import fc from 'fast-check'
import { ZeroAddress } from 'ethers'
import { createDeviceKey, signEddsaPoseidon, type DeviceKey } from '../../circuits/index.js'
import {
  hostileTokenAbi,
  reentrantBuyerAbi,
  typedContract,
  verifierSlotOf,
  type DataMarket,
  type HostileToken,
  type ReentrantBuyer,
  type TypedContract,
} from '../../contracts/index.js'
import { hardhat, increaseTime, loadFixture, type AssayFixture } from '../helpers/chain.js'
import { connected, deployTypedAssay } from '../helpers/typed-assay.js'

type Signer = AssayFixture['deployer']
type Market = TypedContract<DataMarket>
const MAX_UINT64 = (1n << 64n) - 1n
const DAY = 86_400n
const PRICE = 10n ** 18n

describe('DataMarket', function () {
  this.timeout(300_000)
  let device: DeviceKey
  before(async () => {
    device = await createDeviceKey()
  })

  // A published dataset (id 1) of `seller`, and a buyer holding tUSD.
  async function fixture() {
    const f = await deployTypedAssay()
    const [seller, buyer, deviceOwner, stranger] = [f.signers[2]!, f.signers[3]!, f.signers[4]!, f.signers[5]!]
    await f.client(seller).registerDevice(device.Ax, device.Ay, '', (m) => signEddsaPoseidon(device.privateKey, m))
    await (
      await connected(f.datasets, seller).publish(
        'bafymanifest',
        1n,
        2n,
        9000,
        `0x${'00'.repeat(32)}`,
        [device.deviceId],
        0n,
        verifierSlotOf('sensor-stats-b16-v2'),
      )
    ).wait()
    await (await f.stablecoin.mint(buyer.address, 1_000_000_000n)).wait()
    return { ...f, seller, buyer, deviceOwner, stranger }
  }
  const list = (
    market: Market,
    seller: Signer,
    over: Partial<{ price: bigint; token: string; period: bigint; splits: { account: string; bps: number }[] }> = {},
  ) => connected(market, seller).list(1n, over.price ?? PRICE, over.token ?? ZeroAddress, over.period ?? 0n, over.splits ?? [])
  const owed = (market: Market, account: string, token = ZeroAddress): Promise<bigint> => market.owed(account, token)
  /** Buys at `price` with the listing's current token and period (the tests of agreed terms pass their own). */
  const buyAsListed = async (market: Market, buyer: Signer, id: bigint, price: bigint, overrides: { value?: bigint } = {}) => {
    const listing = await market.listingOf(id)
    return connected(market, buyer).buy(id, price, listing.paymentToken, listing.accessPeriod, overrides)
  }

  it('lists a dataset of the caller: Listed with the terms', async () => {
    const { market, seller, deviceOwner } = await loadFixture(fixture)
    await expect(list(market, seller, { period: DAY, splits: [{ account: deviceOwner.address, bps: 2000 }] }))
      .to.emit(market, 'Listed')
      .withArgs(1n, seller.address, ZeroAddress, PRICE, DAY, [[deviceOwner.address, 2000n]])
    const listing = await market.listingOf(1n)
    expect([listing.seller, listing.price, listing.active]).to.deep.equal([seller.address, PRICE, true])
  })

  it('rejects bad listings with named errors', async () => {
    const { market, datasets, seller, stranger, deviceOwner } = await loadFixture(fixture)
    await expect(list(market, stranger)).to.be.revertedWithCustomError(market, 'NotDatasetOwner').withArgs(1n, stranger.address)
    // The registry's own error comes through for a dataset that does not exist.
    await expect(connected(market, seller).list(2n, PRICE, ZeroAddress, 0n, []))
      .to.be.revertedWithCustomError(datasets, 'UnknownDataset')
      .withArgs(2n)
    await expect(list(market, seller, { price: 0n }))
      .to.be.revertedWithCustomError(market, 'InvalidPrice')
      .withArgs(0n)
    await expect(list(market, seller, { price: 1n << 96n }))
      .to.be.revertedWithCustomError(market, 'InvalidPrice')
      .withArgs(1n << 96n)
    await expect(list(market, seller, { period: 200n * 365n * DAY })).to.be.revertedWithCustomError(market, 'InvalidAccessPeriod')
    const split = (bps: number) => ({ account: deviceOwner.address, bps })
    await expect(list(market, seller, { splits: [split(6000), split(4001)] }))
      .to.be.revertedWithCustomError(market, 'InvalidSplits')
      .withArgs(10_001n)
    await expect(list(market, seller, { splits: Array.from({ length: 17 }, () => split(1)) }))
      .to.be.revertedWithCustomError(market, 'TooManySplits')
      .withArgs(17n, 16n)
    await expect(list(market, seller, { splits: [split(10), { account: ZeroAddress, bps: 10 }] }))
      .to.be.revertedWithCustomError(market, 'InvalidSplitAccount')
      .withArgs(1n)
  })

  it('sells perpetual access for the native coin: fee to the treasury, shares, the rest to the seller, one token', async () => {
    const { market, seller, buyer, treasury, deviceOwner } = await loadFixture(fixture)
    await list(market, seller, { splits: [{ account: deviceOwner.address, bps: 3000 }] })
    const fee = (PRICE * 250n) / 10_000n
    await expect(buyAsListed(market, buyer, 1n, PRICE, { value: PRICE }))
      .to.emit(market, 'Purchased')
      .withArgs(1n, buyer.address, ZeroAddress, PRICE, fee, MAX_UINT64)
    const share = ((PRICE - fee) * 3000n) / 10_000n
    expect(await owed(market, treasury.address)).to.equal(fee)
    expect(await owed(market, deviceOwner.address)).to.equal(share)
    expect(await owed(market, seller.address)).to.equal(PRICE - fee - share)
    expect(await market.balanceOf(buyer.address, 1n)).to.equal(1n)
    expect(await market.hasAccess(buyer.address, 1n)).to.equal(true)
    expect(await market.hasAccess(seller.address, 1n)).to.equal(false)
  })

  it('pays out by pull: Withdrawn, the exact amount, then NothingToWithdraw', async () => {
    const { market, seller, buyer } = await loadFixture(fixture)
    await list(market, seller)
    await (await buyAsListed(market, buyer, 1n, PRICE, { value: PRICE })).wait()
    const due = await owed(market, seller.address)
    await expect(connected(market, seller).withdraw(ZeroAddress)).to.changeEtherBalances([seller, market], [due, -due])
    await expect(connected(market, seller).withdraw(ZeroAddress))
      .to.be.revertedWithCustomError(market, 'NothingToWithdraw')
      .withArgs(seller.address, ZeroAddress)
  })

  it('sells for an ERC-20 (tUSD) through SafeERC20 and pays out in it', async () => {
    const { market, stablecoin, seller, buyer, treasury } = await loadFixture(fixture)
    const token = await stablecoin.getAddress()
    await list(market, seller, { price: 5_000_000n, token })
    await (await connected(stablecoin, buyer).approve(await market.getAddress(), 5_000_000n)).wait()
    await expect(buyAsListed(market, buyer, 1n, 5_000_000n)).to.changeTokenBalances(stablecoin, [buyer, market], [-5_000_000n, 5_000_000n])
    expect(await owed(market, treasury.address, token)).to.equal(125_000n)
    await expect(connected(market, seller).withdraw(token)).to.emit(market, 'Withdrawn').withArgs(seller.address, token, 4_875_000n)
    await expect(buyAsListed(market, buyer, 1n, 5_000_000n, { value: 1n }))
      .to.be.revertedWithCustomError(market, 'UnexpectedNativePayment')
      .withArgs(1n)
  })

  it('refuses a wrong payment or a changed price, and sales after delisting; existing access stays', async () => {
    const { market, seller, buyer, stranger } = await loadFixture(fixture)
    await list(market, seller)
    await expect(buyAsListed(market, buyer, 1n, PRICE, { value: PRICE - 1n }))
      .to.be.revertedWithCustomError(market, 'IncorrectPayment')
      .withArgs(PRICE - 1n, PRICE)
    await expect(connected(market, seller).setPrice(1n, 2n * PRICE))
      .to.emit(market, 'PriceChanged')
      .withArgs(1n, PRICE, 2n * PRICE)
    await expect(buyAsListed(market, buyer, 1n, PRICE, { value: PRICE }))
      .to.be.revertedWithCustomError(market, 'ListingChanged')
      .withArgs(1n, 2n * PRICE, ZeroAddress, 0n)
    await (await buyAsListed(market, buyer, 1n, 2n * PRICE, { value: 2n * PRICE })).wait()
    await expect(connected(market, stranger).delist(1n)).to.be.revertedWithCustomError(market, 'NotDatasetOwner')
    await expect(connected(market, seller).delist(1n)).to.emit(market, 'Delisted').withArgs(1n)
    await expect(buyAsListed(market, stranger, 1n, 2n * PRICE, { value: 2n * PRICE }))
      .to.be.revertedWithCustomError(market, 'NotListed')
      .withArgs(1n)
    expect(await market.hasAccess(buyer.address, 1n)).to.equal(true)
  })

  it('reverts a purchase whose agreed token or access period changed in flight (a re-list at the same price)', async () => {
    const { market, seller, buyer, stablecoin } = await loadFixture(fixture)
    await list(market, seller, { period: 30n * DAY })
    // The buyer agreed to 30 days for PRICE in the native coin; before the purchase lands the
    // seller re-lists: the same price for one day, then in another token.
    const agreed = [1n, PRICE, ZeroAddress, 30n * DAY] as const
    await (await list(market, seller, { period: DAY })).wait()
    await expect(connected(market, buyer).buy(...agreed, { value: PRICE }))
      .to.be.revertedWithCustomError(market, 'ListingChanged')
      .withArgs(1n, PRICE, ZeroAddress, DAY)
    const token = await stablecoin.getAddress()
    await (await list(market, seller, { token, period: 30n * DAY })).wait()
    await expect(connected(market, buyer).buy(...agreed, { value: PRICE }))
      .to.be.revertedWithCustomError(market, 'ListingChanged')
      .withArgs(1n, PRICE, token, 30n * DAY)
    expect(await market.hasAccess(buyer.address, 1n)).to.equal(false)
    // The terms as listed now go through.
    await (await list(market, seller, { period: 30n * DAY })).wait()
    await (await connected(market, buyer).buy(...agreed, { value: PRICE })).wait()
    expect(await market.hasAccess(buyer.address, 1n)).to.equal(true)
  })

  it('ends timed access at expiry, and a renewal extends it from the old expiry', async () => {
    const { market, seller, buyer } = await loadFixture(fixture)
    await list(market, seller, { period: DAY })
    await (await buyAsListed(market, buyer, 1n, PRICE, { value: PRICE })).wait()
    const first = await market.accessExpiry(buyer.address, 1n)
    await (await buyAsListed(market, buyer, 1n, PRICE, { value: PRICE })).wait()
    expect(await market.accessExpiry(buyer.address, 1n)).to.equal(first + DAY)
    await increaseTime(Number(2n * DAY) - 10)
    expect(await market.hasAccess(buyer.address, 1n)).to.equal(true)
    await increaseTime(60)
    expect(await market.hasAccess(buyer.address, 1n)).to.equal(false)
  })

  it('never lets an access token move to another account', async () => {
    const { market, seller, buyer, stranger } = await loadFixture(fixture)
    await list(market, seller)
    await (await buyAsListed(market, buyer, 1n, PRICE, { value: PRICE })).wait()
    await expect(connected(market, buyer).safeTransferFrom(buyer.address, stranger.address, 1n, 1n, '0x'))
      .to.be.revertedWithCustomError(market, 'AccessNotTransferable')
      .withArgs(1n)
  })

  it('lets only the fee admin change fee and treasury, with the fee capped at 10%', async () => {
    const { market, stranger, treasury } = await loadFixture(fixture)
    await expect(market.setFee(1001)).to.be.revertedWithCustomError(market, 'FeeTooHigh').withArgs(1001, 1000)
    await expect(market.setFee(1000)).to.emit(market, 'FeeChanged').withArgs(250, 1000)
    await expect(connected(market, stranger).setFee(0)).to.be.revertedWithCustomError(market, 'AccessControlUnauthorizedAccount')
    await expect(market.setTreasury(ZeroAddress)).to.be.revertedWithCustomError(market, 'InvalidTreasury').withArgs(ZeroAddress)
    await expect(market.setTreasury(stranger.address)).to.emit(market, 'TreasuryChanged').withArgs(treasury.address, stranger.address)
  })

  it('always pays out exactly the price: fee within the cap, shares, no dust lost (property)', async () => {
    const { market, seller, buyer, treasury, signers } = await loadFixture(fixture)
    const payees = signers.slice(6, 11).map((s) => s.address)
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 1n, max: (1n << 96n) - 1n }),
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.integer({ min: 1, max: 4000 }), { maxLength: 5 }).filter((bps) => bps.reduce((a, b) => a + b, 0) <= 10_000),
        async (price, feeBps, splitBps) => {
          await (await market.setFee(feeBps)).wait()
          await (await list(market, seller, { price, splits: splitBps.map((bps, i) => ({ account: payees[i]!, bps })) })).wait()
          const everyone = [seller.address, treasury.address, ...payees]
          const before = await Promise.all(everyone.map((a) => owed(market, a)))
          const { ethers } = await hardhat()
          await ethers.provider.send('hardhat_setBalance', [buyer.address, `0x${(price * 2n + 10n ** 18n).toString(16)}`])
          await (await buyAsListed(market, buyer, 1n, price, { value: price })).wait()
          const after = await Promise.all(everyone.map((a) => owed(market, a)))
          const deltas = after.map((a, i) => a - before[i]!)
          expect(deltas.reduce((a, b) => a + b, 0n)).to.equal(price)
          expect(deltas[1]! * 10_000n).to.be.at.most(price * 1000n)
          expect(deltas[1]).to.equal((price * BigInt(feeBps)) / 10_000n)
        },
      ),
      { numRuns: 25 },
    )
  })

  describe('hostile counterparties', () => {
    async function hostile() {
      const f = await loadFixture(fixture)
      const { ethers } = await hardhat()
      const deployed = await ethers.deployContract('HostileToken')
      const token = typedContract<HostileToken>(await deployed.getAddress(), hostileTokenAbi, f.deployer)
      await (await token.mint(f.buyer.address, 10n ** 24n)).wait()
      await (await connected(token, f.buyer).approve(await f.market.getAddress(), 10n ** 24n)).wait()
      return { ...f, token, tokenAddress: await token.getAddress() }
    }

    it('credits nothing when a token delivers less than the price (PaymentShortfall)', async () => {
      const { market, seller, buyer, token, tokenAddress } = await hostile()
      await list(market, seller, { price: 1000n, token: tokenAddress })
      await (await token.setMode(1, ZeroAddress, '0x')).wait()
      await expect(buyAsListed(market, buyer, 1n, 1000n))
        .to.be.revertedWithCustomError(market, 'PaymentShortfall')
        .withArgs(tokenAddress, 900n, 1000n)
      expect(await owed(market, seller.address, tokenAddress)).to.equal(0n)
    })

    it('cannot re-enter the market from a token transfer to double-credit or drain', async () => {
      const { market, seller, buyer, token, tokenAddress } = await hostile()
      await list(market, seller, { price: 1000n, token: tokenAddress })
      await (await buyAsListed(market, buyer, 1n, 1000n)).wait() // honest sale: seller is owed 975
      const reenter = market.interface.encodeFunctionData('withdraw', [tokenAddress])
      await (await token.setMode(2, await market.getAddress(), reenter)).wait()
      await (await connected(market, seller).withdraw(tokenAddress)).wait()
      expect(await token.reentryReverted()).to.equal(true)
      expect(await token.balanceOf(seller.address)).to.equal(975n)
      expect(await owed(market, seller.address, tokenAddress)).to.equal(0n)
    })

    it('cannot re-enter from the ERC-1155 receive hook or from receive() during a native payout', async () => {
      const { market, seller, buyer, deployer } = await loadFixture(fixture)
      const { ethers } = await hardhat()
      const deployed = await ethers.deployContract('ReentrantBuyer', [await market.getAddress()])
      const attackerAddress = await deployed.getAddress()
      const attacker = typedContract<ReentrantBuyer>(attackerAddress, reentrantBuyerAbi, deployer)
      await list(market, seller, { splits: [{ account: attackerAddress, bps: 5000 }] })
      await (await connected(attacker, buyer).buy(1n, PRICE, { value: PRICE })).wait()
      expect([await attacker.attempts(), await attacker.reverted()]).to.deep.equal([1n, 1n])
      expect(await market.balanceOf(attackerAddress, 1n)).to.equal(1n)
      const due = await owed(market, attackerAddress)
      await expect(attacker.withdraw()).to.changeEtherBalances([attackerAddress, market], [due, -due])
      expect([await attacker.attempts(), await attacker.reverted()]).to.deep.equal([2n, 2n])
    })
  })

  it('answers its views: fee terms, splits, token id, ERC-1155 and AccessControl interfaces', async () => {
    const { market, seller, treasury, deviceOwner } = await loadFixture(fixture)
    await list(market, seller, { splits: [{ account: deviceOwner.address, bps: 1500 }] })
    const [feeTreasury, bps] = await market.feeTerms()
    expect([feeTreasury, bps]).to.deep.equal([treasury.address, 250n])
    expect((await market.splitsOf(1n)).map((s) => [s.account, s.bps])).to.deep.equal([[deviceOwner.address, 1500n]])
    expect(await market.tokenIdOf(7n)).to.equal(7n)
    for (const id of ['0xd9b67a26', '0x7965db0b', '0x01ffc9a7']) expect(await market.supportsInterface(id)).to.equal(true)
    expect(await market.supportsInterface('0xffffffff')).to.equal(false)
  })

  it('is usable through the typed chain client, which decodes reverts into ContractError', async () => {
    const { client, seller, buyer, deployment } = await loadFixture(fixture)
    await client(seller).list({ datasetId: 1n, price: 3_000_000n, paymentToken: deployment.contracts.testStablecoin, accessPeriod: DAY })
    const bought = await client(buyer).buy(1n) // approves tUSD, then buys
    expect(bought.price).to.equal(3_000_000n)
    expect(await client(buyer).hasAccess(buyer.address, 1n)).to.equal(true)
    const err = await client(buyer)
      .list({ datasetId: 1n, price: 1n })
      .then(
        () => undefined,
        (e: unknown) => e as { name: string; errorName: string; args: unknown[]; message: string },
      )
    expect(err?.name).to.equal('ContractError')
    expect(err?.errorName).to.equal('NotDatasetOwner')
    expect(err?.args).to.deep.equal([1n, buyer.address])
    expect(err?.message).to.contain('list dataset reverted: NotDatasetOwner(1, ')
  })
})
