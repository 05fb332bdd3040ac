import { expect } from 'chai'
import { AbiCoder, id, keccak256, toUtf8Bytes, ZeroAddress, type ContractTransactionResponse } from 'ethers'
import {
  buyerKeyFromSeed,
  computeKeyCommitment,
  createDeviceKey,
  decryptKeyTransfer,
  encryptKeyForBuyer,
  generateProof,
  KEY_TRANSFER_CIRCUIT,
  signEddsaPoseidon,
  type DeviceKey,
} from '../../circuits/index.js'
import { loadCircuit } from '../../circuits/node.js'
import {
  hostileTokenAbi,
  keyEscrowAbi,
  keyTransferVerifierAbi,
  proofToCalldata,
  typedContract,
  verifierSlotOf,
  type HostileToken,
  type KeyEscrow,
  type KeyTransferVerifier,
  type TypedContract,
} from '../../contracts/index.js'
import { SNARK_FIELD } from '../../core/index.js'
import { hardhat, increaseTime, loadFixture, type AssayFixture } from '../helpers/chain.js'
import { connected, deployTypedAssay } from '../helpers/typed-assay.js'

type Signer = AssayFixture['deployer']
type Escrow = TypedContract<KeyEscrow>
const MAX_UINT64 = (1n << 64n) - 1n
const DAY = 86_400n
const HOUR = 3_600n
/** Stream 1's price per 2-hour period (native coin); a window's share of one period is half. */
const PRICE = 10n ** 18n
/** Stream 2's price per 2-hour period (tUSD). */
const TUSD_PRICE = 5_000_000n
const FEE_BPS = 250n
const SPLIT_BPS = 3000n
const abi = AbiCoder.defaultAbiCoder()
const NONE = 0n
const OPEN = 1n
const SETTLED = 2n
const REFUNDED = 3n

/** A stream order as KeyEscrow's StreamOrder struct (field order as in Solidity). */
interface StreamOrder {
  id: bigint
  buyer: string
  streamId: bigint
  paymentToken: string
  amount: bigint
  firstWindow: bigint
  windowCount: bigint
  streamStart: bigint
  windowLength: bigint
  /** The opening block's timestamp: a window that had ended by then has its deadline a settlement window after it. */
  openedAt: bigint
  buyerKey: bigint
}
const asTuple = (o: StreamOrder) => [
  o.id,
  o.buyer,
  o.streamId,
  o.paymentToken,
  o.amount,
  o.firstWindow,
  o.windowCount,
  o.streamStart,
  o.windowLength,
  o.openedAt,
  o.buyerKey,
]
/** A dataset order as KeyEscrow's Order struct. */
interface Order {
  id: bigint
  buyer: string
  datasetId: bigint
  paymentToken: string
  price: bigint
  accessPeriod: bigint
  deadline: bigint
  buyerKey: bigint
  anchor: string
}

/** Window k's share of `amount` over `count` windows, as the contract computes it. */
const shareOf = (amount: bigint, count: bigint, k: bigint): bigint => (amount * (k + 1n)) / count - (amount * k) / count

describe('KeyEscrow stream orders (trustless subscriptions)', function () {
  this.timeout(600_000)
  let device: DeviceKey
  /** The data keys of datasets 1..6 (index 0 is dataset 1), and their commitments. */
  const dataKeys = [1, 2, 3, 4, 5, 6].map((d) => Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + d * 11) & 0xff))
  let commitments: bigint[]
  const statsDigest = `0x${'00'.repeat(32)}`
  before(async () => {
    device = await createDeviceKey()
    commitments = await Promise.all(dataKeys.map((k) => computeKeyCommitment(k)))
  })
  /** The preimage of dataset `datasetId`'s anchor. */
  const anchorOf = (datasetId: bigint) => ({
    manifestCidHash: keccak256(toUtf8Bytes(`bafywindow${datasetId}`)),
    keyCommitment: commitments[Number(datasetId) - 1]!,
    statsDigest,
  })

  // Datasets 1–6 of `seller`, each anchoring its own data key's commitment, none attached yet.
  // Stream 1 of `seller`: hourly windows from `start` (100 s from now), sold by the 2-hour period
  // for PRICE in the native coin with a 30% split to `deviceOwner`; stream 2 the same in tUSD for
  // TUSD_PRICE without splits. The deployed escrow (real verifier, one-day settlement window) and
  // a second escrow whose verifier is the stub, with a one-hour settlement window, both hold
  // ESCROW_ROLE.
  async function fixture() {
    const f = await deployTypedAssay()
    const [seller, buyer, deviceOwner, stranger, otherBuyer] = [f.signers[2]!, f.signers[3]!, f.signers[4]!, f.signers[5]!, f.signers[6]!]
    await f.client(seller).registerDevice(device.Ax, device.Ay, '', (m) => signEddsaPoseidon(device.privateKey, m))
    for (let d = 1n; d <= 6n; d++)
      await (
        await connected(f.datasets, seller).publish(
          `bafywindow${d}`,
          d,
          commitments[Number(d) - 1]!,
          9000,
          statsDigest,
          [device.deviceId],
          0n,
          verifierSlotOf('sensor-stats-b16-v2'),
        )
      ).wait()
    const { ethers } = await hardhat()
    const start = (await now()) + 100n
    const token = await f.stablecoin.getAddress()
    const market = connected(f.market, seller)
    await (
      await market.createStream(
        start,
        HOUR,
        2n * HOUR,
        ZeroAddress,
        PRICE,
        [device.deviceId],
        [{ account: deviceOwner.address, bps: 3000 }],
      )
    ).wait()
    await (await market.createStream(start, HOUR, 2n * HOUR, token, TUSD_PRICE, [device.deviceId], [])).wait()
    for (const b of [buyer, otherBuyer]) await (await f.stablecoin.mint(b.address, 1_000_000_000n)).wait()
    const stub = await ethers.deployContract('KeyTransferVerifierStub')
    const deployedEscrow = await ethers.deployContract('KeyEscrow', [
      f.deployment.contracts.dataMarket,
      f.deployment.contracts.datasetRegistry,
      await stub.getAddress(),
      HOUR,
    ])
    const escrowAddress = await deployedEscrow.getAddress()
    await (await f.market.grantRole(await f.market.ESCROW_ROLE(), escrowAddress)).wait()
    const escrow = typedContract<KeyEscrow>(escrowAddress, keyEscrowAbi, f.deployer)
    const realEscrow = typedContract<KeyEscrow>(f.deployment.contracts.keyEscrow, keyEscrowAbi, f.deployer)
    const verifier = typedContract<KeyTransferVerifier>(f.deployment.contracts.keyTransferVerifier, keyTransferVerifierAbi, f.deployer)
    const chainId = BigInt((await ethers.provider.send('eth_chainId', [])) as string)
    return { ...f, seller, buyer, deviceOwner, stranger, otherBuyer, escrow, realEscrow, verifier, chainId, start, token }
  }

  async function now(): Promise<bigint> {
    const { ethers } = await hardhat()
    const block = (await ethers.provider.send('eth_getBlockByNumber', ['latest', false])) as { timestamp: string }
    return BigInt(block.timestamp)
  }
  /** Moves the chain's clock to `offset` seconds after the stream's start. */
  async function at(start: bigint, offset: bigint): Promise<void> {
    await increaseTime(Number(start + offset - (await now())))
  }
  /** The timestamp of the block `tx` was mined in. */
  async function blockTimeOf(tx: ContractTransactionResponse): Promise<bigint> {
    const { ethers } = await hardhat()
    const receipt = await tx.wait()
    const block = (await ethers.provider.send('eth_getBlockByNumber', [`0x${receipt!.blockNumber.toString(16)}`, false])) as {
      timestamp: string
    }
    return BigInt(block.timestamp)
  }
  /** The next block's timestamp. */
  async function nextBlockAt(timestamp: bigint): Promise<void> {
    const { ethers } = await hardhat()
    await ethers.provider.send('evm_setNextBlockTimestamp', [Number(timestamp)])
  }
  async function balanceOf(address: string): Promise<bigint> {
    const { ethers } = await hardhat()
    return BigInt((await ethers.provider.send('eth_getBalance', [address, 'latest'])) as string)
  }

  /** A window's nonce, computed here independently of the contract. */
  const windowNonceOf = (chainId: bigint, escrow: string, orderId: bigint, window: bigint): bigint =>
    BigInt(keccak256(abi.encode(['uint256', 'address', 'uint256', 'uint64'], [chainId, escrow, orderId, window]))) % SNARK_FIELD
  const buyerKey = 67890n

  /** Opens a stream order as `buyer` (stream 1, windows from 0, one period unless told) and returns it as StreamOrderOpened carries it. */
  async function openStream(
    escrow: Escrow,
    buyer: Signer,
    over: Partial<{ stream: bigint; first: bigint; periods: bigint; price: bigint; key: bigint; value: bigint }> = {},
  ): Promise<StreamOrder> {
    const stream = over.stream ?? 1n
    const periods = over.periods ?? 1n
    const price = over.price ?? (stream === 2n ? TUSD_PRICE : PRICE)
    const tx = await connected(escrow, buyer).openStream(stream, over.first ?? 0n, periods, price, over.key ?? buyerKey, {
      value: over.value ?? (stream === 2n ? 0n : price * periods),
    })
    return streamOrderOf(escrow, tx)
  }
  async function streamOrderOf(escrow: Escrow, tx: ContractTransactionResponse): Promise<StreamOrder> {
    const receipt = await tx.wait()
    for (const log of receipt!.logs) {
      const parsed = escrow.interface.parseLog(log)
      if (parsed?.name !== 'StreamOrderOpened') continue
      const o = parsed.args.order as unknown as StreamOrder
      return {
        id: o.id,
        buyer: o.buyer,
        streamId: o.streamId,
        paymentToken: o.paymentToken,
        amount: o.amount,
        firstWindow: o.firstWindow,
        windowCount: o.windowCount,
        streamStart: o.streamStart,
        windowLength: o.windowLength,
        openedAt: o.openedAt,
        buyerKey: o.buyerKey,
      }
    }
    throw new Error('no StreamOrderOpened')
  }
  /** Opens a dataset order (the listing's terms: PRICE, native, perpetual) and returns it as OrderOpened carries it. */
  async function openDatasetOrder(escrow: Escrow, buyer: Signer, datasetId: bigint, key: bigint): Promise<Order> {
    const receipt = await (await connected(escrow, buyer).open(datasetId, PRICE, ZeroAddress, 0n, key, { value: PRICE })).wait()
    for (const log of receipt!.logs) {
      const parsed = escrow.interface.parseLog(log)
      if (parsed?.name !== 'OrderOpened') continue
      const o = parsed.args.order as unknown as Order
      return {
        id: o.id,
        buyer: o.buyer,
        datasetId: o.datasetId,
        paymentToken: o.paymentToken,
        price: o.price,
        accessPeriod: o.accessPeriod,
        deadline: o.deadline,
        buyerKey: o.buyerKey,
        anchor: o.anchor,
      }
    }
    throw new Error('no OrderOpened')
  }
  /** Attaches `datasetId` as window `window` of `streamId` (the window must have started). */
  async function attach(f: Awaited<ReturnType<typeof fixture>>, window: bigint, datasetId: bigint, streamId = 1n) {
    await (await connected(f.market, f.seller).attachWindow(streamId, window, datasetId)).wait()
  }

  /** A delivery the stub verifier accepts for exactly these public signals. */
  const delivery = { ephemeralKey: 222n, cipherHi: 333n, cipherLo: 444n }
  const stubProof = (signals: bigint[]): bigint[] => [BigInt(keccak256(abi.encode(['uint256[6]'], [signals]))), 0n, 0n, 0n, 0n, 0n, 0n, 0n]
  const signalsOf = (commitment: bigint, key: bigint, nonce: bigint, d = delivery): bigint[] => [
    commitment,
    key,
    d.ephemeralKey,
    d.cipherHi,
    d.cipherLo,
    nonce,
  ]
  /** Settles window `window` (dataset `datasetId`) of `order` on the stub escrow with a proof of the right signals (unless `proof` is given). */
  async function settleWindow(
    escrow: Escrow,
    chainId: bigint,
    order: StreamOrder,
    window: bigint,
    datasetId: bigint,
    caller: Signer,
    proof?: bigint[],
  ) {
    const nonce = windowNonceOf(chainId, await escrow.getAddress(), order.id, window)
    return connected(escrow, caller).settleWindow(
      order,
      window,
      proof ?? stubProof(signalsOf(commitments[Number(datasetId) - 1]!, order.buyerKey, nonce)),
      delivery.ephemeralKey,
      delivery.cipherHi,
      delivery.cipherLo,
      anchorOf(datasetId),
    )
  }

  /** A real key-transfer delivery of `dataKey` to `buyerPublicKey` under `nonce`: Groth16 proof as calldata, ephemeral key, ciphertext, public signals. */
  async function realDelivery(dataKey: Uint8Array, buyerPublicKey: bigint, nonce: bigint) {
    const encrypted = await encryptKeyForBuyer(dataKey, buyerPublicKey, nonce)
    const { proof, publicSignals } = await generateProof(await loadCircuit(KEY_TRANSFER_CIRCUIT), encrypted.input)
    const [cipherHi, cipherLo] = encrypted.ciphertext
    return {
      flat: proofToCalldata(proof),
      ephemeralKey: encrypted.ephemeralPublicKey,
      cipherHi,
      cipherLo,
      signals: publicSignals.map(BigInt),
    }
  }
  /** Whether the real verifier accepts a flat proof for these signals. */
  const verifies = (verifier: TypedContract<KeyTransferVerifier>, flat: bigint[], signals: bigint[]) =>
    verifier.verifyProof(
      [flat[0]!, flat[1]!],
      [
        [flat[2]!, flat[3]!],
        [flat[4]!, flat[5]!],
      ],
      [flat[6]!, flat[7]!],
      signals,
    )

  describe('openStream', () => {
    it('escrows pricePerPeriod × periods in the native coin and emits StreamOrderOpened with the whole order', async () => {
      const { escrow, buyer, chainId, start } = await loadFixture(fixture)
      const address = await escrow.getAddress()
      const tx = connected(escrow, buyer).openStream(1n, 2n, 3n, PRICE, buyerKey, { value: 3n * PRICE })
      await expect(tx).to.changeEtherBalances([buyer, escrow], [-3n * PRICE, 3n * PRICE])
      const expected: StreamOrder = {
        id: 1n,
        buyer: buyer.address,
        streamId: 1n,
        paymentToken: ZeroAddress,
        amount: 3n * PRICE,
        firstWindow: 2n,
        windowCount: 6n, // 3 periods of 2 one-hour windows
        streamStart: start,
        windowLength: HOUR,
        openedAt: await blockTimeOf(await tx),
        buyerKey,
      }
      expect(expected.openedAt).to.be.below(start) // opened before the stream started
      await expect(tx).to.emit(escrow, 'StreamOrderOpened').withArgs(1n, 1n, buyer.address, asTuple(expected))
      expect(await streamOrderOf(escrow, await tx)).to.deep.equal(expected)
      expect(await escrow.orderStatus(1n)).to.equal(OPEN)
      expect(await escrow.orderCount()).to.equal(1n)
      // Windows 2..7 are open; 1 and 8 are not in the order.
      const statuses = await Promise.all([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n].map((w) => escrow.windowStatus(expected, w)))
      expect(statuses).to.deep.equal([NONE, OPEN, OPEN, OPEN, OPEN, OPEN, OPEN, NONE])
      // A window's nonce binds chain, escrow, order and window; its deadline is its end plus the settlement
      // window (every window ends after the opening).
      for (const w of [2n, 7n]) {
        const nonce = await escrow.windowNonce(1n, w)
        expect(nonce).to.equal(windowNonceOf(chainId, address, 1n, w))
        expect(nonce).to.be.below(SNARK_FIELD)
        expect(await escrow.windowDeadline(expected, w)).to.equal(start + (w + 1n) * HOUR + HOUR)
      }
      expect(await escrow.windowNonce(1n, 2n)).to.not.equal(await escrow.windowNonce(1n, 3n))
      expect(await escrow.windowNonce(1n, 2n)).to.not.equal(await escrow.orderNonce(1n))
      // A struct other than the one opened has no window open.
      expect(await escrow.windowStatus({ ...expected, amount: 1n }, 2n)).to.equal(NONE)
      // The most periods a subscription may buy, 1000, are 2000 windows.
      const most = await openStream(escrow, buyer, { periods: 1000n })
      expect([most.id, most.windowCount, most.amount]).to.deep.equal([2n, 2000n, 1000n * PRICE])
    })

    it('escrows the price of a tUSD stream by transferFrom, refusing native coin alongside it', async () => {
      const { escrow, stablecoin, buyer, token } = await loadFixture(fixture)
      await (await connected(stablecoin, buyer).approve(await escrow.getAddress(), 2n * TUSD_PRICE)).wait()
      await expect(connected(escrow, buyer).openStream(2n, 0n, 2n, TUSD_PRICE, buyerKey, { value: 1n }))
        .to.be.revertedWithCustomError(escrow, 'UnexpectedNativePayment')
        .withArgs(1n)
      const tx = connected(escrow, buyer).openStream(2n, 0n, 2n, TUSD_PRICE, buyerKey)
      await expect(tx).to.changeTokenBalances(stablecoin, [buyer, escrow], [-2n * TUSD_PRICE, 2n * TUSD_PRICE])
      const order = await streamOrderOf(escrow, await tx)
      expect([order.paymentToken, order.amount, order.windowCount]).to.deep.equal([token, 2n * TUSD_PRICE, 4n])
    })

    it('rejects an unknown stream, 0 or 1001 periods, another price, a buyer key outside the field, a wrong payment and windows past uint64 time', async () => {
      const { escrow, market, buyer } = await loadFixture(fixture)
      const attempt = (stream: bigint, periods: bigint, price: bigint, key: bigint, value: bigint, first = 0n) =>
        connected(escrow, buyer).openStream(stream, first, periods, price, key, { value })
      await expect(attempt(9n, 1n, PRICE, buyerKey, PRICE))
        .to.be.revertedWithCustomError(market, 'UnknownStream')
        .withArgs(9n)
      for (const periods of [0n, 1001n])
        await expect(attempt(1n, periods, PRICE, buyerKey, PRICE * periods))
          .to.be.revertedWithCustomError(escrow, 'InvalidPeriods')
          .withArgs(periods)
      await expect(attempt(1n, 1n, PRICE + 1n, buyerKey, PRICE + 1n))
        .to.be.revertedWithCustomError(escrow, 'StreamPriceMismatch')
        .withArgs(1n, PRICE + 1n, PRICE)
      for (const key of [SNARK_FIELD, SNARK_FIELD + 5n])
        await expect(attempt(1n, 1n, PRICE, key, PRICE))
          .to.be.revertedWithCustomError(escrow, 'InvalidBuyerKey')
          .withArgs(key)
      for (const value of [PRICE - 1n, PRICE + 1n, 0n])
        await expect(attempt(1n, 1n, PRICE, buyerKey, value))
          .to.be.revertedWithCustomError(escrow, 'IncorrectPayment')
          .withArgs(value, PRICE)
      await expect(attempt(1n, 1n, PRICE, buyerKey, PRICE, MAX_UINT64 - 1n))
        .to.be.revertedWithCustomError(escrow, 'InvalidWindowRange')
        .withArgs(MAX_UINT64 - 1n, 2n)
      expect(await escrow.orderCount()).to.equal(0n)
      // The largest key below the field is accepted.
      expect((await openStream(escrow, buyer, { key: SNARK_FIELD - 1n })).buyerKey).to.equal(SNARK_FIELD - 1n)
    })

    it('refuses a first window more than a period ahead, a range past what uint64 holds, and a price that leaves a window 0 (InvalidWindowRange, WindowShareTooSmall)', async () => {
      const f = await loadFixture(fixture)
      const { escrow, buyer, seller, market } = f
      // Stream 1 starts at `start` (soon) with 2 h periods: window 2 (starting start + 2 h) is the last one allowed.
      await expect(connected(escrow, buyer).openStream(1n, 3n, 1n, PRICE, buyerKey, { value: PRICE }))
        .to.be.revertedWithCustomError(escrow, 'InvalidWindowRange')
        .withArgs(3n, 2n)
      expect((await openStream(escrow, buyer, { first: 2n })).firstWindow).to.equal(2n)
      // A stream whose windows end near the end of uint64 time: the last range that fits, and one window further.
      const far = MAX_UINT64 - 3n * HOUR
      await (await connected(market, seller).createStream(far, HOUR, 2n * HOUR, ZeroAddress, PRICE, [], [])).wait()
      const farStream = 3n
      // Windows 0..1 end at far + 2 h, their deadline an hour later: 2^64 - 1 exactly. Windows 2..3 do not fit.
      await expect(connected(escrow, buyer).openStream(farStream, 2n, 1n, PRICE, buyerKey, { value: PRICE }))
        .to.be.revertedWithCustomError(escrow, 'InvalidWindowRange')
        .withArgs(2n, 2n)
      const fits = await openStream(escrow, buyer, { stream: farStream, first: 0n })
      expect(await escrow.windowDeadline(fits, 1n)).to.equal(MAX_UINT64)
      // 1 000 wei for the 2 000 windows of 1 000 periods: some windows would be worth 0.
      await (await connected(market, seller).createStream(0n, HOUR, 2n * HOUR, ZeroAddress, 1n, [], [])).wait()
      await expect(connected(escrow, buyer).openStream(4n, 0n, 1000n, 1n, buyerKey, { value: 1000n }))
        .to.be.revertedWithCustomError(escrow, 'WindowShareTooSmall')
        .withArgs(1000n, 2000n)
    })
  })

  describe('windows bought after they ended', () => {
    it("gives the seller the whole settlement window from the opening: no refund before openedAt + settlementWindow (not in the next block), a settlement meanwhile, the unsettled window's refund at it", async () => {
      const f = await loadFixture(fixture)
      const { escrow, buyer, seller, stranger, chainId, start } = f
      await at(start, HOUR + 1n)
      await attach(f, 0n, 1n) // window 1 is never attached
      // Windows 0..1 ended 9 and 8 hours before the opening: by their ends alone both could be refunded at once.
      const openedAt = start + 10n * HOUR
      await nextBlockAt(openedAt)
      const order = await openStream(escrow, buyer) // windows 0..1
      expect(order.openedAt).to.equal(openedAt)
      const deadline = openedAt + HOUR
      for (const w of [0n, 1n]) expect(await escrow.windowDeadline(order, w)).to.equal(deadline)
      // The buyer's refund right after the opening, racing the seller's settlement (which shows the key), fails.
      await nextBlockAt(openedAt + 1n)
      for (const [from, to] of [
        [0n, 2n],
        [0n, 1n],
        [1n, 2n],
      ] as const)
        await expect(connected(escrow, buyer).refundWindows(order, from, to))
          .to.be.revertedWithCustomError(escrow, 'DeadlineNotReached')
          .withArgs(order.id, deadline)
      // Meanwhile the seller settles window 0, bought after it had ended.
      await nextBlockAt(openedAt + HOUR / 2n)
      await expect(settleWindow(escrow, chainId, order, 0n, 1n, seller))
        .to.emit(escrow, 'WindowSettled')
        .withArgs(order.id, 1n, buyer.address, 1n, 0n, windowNonceOf(chainId, await escrow.getAddress(), order.id, 0n), 222n, 333n, 444n)
      await nextBlockAt(deadline - 1n)
      await expect(connected(escrow, buyer).refundWindows(order, 1n, 2n))
        .to.be.revertedWithCustomError(escrow, 'DeadlineNotReached')
        .withArgs(order.id, deadline)
      // At the deadline, window 1 (never delivered) is refunded; window 0 stays settled.
      await nextBlockAt(deadline)
      const refund = connected(escrow, stranger).refundWindows(order, 0n, 2n)
      await expect(refund).to.changeEtherBalances([buyer, escrow, stranger], [PRICE / 2n, -PRICE / 2n, 0n])
      await expect(refund)
        .to.emit(escrow, 'WindowsRefunded')
        .withArgs(order.id, buyer.address, 0n, 2n, ZeroAddress, PRICE / 2n)
      const statuses = await Promise.all([0n, 1n].map((w) => escrow.windowStatus(order, w)))
      expect(statuses).to.deep.equal([SETTLED, REFUNDED])
      expect(await balanceOf(await escrow.getAddress())).to.equal(0n)
    })

    it("puts a window's deadline at the later of its end and the opening, plus the escrow's settlement window; a range waits for its last window", async () => {
      const { escrow, realEscrow, buyer, start } = await loadFixture(fixture)
      // Opened half-way through window 10, for windows 9..12: 9 has ended, 10 is running, 11 and 12 are to come.
      const openedAt = start + 10n * HOUR + HOUR / 2n
      await nextBlockAt(openedAt)
      const order = await openStream(escrow, buyer, { first: 9n, periods: 2n })
      expect(order.openedAt).to.equal(openedAt)
      const windows = [9n, 10n, 11n, 12n]
      const ends = windows.map((w) => start + (w + 1n) * HOUR)
      expect(ends[0]).to.be.below(openedAt)
      expect(ends[1]).to.be.above(openedAt)
      const laterOf = (end: bigint, opened: bigint) => (end > opened ? end : opened)
      const deadlines = await Promise.all(windows.map((w) => escrow.windowDeadline(order, w)))
      expect(deadlines).to.deep.equal(ends.map((end) => laterOf(end, openedAt) + HOUR))
      expect(deadlines).to.deep.equal([openedAt + HOUR, start + 12n * HOUR, start + 13n * HOUR, start + 14n * HOUR])
      // The deployed escrow's settlement window is a day.
      const real = await openStream(realEscrow, buyer, { first: 9n, periods: 2n })
      expect(real.openedAt).to.be.above(ends[0]!)
      expect(await realEscrow.windowDeadline(real, 9n)).to.equal(real.openedAt + DAY)
      expect(await realEscrow.windowDeadline(real, 10n)).to.equal(ends[1]! + DAY)
      // A range is refundable once its last window is: window 9 at openedAt + 1 h, 9..10 not before window 10's deadline.
      await nextBlockAt(openedAt + HOUR)
      await expect(connected(escrow, buyer).refundWindows(order, 9n, 11n))
        .to.be.revertedWithCustomError(escrow, 'DeadlineNotReached')
        .withArgs(order.id, start + 12n * HOUR)
      await expect(connected(escrow, buyer).refundWindows(order, 9n, 10n))
        .to.emit(escrow, 'WindowsRefunded')
        .withArgs(order.id, buyer.address, 9n, 10n, ZeroAddress, PRICE / 2n)
    })
  })

  describe('settleWindow with the real key-transfer circuit and verifier', () => {
    it("settles a window with a real proof: the buyer decrypts the window's key from WindowSettled alone and owns that window for good", async () => {
      const f = await loadFixture(fixture)
      const { realEscrow, market, buyer, seller, treasury, deviceOwner, chainId, start } = f
      const key = await buyerKeyFromSeed(new Uint8Array(32).fill(7))
      const order = await openStream(realEscrow, buyer, { periods: 2n, key: key.publicKey }) // windows 0..3
      await at(start, 2n * HOUR + 1n)
      await attach(f, 0n, 1n)
      await attach(f, 1n, 2n)
      const nonce = await realEscrow.windowNonce(order.id, 0n)
      expect(nonce).to.equal(windowNonceOf(chainId, await realEscrow.getAddress(), order.id, 0n))
      const d = await realDelivery(dataKeys[0]!, key.publicKey, nonce)
      expect(d.signals).to.deep.equal([commitments[0]!, key.publicKey, d.ephemeralKey, d.cipherHi, d.cipherLo, nonce])
      // A proof of this delivery does not settle with another ciphertext.
      await expect(connected(realEscrow, seller).settleWindow(order, 0n, d.flat, d.ephemeralKey, d.cipherHi, d.cipherLo + 1n, anchorOf(1n)))
        .to.be.revertedWithCustomError(realEscrow, 'InvalidKeyProof')
        .withArgs(order.id)
      const payees = [seller.address, treasury.address, deviceOwner.address]
      const owedBefore = await Promise.all(payees.map((a) => market.owed(a, ZeroAddress)))
      const share = PRICE / 2n
      const fee = (share * FEE_BPS) / 10_000n
      const split = ((share - fee) * SPLIT_BPS) / 10_000n
      const tx = connected(realEscrow, seller).settleWindow(order, 0n, d.flat, d.ephemeralKey, d.cipherHi, d.cipherLo, anchorOf(1n))
      await expect(tx).to.changeEtherBalances([realEscrow, market, buyer], [-share, share, 0n])
      await expect(tx)
        .to.emit(realEscrow, 'WindowSettled')
        .withArgs(order.id, 1n, buyer.address, 1n, 0n, nonce, d.ephemeralKey, d.cipherHi, d.cipherLo)
      await expect(tx).to.emit(market, 'WindowPurchased').withArgs(1n, 0n, buyer.address, 1n, ZeroAddress, share, fee)
      await expect(tx)
        .to.emit(market, 'TransferSingle')
        .withArgs(await realEscrow.getAddress(), ZeroAddress, buyer.address, 1n, 1n)
      const owedAfter = await Promise.all(payees.map((a) => market.owed(a, ZeroAddress)))
      expect(owedAfter.map((a, i) => a - owedBefore[i]!)).to.deep.equal([share - fee - split, fee, split])
      // The buyer reads the key from the event alone.
      const receipt = await (await tx).wait()
      const settled = receipt!.logs.map((l) => realEscrow.interface.parseLog(l)).find((l) => l?.name === 'WindowSettled')!
      const decrypted = await decryptKeyTransfer(key.secret, {
        ephemeralPublicKey: settled.args.ephemeralKey as bigint,
        ciphertext: [settled.args.cipherHi as bigint, settled.args.cipherLo as bigint],
        orderNonce: settled.args.nonce as bigint,
        keyCommitment: commitments[0]!,
      })
      expect(Buffer.from(decrypted).equals(Buffer.from(dataKeys[0]!))).to.equal(true)
      // Window 0 is the buyer's for good; window 1, attached but unsettled, is not.
      expect(await market.hasAccess(buyer.address, 1n)).to.equal(true)
      expect(await market.balanceOf(buyer.address, 1n)).to.equal(1n)
      expect(await market.accessExpiry(buyer.address, 1n)).to.equal(MAX_UINT64)
      expect(await market.hasAccess(buyer.address, 2n)).to.equal(false)
      expect(await market.balanceOf(buyer.address, 2n)).to.equal(0n)
      const statuses = await Promise.all([0n, 1n, 2n, 3n].map((w) => realEscrow.windowStatus(order, w)))
      expect(statuses).to.deep.equal([SETTLED, OPEN, OPEN, OPEN])
      expect(await realEscrow.orderStatus(order.id)).to.equal(OPEN)
      await increaseTime(Number(30n * DAY))
      expect(await market.hasAccess(buyer.address, 1n)).to.equal(true)
    })

    it("rejects real proofs bound to another window's nonce, another buyer key or a dataset order's nonce (InvalidKeyProof)", async () => {
      const f = await loadFixture(fixture)
      const { realEscrow, market, verifier, buyer, seller, start } = f
      const key = await buyerKeyFromSeed(new Uint8Array(32).fill(7))
      const otherKey = await buyerKeyFromSeed(new Uint8Array(32).fill(8))
      const order = await openStream(realEscrow, buyer, { key: key.publicKey }) // windows 0..1
      // Dataset 1 is also sold on its own; the buyer orders it with the same key.
      await (await connected(market, seller).list(1n, PRICE, ZeroAddress, 0n, [])).wait()
      const datasetOrder = await openDatasetOrder(realEscrow, buyer, 1n, key.publicKey)
      expect(datasetOrder.id).to.equal(order.id + 1n)
      await at(start, HOUR + 1n)
      await attach(f, 0n, 1n)
      const settle = (d: Awaited<ReturnType<typeof realDelivery>>) =>
        connected(realEscrow, seller).settleWindow(order, 0n, d.flat, d.ephemeralKey, d.cipherHi, d.cipherLo, anchorOf(1n))
      const forgeries = [
        // Window 0's key to the order's buyer key, under window 1's nonce.
        await realDelivery(dataKeys[0]!, key.publicKey, await realEscrow.windowNonce(order.id, 1n)),
        // Window 0's key under window 0's nonce, to another buyer key.
        await realDelivery(dataKeys[0]!, otherKey.publicKey, await realEscrow.windowNonce(order.id, 0n)),
      ]
      for (const d of forgeries) {
        // Each is a valid proof of its own statement…
        expect(await verifies(verifier, d.flat, d.signals)).to.equal(true)
        // …that does not settle this window.
        await expect(settle(d)).to.be.revertedWithCustomError(realEscrow, 'InvalidKeyProof').withArgs(order.id)
      }
      // The delivery of the dataset order (same dataset, same buyer key) does not settle the window…
      const reused = await realDelivery(dataKeys[0]!, key.publicKey, await realEscrow.orderNonce(datasetOrder.id))
      await expect(settle(reused)).to.be.revertedWithCustomError(realEscrow, 'InvalidKeyProof').withArgs(order.id)
      expect(await realEscrow.windowStatus(order, 0n)).to.equal(OPEN)
      // …and does settle the dataset order it was made for.
      await expect(
        connected(realEscrow, seller).settle(
          datasetOrder,
          reused.flat,
          reused.ephemeralKey,
          reused.cipherHi,
          reused.cipherLo,
          anchorOf(1n),
        ),
      ).to.emit(realEscrow, 'OrderSettled')
    })
  })

  describe('settleWindow', () => {
    it('settles a tUSD window with its share: the escrow pays the market, no allowance left over', async () => {
      const f = await loadFixture(fixture)
      const { escrow, market, stablecoin, buyer, seller, treasury, stranger, chainId, start, token } = f
      await (await connected(stablecoin, buyer).approve(await escrow.getAddress(), TUSD_PRICE)).wait()
      const order = await openStream(escrow, buyer, { stream: 2n }) // windows 0..1
      await at(start, HOUR + 1n)
      await attach(f, 0n, 1n, 2n)
      const share = TUSD_PRICE / 2n
      const fee = (share * FEE_BPS) / 10_000n
      const tx = settleWindow(escrow, chainId, order, 0n, 1n, stranger)
      await expect(tx).to.changeTokenBalances(stablecoin, [escrow, market], [-share, share])
      await expect(tx).to.emit(market, 'WindowPurchased').withArgs(2n, 0n, buyer.address, 1n, token, share, fee)
      expect(await market.owed(treasury.address, token)).to.equal(fee)
      expect(await market.owed(seller.address, token)).to.equal(share - fee)
      expect(await stablecoin.allowance(await escrow.getAddress(), await market.getAddress())).to.equal(0n)
      expect(await market.hasAccess(buyer.address, 1n)).to.equal(true)
    })

    it('rejects proofs of other signals: another order, window, key, commitment, ciphertext, or a verifier that reverts (InvalidKeyProof)', async () => {
      const f = await loadFixture(fixture)
      const { escrow, buyer, chainId, start } = f
      const order = await openStream(escrow, buyer)
      const other = await openStream(escrow, buyer) // same buyer key and windows, another order
      await at(start, HOUR + 1n)
      await attach(f, 0n, 1n)
      const address = await escrow.getAddress()
      const nonce = windowNonceOf(chainId, address, order.id, 0n)
      const wrong = [
        [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n],
        stubProof(signalsOf(commitments[0]!, buyerKey, nonce)).map((w, i) => (i === 1 ? 0xdeadn : w)),
        stubProof(signalsOf(commitments[0]!, buyerKey, windowNonceOf(chainId, address, other.id, 0n))),
        stubProof(signalsOf(commitments[0]!, buyerKey, windowNonceOf(chainId, address, order.id, 1n))),
        stubProof(signalsOf(commitments[0]!, buyerKey, windowNonceOf(chainId + 1n, address, order.id, 0n))),
        stubProof(signalsOf(commitments[0]!, buyerKey, await escrow.orderNonce(order.id))),
        stubProof(signalsOf(commitments[0]!, buyerKey + 1n, nonce)),
        stubProof(signalsOf(commitments[1]!, buyerKey, nonce)),
        stubProof(signalsOf(commitments[0]!, buyerKey, nonce, { ...delivery, cipherHi: 334n })),
      ]
      for (const proof of wrong)
        await expect(settleWindow(escrow, chainId, order, 0n, 1n, buyer, proof))
          .to.be.revertedWithCustomError(escrow, 'InvalidKeyProof')
          .withArgs(order.id)
      expect(await escrow.windowStatus(order, 0n)).to.equal(OPEN)
      await expect(settleWindow(escrow, chainId, order, 0n, 1n, buyer)).to.emit(escrow, 'WindowSettled')
    })

    it("rejects an anchor preimage that is not the window dataset's (AnchorMismatch)", async () => {
      const f = await loadFixture(fixture)
      const { escrow, buyer, chainId, start } = f
      const order = await openStream(escrow, buyer)
      await at(start, HOUR + 1n)
      await attach(f, 0n, 1n)
      const nonce = windowNonceOf(chainId, await escrow.getAddress(), order.id, 0n)
      const settleWith = (anchor: ReturnType<typeof anchorOf>) =>
        connected(escrow, buyer).settleWindow(
          order,
          0n,
          stubProof(signalsOf(anchor.keyCommitment, buyerKey, nonce)),
          delivery.ephemeralKey,
          delivery.cipherHi,
          delivery.cipherLo,
          anchor,
        )
      // Another commitment claimed in the preimage (proof made for it); another dataset's preimage altogether.
      for (const anchor of [
        { ...anchorOf(1n), keyCommitment: commitments[0]! + 1n },
        anchorOf(2n),
        { ...anchorOf(1n), statsDigest: id('x') },
      ])
        await expect(settleWith(anchor)).to.be.revertedWithCustomError(escrow, 'AnchorMismatch').withArgs(1n)
    })

    it('rejects a window not attached yet (WindowNotPublished) and windows outside the order (WindowNotInOrder)', async () => {
      const f = await loadFixture(fixture)
      const { escrow, market, buyer, chainId, start } = f
      const order = await openStream(escrow, buyer, { first: 1n }) // windows 1..2
      await at(start, 3n * HOUR + 1n)
      await expect(settleWindow(escrow, chainId, order, 1n, 1n, buyer))
        .to.be.revertedWithCustomError(market, 'WindowNotPublished')
        .withArgs(1n, 1n)
      await attach(f, 0n, 1n)
      await attach(f, 1n, 2n)
      await attach(f, 3n, 3n)
      for (const [window, dataset] of [
        [0n, 1n],
        [3n, 3n],
      ] as const) {
        await expect(settleWindow(escrow, chainId, order, window, dataset, buyer))
          .to.be.revertedWithCustomError(escrow, 'WindowNotInOrder')
          .withArgs(order.id, window)
        expect(await escrow.windowStatus(order, window)).to.equal(NONE)
      }
      await expect(settleWindow(escrow, chainId, order, 1n, 2n, buyer)).to.emit(escrow, 'WindowSettled')
    })

    it('settles a window once (WindowClosed Settled), and still settles a window past its deadline until it is refunded', async () => {
      const f = await loadFixture(fixture)
      const { escrow, buyer, seller, chainId, start } = f
      const order = await openStream(escrow, buyer) // windows 0..1
      await at(start, 2n * HOUR + 1n)
      await attach(f, 0n, 1n)
      await attach(f, 1n, 2n)
      await (await settleWindow(escrow, chainId, order, 0n, 1n, seller)).wait()
      await expect(settleWindow(escrow, chainId, order, 0n, 1n, seller))
        .to.be.revertedWithCustomError(escrow, 'WindowClosed')
        .withArgs(order.id, 0n, SETTLED)
      await expect(connected(escrow, buyer).refundWindows(order, 0n, 1n))
        .to.be.revertedWithCustomError(escrow, 'NothingToRefund')
        .withArgs(order.id, 0n, 1n)
      const deadline = await escrow.windowDeadline(order, 1n)
      await at(start, deadline - start + HOUR)
      await expect(settleWindow(escrow, chainId, order, 1n, 2n, seller))
        .to.emit(escrow, 'WindowSettled')
        .withArgs(order.id, 2n, buyer.address, 1n, 1n, windowNonceOf(chainId, await escrow.getAddress(), order.id, 1n), 222n, 333n, 444n)
      expect(await escrow.windowStatus(order, 1n)).to.equal(SETTLED)
      expect(await balanceOf(await escrow.getAddress())).to.equal(0n)
    })

    it('rejects an order that differs from the one opened (OrderMismatch), ids never opened (OrderNotOpen) and dataset orders', async () => {
      const f = await loadFixture(fixture)
      const { escrow, market, buyer, seller, stranger, chainId, start } = f
      const order = await openStream(escrow, buyer)
      await (await connected(market, seller).list(1n, PRICE, ZeroAddress, 0n, [])).wait()
      const datasetOrder = await openDatasetOrder(escrow, buyer, 1n, buyerKey)
      await at(start, HOUR + 1n)
      await attach(f, 0n, 1n)
      const forgeries: StreamOrder[] = [
        { ...order, buyer: stranger.address },
        { ...order, streamId: 2n },
        { ...order, paymentToken: await f.stablecoin.getAddress() },
        { ...order, amount: order.amount + 1n },
        { ...order, firstWindow: 1n },
        { ...order, windowCount: 3n },
        { ...order, streamStart: order.streamStart - HOUR },
        { ...order, windowLength: HOUR / 2n },
        // An earlier opening would move the deadlines of windows past at the opening earlier.
        { ...order, openedAt: order.openedAt - HOUR },
        { ...order, openedAt: order.openedAt + 1n },
        { ...order, buyerKey: buyerKey + 1n },
        // A dataset order's id (its slot holds the dataset order's hash).
        { ...order, id: datasetOrder.id },
      ]
      await at(start, 4n * HOUR)
      for (const forged of forgeries) {
        await expect(settleWindow(escrow, chainId, forged, 0n, 1n, stranger))
          .to.be.revertedWithCustomError(escrow, 'OrderMismatch')
          .withArgs(forged.id)
        await expect(connected(escrow, stranger).refundWindows(forged, 0n, 1n))
          .to.be.revertedWithCustomError(escrow, 'OrderMismatch')
          .withArgs(forged.id)
        expect(await escrow.windowStatus(forged, 0n)).to.equal(NONE)
      }
      for (const orderId of [0n, 3n, 99n]) {
        await expect(settleWindow(escrow, chainId, { ...order, id: orderId }, 0n, 1n, stranger))
          .to.be.revertedWithCustomError(escrow, 'OrderNotOpen')
          .withArgs(orderId, NONE)
        await expect(connected(escrow, stranger).refundWindows({ ...order, id: orderId }, 0n, 1n))
          .to.be.revertedWithCustomError(escrow, 'OrderNotOpen')
          .withArgs(orderId, NONE)
      }
      // A dataset order never takes a stream order's id: settle and refund refuse it.
      const asDatasetOrder: Order = { ...datasetOrder, id: order.id }
      await expect(connected(escrow, stranger).settle(asDatasetOrder, Array<bigint>(8).fill(0n), 0n, 0n, 0n, anchorOf(1n)))
        .to.be.revertedWithCustomError(escrow, 'OrderMismatch')
        .withArgs(order.id)
      await expect(connected(escrow, stranger).refund(asDatasetOrder))
        .to.be.revertedWithCustomError(escrow, 'OrderMismatch')
        .withArgs(order.id)
      // Nothing moved: both orders are still whole.
      expect(await escrow.windowStatus(order, 0n)).to.equal(OPEN)
      expect(await balanceOf(await escrow.getAddress())).to.equal(order.amount + PRICE)
    })

    it("settles the same window for two buyers' orders independently: each under its own nonce, each buyer owning the window", async () => {
      const f = await loadFixture(fixture)
      const { escrow, market, buyer, otherBuyer, seller, chainId, start } = f
      const mine = await openStream(escrow, buyer) // windows 0..1
      const theirs = await openStream(escrow, otherBuyer, { first: 1n, key: buyerKey + 1n }) // windows 1..2
      await at(start, 2n * HOUR + 1n)
      await attach(f, 1n, 2n)
      const address = await escrow.getAddress()
      // A proof for one order's window does not settle the other order's.
      const mineProof = stubProof(signalsOf(commitments[1]!, buyerKey, windowNonceOf(chainId, address, mine.id, 1n)))
      await expect(settleWindow(escrow, chainId, theirs, 1n, 2n, seller, mineProof))
        .to.be.revertedWithCustomError(escrow, 'InvalidKeyProof')
        .withArgs(theirs.id)
      await expect(settleWindow(escrow, chainId, mine, 1n, 2n, seller))
        .to.emit(escrow, 'WindowSettled')
        .withArgs(mine.id, 2n, buyer.address, 1n, 1n, windowNonceOf(chainId, address, mine.id, 1n), 222n, 333n, 444n)
      expect(await escrow.windowStatus(theirs, 1n)).to.equal(OPEN)
      expect(await market.hasAccess(otherBuyer.address, 2n)).to.equal(false)
      await expect(settleWindow(escrow, chainId, theirs, 1n, 2n, seller))
        .to.emit(escrow, 'WindowSettled')
        .withArgs(theirs.id, 2n, otherBuyer.address, 1n, 1n, windowNonceOf(chainId, address, theirs.id, 1n), 222n, 333n, 444n)
      expect([await market.hasAccess(buyer.address, 2n), await market.hasAccess(otherBuyer.address, 2n)]).to.deep.equal([true, true])
      // Each order paid its own share of its own escrow: two shares remain (window 0 of mine, window 2 of theirs).
      expect(await balanceOf(address)).to.equal(PRICE)
    })

    it('keeps each window of a long order apart across the 128-window words of its state: settling and refunding on either side of a boundary', async () => {
      const f = await loadFixture(fixture)
      const { escrow, buyer, seller, chainId, start } = f
      const order = await openStream(escrow, buyer, { periods: 150n }) // windows 0..299, three words of state
      const share = PRICE / 2n
      await at(start, 129n * HOUR)
      await attach(f, 127n, 1n)
      await attach(f, 128n, 2n)
      await (await settleWindow(escrow, chainId, order, 127n, 1n, seller)).wait()
      await (await settleWindow(escrow, chainId, order, 128n, 2n, seller)).wait()
      const probe = [0n, 126n, 127n, 128n, 129n, 255n, 256n, 299n]
      const statusOf = () => Promise.all(probe.map((w) => escrow.windowStatus(order, w)))
      expect(await statusOf()).to.deep.equal([OPEN, OPEN, SETTLED, SETTLED, OPEN, OPEN, OPEN, OPEN])
      await expect(settleWindow(escrow, chainId, order, 128n, 2n, seller))
        .to.be.revertedWithCustomError(escrow, 'WindowClosed')
        .withArgs(order.id, 128n, SETTLED)
      // Windows 100..199 (across the first boundary, two of them settled), then 200..299 (across the second).
      await at(start, 202n * HOUR)
      await expect(connected(escrow, buyer).refundWindows(order, 100n, 200n))
        .to.emit(escrow, 'WindowsRefunded')
        .withArgs(order.id, buyer.address, 100n, 200n, ZeroAddress, 98n * share)
      await at(start, 302n * HOUR)
      await expect(connected(escrow, buyer).refundWindows(order, 200n, 300n))
        .to.emit(escrow, 'WindowsRefunded')
        .withArgs(order.id, buyer.address, 200n, 300n, ZeroAddress, 100n * share)
      expect(await statusOf()).to.deep.equal([OPEN, REFUNDED, SETTLED, SETTLED, REFUNDED, REFUNDED, REFUNDED, REFUNDED])
      expect(await escrow.windowStatus(order, 99n)).to.equal(OPEN)
      // The whole order: only windows 0..99 are left.
      await expect(connected(escrow, buyer).refundWindows(order, 0n, 300n))
        .to.emit(escrow, 'WindowsRefunded')
        .withArgs(order.id, buyer.address, 0n, 300n, ZeroAddress, 100n * share)
      await expect(connected(escrow, buyer).refundWindows(order, 0n, 300n))
        .to.be.revertedWithCustomError(escrow, 'NothingToRefund')
        .withArgs(order.id, 0n, 300n)
      expect(await balanceOf(await escrow.getAddress())).to.equal(0n)
      // Every window is closed, and the order itself still reads Open: its windows carry the state.
      expect(await escrow.orderStatus(order.id)).to.equal(OPEN)
    })

    it('lets only ESCROW_ROLE buy a window for a buyer through DataMarket.buyWindowFor', async () => {
      const f = await loadFixture(fixture)
      const { market, buyer, stranger, seller, start } = f
      await at(start, HOUR + 1n)
      await attach(f, 0n, 1n)
      for (const caller of [stranger, buyer, seller])
        await expect(connected(market, caller).buyWindowFor(buyer.address, 1n, 0n, PRICE / 2n, { value: PRICE / 2n }))
          .to.be.revertedWithCustomError(market, 'AccessControlUnauthorizedAccount')
          .withArgs(caller.address, id('ESCROW_ROLE'))
      expect(await market.hasAccess(buyer.address, 1n)).to.equal(false)
    })
  })

  describe('refundWindows', () => {
    it("refunds a range once its last window's deadline is reached, not a second before, paying the buyer exactly the unsettled shares", async () => {
      const f = await loadFixture(fixture)
      const { escrow, market, buyer, seller, stranger, chainId, start } = f
      const escrowAddress = await escrow.getAddress()
      const order = await openStream(escrow, buyer, { periods: 2n }) // windows 0..3, PRICE / 2 each
      const share = PRICE / 2n
      await at(start, HOUR + 1n)
      await attach(f, 0n, 1n)
      await (await settleWindow(escrow, chainId, order, 0n, 1n, seller)).wait()
      // Windows 0..1: window 1's deadline is its end (start + 2 h) plus the one-hour settlement window.
      const deadline1 = start + 3n * HOUR
      expect(await escrow.windowDeadline(order, 1n)).to.equal(deadline1)
      await expect(connected(escrow, buyer).refundWindows(order, 0n, 2n))
        .to.be.revertedWithCustomError(escrow, 'DeadlineNotReached')
        .withArgs(order.id, deadline1)
      await nextBlockAt(deadline1 - 1n)
      await expect(connected(escrow, buyer).refundWindows(order, 0n, 2n))
        .to.be.revertedWithCustomError(escrow, 'DeadlineNotReached')
        .withArgs(order.id, deadline1)
      await nextBlockAt(deadline1)
      const before = await balanceOf(buyer.address)
      const tx = await connected(escrow, buyer).refundWindows(order, 0n, 2n)
      const receipt = await tx.wait()
      // Window 0 was settled: only window 1's share comes back.
      expect((await balanceOf(buyer.address)) - before + receipt!.fee).to.equal(share)
      await expect(tx).to.emit(escrow, 'WindowsRefunded').withArgs(order.id, buyer.address, 0n, 2n, ZeroAddress, share)
      // Windows 2..3 wait for window 3's deadline.
      const deadline3 = start + 5n * HOUR
      await expect(connected(escrow, stranger).refundWindows(order, 0n, 4n))
        .to.be.revertedWithCustomError(escrow, 'DeadlineNotReached')
        .withArgs(order.id, deadline3)
      await nextBlockAt(deadline3)
      const all = connected(escrow, stranger).refundWindows(order, 0n, 4n)
      await expect(all).to.changeEtherBalances([buyer, escrow, stranger], [2n * share, -2n * share, 0n])
      await expect(all)
        .to.emit(escrow, 'WindowsRefunded')
        .withArgs(order.id, buyer.address, 0n, 4n, ZeroAddress, 2n * share)
      for (const [from, to] of [
        [0n, 4n],
        [1n, 2n],
        [3n, 4n],
      ] as const)
        await expect(connected(escrow, buyer).refundWindows(order, from, to))
          .to.be.revertedWithCustomError(escrow, 'NothingToRefund')
          .withArgs(order.id, from, to)
      // A refunded window is closed to settlement, attached or not.
      await attach(f, 1n, 2n)
      await expect(settleWindow(escrow, chainId, order, 1n, 2n, seller))
        .to.be.revertedWithCustomError(escrow, 'WindowClosed')
        .withArgs(order.id, 1n, REFUNDED)
      const statuses = await Promise.all([0n, 1n, 2n, 3n].map((w) => escrow.windowStatus(order, w)))
      expect(statuses).to.deep.equal([SETTLED, REFUNDED, REFUNDED, REFUNDED])
      expect(await market.hasAccess(buyer.address, 2n)).to.equal(false)
      expect(await balanceOf(escrowAddress)).to.equal(0n)
    })

    it('refuses an empty range (WindowNotInOrder naming fromWindow) and windows outside the order (WindowNotInOrder)', async () => {
      const { escrow, buyer, start } = await loadFixture(fixture)
      const order = await openStream(escrow, buyer, { first: 2n }) // windows 2..3
      await at(start, 10n * HOUR)
      const refund = (from: bigint, to: bigint) => connected(escrow, buyer).refundWindows(order, from, to)
      await expect(refund(3n, 3n)).to.be.revertedWithCustomError(escrow, 'WindowNotInOrder').withArgs(order.id, 3n)
      await expect(refund(3n, 2n)).to.be.revertedWithCustomError(escrow, 'WindowNotInOrder').withArgs(order.id, 3n)
      await expect(refund(9n, 1n)).to.be.revertedWithCustomError(escrow, 'WindowNotInOrder').withArgs(order.id, 9n)
      await expect(refund(0n, 0n)).to.be.revertedWithCustomError(escrow, 'WindowNotInOrder').withArgs(order.id, 0n)
      await expect(refund(1n, 4n)).to.be.revertedWithCustomError(escrow, 'WindowNotInOrder').withArgs(order.id, 1n)
      await expect(refund(2n, 5n)).to.be.revertedWithCustomError(escrow, 'WindowNotInOrder').withArgs(order.id, 4n)
      await expect(refund(2n, 4n)).to.changeEtherBalances([buyer, escrow], [PRICE, -PRICE])
    })

    it('refunds a tUSD order in tUSD', async () => {
      const { escrow, stablecoin, buyer, stranger, start, token } = await loadFixture(fixture)
      await (await connected(stablecoin, buyer).approve(await escrow.getAddress(), TUSD_PRICE)).wait()
      const order = await openStream(escrow, buyer, { stream: 2n })
      await at(start, 3n * HOUR)
      const tx = connected(escrow, stranger).refundWindows(order, 0n, 2n)
      await expect(tx).to.changeTokenBalances(stablecoin, [buyer, escrow], [TUSD_PRICE, -TUSD_PRICE])
      await expect(tx).to.emit(escrow, 'WindowsRefunded').withArgs(order.id, buyer.address, 0n, 2n, token, TUSD_PRICE)
    })

    it('escrows only what a token delivers (PaymentShortfall) and cannot be re-entered from the refund transfer to refund twice', async () => {
      const { escrow, market, seller, buyer, start } = await loadFixture(fixture)
      const { ethers } = await hardhat()
      const deployed = await ethers.deployContract('HostileToken')
      const tokenAddress = await deployed.getAddress()
      const token = typedContract<HostileToken>(tokenAddress, hostileTokenAbi, buyer)
      await (await token.mint(buyer.address, 10n ** 24n)).wait()
      await (await token.approve(await escrow.getAddress(), 10n ** 24n)).wait()
      // Stream 3 in the hostile token: 1000 per 2-hour period.
      await (await connected(market, seller).createStream(start, HOUR, 2n * HOUR, tokenAddress, 1000n, [], [])).wait()
      await (await token.setMode(1, ZeroAddress, '0x')).wait() // skims 10% of every transfer to a contract
      await expect(connected(escrow, buyer).openStream(3n, 0n, 1n, 1000n, buyerKey))
        .to.be.revertedWithCustomError(escrow, 'PaymentShortfall')
        .withArgs(tokenAddress, 900n, 1000n)
      await (await token.setMode(0, ZeroAddress, '0x')).wait()
      const order = await openStream(escrow, buyer, { stream: 3n, price: 1000n, value: 0n })
      expect([order.paymentToken, order.amount]).to.deep.equal([tokenAddress, 1000n])
      // While the escrow pays the refund, the token calls refundWindows again.
      const reenter = escrow.interface.encodeFunctionData('refundWindows', [asTuple(order), 0n, 2n])
      await (await token.setMode(2, await escrow.getAddress(), reenter)).wait()
      await at(start, 3n * HOUR)
      const before = await token.balanceOf(buyer.address)
      await expect(connected(escrow, buyer).refundWindows(order, 0n, 2n))
        .to.emit(escrow, 'WindowsRefunded')
        .withArgs(order.id, buyer.address, 0n, 2n, tokenAddress, 1000n)
      expect(await token.reentryReverted()).to.equal(true)
      expect((await token.balanceOf(buyer.address)) - before).to.equal(1000n)
      expect(await token.balanceOf(await escrow.getAddress())).to.equal(0n)
    })

    it('splits an amount not divisible by the window count into shares that add up to it exactly: settled plus refunded leaves the escrow empty', async () => {
      const f = await loadFixture(fixture)
      const { escrow, market, buyer, seller, chainId, start } = f
      const price = 10n ** 18n + 1n
      // Stream 3: hourly windows sold by the 4-hour period; 3 periods are 12 windows.
      await (await connected(market, seller).createStream(start, HOUR, 4n * HOUR, ZeroAddress, price, [], [])).wait()
      const order = await openStream(escrow, buyer, { stream: 3n, periods: 3n, price })
      expect([order.amount, order.windowCount]).to.deep.equal([3n * price, 12n])
      const shares = Array.from({ length: 12 }, (_, k) => shareOf(order.amount, 12n, BigInt(k)))
      expect(order.amount % 12n).to.not.equal(0n)
      expect(new Set(shares).size).to.equal(2) // uneven: some windows carry the remainder
      expect(shares.reduce((a, b) => a + b, 0n)).to.equal(order.amount)
      await at(start, 11n * HOUR + 1n)
      const settledWindows = [0n, 3n, 11n]
      let paid = 0n
      for (const [i, window] of settledWindows.entries()) {
        const dataset = BigInt(i + 4)
        await attach(f, window, dataset, 3n)
        const share = shares[Number(window)]!
        await expect(settleWindow(escrow, chainId, order, window, dataset, seller))
          .to.emit(market, 'WindowPurchased')
          .withArgs(3n, window, buyer.address, dataset, ZeroAddress, share, (share * FEE_BPS) / 10_000n)
        paid += share
      }
      await at(start, 13n * HOUR)
      const refundedFirst = shares.slice(0, 6).reduce((a, b) => a + b, 0n) - shares[0]! - shares[3]!
      await expect(connected(escrow, buyer).refundWindows(order, 0n, 6n))
        .to.emit(escrow, 'WindowsRefunded')
        .withArgs(order.id, buyer.address, 0n, 6n, ZeroAddress, refundedFirst)
      const refundedRest = order.amount - paid - refundedFirst
      await expect(connected(escrow, buyer).refundWindows(order, 6n, 12n))
        .to.emit(escrow, 'WindowsRefunded')
        .withArgs(order.id, buyer.address, 6n, 12n, ZeroAddress, refundedRest)
      expect(refundedRest).to.equal(shares.slice(6).reduce((a, b) => a + b, 0n) - shares[11]!)
      expect(await balanceOf(await escrow.getAddress())).to.equal(0n)
    })
  })
})
