import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { HDNodeWallet, hexlify, JsonRpcProvider, NonceManager, parseEther, ZeroHash } from 'ethers'
import { buyTrustlessCommand, deployCommand, refundCommand, settleCommand, subscribeTrustlessCommand } from '../../cli/index.js'
import { computeKeyCommitment, createDeviceKey, signEddsaPoseidon } from '../../circuits/index.js'
import { DEV_MNEMONIC, loadConfig } from '../../core/index.js'
import { createChainClient, parseDeployment, type ChainClient, type Deployment } from '../../contracts/index.js'
import { startAnvil, type AnvilService } from '../../contracts/node.js'
import { createAssayClient, type AssayClient } from '../../sdk/index.js'
import { caught } from '../helpers/errors.js'

const quiet = { out: () => undefined, err: () => undefined }
const account = (n: number): HDNodeWallet => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${n}`)
// Nothing listens there: every command below works from RPC_URL and a saved deployment alone.
const NO_NODE = 'http://127.0.0.1:9'

/**
 * Trustless buying with the seller's node offline, on a real anvil chain: the seller deploys with
 * `assay deploy` (its deployment saved under its data dir) and anchors and lists a dataset whose
 * key commitment is that of `dataKey`; the buyer uses the seller's saved deployment (ASSAY_DEPLOYMENT).
 */
describe('trustless buying with the seller offline (assay buy --trustless, assay settle, assay refund)', function () {
  this.timeout(600_000)
  let dir: string
  let anvil: AnvilService
  let provider: JsonRpcProvider
  let deployment: Deployment
  let datasetId: bigint
  let keyFile: string
  let wrongKeyFile: string
  let deviceId: bigint
  const dataKey = Uint8Array.from({ length: 32 }, (_, i) => (i * 29 + 7) & 0xff)
  const seller = account(5)
  const sellerConfig = () => loadConfig({ RPC_URL: anvil.rpcUrl, PRIVATE_KEY: seller.privateKey, ASSAY_DATA_DIR: join(dir, 'seller') })
  const buyerConfig = () =>
    loadConfig({
      RPC_URL: anvil.rpcUrl,
      ASSAY_DATA_DIR: join(dir, 'buyer'),
      ASSAY_DEPLOYMENT: join(dir, 'seller', 'chain', `deployment-${anvil.chainId}.json`),
    })
  const buyer = (n: number) => new NonceManager(account(n).connect(provider))
  const client = (): AssayClient => createAssayClient({ node: NO_NODE, deployment })
  const reader = (): ChainClient => createChainClient(provider, deployment)

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-trustless-'))
    anvil = await startAnvil({ dataDir: join(dir, 'anvil') })
    provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, pollingInterval: 100 })
    await deployCommand(sellerConfig(), { network: 'rpc', feeBps: 250, testStablecoin: false, force: false }, () => undefined)
    deployment = parseDeployment(JSON.parse(await readFile(join(dir, 'seller', 'chain', `deployment-${anvil.chainId}.json`), 'utf8')))
    const chain = createChainClient(new NonceManager(seller.connect(provider)), deployment)
    const device = await createDeviceKey()
    ;({ deviceId } = await chain.registerDevice(device.Ax, device.Ay, '', (m) => signEddsaPoseidon(device.privateKey, m)))
    ;({ datasetId } = await chain.publishDataset({
      manifestCid: 'bafkreitrustlessmanifest',
      root: 1n,
      keyCommitment: await computeKeyCommitment(dataKey),
      qualityScore: 9000,
      statsDigest: ZeroHash,
      deviceIds: [deviceId],
      parent: 0n,
      circuitId: 'sensor-stats-b16-v2',
    }))
    await chain.list({ datasetId, price: parseEther('0.01') })
    keyFile = join(dir, 'data.key')
    await writeFile(keyFile, `${hexlify(dataKey)}\n`)
    wrongKeyFile = join(dir, 'wrong.key')
    await writeFile(wrongKeyFile, hexlify(dataKey.map((b) => b ^ 1)))
  })
  after(async () => {
    provider?.destroy()
    await anvil?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('settles an order from `assay buy --trustless` with `assay settle --key-file`; the buyer opens the key from the chain alone', async () => {
    const buying = buyTrustlessCommand(String(datasetId), buyerConfig(), { node: NO_NODE, devAccount: 2, timeoutS: 300, json: true }, quiet)
    let orders = await reader().ordersOpened(undefined, undefined, { buyer: account(2).address })
    for (let i = 0; i < 200 && orders.length === 0; i++, await new Promise((r) => setTimeout(r, 100)))
      orders = await reader().ordersOpened(undefined, undefined, { buyer: account(2).address })
    expect(orders.map((o) => o.datasetId)).to.deep.equal([datasetId])
    const orderId = orders[0]!.id

    const settled = await settleCommand(String(orderId), sellerConfig(), { node: NO_NODE, keyFile, json: true }, quiet)
    expect(settled).to.deep.include({ orderId: String(orderId), datasetId: String(datasetId), outcome: 'settled' })
    const bought = await buying
    expect(bought).to.deep.include({ orderId: String(orderId), settleTx: settled.txHash, buyer: account(2).address })
    expect(await reader().orderStatus(orderId)).to.equal('settled')
    expect(await reader().hasAccess(account(2).address, datasetId)).to.equal(true)

    // From the settlement event and the wallet alone: the key, again and again, with nothing stored.
    const delivered = await client().waitForKey(buyer(2), orderId, { timeoutMs: 1_000 })
    expect(hexlify(delivered.key)).to.equal(hexlify(dataKey))
    expect(hexlify((await client().trustlessKey(buyer(2), datasetId))!)).to.equal(hexlify(dataKey))
    expect(await client().trustlessKey(buyer(3), datasetId)).to.equal(undefined)
    // Settling again does nothing.
    const again = await settleCommand(String(orderId), sellerConfig(), { node: NO_NODE, keyFile, json: true }, quiet)
    expect(again.outcome).to.equal('settled-already')
  })

  it('refuses a key file that does not open the anchored key commitment, before any transaction', async () => {
    const order = await client().openOrder(buyer(3), datasetId)
    const nonce = await provider.getTransactionCount(seller.address)
    const err = await caught(() => settleCommand(String(order.id), sellerConfig(), { node: NO_NODE, keyFile: wrongKeyFile }, quiet))
    expect([err.name, err.message]).to.deep.equal([
      'KeyCommitmentMismatchError',
      `dataset ${datasetId}: the data key held here does not open the anchored key commitment`,
    ])
    expect(await provider.getTransactionCount(seller.address)).to.equal(nonce)
    expect(await reader().orderStatus(order.id)).to.equal('open')
    const timedOut = await caught(() => client().waitForKey(buyer(3), order, { timeoutMs: 300, pollMs: 100 }))
    expect(timedOut.name).to.equal('KeyDeliveryTimeoutError')
    expect(timedOut.message).to.match(
      new RegExp(`^order ${order.id}: no key was delivered .* you may refund it \\(assay refund ${order.id}\\)$`),
    )
  })

  it("refuses `assay refund` before the deadline with the escrow's DeadlineNotReached", async () => {
    const order = await client().openOrder(buyer(4), datasetId)
    const err = (await caught(() => refundCommand(String(order.id), buyerConfig(), { node: NO_NODE, devAccount: 4 }, quiet))) as Error & {
      errorName?: string
      args?: unknown[]
    }
    expect([err.name, err.errorName, err.args]).to.deep.equal(['ContractError', 'DeadlineNotReached', [order.id, order.deadline]])
    expect(err.message).to.equal(`refund escrow order reverted: DeadlineNotReached(${order.id}, ${order.deadline})`)
    expect(await reader().orderStatus(order.id)).to.equal('open')
    const unknown = await caught(() => refundCommand('999', buyerConfig(), { node: NO_NODE, devAccount: 4 }, quiet))
    expect([unknown.name, unknown.message]).to.deep.equal([
      'OrderNotFoundError',
      "order 999 was never opened on this deployment's key escrow",
    ])
  })

  it('settles a window of a trustless subscription with `assay settle --window`; refunds of windows wait for their deadline', async () => {
    // The seller's stream of 1 h windows, sold by 2 h periods; window 0 (started now) attached as a
    // dataset anchoring the same key commitment.
    const chain = createChainClient(new NonceManager(seller.connect(provider)), deployment)
    const { streamId } = await chain.createStream({
      windowLength: 3_600n,
      period: 7_200n,
      pricePerPeriod: parseEther('0.002'),
      deviceIds: [],
    })
    const { datasetId: windowDataset } = await chain.publishDataset({
      manifestCid: 'bafkreitrustlesswindow',
      root: 1n,
      keyCommitment: await computeKeyCommitment(dataKey),
      qualityScore: 9000,
      statsDigest: ZeroHash,
      deviceIds: [deviceId],
      parent: 0n,
      circuitId: 'sensor-stats-b16-v2',
    })
    await chain.attachWindow(streamId, 0n, windowDataset)
    const opened = await subscribeTrustlessCommand(
      String(streamId),
      buyerConfig(),
      { node: NO_NODE, period: '2h', firstWindow: '0', devAccount: 6 },
      quiet,
    )
    expect([opened.firstWindow, opened.windowCount, opened.paid]).to.deep.equal(['0', '2', parseEther('0.002').toString()])

    const bad = await caught(() => settleCommand(opened.orderId, sellerConfig(), { node: NO_NODE, keyFile, window: 'one' }, quiet))
    expect([bad.name, bad.message]).to.deep.equal(['ConfigError', '--window: must be a window index (0, 1, …), got "one"'])
    const settled = await settleCommand(opened.orderId, sellerConfig(), { node: NO_NODE, keyFile, window: '0', json: true }, quiet)
    expect(settled).to.deep.include({ orderId: opened.orderId, datasetId: String(windowDataset), outcome: 'settled' })
    const delivered = await client().waitForWindowKey(buyer(6), BigInt(opened.orderId), 0n, { timeoutMs: 1_000 })
    expect([hexlify(delivered.key), delivered.settlement.window]).to.deep.equal([hexlify(dataKey), { streamId, windowIndex: 0n }])
    expect(await reader().hasAccess(account(6).address, windowDataset)).to.equal(true)
    const again = await settleCommand(opened.orderId, sellerConfig(), { node: NO_NODE, keyFile, window: '0', json: true }, quiet)
    expect(again.outcome).to.equal('settled-already')
    // Window 1 is not published: no settlement; its refund waits for its end plus the settlement window.
    const order = (await reader().streamOrderOf(BigInt(opened.orderId)))!
    const deadline = await reader().windowDeadline(order, 1n)
    const early = (await caught(() =>
      refundCommand(opened.orderId, buyerConfig(), { node: NO_NODE, devAccount: 6, windows: '1' }, quiet),
    )) as Error & { errorName?: string; args?: unknown[] }
    expect([early.name, early.errorName, early.args]).to.deep.equal(['ContractError', 'DeadlineNotReached', [order.id, deadline]])
    const waiting = await caught(() => client().waitForWindowKey(buyer(6), order, 1n, { timeoutMs: 200, pollMs: 100 }))
    expect(waiting.message).to.include(`(assay refund ${order.id} --windows 1)`)
    const range = await caught(() => refundCommand(opened.orderId, buyerConfig(), { node: NO_NODE, devAccount: 6, windows: '2:1' }, quiet))
    expect([range.name, range.message]).to.deep.equal(['ConfigError', '--windows: the range 2:1 is empty'])
  })
})
