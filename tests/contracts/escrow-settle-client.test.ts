import { expect } from 'chai'
import { HDNodeWallet, keccak256, NonceManager, toUtf8Bytes, ZeroAddress, type Provider } from 'ethers'
import {
  buyerKeyFromSeed,
  computeKeyCommitment,
  createDeviceKey,
  encryptKeyForBuyer,
  generateProof,
  KEY_TRANSFER_CIRCUIT,
  signEddsaPoseidon,
} from '../../circuits/index.js'
import { loadCircuit } from '../../circuits/node.js'
import { DEV_MNEMONIC } from '../../core/index.js'
import {
  createChainClient,
  dataMarketAbi,
  keyEscrowAbi,
  proofToCalldata,
  typedContract,
  verifierSlotOf,
  type DataMarket,
  type KeyEscrow,
} from '../../contracts/index.js'
import { hardhat } from '../helpers/chain.js'
import { connected, deployTypedAssay } from '../helpers/typed-assay.js'

/**
 * A dataset of account 2 anchored with `dataKey`'s commitment, listed at 1 ETH (with a 30% split to
 * account 4 when asked) and sold once, so its payees are owed.
 */
async function soldDataset(dataKey: Uint8Array, options: { split?: boolean } = {}) {
  const device = await createDeviceKey()
  const keyCommitment = await computeKeyCommitment(dataKey)
  const statsDigest = `0x${'00'.repeat(32)}`
  const anchor = { manifestCidHash: keccak256(toUtf8Bytes('bafymanifest')), keyCommitment, statsDigest }
  const f = await deployTypedAssay()
  const [seller, buyer, splitter, other] = [f.signers[2]!, f.signers[3]!, f.signers[4]!, f.signers[6]!]
  await f.client(seller).registerDevice(device.Ax, device.Ay, '', (m) => signEddsaPoseidon(device.privateKey, m))
  const slot = verifierSlotOf('sensor-stats-b16-v2')
  await (
    await connected(f.datasets, seller).publish('bafymanifest', 1n, keyCommitment, 9000, statsDigest, [device.deviceId], 0n, slot)
  ).wait()
  const splits = options.split === true ? [{ account: splitter.address, bps: 3000 }] : []
  await (await connected(f.market, seller).list(1n, PRICE, ZeroAddress, 0n, splits)).wait()
  await (await connected(f.market, other).buy(1n, PRICE, ZeroAddress, 0n, { value: PRICE })).wait()
  return { f, seller, buyer, splitter, anchor }
}
const PRICE = 10n ** 18n

// The chain client's settlement, as the node's signer (a NonceManager) sends it. A settle's calldata
// is the encrypted key, so one that would revert must never be broadcast, and a failure must not
// leave the account's nonces stuck (found in review: ethers' NonceManager counts a nonce before it
// estimates gas).
describe('settling through the chain client', function () {
  this.timeout(600_000)

  it('simulates a settle first: one that would revert is never sent, and the node’s next transaction still mines', async () => {
    const { f, seller, buyer, anchor } = await soldDataset(new Uint8Array(32).fill(1))
    const provider = (await hardhat()).ethers.provider as unknown as Provider
    const wallet = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/2").connect(provider)
    expect(wallet.address).to.equal(seller.address)
    const node = new NonceManager(wallet) // as cli/start-node.ts builds the node's signer
    const chain = createChainClient(node, f.deployment)
    const order = await createChainClient(buyer, f.deployment).openOrder(1n, 12345n)
    const bogus = {
      pi_a: ['1', '2', '1'],
      pi_b: [
        ['0', '0'],
        ['0', '0'],
        ['1', '0'],
      ],
      pi_c: ['1', '2', '1'],
      protocol: 'groth16',
      curve: 'bn128',
    }
    const before = await provider.getTransactionCount(seller.address)
    const error = await chain.settleOrder(order, bogus as never, { ephemeralKey: 1n, cipherHi: 1n, cipherLo: 1n }, anchor).then(
      () => undefined,
      (e: unknown) => e as Error & { errorName?: string },
    )
    expect([error?.name, error?.message]).to.deep.equal(['ContractError', 'simulate escrow settlement reverted: InvalidKeyProof(1)'])
    expect(await provider.getTransactionCount(seller.address)).to.equal(before) // nothing was broadcast
    const market = typedContract<DataMarket>(f.deployment.contracts.dataMarket, dataMarketAbi, node)
    const tx = await market.withdraw(ZeroAddress)
    expect(tx.nonce).to.equal(before)
    expect((await tx.wait())?.status).to.equal(1)
  })

  it('sends again once when another sender of the node’s account took its next nonce (the operator withdrawing in the web app)', async () => {
    const { f, seller } = await soldDataset(new Uint8Array(32).fill(3))
    const provider = (await hardhat()).ethers.provider as unknown as Provider
    const wallet = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/2").connect(provider)
    const node = new NonceManager(wallet)
    const chain = createChainClient(node, f.deployment)
    await chain.setPrice(1n, 2n * 10n ** 18n) // the node's NonceManager now counts this account's nonces itself
    // The same key elsewhere (a browser wallet) sends one: the node's count is now one behind.
    await createChainClient(HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/2").connect(provider), f.deployment).setPrice(
      1n,
      3n * 10n ** 18n,
    )
    const before = await provider.getTransactionCount(seller.address)
    await chain.setPrice(1n, 4n * 10n ** 18n)
    expect(await provider.getTransactionCount(seller.address)).to.equal(before + 1)
    expect((await chain.listingOf(1n)).price).to.equal(4n * 10n ** 18n)
  })

  it('sends a settle with gas to spare: a withdrawal landing first in the same block does not make it revert (and show the key)', async () => {
    const dataKey = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff)
    const { f, seller, buyer, splitter, anchor } = await soldDataset(dataKey, { split: true })
    const buyerKey = await buyerKeyFromSeed(new Uint8Array(32).fill(9))
    const order = await createChainClient(buyer, f.deployment).openOrder(1n, buyerKey.publicKey)
    const chain = createChainClient(seller, f.deployment)
    const encrypted = await encryptKeyForBuyer(dataKey, buyerKey.publicKey, order.nonce)
    const { proof } = await generateProof(await loadCircuit(KEY_TRANSFER_CIRCUIT), encrypted.input)
    const escrow = typedContract<KeyEscrow>(f.deployment.contracts.keyEscrow, keyEscrowAbi, seller)
    const { ephemeralKey, cipherHi, cipherLo } = encrypted.input
    // What the settle costs as things stand (the estimate a node makes just before sending).
    const estimate = await escrow.settle.estimateGas(order, proofToCalldata(proof), ephemeralKey, cipherHi, cipherLo, anchor)
    // The split recipient's withdrawal empties its proceeds slot in the same block, before the
    // settle: writing it again costs the settle ~17k more than that estimate (with exactly the
    // estimate, the settle ran out of gas and its calldata showed the buyer the key: found in review).
    const { ethers } = await hardhat()
    const rpc = ethers.provider
    await rpc.send('evm_setAutomine', [false])
    try {
      await connected(f.market, splitter).withdraw(ZeroAddress)
      let done = false
      const settling = chain
        .settleOrder(
          order,
          proof,
          { ephemeralKey: encrypted.input.ephemeralKey, cipherHi: encrypted.input.cipherHi, cipherLo: encrypted.input.cipherLo },
          anchor,
        )
        .finally(() => (done = true))
      // One block once the settle is in the pool (two transactions), then whatever else it waits for.
      const pending = async (): Promise<number> =>
        ((await rpc.send('eth_getBlockByNumber', ['pending', false])) as { transactions: unknown[] }).transactions.length
      while (!done && (await pending()) < 2) await new Promise((r) => setTimeout(r, 50))
      while (!done) {
        await rpc.send('evm_mine', [])
        await new Promise((r) => setTimeout(r, 100))
      }
      const settled = await settling
      const sent = await (ethers.provider as unknown as Provider).getTransaction(settled.txHash)
      const receipt = await (ethers.provider as unknown as Provider).getTransactionReceipt(settled.txHash)
      expect(receipt?.gasUsed).to.be.greaterThan(estimate + 10_000n)
      expect(sent?.gasLimit).to.be.at.least(estimate + estimate / 4n)
    } finally {
      await rpc.send('evm_setAutomine', [true])
    }
    expect(await chain.orderStatus(order.id)).to.equal('settled')
  })
})
