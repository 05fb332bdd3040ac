import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import type { Browser, Page } from 'playwright-core'
import { startNode, type AssayNode } from '../../cli/index.js'
import { createDeviceKey, signEddsaPoseidon } from '../../circuits/index.js'
import { loadConfig, type Manifest } from '../../core/index.js'
import { createAssayClient, followPublication } from '../../sdk/index.js'
import { anchorManifest } from '../helpers/anchor-manifest.js'
import { launchChromium, pageErrors, screenshot } from '../helpers/browser.js'
import { writeSignedBatchFile } from '../helpers/signed-file.js'

/** Readings per series, and the batches they make with 16-reading batches. */
const READINGS = 40
const BATCHES = Math.ceil(READINGS / 16)

// The charts in a real browser, on a node of this file's own: the marketplace card shows the
// thumbnail drawn for its box (not a crop of the preview), an older dataset without one shows its
// whole preview fitted; the dataset page's preview is drawn at the size it is shown, and its chart of
// the proven summary has a point per batch, reachable and named from the keyboard.
describe('charts in Chromium (card thumbnail, preview, proven summary per batch)', function () {
  this.timeout(120_000)
  let dir: string
  let node: AssayNode
  let browser: Browser
  let page: Page
  let errors: string[]
  let manifest: Manifest
  let datasetId: bigint
  let olderId: bigint

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-web-charts-'))
    node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node') }), port: 0 }, () => undefined)
    const device = await createDeviceKey()
    await node.chain.registerDevice(device.Ax, device.Ay, 'chart-sensor', (m) => signEddsaPoseidon(device.privateKey, m))
    // Two series of 40 device-signed readings: three batches each.
    const operator = createAssayClient({ node: node.url, operatorToken: node.operatorToken })
    const file = await writeSignedBatchFile(join(dir, 'lab.ndjson'), {
      devices: [{ ...device, label: 'chart-sensor' }],
      metrics: ['temperature', 'co2'],
      readings: READINGS,
      seed: 5,
    })
    const accepted = await operator.publish(new Blob([await readFile(file)]), { title: 'Lab air, charted' }, { fileName: 'lab.ndjson' })
    const published = await followPublication(operator, accepted.jobId)
    expect(published.failedReason).to.equal(undefined)
    datasetId = BigInt(published.result!.datasetId)
    ;({ manifest } = await operator.verifiedManifest(datasetId, node.chain, published.result!.manifestCid))
    expect(manifest.thumbnailCid).to.be.a('string')
    // The same data as a manifest written before thumbnails.
    const { thumbnailCid: _none, ...older } = manifest
    olderId = await anchorManifest(node, { ...older, title: 'Lab air, charted before thumbnails' })
    // The marketplace lists what the node's catalog has read: both, before the page asks.
    for (let i = 0; (await fetch(new URL(`/datasets/${olderId}`, node.url))).status !== 200; i++) {
      if (i > 100) throw new Error(`dataset ${olderId} not indexed`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    browser = await launchChromium()
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
    errors = pageErrors(page)
    // No image asked for that is not there (a card asks for a thumbnail only when the manifest has one).
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`)
    })
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`)
    })
  })
  after(async () => {
    await browser?.close()
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
  })
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page !== undefined)
      await screenshot(page, `failed-charts-${this.currentTest.title.slice(0, 30)}`)
  })

  /** An image once loaded: its pixels and the box it is drawn in. */
  const loaded = (img: ReturnType<Page['locator']>) =>
    img.evaluate(async (el: HTMLImageElement) => {
      await el.decode()
      const style = getComputedStyle(el)
      return {
        src: el.currentSrc,
        natural: [el.naturalWidth, el.naturalHeight],
        box: [el.clientWidth, el.clientHeight],
        fit: style.objectFit,
      }
    })

  it('shows each card’s thumbnail uncropped: drawn for its box; an older dataset’s whole preview fitted in it', async () => {
    await page.goto(`${node.url}/#/?q=charted`)
    const cards = page.getByTestId('dataset-card')
    await cards.nth(1).waitFor({ timeout: 60_000 })
    const card = cards.filter({ hasText: 'Lab air, charted' }).filter({ hasNotText: 'before thumbnails' })
    const thumb = await loaded(card.locator('img'))
    expect(thumb.src).to.equal(`${node.url}/datasets/${datasetId}/thumbnail`)
    // Twice the size it is shown (high-DPI), and the same aspect as its box: nothing is cut off.
    expect(thumb.natural).to.deep.equal([720, 300])
    expect(thumb.box[0]).to.be.within(300, 460)
    expect(Math.abs(thumb.natural[0]! / thumb.natural[1]! - thumb.box[0]! / thumb.box[1]!)).to.be.below(0.01)
    expect(await card.locator('img').getAttribute('alt')).to.equal('Chart of one series of Lab air, charted')
    // Before thumbnails: the tall preview, fitted (contain) rather than cropped (cover).
    const older = await loaded(cards.filter({ hasText: 'before thumbnails' }).locator('img'))
    expect([older.src, older.fit]).to.deep.equal([`${node.url}/datasets/${olderId}/preview`, 'contain'])
    await screenshot(page, 'c1-marketplace-thumbnails')
    expect(errors).to.deep.equal([])
  })

  it('draws the dataset page’s preview at the size shown, and a chart of the proven summary with a point per batch, usable from the keyboard', async () => {
    await page.goto(`${node.url}/#/datasets/${datasetId}`)
    const preview = await loaded(page.locator('img.preview'))
    expect(preview.src).to.equal(`${node.url}/datasets/${datasetId}/preview`)
    // Drawn 544 CSS px wide at 2×, with labels of ≥ 14 px: shown at about that size, they stay ≥ 12 px.
    expect(preview.natural[0]).to.equal(1088)
    expect((preview.box[0]! / 544) * 14).to.be.at.least(12)
    // On a phone it is not shrunk below that: it scrolls sideways in its own keyboard-reachable region.
    await page.setViewportSize({ width: 390, height: 844 })
    const narrow = await loaded(page.locator('img.preview'))
    expect((narrow.box[0]! / 544) * 14).to.be.at.least(12)
    const region = await page
      .locator('.preview-scroll')
      .evaluate((el: HTMLElement) => ({ scrolls: el.scrollWidth > el.clientWidth, tabIndex: el.tabIndex, fits: el.clientWidth <= 390 }))
    expect(region).to.deep.equal({ scrolls: true, tabIndex: 0, fits: true })
    await page.setViewportSize({ width: 1280, height: 900 })

    // Nothing is drawn before the browser has verified the proofs.
    const chart = page.getByTestId('summary-chart')
    await page.locator('[data-testid=proof-status][data-state=proven]').waitFor({ timeout: 90_000 })
    await chart.waitFor({ timeout: 10_000 })
    expect(await chart.getByTestId('summary-note').textContent()).to.match(
      /^Only what the batch proofs your browser just verified state: .* No reading itself is shown/,
    )
    const points = chart.locator('circle.point')
    expect(await points.count()).to.equal(BATCHES)
    expect(await chart.locator('rect.band').count()).to.equal(BATCHES)
    expect(await chart.getByTestId('summary-table').locator('tbody tr').count()).to.equal(BATCHES)
    const [s0, s1] = manifest.series as [Manifest['series'][number], Manifest['series'][number]]
    expect(await chart.getByTestId('summary-caption').textContent()).to.match(
      new RegExp(
        `^${s0.metric} \\(${s0.unit}\\), .*: ${BATCHES} proven batches from 2026-01-01 00:00 UTC to .*; batch means from .* ${s0.unit}`,
      ),
    )
    // One tab stop: from the series picker to the first batch, whose name says what the proof states.
    await chart.getByTestId('summary-series').focus()
    await page.keyboard.press('Tab')
    const focused = () =>
      page.evaluate(() => ({
        index: document.activeElement?.getAttribute('data-index'),
        name: document.activeElement?.getAttribute('aria-label'),
      }))
    const first = await focused()
    expect(first.index).to.equal('0')
    expect(first.name).to.match(
      new RegExp(`^Batch 0: 2026-01-01 00:00–00:15 UTC, 16 readings, mean -?[\\d.,]+ ${s0.unit}, min -?[\\d.,]+, max -?[\\d.,]+$`),
    )
    const tooltip = chart.locator('.chart-tooltip')
    expect([await tooltip.isVisible(), await tooltip.textContent()]).to.deep.equal([true, first.name])
    await page.keyboard.press('ArrowRight')
    expect((await focused()).index).to.equal('1')
    await page.keyboard.press('End')
    const last = await focused()
    expect(last.index).to.equal(String(BATCHES - 1))
    expect(last.name).to.match(new RegExp(`^Batch ${BATCHES - 1}: .*, ${READINGS - 16 * (BATCHES - 1)} readings, `))
    await screenshot(page, 'c2-dataset-summary-chart')
    await page.keyboard.press('Home')
    expect((await focused()).index).to.equal('0')
    // The proven values are the manifest's: the batches' means average to the stated mean.
    const means = await points.evaluateAll((els) =>
      els.map((el) => Number(/mean (-?[\d.,]+)/.exec(el.getAttribute('aria-label')!)![1]!.replace(/,/g, ''))),
    )
    const counts = [16, 16, READINGS - 32]
    const weighted = means.reduce((sum, m, i) => sum + m * counts[i]!, 0) / READINGS
    expect(weighted).to.be.closeTo(manifest.stats[0]!.mean, 0.01)
    // Tab leaves the chart: its batches are one stop, not one each.
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.tagName)).to.equal('SUMMARY')
    expect(await tooltip.isVisible()).to.equal(false)
    // The other series, picked from the list.
    await chart.getByTestId('summary-series').selectOption('1')
    expect(await points.count()).to.equal(BATCHES)
    expect(await chart.getByTestId('summary-caption').textContent()).to.match(new RegExp(`^${s1.metric} \\(${s1.unit}\\), `))
    expect(errors).to.deep.equal([])
  })
})
