import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { formatEther, HDNodeWallet, JsonRpcProvider, NonceManager } from 'ethers'
import type { Browser, Page } from 'playwright-core'
import { startNode, type AssayNode } from '../../cli/index.js'
import { createDeviceKey, signEddsaPoseidon, type DeviceKey } from '../../circuits/index.js'
import { createChainClient } from '../../contracts/index.js'
import { DEV_MNEMONIC, loadConfig } from '../../core/index.js'
import { createAssayClient, type StreamSummary } from '../../sdk/index.js'
import { axeViolations, launchChromium, openWatchedPage, saveDocScreenshot, screenshot, watchPages } from '../helpers/browser.js'
import { signInAsOperator } from '../helpers/operator.js'
import { pushFirstWindow } from '../helpers/push-first-window.js'
import { fillStreamForm } from '../helpers/stream-form.js'

const account = (i: number): HDNodeWallet => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`)
const TITLE = 'Balcony air, live'
const PRICE = 10n ** 15n // 0.001 ETH per period of two 8-second windows
const CIRCUIT = 'sensor-stats-b16-v2'

// The operator creates a stream in the browser (bad terms refused by name, nothing sent), then
// sees on the stream's page who bought it and what it earned: a DataMarket subscription and a
// KeyEscrow order whose first window the node delivers. A node and chain of this file's own.
describe('streams in Chromium (create a stream, see its subscribers and revenue)', function () {
  this.timeout(600_000)
  let dir: string
  let node: AssayNode
  let browser: Browser
  let page: Page
  let feeder: DeviceKey
  let spare: DeviceKey
  let streamId: string
  let start: number
  const watch = watchPages()
  const problems: string[] = []
  // Every POST /streams the page sent.
  const posts: string[] = []

  const listStreams = async (): Promise<StreamSummary[]> =>
    ((await (await fetch(new URL('/streams', node.url))).json()) as { streams: StreamSummary[] }).streams

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-web-streams-'))
    node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node') }), port: 0 }, () => undefined)
    feeder = await createDeviceKey()
    spare = await createDeviceKey()
    await node.chain.registerDevice(feeder.Ax, feeder.Ay, 'balcony-sensor', (m) => signEddsaPoseidon(feeder.privateKey, m))
    await node.chain.registerDevice(spare.Ax, spare.Ay, 'spare-sensor', (m) => signEddsaPoseidon(spare.privateKey, m))
    browser = await launchChromium()
    page = await openWatchedPage(browser, watch)
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/streams') posts.push(r.url())
    })
  })
  after(async () => {
    problems.push(...watch.take().map((p) => `after the last test: ${p}`))
    await browser?.close()
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
    expect(problems, 'uncaught errors, console errors or failed requests').to.deep.equal([])
  })
  afterEach(async function () {
    problems.push(...watch.take().map((p) => `${this.currentTest?.title.slice(0, 60)}: ${p}`))
    if (this.currentTest?.state === 'failed' && page !== undefined)
      await screenshot(page, `failed-streams-${this.currentTest.title.slice(0, 40)}`)
  })

  /** axe-core at 1280 and 390 px, and nothing wider than the screen; `save` names the doc screenshots. */
  const checkWidths = async (name: string, save?: string): Promise<string[]> => {
    const found: string[] = []
    for (const [width, height] of [
      [1280, 900],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width, height })
      found.push(...(await axeViolations(page)).map((v) => `${name} at ${width} px: ${v}`))
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
      if (overflow > 0) found.push(`${name} at ${width} px: ${overflow} px wider than the screen`)
      if (save !== undefined) await (await saveDocScreenshot(page, `${save}-${width}`)).written
      else await screenshot(page, `${name.replace(/ /g, '-')}-${width}`)
    }
    await page.setViewportSize({ width: 1280, height: 900 })
    return found
  }

  it('creates a stream through the form: bad terms refused by name with nothing sent, then created with the terms typed', async () => {
    expect((await listStreams()).map((s) => s.title)).to.deep.equal([])
    await page.goto(`${node.url}/#/streams`)
    await page.getByTestId('no-streams').waitFor()
    await page.getByTestId('new-stream').click()
    // The form is the operator's: the page asks for the sign-in first.
    await signInAsOperator(page, node.operatorToken)
    const form = page.getByTestId('stream-form')
    await form.waitFor()
    // The devices offered are the two registered to the node's account.
    const offered = page.getByTestId('stream-devices').locator('input[type=checkbox]')
    expect(await offered.evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).to.have.members([
      feeder.deviceId.toString(),
      spare.deviceId.toString(),
    ])
    expect(
      await page
        .getByTestId('stream-devices')
        .getByLabel(/^balcony-sensor/)
        .count(),
    ).to.equal(1)

    // A period of 90 minutes for hourly windows, and no device: both named, nothing sent.
    await fillStreamForm(page, { title: TITLE, window: ['1', 'h'], period: ['90', 'min'] })
    await page.getByTestId('create-stream').click()
    const summary = page.getByTestId('stream-form-problems').getByRole('alert')
    await summary.waitFor()
    expect(await page.locator('[data-problem]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.problem))).to.deep.equal([
      'period',
      'devices',
    ])
    expect(await page.locator('[data-problem=period]').textContent()).to.equal(
      'Access period: 1.5 hours is not a whole number of 1 hour windows (it is 1.5); a subscription buys whole windows, so make it 1 hour or 2 hours.',
    )
    expect(await page.locator('[data-problem=devices]').textContent()).to.equal(
      'Devices: choose at least one device to feed the stream (or type its id): it takes readings from these alone.',
    )
    expect(await summary.locator('strong').textContent()).to.equal('Not sent: 2 fields need correcting.')
    expect(await page.getByTestId('period').getAttribute('aria-invalid')).to.equal('true')
    expect(
      await page
        .getByTestId('period')
        .evaluate((el) => (el.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent)),
    ).to.include(await page.locator('[data-problem=period]').textContent())
    const found = await checkWidths('stream form with problems', 'stream-create')

    // A whole period, and a device typed by id that the node's account does not hold: named too.
    await fillStreamForm(page, { period: ['2', 'h'] })
    await page.getByTestId('other-devices').fill('12345')
    await page.getByTestId('create-stream').click()
    await page.locator('[data-problem=devices]', { hasText: '#12345 is not registered' }).waitFor()
    expect(await page.locator('[data-problem]').count()).to.equal(1)
    expect(await page.locator('[data-problem=devices]').textContent()).to.equal(
      'Devices: #12345 is not registered to this node’s account (or revoked): register it first, or leave it out.',
    )
    expect(posts).to.deep.equal([])
    expect(await listStreams()).to.deep.equal([])

    // The terms of the test: 8-second windows sold two at a time, window 0 starting 20 s ago (so it
    // can be fed at once) and closing at 8 readings.
    start = Math.floor(Date.now() / 1000) - 20
    // (Whole minutes would be shown, and read back, without their seconds.)
    if (start % 60 === 0) start -= 1
    await page.getByTestId('other-devices').fill('')
    await fillStreamForm(page, {
      description: 'Temperature on the balcony, every second.',
      tags: 'balcony, air',
      licence: 'CC0-1.0',
      window: ['8', 's'],
      period: ['16', 's'],
      price: '0.001',
      grace: ['1', 'min'],
      maxReadings: '8',
      start,
      circuit: CIRCUIT,
      devices: [feeder.deviceId],
    })
    await page.getByTestId('create-stream').click()
    await page.waitForURL(/#\/streams\/\d+$/, { timeout: 60_000 })
    streamId = new URL(page.url()).hash.split('/').at(-1)!
    await page.getByTestId('stream-title').filter({ hasText: TITLE }).waitFor()
    expect(posts).to.have.length(1)
    expect(await page.locator('[data-problem]').count()).to.equal(0)

    // After: the node lists it with the terms typed, and the chain holds its price and period.
    const listed = (await listStreams()).filter((s) => s.title === TITLE)
    expect(listed).to.have.length(1)
    const { lastReading, windowsPublished, ...terms } = listed[0]!
    expect([lastReading, windowsPublished]).to.deep.equal([null, 0])
    expect(terms).to.deep.equal({
      streamId,
      title: TITLE,
      description: 'Temperature on the balcony, every second.',
      licence: 'CC0-1.0',
      tags: ['balcony', 'air'],
      circuitId: CIRCUIT,
      start,
      windowLength: 8,
      graceS: 60,
      maxReadings: 8,
      deviceIds: [feeder.deviceId.toString()],
    })
    const onChain = await node.chain.streamOf(BigInt(streamId))
    expect([onChain.owner, onChain.period, onChain.pricePerPeriod, onChain.start]).to.deep.equal([
      account(0).address,
      16n,
      PRICE,
      BigInt(start),
    ])
    expect(found).to.deep.equal([])
  })

  it('shows the owner the subscribers and the revenue: none before, then a subscription and an escrow order with its delivered window', async () => {
    const owner = page.getByTestId('stream-owner')
    await page.getByTestId('no-subscribers').waitFor()
    expect(await page.getByTestId('revenue-total').textContent()).to.equal('0 ETH')
    expect(await page.getByTestId('subscriber-count').textContent()).to.equal('0 accounts: 0 subscriptions, 0 escrow orders')
    const owedBefore = await node.chain.owed(account(0).address)
    expect(await page.getByTestId('owner-owed').textContent()).to.equal(`${formatEther(owedBefore).replace(/\.0$/, '')} ETH`)
    expect(await page.getByTestId('withdraw-link').getAttribute('href')).to.equal('#/account')

    // Window 0 fills with 8 readings of the stream's device: the node proves and publishes it.
    const pushed = await pushFirstWindow(node.url, { streamId, start, circuitId: CIRCUIT }, feeder)
    expect(pushed.status).to.equal(200)

    // Account 2 subscribes for a period; account 3 orders windows 0–1 through the escrow.
    const provider = new JsonRpcProvider(node.rpcUrl, undefined, { staticNetwork: true })
    try {
      const subscriber = new NonceManager(account(2).connect(provider))
      await createChainClient(subscriber, node.deployment).subscribe(BigInt(streamId), 1n)
      const escrowBuyer = new NonceManager(account(3).connect(provider))
      const order = await createAssayClient({ node: node.url }).openStreamOrder(escrowBuyer, BigInt(streamId), {
        firstWindow: 0n,
        periods: 1n,
      })

      const table = page.getByTestId('subscribers-table')
      const subscription = table.locator(`tr[data-kind=subscription][data-buyer="${account(2).address}"]`)
      const escrow = table.locator(`tr[data-kind=escrow][data-order="${order.id}"]`)
      await subscription.waitFor({ timeout: 30_000 })
      expect(await subscription.getByTestId('paid').textContent()).to.equal('0.001 ETH')
      expect(await escrow.getAttribute('data-buyer')).to.equal(account(3).address)
      expect(await escrow.locator('td').nth(1).textContent()).to.match(/^windows 0–1, from \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC$/)
      // The node settles window 0 of the order once it is published: its share reaches the stream.
      await escrow
        .getByTestId('order-state')
        .filter({ hasText: /^1 of 2 delivered/ })
        .waitFor({ timeout: 180_000 })
      expect(await escrow.getByTestId('order-state').textContent()).to.equal('1 of 2 delivered (0.0005 ETH paid), 0.0005 ETH held')
      await page.getByTestId('revenue-total').filter({ hasText: '0.0015 ETH' }).waitFor({ timeout: 30_000 })
      expect(await page.getByTestId('revenue-subscriptions').textContent()).to.equal('0.001 ETH')
      expect(await page.getByTestId('revenue-escrow').textContent()).to.equal('0.0005 ETH (1 window)')
      expect(await page.getByTestId('revenue-held').textContent()).to.match(/^0\.0005 ETH: paid as each window’s key is delivered/)
      expect(await page.getByTestId('subscriber-count').textContent()).to.equal('2 accounts: 1 subscription, 1 escrow order')
      expect(await table.locator('tbody tr').count()).to.equal(2)
      // The owner's withdrawable proceeds grew by what reached it (the fee aside), as the chain says.
      const owedAfter = await node.chain.owed(account(0).address)
      expect(owedAfter > owedBefore).to.equal(true)
      await page
        .getByTestId('owner-owed')
        .filter({ hasText: `${formatEther(owedAfter).replace(/\.0$/, '')} ETH` })
        .waitFor({ timeout: 30_000 })
      // The page's figures are the chain's events.
      const paid = (await node.chain.subscriptionsTo(BigInt(streamId))).map((s) => [s.subscriber, s.amount])
      expect(paid).to.deep.equal([[account(2).address, PRICE]])
      expect((await node.chain.windowPurchasesOf(BigInt(streamId))).map((p) => [p.buyer, p.windowIndex, p.amount])).to.deep.equal([
        [account(3).address, 0n, PRICE / 2n],
      ])
    } finally {
      provider.destroy()
    }
    expect(await owner.getByRole('heading', { name: 'Subscribers and revenue' }).count()).to.equal(1)
    expect(await checkWidths('stream owner')).to.deep.equal([])
  })

  it('keeps the buyers’ view without a sign-in: the streams listed, a stream’s windows and subscription, no owner panel', async () => {
    const buyer = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    watch.watch(buyer)
    try {
      const tab = await buyer.newPage()
      await tab.goto(`${node.url}/#/streams`)
      await tab.getByTestId('streams-table').getByRole('link', { name: TITLE }).click()
      await tab.getByTestId('windows-table').waitFor()
      await tab.getByTestId('subscription').getByText('Connect a wallet (top right) to subscribe.').waitFor()
      expect(await tab.getByTestId('stream-owner').count()).to.equal(0)
      // The create link leads a stranger to the sign-in, not to the form.
      await tab.goto(`${node.url}/#/streams/new`)
      await tab.getByTestId('operator-token').waitFor()
      expect(await tab.getByTestId('stream-form').count()).to.equal(0)
    } finally {
      await buyer.close()
    }
  })
})
