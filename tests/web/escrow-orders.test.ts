import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { HDNodeWallet } from 'ethers'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startNode, type AssayNode } from '../../cli/index.js'
import { createDeviceKey, signEddsaPoseidon, type DeviceKey } from '../../circuits/index.js'
import { DEV_MNEMONIC, loadConfig } from '../../core/index.js'
import { createAssayClient, followPublication } from '../../sdk/index.js'
import { wrapKey } from '../../storage/node.js'
import { anchorManifest } from '../helpers/anchor-manifest.js'
import { launchChromium, pageErrors, screenshot } from '../helpers/browser.js'
import { operatorHeaders } from '../helpers/operator.js'
import { pushFirstWindow } from '../helpers/push-first-window.js'
import { writeSignedBatchFile } from '../helpers/signed-file.js'

const account = (i: number): HDNodeWallet => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`)
const WINDOW = 600
const PRICE_PER_PERIOD = 10n ** 15n

// Escrow orders in a real browser, on a node (and anvil) of this file's own: a trustless
// subscription whose windows are settled as the node publishes them; dataset orders found again
// after a reload, one settled by the node and one it cannot settle; and, with anvil's clock moved
// past the deadlines (nothing else runs on this chain), the refunds from the pages.
describe('escrow orders in Chromium (subscribe through escrow, resume after a reload, refund after the deadline)', function () {
  this.timeout(600_000)
  let dir: string
  let node: AssayNode
  let browser: Browser
  let context: BrowserContext
  let device: DeviceKey
  let datasetId: bigint
  let unsettleableId: bigint
  let streamId: string
  // Tabs kept from one test to the next (the refunds follow the orders opened before).
  let streamTab: Page
  let unsettledTab: Page
  let streamOrderId: bigint
  let unsettledOrderId: bigint
  // Uncaught errors of every tab opened.
  const errors: string[][] = []

  const rpc = async (method: string, params: unknown[] = []): Promise<unknown> => {
    const res = await fetch(node.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    })
    return ((await res.json()) as { result: unknown }).result
  }
  /** A tab of its own with development account `n` connected (the wallet choice is per tab and survives reloads). */
  const tabFor = async (n: number, path: string): Promise<Page> => {
    const tab = await context.newPage()
    errors.push(pageErrors(tab))
    await tab.goto(`${node.url}/#/${path}`)
    await tab.getByRole('button', { name: 'Connect wallet' }).click()
    await tab.getByLabel('Account').selectOption(String(n))
    await tab.getByRole('button', { name: 'Use development wallet' }).click()
    return tab
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-web-escrow-'))
    node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node') }), port: 0 }, () => undefined)
    device = await createDeviceKey()
    await node.chain.registerDevice(device.Ax, device.Ay, 'escrow-sensor', (m) => signEddsaPoseidon(device.privateKey, m))

    // The stream first: its window 0 is proven and published while the dataset below is.
    const start = Math.floor(Date.now() / 1000) - 10
    const created = await fetch(new URL('/streams', node.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...operatorHeaders(node.operatorToken) },
      body: JSON.stringify({
        title: 'Greenhouse air, escrow',
        windowSeconds: WINDOW,
        periodSeconds: 2 * WINDOW, // a period is windows 0 and 1
        price: PRICE_PER_PERIOD.toString(),
        graceSeconds: 60,
        maxReadings: 8, // window 0 fills at once and is published before it ends
        deviceIds: [device.deviceId.toString()],
        circuitId: 'sensor-stats-b16-v2',
        start,
      }),
    })
    expect(created.status).to.equal(201)
    streamId = ((await created.json()) as { streamId: string }).streamId
    // The device ends its series after 8 readings, marking that batch last: window 0 is then
    // complete and published long before it ends.
    const pushed = await pushFirstWindow(node.url, { streamId, start, circuitId: 'sensor-stats-b16-v2' }, device)
    expect(pushed.status).to.equal(200)

    // A dataset the node sells (and settles escrow orders for): 16 device-signed readings.
    const operator = createAssayClient({ node: node.url, operatorToken: node.operatorToken })
    const file = await writeSignedBatchFile(join(dir, 'greenhouse.ndjson'), {
      devices: [{ ...device, label: 'escrow-sensor' }],
      metrics: ['temperature'],
      readings: 16,
      seed: 4,
    })
    const accepted = await operator.publish(
      new Blob([await readFile(file)]),
      { title: 'Greenhouse temperature', price: 10n ** 16n },
      { fileName: 'greenhouse.ndjson' },
    )
    const published = await followPublication(operator, accepted.jobId)
    expect(published.failedReason).to.equal(undefined)
    datasetId = BigInt(published.result!.datasetId)
    // A copy the node lists but cannot settle: its wrapped data key opens to another key, so no
    // key-transfer proof can match the anchored commitment and its orders stay open.
    const { manifest: m } = await operator.verifiedManifest(datasetId, node.chain, published.result!.manifestCid)
    const sellerWrappedKey = Buffer.from(wrapKey(account(0).signingKey.publicKey, randomBytes(32))).toString('base64')
    unsettleableId = await anchorManifest(node, {
      ...m,
      title: 'Greenhouse temperature (seller cannot deliver)',
      encryption: { ...m.encryption, sellerWrappedKey },
    })
    await node.chain.list({ datasetId: unsettleableId, price: 10n ** 16n })

    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })
  })
  after(async () => {
    await browser?.close()
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
  })
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return
    for (const [i, p] of context.pages().entries()) await screenshot(p, `failed-escrow-${i}-${this.currentTest.title.slice(0, 30)}`)
  })

  it('subscribes through escrow on a stream with a published window: the window shows settled, the next waits, nothing refundable yet', async () => {
    streamTab = await tabFor(6, `streams/${streamId}`)
    await streamTab.locator('[data-testid=windows-table] [data-window="0"] .badge.ok').waitFor({ timeout: 180_000 })
    const escrow = streamTab.getByTestId('subscribe-escrow')
    expect(await escrow.getAttribute('aria-describedby').then((id) => streamTab.locator(`#${id}`).textContent())).to.match(
      /^Trustless: the price of the periods chosen, from the window open now, is held by the KeyEscrow contract;.* Your wallet signs a message once to derive the key that receives it\.$/,
    )
    await streamTab.getByTestId('periods').fill('1')
    await escrow.click()
    const steps = streamTab.getByTestId('escrow-progress')
    await streamTab.locator('[data-testid=escrow-progress][data-order]').waitFor({ timeout: 60_000 })
    streamOrderId = BigInt((await steps.getAttribute('data-order'))!)
    expect(await steps.locator('[data-step=sign]').textContent()).to.equal('done: Buyer key derived from your wallet’s signature')
    expect(await steps.locator('[data-step=open]').textContent()).to.equal(
      `done: Order #${streamOrderId} opened: 0.001 ETH held by KeyEscrow for windows 0–1; each window’s state is listed under “Your escrow orders”`,
    )
    const order = streamTab.locator(`[data-testid=escrow-orders] article[data-order="${streamOrderId}"]`)
    await order.locator('[data-order-window="0"][data-state=settled]').waitFor({ timeout: 180_000 })
    await screenshot(streamTab, 'e1-stream-escrow-settled')
    expect(await order.locator('[data-order-window="0"] td').nth(1).textContent()).to.match(
      /^Settled: key delivered on chain dataset #\d+$/,
    )
    expect(await order.locator('[data-order-window="1"]').getAttribute('data-state')).to.equal('waiting')
    expect(await order.getByTestId('order-summary').textContent()).to.equal('1 settled, 1 waiting')
    const refund = order.getByRole('button', { name: `Refund undelivered windows of order #${streamOrderId}` })
    expect(await refund.isDisabled()).to.equal(true)
    expect(await refund.getAttribute('aria-describedby').then((id) => streamTab.locator(`#${id}`).textContent())).to.match(
      /^Nothing to refund yet: a window not delivered becomes refundable at its deadline/,
    )
    // The settled window gave access to its dataset; the stream's table says so.
    await streamTab.locator('[data-testid=access-0]', { hasText: '✓ through escrow' }).waitFor({ timeout: 10_000 })
    const onChain = (await node.chain.streamOrderOf(streamOrderId))!
    expect([onChain.firstWindow, onChain.windowCount, onChain.amount]).to.deep.equal([0n, 2n, PRICE_PER_PERIOD])
    expect(await node.chain.windowStatus(onChain, 0n)).to.equal('settled')
    expect(await node.chain.windowStatus(onChain, 1n)).to.equal('open')

    // After a reload the order is found again on the chain, as it stands.
    await streamTab.reload()
    await order.locator('[data-order-window="0"][data-state=settled]').waitFor({ timeout: 30_000 })
    expect(await order.locator('[data-order-window="1"]').getAttribute('data-state')).to.equal('waiting')
  })

  it('shows a dataset escrow order again after a reload: waited on until the node settles it, and an undeliverable one open with its deadline', async () => {
    // Account 4 buys the node's dataset and reloads as soon as the order is open.
    const tab = await tabFor(4, `datasets/${datasetId}`)
    await tab.getByTestId('buy-escrow').click()
    await tab.locator('[data-testid=escrow-progress][data-order]').waitFor({ timeout: 60_000 })
    const orderId = await tab.getByTestId('escrow-progress').getAttribute('data-order')
    await tab.reload()
    const listed = tab.locator(`[data-testid=escrow-orders] [data-order="${orderId}"]`)
    await listed.waitFor({ timeout: 60_000 })
    const state = await listed.getAttribute('data-state')
    expect(state).to.be.oneOf(['open', 'settled'])
    if (state === 'open') {
      expect(await listed.textContent()).to.match(
        new RegExp(`^Order #${orderId} · 0.01 ETH held by KeyEscrow · waiting for the seller’s proof; refundable from `),
      )
      expect(await tab.getByTestId('buy-escrow').isDisabled()).to.equal(true)
      await screenshot(tab, 'e2-dataset-order-resumed')
    }
    // The page keeps waiting: the settlement gives access, the download is offered, the order shows settled.
    const download = tab.getByTestId('download')
    await download.waitFor({ timeout: 180_000 })
    expect(await listed.getAttribute('data-state')).to.equal('settled')
    expect(await listed.textContent()).to.equal(
      `Order #${orderId} · 0.01 ETH · settled: the key was delivered on chain with a verified key-transfer proof.`,
    )
    await download.click()
    await tab.getByTestId('key-source').waitFor({ timeout: 60_000 })
    expect(await tab.getByTestId('key-source').getAttribute('data-source')).to.equal('escrow')
    expect(await node.chain.orderStatus(BigInt(orderId!))).to.equal('settled')
    await screenshot(tab, 'e3-dataset-order-settled')
    await tab.close()

    // Account 5 orders the copy the node cannot deliver: after a reload the order is open, with its
    // deadline, and its refund waits for it.
    unsettledTab = await tabFor(5, `datasets/${unsettleableId}`)
    await unsettledTab.getByTestId('buy-escrow').click()
    await unsettledTab.locator('[data-testid=escrow-progress][data-order]').waitFor({ timeout: 60_000 })
    unsettledOrderId = BigInt((await unsettledTab.getByTestId('escrow-progress').getAttribute('data-order'))!)
    await unsettledTab.reload()
    const open = unsettledTab.locator(`[data-testid=escrow-orders] [data-order="${unsettledOrderId}"]`)
    await open.waitFor({ timeout: 60_000 })
    const onChain = (await node.chain.orderOf(unsettledOrderId))!
    expect(await open.getAttribute('data-state')).to.equal('open')
    expect(await open.getAttribute('data-deadline')).to.equal(String(onChain.deadline))
    expect(await open.textContent()).to.match(/refundable from \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC \(in 1 day\) if still unsettled\./)
    const refund = open.getByRole('button', { name: `Refund order #${unsettledOrderId}` })
    expect(await refund.isDisabled()).to.equal(true)
    expect(await unsettledTab.getByTestId('buy-escrow').isDisabled()).to.equal(true)
    expect(await unsettledTab.getByTestId('open-order-note').textContent()).to.match(/^ You have an open escrow order for this dataset/)
    await screenshot(unsettledTab, 'e4-dataset-order-open')
    expect(await node.chain.orderStatus(unsettledOrderId)).to.equal('open')
  })

  it('refunds from both pages once anvil’s clock is past the deadlines: the open dataset order, then the stream’s undelivered window', async () => {
    // This node's chain is the test's own: moving its clock a day on disturbs nothing else.
    await rpc('evm_increaseTime', [86_400 + 2 * WINDOW])
    await rpc('evm_mine')

    // The dataset page reads the chain's time as it waits: the Refund button comes on by itself.
    const open = unsettledTab.locator(`[data-testid=escrow-orders] [data-order="${unsettledOrderId}"]`)
    await unsettledTab.locator(`[data-testid=escrow-orders] [data-order="${unsettledOrderId}"][data-state=refundable]`).waitFor({
      timeout: 30_000,
    })
    const refund = open.getByRole('button', { name: `Refund order #${unsettledOrderId}` })
    expect(await refund.isDisabled()).to.equal(false)
    await refund.click()
    await unsettledTab
      .locator(`[data-testid=escrow-orders] [data-order="${unsettledOrderId}"][data-state=refunded]`)
      .waitFor({ timeout: 30_000 })
    expect(await open.textContent()).to.equal(`Order #${unsettledOrderId} · refunded: 0.01 ETH back to your wallet.`)
    expect(await node.chain.orderStatus(unsettledOrderId)).to.equal('refunded')
    // Nothing open any more: the escrow button is offered again.
    expect(await unsettledTab.getByTestId('buy-escrow').isDisabled()).to.equal(false)
    await screenshot(unsettledTab, 'e5-dataset-order-refunded')

    // The stream page: window 1 was never published; past its deadline it is refundable.
    const order = streamTab.locator(`[data-testid=escrow-orders] article[data-order="${streamOrderId}"]`)
    await order.locator('[data-order-window="1"][data-state=refundable]').waitFor({ timeout: 30_000 })
    const windows = order.getByRole('button', { name: `Refund undelivered windows of order #${streamOrderId}` })
    expect(await windows.isDisabled()).to.equal(false)
    expect(await windows.getAttribute('aria-describedby').then((id) => streamTab.locator(`#${id}`).textContent())).to.equal(
      '1 undelivered window past the deadline (window 1): 0.0005 ETH back to your wallet.',
    )
    await screenshot(streamTab, 'e6-stream-window-refundable')
    await windows.click()
    await order.locator('[data-order-window="1"][data-state=refunded]').waitFor({ timeout: 30_000 })
    expect(await order.locator('[data-order-window="0"]').getAttribute('data-state')).to.equal('settled')
    expect(await streamTab.getByTestId('escrow-orders-status').textContent()).to.contain(`Order #${streamOrderId}, window 1: refunded.`)
    expect(await windows.isDisabled()).to.equal(true)
    const onChain = (await node.chain.streamOrderOf(streamOrderId))!
    expect(await node.chain.windowStatus(onChain, 1n)).to.equal('refunded')
    await screenshot(streamTab, 'e7-stream-window-refunded')
    expect(errors.flat()).to.deep.equal([])
  })
})
