import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { HDNodeWallet, hexlify } from 'ethers'
import type { Browser, Page } from 'playwright-core'
import { CID } from 'multiformats/cid'
import { settleCommand, startNode, type AssayNode } from '../../cli/index.js'
import { DEV_MNEMONIC, loadConfig, type Manifest } from '../../core/index.js'
import { createAssayClient } from '../../sdk/index.js'
import { unwrapKey } from '../../storage/node.js'
import { axeViolations, launchChromium, openWatchedPage, watchPages } from '../helpers/browser.js'
import { publishSimulatedFeed } from '../helpers/publish-simulated-feed.js'

const quiet = { out: () => undefined, err: () => undefined }
const account = (n: number): HDNodeWallet => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${n}`)

// A mirrored dataset in a real browser: node B runs the chain (embedded anvil) and the web app;
// node A, the seller's, joins B's chain, publishes, is mirrored by B, and stops. On B's dataset
// page the buyer sees who holds the dataset, buys through the key escrow (the seller settles by
// hand, with no node), and downloads and verifies it from B.
describe('a mirrored dataset in Chromium (providers line, escrow purchase with the seller offline, download from the mirror)', function () {
  this.timeout(600_000)
  let dir: string
  let a: AssayNode
  let b: AssayNode
  let browser: Browser
  let page: Page
  let datasetId: string
  let manifest: Manifest
  let simulated: string
  const seller = account(5)
  const watch = watchPages()
  const sellerConfig = () =>
    loadConfig({
      RPC_URL: b.rpcUrl,
      PRIVATE_KEY: seller.privateKey,
      ASSAY_DATA_DIR: join(dir, 'a'),
      ASSAY_DEPLOYMENT: `${b.url}/deployment`,
    })

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-web-mirror-'))
    b = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'b') }), port: 0 }, () => undefined)
    a = await startNode({ ...sellerConfig(), port: 0 }, () => undefined)
    const published = await publishSimulatedFeed(a, dir, 'attic', {
      simulate: { metrics: 'temperature', readings: 16, seed: 8, circuit: 'sensor-stats-b16-v2' },
      publish: { title: 'Attic temperature', price: '0.01' },
    })
    simulated = published.file
    datasetId = published.datasetId
    manifest = await a.contentStore.getManifest(CID.parse(published.manifestCid))
    const report = await createAssayClient({ node: b.url, operatorToken: b.operatorToken }).mirror({ from: a.url, datasetId })
    expect(report.datasets.map((d) => d.outcome)).to.deep.equal(['mirrored'])
    // B's page offers the purchase once its catalog has followed the chain to the listing (its
    // indexer ticks every second; a busy machine can leave it behind the mirror): wait for that state.
    const onB = createAssayClient({ node: b.url })
    for (let i = 0; (await onB.get(datasetId)).listing?.active !== true; i++) {
      if (i >= 600) throw new Error(`B's catalog never listed dataset ${datasetId} for sale`)
      await new Promise((r) => setTimeout(r, 100))
    }
    await a.stop()
    browser = await launchChromium()
    page = await openWatchedPage(browser, watch, { acceptDownloads: true })
  })
  after(async () => {
    await browser?.close()
    await a?.stop()
    await b?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('shows B and A as holders, and downloads from B what the seller settled through the escrow while A is down', async () => {
    await page.goto(`${b.url}/#/datasets/${datasetId}`)
    const providers = page.getByTestId('providers')
    await providers.waitFor()
    expect(await providers.textContent()).to.equal(`Held by this node · ${a.url}`)
    await page.locator('[data-testid=proof-status][data-state=proven]').waitFor({ timeout: 120_000 })

    await page.getByRole('button', { name: 'Connect wallet' }).click()
    await page.getByLabel('Account').selectOption('3')
    await page.getByRole('button', { name: 'Use development wallet' }).click()
    await page.getByTestId('buy-escrow').click()
    const steps = page.locator('[data-testid=escrow-progress][data-order]')
    await steps.waitFor({ timeout: 60_000 })
    const orderId = (await steps.getAttribute('data-order'))!
    // The seller's node is down: the seller settles by hand with the data key, opened from the
    // manifest's seller copy with the seller's account key.
    const keyFile = join(dir, 'data.key')
    await writeFile(keyFile, hexlify(unwrapKey(seller.privateKey, Buffer.from(manifest.encryption.sellerWrappedKey, 'base64'))))
    const settled = await settleCommand(orderId, sellerConfig(), { node: b.url, keyFile, json: true }, quiet)
    expect(settled.outcome).to.equal('settled')
    await page.locator('[data-testid=escrow-progress][data-state=received]').waitFor({ timeout: 120_000 })

    await page.getByTestId('download').click()
    const save = page.getByTestId('save-source')
    await save.waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('download-result').textContent()).to.contain('batch commitments and the anchored root')
    expect(await page.getByTestId('key-source').getAttribute('data-source')).to.equal('escrow')
    const [file] = await Promise.all([page.waitForEvent('download'), save.click()])
    expect(Buffer.compare(await readFile(await file.path()), await readFile(simulated))).to.equal(0)
    expect(await axeViolations(page)).to.deep.equal([])
    expect(watch.take(), 'uncaught errors, console errors or failed requests').to.deep.equal([])
  })
})
