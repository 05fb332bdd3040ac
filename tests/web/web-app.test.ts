import { once } from 'node:events'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { getBytes, HDNodeWallet } from 'ethers'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { deviceCreateCommand, readDeviceKeyFile, startNode, type AssayNode } from '../../cli/index.js'
import { DEV_MNEMONIC, loadConfig } from '../../core/index.js'
import { createAssayClient, followPublication } from '../../sdk/index.js'
import { createDeviceKey, signEddsaPoseidon } from '../../circuits/index.js'
import { axeViolations, launchChromium, openWatchedPage, saveDocScreenshot, screenshot, watchPages } from '../helpers/browser.js'
import { anchorManifest } from '../helpers/anchor-manifest.js'
import { datasetPath } from '../helpers/datasets.js'
import { signInAsOperator } from '../helpers/operator.js'
import { writeSignedBatchFile } from '../helpers/signed-file.js'
import { pushFirstWindow } from '../helpers/push-first-window.js'
import { fillStreamForm } from '../helpers/stream-form.js'

// The whole product in a real browser, each role's story: a seller publishes through the Sell page,
// registers sensors from their key files, creates a stream, follows and retries publications in the
// Publications list and withdraws the proceeds; a buyer finds the dataset, lets the browser verify
// its proofs, buys with the development wallet, downloads and decrypts it; the audit page passes for
// it and fails for a tampered manifest. Every page the suite
// opens is watched for uncaught errors, console errors and failed requests. Screenshots of the steps
// go to test-output/web/; the last test saves one of every page at 1280 and 390 px to docs/screenshots/.
describe('web app in Chromium, each role’s story (seller: device → stream → publish → follow → withdraw; buyer: find → verify → buy → download; auditor)', function () {
  this.timeout(600_000)
  let dir: string
  let node: AssayNode
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let slice: string
  let datasetId: string
  let streamId: string
  // A second dataset, published through the node while the first tests run: the search must leave it out.
  let greenhouse: Promise<bigint>
  // Uncaught errors, console errors and failed requests of every page, by test (checked in `after`).
  const watch = watchPages()
  const problems: string[] = []

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-web-'))
    // The operator's wallet is anvil's account 0 (the deployer), named explicitly: its key is public.
    const operator = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/0").address
    node = await startNode(
      { ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node'), ASSAY_OPERATOR_ADDRESS: operator }), port: 0 },
      () => undefined,
    )
    // A slice of the occupancy file: 300 one-minute rows of an office in February 2015.
    const lines = (await readFile(datasetPath('occupancy-room-2015.csv'), 'utf8')).split('\n')
    slice = join(dir, 'occupancy-feb-2015.csv')
    await writeFile(slice, `${lines.slice(0, 301).join('\n')}\n`)
    // The second dataset: 16 device-signed greenhouse temperatures, no CO2, no "occupancy". Its
    // device is registered now; it is published and proven meanwhile, awaited by the search.
    const sensor = { ...(await createDeviceKey()), label: 'greenhouse-sensor' }
    await node.chain.registerDevice(sensor.Ax, sensor.Ay, sensor.label, (m) => signEddsaPoseidon(sensor.privateKey, m))
    const file = await writeSignedBatchFile(join(dir, 'greenhouse.ndjson'), {
      devices: [sensor],
      metrics: ['temperature'],
      readings: 16,
      seed: 5,
    })
    const seller = createAssayClient({ node: node.url, operatorToken: node.operatorToken })
    const accepted = await seller.publish(
      new Blob([await readFile(file)]),
      { title: 'Greenhouse temperature, January 2026', price: 10n ** 16n },
      { fileName: 'greenhouse.ndjson' },
    )
    greenhouse = followPublication(seller, accepted.jobId).then(async (status) => {
      if (status.result === undefined) throw new Error(`the greenhouse dataset was not published: ${status.failedReason}`)
      const id = BigInt(status.result.datasetId)
      for (let i = 0; i < 150 && node.catalog.get(id) === undefined; i++) await new Promise((r) => setTimeout(r, 200))
      return id
    })
    greenhouse.catch(() => undefined) // awaited (and reported) by the search test
    browser = await launchChromium()
    page = await openWatchedPage(browser, watch, { acceptDownloads: true })
    context = page.context()
  })
  after(async () => {
    problems.push(...watch.take().map((p) => `after the last test: ${p}`))
    await browser?.close()
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
    expect(problems, 'uncaught errors, console errors or failed requests').to.deep.equal([])
  })
  const blockNumber = async (): Promise<string> => {
    const res = await fetch(node.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
    })
    return ((await res.json()) as { result: string }).result
  }
  const streamCount = async (): Promise<number> =>
    ((await (await fetch(new URL('/streams', node.url))).json()) as { streams: unknown[] }).streams.length

  afterEach(async function () {
    problems.push(...watch.take().map((p) => `${this.currentTest?.title.slice(0, 60)}: ${p}`))
    if (this.currentTest?.state === 'failed' && page !== undefined) await screenshot(page, `failed-${this.currentTest.title.slice(0, 40)}`)
  })

  it('lets a seller publish a slice of the occupancy file: editable mapping, parsed rows, live progress', async () => {
    await page.goto(`${node.url}/#/sell`)
    // Selling is the operator's: a wrong token is refused by name, the node's own opens the page.
    watch.allow(/^HTTP 401: POST [^ ]+\/operator\/session$/)
    await page.getByTestId('operator-token').fill('not-the-token-of-this-node-0123456789')
    await page.getByTestId('operator-sign-in').click()
    await page.getByText('that is not the operator token of this node').waitFor()
    await signInAsOperator(page, node.operatorToken)
    await page.getByTestId('file').setInputFiles(slice)
    const parsed = page.getByTestId('parsed-rows')
    await parsed.waitFor()
    expect(await parsed.locator('thead th').allTextContents()).to.deep.equal([
      'Time (UTC)',
      'Device',
      'Temperature',
      'Humidity',
      'Light',
      'CO2',
      'HumidityRatio',
    ])
    expect(await parsed.locator('tbody tr').first().locator('td').allTextContents()).to.deep.equal([
      '2015-02-04 17:51:00',
      'device-1',
      '23.18',
      '27.272',
      '426',
      '721.25',
      '0.00479298817650529',
    ])
    // Occupancy (0/1) is offered but not inferred. The seller keeps three metrics and renames one;
    // the preview follows the edited mapping.
    expect(await page.getByTestId('include-Occupancy').isChecked()).to.equal(false)
    for (const column of ['Light', 'HumidityRatio']) await page.getByTestId(`include-${column}`).uncheck()
    await page.getByLabel('Name of CO2').fill('co2')
    await page.getByTestId('update-preview').click()
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=parsed-rows] thead th').length === 5)
    expect(await page.getByTestId('parsed-rows').locator('thead th').allTextContents()).to.deep.equal([
      'Time (UTC)',
      'Device',
      'Temperature',
      'Humidity',
      'co2',
    ])
    await page.getByTestId('title').fill('Office occupancy room, February 2015')
    await page.getByLabel('Description').fill('Temperature, humidity and CO2 of one office, one reading a minute.')
    await page.getByTestId('price').fill('0.02')
    await page.getByTestId('period').fill('30')
    await screenshot(page, '1-sell-mapping')
    await page.getByTestId('publish').click()
    await page.locator('[data-stage=prove]').waitFor()
    await screenshot(page, '2-sell-progress')
    const link = page.getByTestId('listing-link')
    await link.waitFor({ timeout: 300_000 })
    datasetId = /datasets\/(\d+)/.exec((await link.getAttribute('href')) ?? '')![1]!
    expect(await page.locator('.stage.completed').count()).to.equal(7)
    await screenshot(page, '3-sell-published')
  })

  it('signs the operator in with their wallet on the Sell page (Sign-In with Ethereum), and explains a wallet that cannot', async () => {
    // A browser of its own (no session yet) whose window.ethereum holds one anvil account: the
    // node's own (account 0, the deployer: the operator by default) or another.
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    watch.watch(fresh)
    // Account 1 is not the operator: its signed sign-in is refused on purpose.
    watch.allow(/^HTTP 401: POST [^ ]+\/operator\/session$/)
    const devAccount = (i: number): HDNodeWallet => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`)
    const walletPage = async (wallet: HDNodeWallet | 'rejecting' | 'none'): Promise<Page> => {
      const p = await fresh.newPage()
      if (wallet === 'rejecting')
        await p.addInitScript(
          `window.ethereum = { request: async () => { throw Object.assign(new Error('User rejected the request.'), { code: 4001 }) } }`,
        )
      else if (wallet !== 'none') {
        await p.exposeFunction('assaySign', (hex: string) => wallet.signMessage(getBytes(hex)))
        await p.addInitScript(`window.ethereum = { request: async ({ method, params }) => {
          const address = ${JSON.stringify(wallet.address)}
          if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [address]
          if (method === 'eth_chainId') return '0x7a69'
          if (method === 'personal_sign' && params[1].toLowerCase() === address.toLowerCase()) return window.assaySign(params[0])
          throw new Error('unexpected ' + method)
        } }`)
      }
      await p.goto(`${node.url}/#/sell`)
      await p.getByTestId('operator-wallet-sign-in').click()
      return p
    }
    const refusal = async (wallet: HDNodeWallet | 'rejecting' | 'none'): Promise<string> => {
      const p = await walletPage(wallet)
      const alert = p.locator('[role=alert]')
      await alert.waitFor()
      const text = (await alert.textContent()) ?? ''
      if (wallet instanceof HDNodeWallet) await screenshot(p, '15-sell-wallet-refused')
      await p.close()
      return text
    }
    try {
      expect(await refusal('none')).to.match(/^No wallet No browser wallet found/)
      expect(await refusal('rejecting')).to.equal(
        'Wallet request rejected You declined the request in your wallet. Nothing was sent or signed.',
      )
      expect(await refusal(devAccount(1))).to.equal(
        `Wallet sign-in refused ${devAccount(1).address} is not this node's operator: sign in with the operator's account`,
      )
      expect(await fresh.cookies()).to.deep.equal([])
      const signedIn = await walletPage(devAccount(0))
      await signedIn.getByTestId('file').waitFor()
      await screenshot(signedIn, '16-sell-wallet-signed-in')
      const cookies = await fresh.cookies()
      expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).to.deep.equal([['assay_operator', true, 'Strict']])
      // The session outlives the page: the Sell page opens at once in another tab.
      const again = await fresh.newPage()
      await again.goto(`${node.url}/#/sell`)
      await again.getByTestId('file').waitFor()
    } finally {
      await fresh.close()
    }
  })

  it('lets a buyer find it, verify the proofs in the browser, buy with the development wallet and save the original file', async () => {
    // Before the search: both datasets listed (the greenhouse one has no CO2 and no "occupancy").
    const greenhouseId = await greenhouse
    await page.goto(`${node.url}/#/`)
    const all = page.locator('[data-testid=results][aria-busy=false][data-query="limit=24"]')
    await all.waitFor()
    expect(await all.locator('#results-title').textContent()).to.equal('2 datasets')
    expect(await all.getByTestId('dataset-card').locator('h3').allTextContents()).to.have.members([
      'Office occupancy room, February 2015',
      'Greenhouse temperature, January 2026',
    ])
    // The card's proof badge is the node's own check, and says so.
    const nodeCheck = all.getByTestId('dataset-card').first().getByTestId('node-check')
    expect(await nodeCheck.getAttribute('title')).to.equal(
      'This node’s own check of the proofs, not your browser’s: the dataset page verifies them again in your browser',
    )
    await page.getByRole('searchbox', { name: 'Search' }).fill('occupancy')
    await page.getByLabel('Metric').fill('co2')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.waitForURL(/q=occupancy/)
    // The filtered page, not the last one still on screen: its results say which search they answer.
    const results = page.locator('[data-testid=results][aria-busy=false][data-query*="q=occupancy&metric=co2"]')
    await results.waitFor()
    expect(await results.locator('#results-title').textContent()).to.equal('1 dataset')
    const card = results.getByTestId('dataset-card')
    expect(await card.count()).to.equal(1)
    expect(await card.locator('h3').textContent()).to.equal('Office occupancy room, February 2015')
    expect(await page.locator(`[data-testid=dataset-card] a[href="#/datasets/${greenhouseId}"]`).count()).to.equal(0)
    expect(await card.locator('.price').textContent()).to.equal('0.02 ETH')
    await screenshot(page, '4-marketplace')

    await card.getByRole('link', { name: 'Office occupancy room, February 2015' }).click()
    const status = page.locator('[data-testid=proof-status][data-state]')
    await status.waitFor({ timeout: 120_000 })
    expect(await status.getAttribute('data-state')).to.equal('proven')
    // The node's default backend, UltraHonk: verified in the page's worker by the TypeScript verifier.
    expect(await status.textContent()).to.match(/Your browser checked all 3 UltraHonk batch proofs \(sensor-stats-24bit-b1152-v3-honk\)/)
    // Proven, but never without the development setup's warning.
    expect(await status.getByTestId('setup-warning').textContent()).to.equal('But: development setup: anyone can forge these proofs.')
    expect(await page.locator('[data-testid^=proof-state-]').allTextContents()).to.deep.equal(['✓ proven', '✓ proven', '✓ proven'])
    await page.getByTestId('timeline').waitFor()
    expect(await page.getByTestId('timeline').locator('li strong').allTextContents()).to.include.members([
      'Anchored on-chain',
      'Listed at 0.02 ETH',
    ])
    await screenshot(page, '5-dataset-proven')

    await page.getByRole('button', { name: 'Connect wallet' }).click()
    await page.getByLabel('Account').selectOption('2')
    await screenshot(page, '6-connect-wallet')
    await page.getByRole('button', { name: 'Use development wallet' }).click()
    await page.getByTestId('buy').click()
    await page.getByTestId('download').waitFor({ timeout: 60_000 })
    await page.getByTestId('download').click()
    const save = page.getByTestId('save-source')
    await save.waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('download-result').textContent()).to.contain('rebuild all 3 batch commitments and the anchored root')
    await screenshot(page, '7-dataset-downloaded')
    const [download] = await Promise.all([page.waitForEvent('download'), save.click()])
    expect(download.suggestedFilename()).to.equal('occupancy-feb-2015.csv')
    expect(Buffer.compare(await readFile(await download.path()), await readFile(slice))).to.equal(0)
    // The chain agrees: account 2 holds the access token.
    const buyer = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
    expect(await node.chain.hasAccess(buyer, BigInt(datasetId))).to.equal(true)
  })

  it('buys through the key escrow with the development wallet: the node settles with a proof, the key comes from the chain', async () => {
    // Account 3 has bought nothing: a tab of its own (the wallet choice is per tab), so the main
    // page keeps account 2 for the tests after this one.
    const buyer = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/3").address
    expect(await node.chain.hasAccess(buyer, BigInt(datasetId))).to.equal(false)
    const tab = await context.newPage()
    try {
      await tab.goto(`${node.url}/#/datasets/${datasetId}`)
      await tab.getByRole('button', { name: 'Connect wallet' }).click()
      await tab.getByLabel('Account').selectOption('3')
      await tab.getByRole('button', { name: 'Use development wallet' }).click()
      const escrow = tab.getByTestId('buy-escrow')
      expect(await escrow.getAttribute('aria-describedby').then((id) => tab.locator(`#${id}`).textContent())).to.match(
        /^Trustless: the payment is held by the KeyEscrow contract and released only when the seller’s node delivers the key with a proof/,
      )
      await screenshot(tab, '7a-dataset-escrow-offered')
      await escrow.click()
      const steps = tab.getByTestId('escrow-progress')
      // The order is open and the page waits for the seller's proof, with the deadline.
      await tab.locator('[data-testid=escrow-progress][data-order]').waitFor({ timeout: 60_000 })
      const orderId = await steps.getAttribute('data-order')
      expect(await steps.locator('[data-step=open]').textContent()).to.equal(`done: Order #${orderId} opened: 0.02 ETH held by KeyEscrow`)
      await tab.locator('[data-testid=escrow-progress][data-state=received]').waitFor({ timeout: 120_000 })
      expect(await steps.locator('[data-step=proof]').textContent()).to.match(/^done: Settled with a verified key-transfer proof \(tx 0x/)
      expect(await steps.locator('[data-step=key]').textContent()).to.equal(
        'done: Key received from the chain and checked against the anchored key commitment',
      )
      // Access came with the settlement: the panel offers the download, focused, the steps still shown.
      const download = tab.getByTestId('download')
      await download.waitFor({ timeout: 60_000 })
      expect(await download.evaluate((el) => el === document.activeElement)).to.equal(true)
      await screenshot(tab, '7b-dataset-escrow-received')
      await download.click()
      const save = tab.getByTestId('save-source')
      await save.waitFor({ timeout: 60_000 })
      expect(await tab.getByTestId('download-result').textContent()).to.contain('rebuild all 3 batch commitments and the anchored root')
      expect(await tab.getByTestId('key-source').getAttribute('data-source')).to.equal('escrow')
      await screenshot(tab, '7c-dataset-escrow-downloaded')
      const [file] = await Promise.all([tab.waitForEvent('download'), save.click()])
      expect(Buffer.compare(await readFile(await file.path()), await readFile(slice))).to.equal(0)
      // The chain agrees: account 3's order was settled and it holds the access token.
      expect(await node.chain.orderStatus(BigInt(orderId!))).to.equal('settled')
      expect((await node.chain.settlementsOf(buyer, BigInt(datasetId))).map((s) => String(s.orderId))).to.deep.equal([orderId])
      expect(await node.chain.hasAccess(buyer, BigInt(datasetId))).to.equal(true)
    } finally {
      await tab.close()
    }
  })

  it('passes the audit page for the dataset, with a downloadable JSON report', async () => {
    await page.goto(`${node.url}/#/audit/${datasetId}`)
    const verdict = page.getByTestId('audit-verdict')
    await verdict.waitFor({ timeout: 120_000 })
    expect(await verdict.textContent()).to.equal('Every check passed. ')
    expect(
      await page
        .locator('.check')
        .evaluateAll((els) => els.map((e) => `${(e as HTMLElement).dataset.check}:${(e as HTMLElement).dataset.ok}`)),
    ).to.deep.equal([
      'anchor:true',
      'manifest:true',
      'content:true',
      'proofs:true',
      'stats:true',
      'on-chain verifier:true',
      'devices:true',
      'quality:true',
    ])
    expect(await page.getByTestId('setup-warning').textContent()).to.equal(
      'Circuit setup: development setup: anyone can forge these proofs. ',
    )
    expect(await page.locator('.check[data-check=proofs]').textContent()).to.contain('development setup: anyone can forge these proofs')
    await screenshot(page, '8-audit-passed')
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-download').click()])
    const report = JSON.parse(await readFile(await download.path(), 'utf8')) as { ok: boolean; datasetId: string; checks: unknown[] }
    expect([report.ok, report.datasetId, report.checks.length]).to.deep.equal([true, datasetId, 8])
  })

  it('refuses the setup check of a development setup on the audit page: no ceremony transcript can vouch for it', async () => {
    // A folder as contributors pass it on (here only its transcript) and a powers-of-tau file.
    const folder = join(dir, 'ceremony')
    await mkdir(folder, { recursive: true })
    await writeFile(join(folder, 'ceremony.json'), '{"format":"assay-setup-transcript-v1"}')
    await writeFile(join(dir, 'pot.ptau'), 'not read: the record is refused first')
    await page.goto(`${node.url}/#/audit`)
    await page.getByTestId('audit-id').fill(datasetId)
    await page.getByTestId('setup-check').locator('summary').click()
    await page.getByTestId('setup-folder').setInputFiles(folder)
    await page.getByTestId('setup-ptau').setInputFiles(join(dir, 'pot.ptau'))
    await page.getByTestId('setup-run').click()
    const check = page.getByTestId('setup-result').locator('.check[data-check=setup]')
    await check.waitFor({ timeout: 60_000 })
    expect(await check.getAttribute('data-ok')).to.equal('false')
    expect(await check.locator('p').textContent()).to.match(
      /^setup record baf\w+: development setup: anyone can forge these proofs \(no ceremony transcript to check\)$/,
    )
    await screenshot(page, '8b-audit-setup-check')
  })

  it('badges a card whose proofs the node verified under a development setup', async () => {
    await page.goto(`${node.url}/#/?q=occupancy`)
    const badge = page.getByTestId('dataset-card').getByTestId('setup-badge')
    // The node's catalog verifies in the background: the marketplace shows what it has found so far.
    for (let i = 0; i < 60 && (await badge.count()) === 0; i++) {
      await new Promise((r) => setTimeout(r, 1000))
      await page.reload()
      await page.getByTestId('dataset-card').first().waitFor()
    }
    expect(await badge.textContent()).to.equal('development setup: anyone can forge these proofs')
  })

  it('fails the audit page and the proven marks for a dataset whose manifest was tampered', async () => {
    // The publisher anchors a copy of the manifest stating a mean one degree warmer than proven.
    const m = (await createAssayClient({ node: node.url }).get(datasetId)).manifest!
    const tampered = { ...m, stats: m.stats.map((s, i) => (i === 0 ? { ...s, mean: s.mean + 1 } : s)) }
    const badId = await anchorManifest(node, tampered)
    await page.goto(`${node.url}/#/audit/${badId}`)
    const verdict = page.getByTestId('audit-verdict')
    await verdict.waitFor({ timeout: 120_000 })
    expect(await verdict.textContent()).to.equal('1 check failed. ')
    expect(await page.locator('.check.fail').getAttribute('data-check')).to.equal('stats')
    expect(await page.locator('.check.fail p').textContent()).to.contain('the stated mean is not what the proofs output')
    await screenshot(page, '9-audit-failed')

    // Its dataset page refuses to call the warmer mean proven.
    for (let i = 0; i < 100 && node.catalog.get(badId) === undefined; i++) await new Promise((r) => setTimeout(r, 200))
    await page.goto(`${node.url}/#/datasets/${badId}`)
    const status = page.locator('[data-testid=proof-status][data-state]')
    await status.waitFor({ timeout: 120_000 })
    expect(await status.getAttribute('data-state')).to.equal('failed')
    expect(await page.locator('[data-testid^=proof-state-]').allTextContents()).to.deep.equal(['✗ not proven', '✓ proven', '✓ proven'])
    await screenshot(page, '10-dataset-tampered')
  })

  it('explains wallet failures: a rejected request, a wallet on another network, no wallet at all', async () => {
    const tryConnect = async (provider: string | undefined): Promise<string> => {
      const p = await context.newPage()
      if (provider !== undefined) await p.addInitScript(provider)
      await p.goto(`${node.url}/#/datasets/${datasetId}`)
      await p.getByRole('button', { name: 'Connect wallet' }).click()
      await p.getByRole('button', { name: 'Connect browser wallet' }).click()
      const alert = p.locator('dialog [role=alert]')
      await alert.waitFor()
      const text = (await alert.textContent()) ?? ''
      if (provider === undefined) await screenshot(p, '11-wallet-error')
      await p.close()
      return text
    }
    const rejecting = `window.ethereum = { request: async () => { throw Object.assign(new Error('User rejected the request.'), { code: 4001 }) } }`
    const mainnet = `window.ethereum = { request: async ({ method }) => {
      if (method === 'eth_requestAccounts' || method === 'eth_accounts') return ['0x90F79bf6EB2c4f870365E785982E1f101E93b906']
      if (method === 'eth_chainId') return '0x1'
      if (method === 'wallet_switchEthereumChain') throw Object.assign(new Error('Unrecognized chain ID'), { code: 4902 })
      throw new Error('unexpected ' + method)
    } }`
    expect(await tryConnect(rejecting)).to.equal(
      'Wallet request rejected You declined the request in your wallet. Nothing was sent or signed.',
    )
    expect(await tryConnect(mainnet)).to.equal(
      "Wrong network Your wallet is on chain 1; this marketplace's contracts are on chain 31337. Switch networks in your wallet.",
    )
    expect(await tryConnect(undefined)).to.match(/^No wallet No browser wallet found/)
  })

  it('lets the seller register a sensor from its key file and create a stream with it, then shows it live and subscribes the connected wallet', async () => {
    // The seller's side, in the browser signed in as the operator: the sensor's key file (as
    // `assay device create` writes it) is read and signs on the Devices page ...
    const keyFile = join(dir, 'web-stream-sensor.key.json')
    await deviceCreateCommand({ out: keyFile, label: 'web-stream-sensor' }, { out: () => undefined, err: () => undefined })
    const key = await readDeviceKeyFile(keyFile)
    expect((await fetch(new URL(`/devices/${key.deviceId}`, node.url))).status).to.equal(404)
    await page.goto(`${node.url}/#/devices`)
    await page.getByTestId('device-key-file').setInputFiles(keyFile)
    await page.getByTestId('device-key-chosen').getByText('key checked').waitFor()
    await page.getByTestId('register-device').click()
    await page.getByTestId('register-outcome').getByText('Registered.').waitFor({ timeout: 60_000 })
    const owner = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/0").address
    expect((await node.chain.deviceOf(key.deviceId)).owner).to.equal(owner)
    // ... and the stream is created with it on the New stream page: window 0 opened 16 s ago and
    // fills with 8 readings, so it is published without waiting for its grace.
    const start = Math.floor(Date.now() / 1000) - 16
    const streamsBefore = await streamCount()
    await page.goto(`${node.url}/#/streams/new`)
    await page.getByTestId('stream-form').waitFor()
    await fillStreamForm(page, {
      title: 'Office air, live',
      window: ['8', 's'],
      period: ['16', 's'],
      price: '0.001',
      grace: ['1', 'min'],
      maxReadings: '8',
      start,
      circuit: 'sensor-stats-b16-v2',
      devices: [key.deviceId],
    })
    await page.getByTestId('create-stream').click()
    await page.getByTestId('stream-title').filter({ hasText: 'Office air, live' }).waitFor({ timeout: 60_000 })
    expect(await streamCount()).to.equal(streamsBefore + 1)
    const stream = { streamId: /#\/streams\/(\d+)$/.exec(page.url())![1]! }
    streamId = stream.streamId
    const pushed = await pushFirstWindow(node.url, { streamId: stream.streamId, start, circuitId: 'sensor-stats-b16-v2' }, key)
    expect(pushed.status).to.equal(200)

    await page.goto(`${node.url}/#/streams`)
    await page.getByTestId('streams-table').waitFor()
    expect(await page.getByTestId('streams-table').getByRole('link', { name: 'Office air, live' }).count()).to.equal(1)
    await page.getByRole('link', { name: 'Office air, live' }).click()
    await page.locator('[data-window="0"] .badge.ok').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('live-state').textContent()).to.equal('● live')
    expect(await page.getByTestId('windows-published').textContent()).to.equal('1')
    // Before: account 2 (connected in this tab) holds no subscription, on the page and on chain.
    const buyer = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/2").address
    const subscription = page.getByTestId('subscription')
    const subscribe = page.getByTestId('subscribe')
    await subscribe.waitFor()
    expect(await subscription.locator('p').first().textContent()).to.equal('You have no subscription yet.')
    expect(await subscribe.textContent()).to.equal('Subscribe')
    expect((await node.chain.subscriptionOf(buyer, BigInt(stream.streamId))).end).to.equal(0n)
    await subscribe.click()
    // After: the page says what the subscription covers and offers to extend it; the chain agrees.
    const covers = subscription.locator('.alert.success')
    await covers.waitFor({ timeout: 30_000 })
    expect(await covers.textContent()).to.match(/^Your subscription covers windows from .+ to .+\.$/)
    expect(await subscribe.textContent()).to.equal('Extend subscription')
    const covered = await node.chain.subscriptionOf(buyer, BigInt(stream.streamId))
    expect(covered.end - covered.start).to.equal(16n) // one period, from the window open then
    // Window 0 closed before the subscription began: it stays outside it.
    expect(await page.getByTestId('access-0').textContent()).to.equal('—')
    await screenshot(page, '12-stream')
    // The window's own page says where it belongs.
    await page.locator('[data-window="0"] a').click()
    await page.getByTestId('stream-window').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('stream-window').textContent()).to.match(
      /^Window 0 of stream #\d+: readable with a subscription that covers it\.$/,
    )
  })

  it('offers to retry a publication that failed at anchor; the seller follows it in Publications, registers the device and retries it there', async () => {
    // Readings signed by a sensor nobody registered yet: proven and stored, then refused at anchor.
    const keyFile = join(dir, 'attic.key.json')
    await deviceCreateCommand({ out: keyFile, label: 'attic' }, { out: () => undefined, err: () => undefined })
    const sensor = { ...(await readDeviceKeyFile(keyFile)), label: 'attic' }
    const file = await writeSignedBatchFile(join(dir, 'attic.ndjson'), {
      devices: [sensor],
      metrics: ['temperature'],
      readings: 16,
      seed: 9,
    })
    await page.goto(`${node.url}/#/sell`)
    await page.getByTestId('file').setInputFiles(file)
    // The preview's notice, not the file field's label (which names signed batches too).
    await page.getByRole('status').filter({ hasText: 'device-signed batches: published exactly as the devices signed them' }).waitFor()
    await page.getByTestId('title').fill('Attic temperature')
    await page.getByTestId('publish').click()
    await page.getByTestId('retry').waitFor({ timeout: 120_000 })
    expect(await page.locator('[role=alert]').last().textContent()).to.match(
      /^Publication failed anchor: DeviceNotRegisteredError: device "attic"/,
    )
    expect(await page.locator('[data-stage=anchor]').textContent()).to.match(/failed$/)
    expect(await page.locator('[data-stage=list]').textContent()).to.match(/not run$/)
    await screenshot(page, '14-sell-failed')
    // The Publications list has it, failed, with the reason and a Retry.
    await page.goto(`${node.url}/#/publications`)
    await page.locator('[data-testid=publications][aria-busy=false]').waitFor()
    const row = page.locator('[data-testid=publications-table] tbody tr', { hasText: 'Attic temperature' })
    expect(await row.getAttribute('data-state')).to.equal('failed')
    expect(await row.getByTestId('failure').textContent()).to.match(/^anchor: DeviceNotRegisteredError: device "attic"/)
    // The seller registers the sensor from its key file on the Devices page ...
    await page.goto(`${node.url}/#/devices`)
    await page.getByTestId('device-key-file').setInputFiles(keyFile)
    await page.getByTestId('device-key-chosen').getByText('key checked').waitFor()
    await page.getByTestId('register-device').click()
    await page.getByTestId('register-outcome').getByText('Registered.').waitFor({ timeout: 60_000 })
    // ... and retries from the list, which follows it to its dataset.
    await page.goto(`${node.url}/#/publications`)
    await row.getByRole('button', { name: 'Retry' }).click()
    await row.getByTestId('dataset-link').waitFor({ timeout: 120_000 })
    expect(await row.getAttribute('data-state')).to.equal('done')
    expect(await row.getByTestId('progress-text').textContent()).to.equal('Published')
  })

  it('refuses a cross-site form post and fetch from another origin in the signed-in browser: nothing published, queued or sent', async () => {
    // The browser is the operator's (signed in on the Sell page). A page elsewhere — another site,
    // served here on another port under another host name — posts a form and a fetch to the node.
    const uploads = join(dir, 'node', 'publishing', 'publications')
    const count = async (): Promise<number> => (await readdir(uploads).catch(() => [])).length
    const before = { uploads: await count(), block: await blockNumber(), streams: await streamCount() }
    const attacker = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html')
      res.end(`<!doctype html><body>
        <form id="f" method="POST" enctype="multipart/form-data" action="${node.url}/datasets">
          <input name="title" value="Forged"><textarea name="file">time,t\n2026-01-01T00:00:00Z,1\n</textarea>
        </form>
        <script>
          fetch('${node.url}/streams', { method: 'POST', mode: 'no-cors', credentials: 'include',
            headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ title: 'Forged stream' }) })
            .finally(() => document.getElementById('f').submit())
        </script></body>`)
    })
    attacker.listen(0, '127.0.0.1')
    // The node refuses both, which is the point.
    watch.allow(/^HTTP 403: POST [^ ]+\/(datasets|streams)$/)
    await once(attacker, 'listening')
    try {
      const evil = await context.newPage()
      const answer = evil.waitForResponse((r) => r.url() === `${node.url}/datasets`)
      await evil.goto(`http://localhost:${(attacker.address() as AddressInfo).port}/`)
      const refused = await answer
      expect(refused.status()).to.equal(403)
      expect(((await refused.json()) as { error: { name: string } }).error.name).to.equal('ForeignRequestError')
      await evil.close()
    } finally {
      attacker.close()
    }
    expect({ uploads: await count(), block: await blockNumber(), streams: await streamCount() }).to.deep.equal(before)
  })

  it('keeps the bar one line on a phone, with a keyboard-usable menu, and closes the wallet dialog when the page changes', async () => {
    const phone = await context.newPage()
    await phone.setViewportSize({ width: 390, height: 844 })
    await phone.goto(`${node.url}/#/`)
    await phone.locator('[data-testid=results][aria-busy=false]').waitFor()
    const toggle = phone.getByTestId('menu-toggle')
    const nav = phone.getByRole('navigation', { name: 'Main' })
    // One line: the brand, the menu button and the wallet button share a row; the links wait behind the button.
    const rows = await phone
      .locator('.topbar > :is(.brand, .menu-toggle, .wallet)')
      .evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2)))
    expect(rows).to.have.length(3)
    expect(Math.max(...rows) - Math.min(...rows)).to.be.at.most(4)
    expect(await nav.isVisible()).to.equal(false)
    // Keyboard only: Enter opens the menu, Tab reaches the links, Enter follows one and the menu closes.
    await toggle.focus()
    await phone.keyboard.press('Enter')
    expect(await toggle.getAttribute('aria-expanded')).to.equal('true')
    expect(await nav.isVisible()).to.equal(true)
    await phone.keyboard.press('Tab')
    expect(await phone.evaluate(() => document.activeElement?.textContent)).to.equal('Marketplace')
    await phone.keyboard.press('Tab')
    await phone.keyboard.press('Tab')
    await phone.keyboard.press('Enter')
    // The route changed once the app marks Sell as the current page (its hashchange handler).
    await phone.locator('nav a[data-nav=sell][aria-current]').waitFor({ state: 'attached' })
    expect(await toggle.getAttribute('aria-expanded')).to.equal('false')
    expect(await nav.isVisible()).to.equal(false)
    // Escape closes an open menu and gives focus back to its button.
    await toggle.click()
    await phone.keyboard.press('Tab')
    await phone.keyboard.press('Escape')
    expect(await nav.isVisible()).to.equal(false)
    expect(await toggle.evaluate((el) => el === document.activeElement)).to.equal(true)
    // The wallet dialog opened on Sell closes when the browser goes back to the marketplace.
    await phone.getByTestId('file').waitFor()
    await phone.getByRole('button', { name: 'Connect wallet' }).click()
    const dialog = phone.locator('dialog.wallet-dialog')
    expect(await dialog.evaluate((d: HTMLDialogElement) => d.open)).to.equal(true)
    await phone.goBack()
    await phone.locator('[data-testid=results][aria-busy=false]').waitFor()
    expect(await dialog.evaluate((d: HTMLDialogElement) => d.open)).to.equal(false)
    expect(await phone.evaluate(() => document.activeElement?.id)).to.equal('main')
    await phone.close()
  })

  it('shows every page at 1280 and 390 px with no serious or critical axe violation and nothing wider than the screen, saving each to docs/screenshots', async () => {
    // The nodes, datasets and stream of the tests above; the sign-in page in a browser not signed in.
    const signedOut = await browser.newContext()
    watch.watch(signedOut)
    // One tab goes from page to page through the app's own routing (the hash), as a reader does;
    // without `path` it stays where the last page left it. The sign-in page opens in a browser not
    // signed in. `check` looks at the layout at each width: a problem in words, or nothing.
    const shown: Array<{
      name: string
      path?: string
      signedOut?: true
      ready: (p: Page) => Promise<unknown>
      check?: (p: Page) => Promise<string | undefined>
    }> = [
      {
        name: 'marketplace',
        path: '',
        ready: (p) => p.locator('[data-testid=results][aria-busy=false]').waitFor(),
        // A card clips what runs past its edge (a long badge): nothing may.
        check: (p) =>
          p.evaluate(() =>
            [...document.querySelectorAll('[data-testid=dataset-card]')].some((card) =>
              [...card.querySelectorAll('.card-body *')].some((e) => e.getBoundingClientRect().right > card.getBoundingClientRect().right),
            )
              ? 'a card’s content runs past its edge'
              : undefined,
          ),
      },
      {
        name: 'wallet',
        ready: async (p) => {
          await p.getByRole('button', { name: 'Connect wallet' }).click()
          await p.locator('dialog[open]').waitFor()
        },
      },
      {
        name: 'dataset',
        path: `datasets/${datasetId}`,
        ready: (p) => Promise.all([p.locator('[data-testid=proof-status][data-state]').waitFor(), p.getByTestId('timeline').waitFor()]),
      },
      { name: 'streams', path: 'streams', ready: (p) => p.getByTestId('streams-table').waitFor() },
      {
        name: 'stream',
        path: `streams/${streamId}`,
        // No wallet in a new tab: the panel asks for one.
        ready: (p) => Promise.all([p.getByTestId('windows-table').waitFor(), p.getByTestId('subscription').locator('p').first().waitFor()]),
      },
      {
        name: 'sell',
        path: 'sell',
        ready: async (p) => {
          await p.getByTestId('file').setInputFiles(slice)
          await p.getByTestId('parsed-rows').waitFor()
        },
        // The Devices dropdown beside or above the Device label field, never running under it.
        check: async (p) => {
          const devices = (await p.getByLabel('Devices', { exact: true }).boundingBox())!
          const label = (await p.getByLabel('Device label').boundingBox())!
          const apart = devices.x + devices.width <= label.x || devices.y + devices.height <= label.y
          return apart ? undefined : 'the Devices dropdown overlaps the Device label field'
        },
      },
      { name: 'audit', path: `audit/${datasetId}`, ready: (p) => p.getByTestId('audit-verdict').waitFor() },
      // No wallet in this tab: the page asks for one.
      { name: 'account', path: 'account', ready: (p) => p.getByText('Connect a wallet (top right)').waitFor() },
      {
        name: 'node',
        path: 'node',
        ready: (p) => p.locator('[data-testid=services][aria-busy=false]').waitFor(),
        // A service's details as a definition list (this browser is the operator's), not JSON.
        check: async (p) => {
          const terms = await p.locator('[data-service=chain] > dl.details > dt').allTextContents()
          return terms.join(', ') === 'chain id, block number, contracts' ? undefined : `chain details read: ${terms.join(', ')}`
        },
      },
      { name: 'sign-in', path: 'sell', signedOut: true, ready: (p) => p.getByTestId('operator-token').waitFor() },
    ]
    const found: string[] = []
    const writes: Array<Promise<void>> = []
    const tab = await context.newPage()
    for (const { name, path, signedOut: out, ready, check } of shown) {
      const p = out === true ? await signedOut.newPage() : tab
      await p.setViewportSize({ width: 1280, height: 900 })
      if (p !== tab || p.url() === 'about:blank') await p.goto(`${node.url}/#/${path}`)
      else if (path !== undefined) await p.evaluate((hash) => (location.hash = hash), `#/${path}`)
      await ready(p)
      // The same page narrowed: the layout follows the width alone.
      for (const [width, height] of [
        [1280, 900],
        [390, 844],
      ] as const) {
        await p.setViewportSize({ width, height })
        found.push(...(await axeViolations(p)).map((v) => `${name} at ${width} px: ${v}`))
        const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
        if (overflow > 0) found.push(`${name} at ${width} px: ${overflow} px wider than the screen`)
        const problem = await check?.(p)
        if (problem !== undefined) found.push(`${name} at ${width} px: ${problem}`)
        writes.push((await saveDocScreenshot(p, `${name}-${width}`)).written)
      }
    }
    await tab.close()
    await signedOut.close()
    await Promise.all(writes)
    expect(found).to.deep.equal([])
  })

  it('shows the account page: the buyer’s purchases, and the seller’s proceeds withdrawn to 0', async () => {
    // Last: the seller's withdrawal is sent from the browser with the node's own key (account 0), behind
    // the back of the node's NonceManager, whose next transaction would then fail with "nonce too low".
    // A tab of its own (the wallet choice is per tab).
    const tab = await context.newPage()
    try {
      await tab.goto(`${node.url}/#/account`)
      await tab.getByText('Connect a wallet (top right)').waitFor()
      // The buyer (account 2, who bought on the market) holds the dataset until the listing's access period ends.
      await tab.getByRole('button', { name: 'Connect wallet' }).click()
      await tab.getByLabel('Account').selectOption('2')
      await tab.getByRole('button', { name: 'Use development wallet' }).click()
      const bought = tab.getByTestId('purchases-table').locator(`tr[data-dataset="${datasetId}"]`)
      await bought.waitFor()
      expect(await bought.getByRole('link').getAttribute('href')).to.equal(`#/datasets/${datasetId}`)
      expect(await bought.getByRole('link').textContent()).to.equal('Office occupancy room, February 2015')
      expect(await bought.getByTestId('bought-through').textContent()).to.equal('market')
      expect(await bought.getByTestId('expiry').textContent()).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC$/)
      expect(await tab.getByTestId('purchases-table').locator('tbody tr').count()).to.equal(1)
      // The seller: the node's account 0 (not offered by the wallet dialog; restored from the tab's session).
      const seller = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/0").address
      const owedBefore = await node.chain.owed(seller)
      expect(owedBefore > 0n).to.equal(true)
      await tab.evaluate(() => sessionStorage.setItem('assay.wallet', 'dev:0'))
      await tab.reload()
      const owed = tab.getByTestId('owed-native')
      await owed.waitFor()
      expect(await tab.getByTestId('account-address').textContent()).to.equal(seller)
      expect(await owed.textContent()).to.not.equal('0 ETH')
      expect(await axeViolations(tab)).to.deep.equal([])
      await screenshot(tab, '7d-account-proceeds')
      await tab.getByRole('button', { name: 'Withdraw ETH (native coin)' }).click()
      const status = tab.getByTestId('withdraw-status')
      await tab.getByText(/^Withdrew /).waitFor({ timeout: 30_000 })
      expect(await status.textContent()).to.match(/^Withdrew [\d.]+ ETH to your wallet \(tx 0x[0-9a-f]{8}…\)\. Balance now 0 ETH\.$/)
      expect(await owed.textContent()).to.equal('0 ETH')
      expect(await tab.getByTestId('withdraw-native').count()).to.equal(0)
      expect(await node.chain.owed(seller)).to.equal(0n)
    } finally {
      await tab.close()
    }
  })
})
