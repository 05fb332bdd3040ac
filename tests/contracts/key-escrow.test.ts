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
  keyTransferPublicSignals,
  signEddsaPoseidon,
  type DeviceKey,
} from '../../circuits/index.js'
import { committedSetupRecordDigests, loadCircuit } from '../../circuits/node.js'
import {
  dataMarketAbi,
  deployContracts,
  escrowBuyerAbi,
  hostileTokenAbi,
  keyEscrowAbi,
  proofToCalldata,
  typedContract,
  verifierSlotOf,
  type DataMarket,
  type EscrowBuyer,
  type HostileToken,
  type KeyEscrow,
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
const PRICE = 10n ** 18n
const FEE_BPS = 250n
const abi = AbiCoder.defaultAbiCoder()
const OPEN = 1n
const SETTLED = 2n
const REFUNDED = 3n
const NONE = 0n

/** An order as KeyEscrow's Order struct (field order as in Solidity). */
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
const asTuple = (o: Order) => [o.id, o.buyer, o.datasetId, o.paymentToken, o.price, o.accessPeriod, o.deadline, o.buyerKey, o.anchor]

describe('KeyEscrow', function () {
  this.timeout(600_000)
  let device: DeviceKey
  const dataKey = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff)
  let keyCommitment: bigint
  const manifestCid = 'bafymanifest'
  const statsDigest = `0x${'00'.repeat(32)}`
  before(async () => {
    device = await createDeviceKey()
    keyCommitment = await computeKeyCommitment(dataKey)
  })
  const anchor = () => ({ manifestCidHash: keccak256(toUtf8Bytes(manifestCid)), keyCommitment, statsDigest })

  // Dataset 1 of `seller` (anchoring `dataKey`'s commitment) listed perpetually for PRICE in the
  // native coin with a 30% split; the deployed escrow (real verifier) and a second escrow whose
  // verifier is the stub, with a one-hour settlement window, both holding ESCROW_ROLE.
  async function fixture() {
    const f = await deployTypedAssay()
    const [seller, buyer, deviceOwner, stranger, otherBuyer] = [f.signers[2]!, f.signers[3]!, f.signers[4]!, f.signers[5]!, f.signers[6]!]
    await f.client(seller).registerDevice(device.Ax, device.Ay, '', (m) => signEddsaPoseidon(device.privateKey, m))
    await (
      await connected(f.datasets, seller).publish(
        manifestCid,
        1n,
        keyCommitment,
        9000,
        statsDigest,
        [device.deviceId],
        0n,
        verifierSlotOf('sensor-stats-b16-v2'),
      )
    ).wait()
    await (await connected(f.market, seller).list(1n, PRICE, ZeroAddress, 0n, [{ account: deviceOwner.address, bps: 3000 }])).wait()
    for (const b of [buyer, otherBuyer]) await (await f.stablecoin.mint(b.address, 1_000_000_000n)).wait()
    const { ethers } = await hardhat()
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
    const { chainId } = await ethers.provider.send('eth_chainId', []).then((c) => ({ chainId: BigInt(c as string) }))
    return { ...f, seller, buyer, deviceOwner, stranger, otherBuyer, escrow, realEscrow, chainId }
  }

  /** The nonce the circuit binds an order to, computed here independently of the contract. */
  const nonceOf = (chainId: bigint, escrow: string, orderId: bigint): bigint =>
    BigInt(keccak256(abi.encode(['uint256', 'address', 'uint256'], [chainId, escrow, orderId]))) % SNARK_FIELD
  const buyerKey = 67890n

  /** Opens an order as `buyer` and returns it as OrderOpened carries it. */
  async function open(
    escrow: Escrow,
    buyer: Signer,
    over: Partial<{ price: bigint; token: string; period: bigint; key: bigint; value: bigint }> = {},
  ): Promise<Order> {
    const price = over.price ?? PRICE
    const token = over.token ?? ZeroAddress
    const key = over.key ?? buyerKey
    const tx = await connected(escrow, buyer).open(1n, price, token, over.period ?? 0n, key, {
      value: over.value ?? (token === ZeroAddress ? price : 0n),
    })
    return orderOf(escrow, tx)
  }
  async function orderOf(escrow: Escrow, tx: ContractTransactionResponse): Promise<Order> {
    const receipt = await tx.wait()
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

  /** A delivery the stub verifier accepts for exactly these public signals. */
  const delivery = { ephemeralKey: 222n, cipherHi: 333n, cipherLo: 444n }
  const stubProof = (signals: bigint[]): bigint[] => [BigInt(keccak256(abi.encode(['uint256[6]'], [signals]))), 0n, 0n, 0n, 0n, 0n, 0n, 0n]
  const signalsOf = (order: Order, nonce: bigint, commitment = keyCommitment, d = delivery): bigint[] => [
    commitment,
    order.buyerKey,
    d.ephemeralKey,
    d.cipherHi,
    d.cipherLo,
    nonce,
  ]
  /** Settles `order` on the stub escrow with a proof of the right signals (unless `proof` is given). */
  async function settle(escrow: Escrow, chainId: bigint, order: Order, caller: Signer, proof?: bigint[]) {
    const nonce = nonceOf(chainId, await escrow.getAddress(), order.id)
    return connected(escrow, caller).settle(
      order,
      proof ?? stubProof(signalsOf(order, nonce)),
      delivery.ephemeralKey,
      delivery.cipherHi,
      delivery.cipherLo,
      anchor(),
    )
  }

  describe('open', () => {
    it('escrows the native price and emits OrderOpened with the whole order, its nonce and deadline', async () => {
      const { escrow, datasets, buyer, chainId } = await loadFixture(fixture)
      const address = await escrow.getAddress()
      const tx = connected(escrow, buyer).open(1n, PRICE, ZeroAddress, 0n, buyerKey, { value: PRICE })
      await expect(tx).to.changeEtherBalances([buyer, escrow], [-PRICE, PRICE])
      const block = await (await (await tx).wait())!.getBlock()
      const expected: Order = {
        id: 1n,
        buyer: buyer.address,
        datasetId: 1n,
        paymentToken: ZeroAddress,
        price: PRICE,
        accessPeriod: 0n,
        deadline: BigInt(block.timestamp) + HOUR,
        buyerKey,
        // Read from the registry at opening: settle checks the preimage against it.
        anchor: await datasets.anchorOf(1n),
      }
      const nonce = nonceOf(chainId, address, 1n)
      await expect(tx).to.emit(escrow, 'OrderOpened').withArgs(1n, 1n, buyer.address, asTuple(expected), nonce)
      expect(await escrow.orderNonce(1n)).to.equal(nonce)
      expect(nonce).to.be.below(SNARK_FIELD)
      expect(await escrow.orderStatus(1n)).to.equal(OPEN)
      expect(await escrow.orderCount()).to.equal(1n)
      expect(expected.anchor).to.equal(keccak256(abi.encode(['bytes32', 'uint256', 'bytes32'], Object.values(anchor()))))
      const stored = keccak256(
        abi.encode(['tuple(uint256,address,uint256,address,uint256,uint64,uint64,uint256,bytes32)'], [asTuple(expected)]),
      )
      expect(await escrow.hashOrder(expected)).to.equal(stored)
      // Another order of the same buyer and key gets another id and nonce.
      const second = await open(escrow, buyer)
      expect(second.id).to.equal(2n)
      expect(await escrow.orderNonce(2n)).to.not.equal(nonce)
    })

    it('escrows tUSD by transferFrom and refuses native coin alongside it', async () => {
      const { escrow, market, stablecoin, seller, buyer } = await loadFixture(fixture)
      const token = await stablecoin.getAddress()
      await (await connected(market, seller).list(1n, 5_000_000n, token, 30n * DAY, [])).wait()
      await (await connected(stablecoin, buyer).approve(await escrow.getAddress(), 5_000_000n)).wait()
      await expect(connected(escrow, buyer).open(1n, 5_000_000n, token, 30n * DAY, 2n, { value: 1n }))
        .to.be.revertedWithCustomError(escrow, 'UnexpectedNativePayment')
        .withArgs(1n)
      await expect(connected(escrow, buyer).open(1n, 5_000_000n, token, 30n * DAY, 2n)).to.changeTokenBalances(
        stablecoin,
        [buyer, escrow],
        [-5_000_000n, 5_000_000n],
      )
    })

    it('refuses terms other than the active listing (ListingChanged, NotListed) and a wrong payment', async () => {
      const { escrow, market, seller, buyer, stablecoin } = await loadFixture(fixture)
      const token = await stablecoin.getAddress()
      const attempt = (price: bigint, paymentToken: string, period: bigint, value: bigint) =>
        connected(escrow, buyer).open(1n, price, paymentToken, period, 2n, { value })
      for (const [price, paymentToken, period] of [
        [PRICE - 1n, ZeroAddress, 0n],
        [PRICE, token, 0n],
        [PRICE, ZeroAddress, DAY],
      ] as const)
        await expect(attempt(price, paymentToken, period, price))
          .to.be.revertedWithCustomError(escrow, 'ListingChanged')
          .withArgs(1n, PRICE, ZeroAddress, 0n)
      await expect(attempt(PRICE, ZeroAddress, 0n, PRICE - 1n))
        .to.be.revertedWithCustomError(escrow, 'IncorrectPayment')
        .withArgs(PRICE - 1n, PRICE)
      await expect(connected(escrow, buyer).open(2n, PRICE, ZeroAddress, 0n, 2n, { value: PRICE }))
        .to.be.revertedWithCustomError(escrow, 'NotListed')
        .withArgs(2n)
      await (await connected(market, seller).delist(1n)).wait()
      await expect(attempt(PRICE, ZeroAddress, 0n, PRICE))
        .to.be.revertedWithCustomError(escrow, 'NotListed')
        .withArgs(1n)
      expect(await escrow.orderCount()).to.equal(0n)
    })

    it('rejects a buyer key at or above the BN254 scalar field', async () => {
      const { escrow, buyer } = await loadFixture(fixture)
      for (const key of [SNARK_FIELD, SNARK_FIELD + 5n])
        await expect(open(escrow, buyer, { key }))
          .to.be.revertedWithCustomError(escrow, 'InvalidBuyerKey')
          .withArgs(key)
      const order = await open(escrow, buyer, { key: SNARK_FIELD - 1n })
      expect(order.buyerKey).to.equal(SNARK_FIELD - 1n)
    })
  })

  describe('settle', () => {
    it('buys the access for the buyer exactly as buy does: token, expiry, fee, splits, proceeds, OrderSettled', async () => {
      const { escrow, market, seller, buyer, otherBuyer, treasury, deviceOwner, stranger, chainId } = await loadFixture(fixture)
      const payees = [seller.address, treasury.address, deviceOwner.address]
      const owedAll = () => Promise.all(payees.map((a) => market.owed(a, ZeroAddress)))
      // A direct purchase, for comparison.
      const before = await owedAll()
      await (await connected(market, otherBuyer).buy(1n, PRICE, ZeroAddress, 0n, { value: PRICE })).wait()
      const afterBuy = await owedAll()
      const order = await open(escrow, buyer)
      const nonce = nonceOf(chainId, await escrow.getAddress(), order.id)
      const fee = (PRICE * FEE_BPS) / 10_000n
      const tx = settle(escrow, chainId, order, stranger)
      await expect(tx).to.changeEtherBalances([escrow, market, stranger, buyer], [-PRICE, PRICE, 0n, 0n])
      await expect(tx)
        .to.emit(escrow, 'OrderSettled')
        .withArgs(order.id, 1n, buyer.address, nonce, delivery.ephemeralKey, delivery.cipherHi, delivery.cipherLo, MAX_UINT64)
      await expect(tx).to.emit(market, 'Purchased').withArgs(1n, buyer.address, ZeroAddress, PRICE, fee, MAX_UINT64)
      await expect(tx)
        .to.emit(market, 'TransferSingle')
        .withArgs(await escrow.getAddress(), ZeroAddress, buyer.address, 1n, 1n)
      const afterSettle = await owedAll()
      expect(afterSettle.map((a, i) => a - afterBuy[i]!)).to.deep.equal(afterBuy.map((a, i) => a - before[i]!))
      const share = ((PRICE - fee) * 3000n) / 10_000n
      expect(afterSettle.map((a, i) => a - afterBuy[i]!)).to.deep.equal([PRICE - fee - share, fee, share])
      expect(await market.balanceOf(buyer.address, 1n)).to.equal(1n)
      expect(await market.hasAccess(buyer.address, 1n)).to.equal(true)
      expect(await market.accessExpiry(buyer.address, 1n)).to.equal(MAX_UINT64)
      expect(await escrow.orderStatus(order.id)).to.equal(SETTLED)
    })

    it('settles a tUSD order with a timed access period: the escrow pays the market, no allowance left over', async () => {
      const { escrow, market, stablecoin, seller, buyer, treasury, chainId } = await loadFixture(fixture)
      const token = await stablecoin.getAddress()
      await (await connected(market, seller).list(1n, 5_000_000n, token, 30n * DAY, [])).wait()
      await (await connected(stablecoin, buyer).approve(await escrow.getAddress(), 5_000_000n)).wait()
      const order = await open(escrow, buyer, { price: 5_000_000n, token, period: 30n * DAY })
      const tx = settle(escrow, chainId, order, seller)
      await expect(tx).to.changeTokenBalances(stablecoin, [escrow, market], [-5_000_000n, 5_000_000n])
      const block = await (await (await tx).wait())!.getBlock()
      const expiresAt = BigInt(block.timestamp) + 30n * DAY
      await expect(tx).to.emit(market, 'Purchased').withArgs(1n, buyer.address, token, 5_000_000n, 125_000n, expiresAt)
      expect(await market.owed(treasury.address, token)).to.equal(125_000n)
      expect(await market.owed(seller.address, token)).to.equal(4_875_000n)
      expect(await market.accessExpiry(buyer.address, 1n)).to.equal(expiresAt)
      expect(await stablecoin.allowance(await escrow.getAddress(), await market.getAddress())).to.equal(0n)
    })

    it('rejects a proof the verifier refuses or reverts on, and a proof for another order, key or ciphertext (InvalidKeyProof)', async () => {
      const { escrow, buyer, chainId } = await loadFixture(fixture)
      const order = await open(escrow, buyer)
      const other = await open(escrow, buyer) // same buyer key, another nonce
      const address = await escrow.getAddress()
      const nonce = nonceOf(chainId, address, order.id)
      const wrong = [
        [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n],
        // A verifier that reverts refuses too: the right first word, and the stub's word to revert.
        stubProof(signalsOf(order, nonce)).map((w, i) => (i === 1 ? 0xdeadn : w)),
        stubProof(signalsOf(order, nonceOf(chainId, address, other.id))),
        stubProof(signalsOf(order, nonceOf(chainId + 1n, address, order.id))),
        stubProof(signalsOf({ ...order, buyerKey: 999n }, nonce)),
        stubProof(signalsOf(order, nonce, keyCommitment, { ...delivery, ephemeralKey: 223n })),
        stubProof(signalsOf(order, nonce, keyCommitment + 1n)),
        stubProof(signalsOf(order, nonce, keyCommitment, { ...delivery, cipherLo: 445n })),
      ]
      for (const proof of wrong)
        await expect(settle(escrow, chainId, order, buyer, proof))
          .to.be.revertedWithCustomError(escrow, 'InvalidKeyProof')
          .withArgs(order.id)
      expect(await escrow.orderStatus(order.id)).to.equal(OPEN)
    })

    it('rejects an order that differs from the one opened (OrderMismatch) and ids never opened (OrderNotOpen)', async () => {
      const { escrow, buyer, stranger, chainId } = await loadFixture(fixture)
      const order = await open(escrow, buyer)
      for (const forged of [
        { ...order, buyer: stranger.address },
        { ...order, price: PRICE - 1n },
        { ...order, deadline: order.deadline - 3600n },
        { ...order, buyerKey: order.buyerKey + 1n },
        // Another anchor would let a settler choose the key commitment it proves against.
        { ...order, anchor: keccak256(abi.encode(['bytes32', 'uint256', 'bytes32'], [anchor().manifestCidHash, 1n, statsDigest])) },
        { ...order, accessPeriod: 1n },
      ]) {
        await expect(settle(escrow, chainId, forged, stranger))
          .to.be.revertedWithCustomError(escrow, 'OrderMismatch')
          .withArgs(order.id)
        await increaseTime(Number(HOUR))
        await expect(connected(escrow, stranger).refund(forged)).to.be.revertedWithCustomError(escrow, 'OrderMismatch').withArgs(order.id)
      }
      // A settled order's slot is cleared: only ids issued (1 .. orderCount) read as Settled.
      for (const id of [0n, 2n, 9n]) {
        await expect(settle(escrow, chainId, { ...order, id }, buyer))
          .to.be.revertedWithCustomError(escrow, 'OrderNotOpen')
          .withArgs(id, NONE)
        expect(await escrow.orderStatus(id)).to.equal(NONE)
      }
    })

    it("rejects an anchor preimage that is not the dataset's (AnchorMismatch)", async () => {
      const { escrow, buyer, chainId } = await loadFixture(fixture)
      const order = await open(escrow, buyer)
      const nonce = nonceOf(chainId, await escrow.getAddress(), order.id)
      // A proof for another key commitment, with that commitment claimed in the preimage.
      const fake = keyCommitment + 1n
      await expect(
        connected(escrow, buyer).settle(
          order,
          stubProof(signalsOf(order, nonce, fake)),
          delivery.ephemeralKey,
          delivery.cipherHi,
          delivery.cipherLo,
          { ...anchor(), keyCommitment: fake },
        ),
      )
        .to.be.revertedWithCustomError(escrow, 'AnchorMismatch')
        .withArgs(1n)
    })

    it("reverts with DataMarket's ListingChanged or NotListed when the listing changed since opening; the buyer then refunds", async () => {
      const { escrow, market, seller, buyer, chainId } = await loadFixture(fixture)
      const order = await open(escrow, buyer)
      await (await connected(market, seller).setPrice(1n, 2n * PRICE)).wait()
      await expect(settle(escrow, chainId, order, seller))
        .to.be.revertedWithCustomError(market, 'ListingChanged')
        .withArgs(1n, 2n * PRICE, ZeroAddress, 0n)
      await (await connected(market, seller).delist(1n)).wait()
      await expect(settle(escrow, chainId, order, seller))
        .to.be.revertedWithCustomError(market, 'NotListed')
        .withArgs(1n)
      await increaseTime(Number(HOUR))
      await expect(connected(escrow, buyer).refund(order)).to.changeEtherBalances([buyer, escrow], [PRICE, -PRICE])
      expect(await market.balanceOf(buyer.address, 1n)).to.equal(0n)
    })

    it('still settles after the deadline while the order is not refunded', async () => {
      const { escrow, market, buyer, seller, chainId } = await loadFixture(fixture)
      const order = await open(escrow, buyer)
      await increaseTime(Number(2n * HOUR))
      await expect(settle(escrow, chainId, order, seller)).to.emit(escrow, 'OrderSettled')
      expect(await market.hasAccess(buyer.address, 1n)).to.equal(true)
    })

    it('never settles twice, settles no refunded order and refunds no settled one', async () => {
      const { escrow, buyer, seller, stranger, chainId } = await loadFixture(fixture)
      const settled = await open(escrow, buyer)
      const refunded = await open(escrow, buyer)
      await (await settle(escrow, chainId, settled, seller)).wait()
      await expect(settle(escrow, chainId, settled, seller))
        .to.be.revertedWithCustomError(escrow, 'OrderNotOpen')
        .withArgs(settled.id, SETTLED)
      await increaseTime(Number(HOUR))
      await expect(connected(escrow, buyer).refund(settled))
        .to.be.revertedWithCustomError(escrow, 'OrderNotOpen')
        .withArgs(settled.id, SETTLED)
      await (await connected(escrow, stranger).refund(refunded)).wait()
      expect(await escrow.orderStatus(refunded.id)).to.equal(REFUNDED)
      expect(await escrow.orderStatus(settled.id)).to.equal(SETTLED)
      await expect(settle(escrow, chainId, refunded, seller))
        .to.be.revertedWithCustomError(escrow, 'OrderNotOpen')
        .withArgs(refunded.id, REFUNDED)
      await expect(connected(escrow, buyer).refund(refunded))
        .to.be.revertedWithCustomError(escrow, 'OrderNotOpen')
        .withArgs(refunded.id, REFUNDED)
    })
  })

  describe('refund', () => {
    it('pays the buyer back from the deadline on, whoever calls, and not a second before', async () => {
      const { escrow, buyer, stranger } = await loadFixture(fixture)
      const order = await open(escrow, buyer)
      await expect(connected(escrow, buyer).refund(order))
        .to.be.revertedWithCustomError(escrow, 'DeadlineNotReached')
        .withArgs(order.id, order.deadline)
      const { ethers } = await hardhat()
      await ethers.provider.send('evm_setNextBlockTimestamp', [Number(order.deadline - 1n)])
      await expect(connected(escrow, buyer).refund(order))
        .to.be.revertedWithCustomError(escrow, 'DeadlineNotReached')
        .withArgs(order.id, order.deadline)
      const tx = connected(escrow, stranger).refund(order)
      await expect(tx).to.changeEtherBalances([buyer, escrow, stranger], [PRICE, -PRICE, 0n])
      await expect(tx).to.emit(escrow, 'OrderRefunded').withArgs(order.id, buyer.address, ZeroAddress, PRICE)
      expect(await escrow.orderStatus(order.id)).to.equal(REFUNDED)
    })

    it('refunds a tUSD order in tUSD', async () => {
      const { escrow, market, stablecoin, seller, buyer } = await loadFixture(fixture)
      const token = await stablecoin.getAddress()
      await (await connected(market, seller).list(1n, 5_000_000n, token, 0n, [])).wait()
      await (await connected(stablecoin, buyer).approve(await escrow.getAddress(), 5_000_000n)).wait()
      const order = await open(escrow, buyer, { price: 5_000_000n, token })
      await increaseTime(Number(HOUR))
      const tx = connected(escrow, seller).refund(order)
      await expect(tx).to.changeTokenBalances(stablecoin, [buyer, escrow], [5_000_000n, -5_000_000n])
      await expect(tx).to.emit(escrow, 'OrderRefunded').withArgs(order.id, buyer.address, token, 5_000_000n)
    })
  })

  describe('hostile counterparties', () => {
    async function contractBuyer() {
      const f = await loadFixture(fixture)
      const { ethers } = await hardhat()
      const deployed = await ethers.deployContract('EscrowBuyer', [await f.escrow.getAddress()])
      const address = await deployed.getAddress()
      const attacker = typedContract<EscrowBuyer>(address, escrowBuyerAbi, f.buyer)
      return { ...f, attacker, attackerAddress: address }
    }

    it('cannot re-enter from receive() during a native refund to take the payment twice', async () => {
      const { escrow, attacker, attackerAddress } = await contractBuyer()
      await (await attacker.open(1n, 0n, buyerKey, { value: PRICE })).wait()
      await (await attacker.open(1n, 0n, buyerKey, { value: PRICE })).wait()
      const first = await escrow.orderCount()
      const order = await orderOf(escrow, await attacker.open(1n, 0n, buyerKey, { value: PRICE }))
      expect(order.id).to.equal(first + 1n)
      await (await attacker.setReentry(escrow.interface.encodeFunctionData('refund', [order]))).wait()
      await increaseTime(Number(HOUR))
      await expect(connected(escrow, attacker.runner as Signer).refund(order)).to.changeEtherBalances(
        [attackerAddress, escrow],
        [PRICE, -PRICE],
      )
      expect([await attacker.attempts(), await attacker.reverted()]).to.deep.equal([1n, 1n])
      expect(await escrow.orderStatus(order.id)).to.equal(REFUNDED)
    })

    it('settles to a contract buyer that is no ERC-1155 receiver: the buyer cannot make a delivery revert', async () => {
      const { escrow, market, attacker, attackerAddress, seller, chainId } = await contractBuyer()
      const order = await orderOf(escrow, await attacker.open(1n, 0n, buyerKey, { value: PRICE }))
      await expect(settle(escrow, chainId, order, seller)).to.emit(escrow, 'OrderSettled')
      expect(await market.balanceOf(attackerAddress, 1n)).to.equal(1n)
    })

    it('escrows only what a token delivers (PaymentShortfall) and cannot be re-entered from a token transfer', async () => {
      const { escrow, market, seller, buyer } = await loadFixture(fixture)
      const { ethers } = await hardhat()
      const deployed = await ethers.deployContract('HostileToken')
      const tokenAddress = await deployed.getAddress()
      const token = typedContract<HostileToken>(tokenAddress, hostileTokenAbi, buyer)
      await (await token.mint(buyer.address, 10n ** 24n)).wait()
      await (await token.approve(await escrow.getAddress(), 10n ** 24n)).wait()
      await (await connected(market, seller).list(1n, 1000n, tokenAddress, 0n, [])).wait()
      await (await token.setMode(1, ZeroAddress, '0x')).wait()
      await expect(open(escrow, buyer, { price: 1000n, token: tokenAddress }))
        .to.be.revertedWithCustomError(escrow, 'PaymentShortfall')
        .withArgs(tokenAddress, 900n, 1000n)
      const reenter = escrow.interface.encodeFunctionData('open', [1n, 1000n, tokenAddress, 0n, 2n])
      await (await token.setMode(2, await escrow.getAddress(), reenter)).wait()
      await (await connected(escrow, buyer).open(1n, 1000n, tokenAddress, 0n, 2n)).wait()
      expect(await token.reentryReverted()).to.equal(true)
      expect(await escrow.orderCount()).to.equal(1n)
      expect(await token.balanceOf(await escrow.getAddress())).to.equal(1000n)
    })
  })

  describe('deployment', () => {
    it('is deployed by the deploy code with the key-transfer verifier, and holds ESCROW_ROLE; nobody else may buyFor', async () => {
      const { realEscrow, market, deployment, stranger, buyer } = await loadFixture(fixture)
      expect(await realEscrow.market()).to.equal(deployment.contracts.dataMarket)
      expect(await realEscrow.datasets()).to.equal(deployment.contracts.datasetRegistry)
      expect(await realEscrow.verifier()).to.equal(deployment.contracts.keyTransferVerifier)
      expect(await realEscrow.settlementWindow()).to.equal(DAY)
      expect(await market.hasRole(id('ESCROW_ROLE'), deployment.contracts.keyEscrow)).to.equal(true)
      await expect(connected(market, stranger).buyFor(buyer.address, 1n, PRICE, ZeroAddress, 0n, { value: PRICE }))
        .to.be.revertedWithCustomError(market, 'AccessControlUnauthorizedAccount')
        .withArgs(stranger.address, id('ESCROW_ROLE'))
    })

    it('hands the market to another admin only after granting the escrow its role', async () => {
      const { deployer, stranger } = await loadFixture(fixture)
      const deployment = await deployContracts(deployer, {
        admin: stranger.address,
        settlementWindow: 2 * 3600,
        setupRecords: await committedSetupRecordDigests(),
      })
      const market = typedContract<DataMarket>(deployment.contracts.dataMarket, dataMarketAbi, deployer)
      const escrow = typedContract<KeyEscrow>(deployment.contracts.keyEscrow, keyEscrowAbi, deployer)
      expect(await market.hasRole(id('ESCROW_ROLE'), deployment.contracts.keyEscrow)).to.equal(true)
      for (const role of [await market.DEFAULT_ADMIN_ROLE(), await market.FEE_ADMIN_ROLE()]) {
        expect(await market.hasRole(role, stranger.address)).to.equal(true)
        expect(await market.hasRole(role, deployer.address)).to.equal(false)
      }
      expect(await escrow.settlementWindow()).to.equal(2n * HOUR)
    })

    it('refuses a settlement window of zero or over 30 days, and a verifier without code', async () => {
      const { deployment, stranger, realEscrow } = await loadFixture(fixture)
      const { ethers } = await hardhat()
      const { contracts } = deployment
      const args = (verifier: string, window: bigint) => [contracts.dataMarket, contracts.datasetRegistry, verifier, window]
      for (const window of [0n, 30n * DAY + 1n])
        await expect(ethers.deployContract('KeyEscrow', args(contracts.keyTransferVerifier, window)))
          .to.be.revertedWithCustomError(realEscrow, 'InvalidSettlementWindow')
          .withArgs(window)
      await expect(ethers.deployContract('KeyEscrow', args(stranger.address, HOUR)))
        .to.be.revertedWithCustomError(realEscrow, 'InvalidVerifier')
        .withArgs(stranger.address)
    })
  })

  describe('with the real key-transfer circuit and verifier', () => {
    it('settles with a real proof; the buyer decrypts the committed key from OrderSettled alone', async () => {
      const { realEscrow, market, buyer, seller, deployment } = await loadFixture(fixture)
      const key = await buyerKeyFromSeed(new Uint8Array(32).fill(7))
      const order = await open(realEscrow, buyer, { key: key.publicKey })
      const nonce = await realEscrow.orderNonce(order.id)
      const encrypted = await encryptKeyForBuyer(dataKey, key.publicKey, nonce)
      const { proof, publicSignals } = await generateProof(await loadCircuit(KEY_TRANSFER_CIRCUIT), encrypted.input)
      expect(publicSignals.map(BigInt)).to.deep.equal(keyTransferPublicSignals(encrypted.input))
      const { ephemeralPublicKey } = encrypted
      const [cipherHi, cipherLo] = encrypted.ciphertext
      const flat = proofToCalldata(proof)
      // A proof of this delivery does not settle with another ciphertext.
      await expect(connected(realEscrow, seller).settle(order, flat, ephemeralPublicKey, cipherHi, cipherLo + 1n, anchor()))
        .to.be.revertedWithCustomError(realEscrow, 'InvalidKeyProof')
        .withArgs(order.id)
      const tx = await connected(realEscrow, seller).settle(order, flat, ephemeralPublicKey, cipherHi, cipherLo, anchor())
      const receipt = await tx.wait()
      const settled = receipt!.logs.map((l) => realEscrow.interface.parseLog(l)).find((l) => l?.name === 'OrderSettled')!
      const decrypted = await decryptKeyTransfer(key.secret, {
        ephemeralPublicKey: settled.args.ephemeralKey as bigint,
        ciphertext: [settled.args.cipherHi as bigint, settled.args.cipherLo as bigint],
        orderNonce: settled.args.nonce as bigint,
        keyCommitment,
      })
      expect(Buffer.from(decrypted).equals(Buffer.from(dataKey))).to.equal(true)
      expect(await market.hasAccess(buyer.address, 1n)).to.equal(true)
      expect(deployment.contracts.keyEscrow).to.equal(await realEscrow.getAddress())
    })
  })
})
