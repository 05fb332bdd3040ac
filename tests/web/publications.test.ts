import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import type { Browser, Page } from 'playwright-core'
import { startNode, type AssayNode } from '../../cli/index.js'
import { createDeviceKey, signEddsaPoseidon, type DeviceKey } from '../../circuits/index.js'
import { loadConfig } from '../../core/index.js'
import { startProveWorker, type ProveWorker } from '../../pipelines/index.js'
import { createAssayClient, followPublication, type AssayClient } from '../../sdk/index.js'
import { axeViolations, launchChromium, openWatchedPage, saveDocScreenshot, screenshot, watchPages } from '../helpers/browser.js'
import { signInAsOperator } from '../helpers/operator.js'
import { writeSignedBatchFile } from '../helpers/signed-file.js'

// The operator's Publications page on a node of this file's own, which proves nothing itself
// (ASSAY_PROVERS=0): the test's own batch prover runs only when a test wants proofs made, so a
// publication can be held in its prove stage while the page shows it, then released.
describe('the Publications page in Chromium (every publication, live progress, retry)', function () {
  this.timeout(600_000)
  let dir: string
  let node: AssayNode
  let operator: AssayClient
  let browser: Browser
  let page: Page
  let prover: ProveWorker | undefined
  // Signed by a sensor registered only later: proven and stored, then refused at anchor.
  let attic: DeviceKey & { label: string }
  let failedId: string
  let runningId: string
  const watch = watchPages()
  const problems: string[] = []

  const startProver = (): ProveWorker => startProveWorker({ connection: { url: node.redisUrl, maxRetriesPerRequest: null } })
  const row = (id: string) => page.locator(`[data-testid=publications-table] tr[data-publication="${id}"]`)

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-web-publications-'))
    node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node'), ASSAY_PROVERS: '0' }), port: 0 }, () => undefined)
    operator = createAssayClient({ node: node.url, operatorToken: node.operatorToken })
    const greenhouse = { ...(await createDeviceKey()), label: 'greenhouse' }
    await node.chain.registerDevice(greenhouse.Ax, greenhouse.Ay, greenhouse.label, (m) => signEddsaPoseidon(greenhouse.privateKey, m))
    attic = { ...(await createDeviceKey()), label: 'attic' }
    const publish = async (title: string, device: DeviceKey & { label: string }, readings: number): Promise<string> => {
      const file = await writeSignedBatchFile(join(dir, `${device.label}.ndjson`), {
        devices: [device],
        metrics: ['temperature'],
        readings,
        seed: 3,
      })
      const accepted = await operator.publish(
        new Blob([await readFile(file)]),
        { title, price: 10n ** 16n },
        { fileName: `${device.label}.ndjson` },
      )
      return accepted.jobId
    }
    // The failed one first (its batch proven by the test's prover, then refused at anchor).
    prover = startProver()
    failedId = await publish('Attic temperature', attic, 16)
    const failed = await followPublication(operator, failedId)
    expect(failed.failedReason).to.match(/^anchor: DeviceNotRegisteredError/)
    await prover.close()
    prover = undefined
    // Then one of three batches that waits in its prove stage, no prover being connected.
    runningId = await publish('Greenhouse temperature', greenhouse, 48)

    browser = await launchChromium()
    page = await openWatchedPage(browser, watch)
  })
  after(async () => {
    problems.push(...watch.take().map((p) => `after the last test: ${p}`))
    await browser?.close()
    await prover?.close()
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
    expect(problems, 'uncaught errors, console errors or failed requests').to.deep.equal([])
  })
  afterEach(async function () {
    problems.push(...watch.take().map((p) => `${this.currentTest?.title.slice(0, 60)}: ${p}`))
    if (this.currentTest?.state === 'failed') await screenshot(page, `failed-publications-${this.currentTest.title.slice(0, 40)}`)
  })

  it('is the operator’s: reached from the Node page, it asks for the operator token, then lists both publications newest first', async () => {
    await page.goto(`${node.url}/#/node`)
    await page.getByTestId('publications-link').click()
    await signInAsOperator(page, node.operatorToken)
    const table = page.getByTestId('publications-table')
    await page.locator('[data-testid=publications][aria-busy=false]').waitFor()
    expect(await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.publication))).to.deep.equal([
      runningId,
      failedId,
    ])
    expect(await row(runningId).locator('strong').textContent()).to.equal('Greenhouse temperature')
    expect(await row(failedId).locator('strong').textContent()).to.equal('Attic temperature')
    expect(await row(failedId).locator('time').textContent()).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC$/)
    expect(await row(runningId).getAttribute('data-state')).to.equal('running')
    expect(await row(failedId).getAttribute('data-state')).to.equal('failed')
    expect(await row(failedId).getByTestId('failure').textContent()).to.match(/^anchor: DeviceNotRegisteredError: device "attic"/)
    expect(await row(failedId).getByTestId('progress-text').textContent()).to.equal('Stopped at anchor (stage 6 of 7)')
    expect(await row(failedId).getByRole('button', { name: 'Retry' }).count()).to.equal(1)
    expect(await row(runningId).getByRole('button').count()).to.equal(0)
  })

  it('shows the running publication held in its prove stage, and passes axe at 1280 and 390 px without overflowing', async () => {
    // State, not time: the node has planned the 3 batches and has no prover for them.
    await row(runningId)
      .getByTestId('progress-text')
      .filter({ hasText: 'Proving: 0 / 3 batch proofs (stage 2 of 7)' })
      .waitFor({ timeout: 120_000 })
    expect(await row(runningId).locator('.outcome').textContent()).to.match(/^waiting for a batch prover: none is connected/)
    expect(
      await row(runningId)
        .locator('progress')
        .evaluate((p: HTMLProgressElement) => [p.value, p.max]),
    ).to.deep.equal([1, 7])
    const found: string[] = []
    const writes: Array<Promise<void>> = []
    for (const [width, height] of [
      [1280, 900],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width, height })
      found.push(...(await axeViolations(page)).map((v) => `at ${width} px: ${v}`))
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
      if (overflow > 0) found.push(`at ${width} px: ${overflow} px wider than the screen`)
      writes.push((await saveDocScreenshot(page, `publications-${width}`)).written)
    }
    await page.setViewportSize({ width: 1280, height: 900 })
    await Promise.all(writes)
    expect(found).to.deep.equal([])
  })

  it('follows the running publication live until it is listed, once a prover is there', async () => {
    // Every text the row's progress shows from now on, as the page draws it (no reload).
    await row(runningId).evaluate((tr) => {
      const seen: string[] = [tr.querySelector('[data-testid=progress-text]')!.textContent]
      ;(window as unknown as { seen: string[] }).seen = seen
      new MutationObserver(() => {
        const text = tr.querySelector('[data-testid=progress-text]')?.textContent
        if (text != null && text !== seen.at(-1)) seen.push(text)
      }).observe(tr, { childList: true, subtree: true, characterData: true })
    })
    prover = startProver()
    await row(runningId).locator('[data-testid=dataset-link]').waitFor({ timeout: 180_000 })
    const status = await operator.publication(runningId)
    expect(await row(runningId).getAttribute('data-state')).to.equal('done')
    expect(await row(runningId).getByTestId('dataset-link').getAttribute('href')).to.equal(`#/datasets/${status.result!.datasetId}`)
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen)
    expect(seen[0]).to.equal('Proving: 0 / 3 batch proofs (stage 2 of 7)')
    expect(seen.at(-1)).to.equal('Published')
    // It moved through the proofs and later stages on the way, not in one jump from the list.
    expect(seen.length, seen.join(' → ')).to.be.greaterThan(2)
    expect(await page.getByTestId('publications-status').textContent()).to.equal(
      `Greenhouse temperature is published as dataset #${status.result!.datasetId}.`,
    )
  })

  it('retries the failed publication from the keyboard once its device is registered: it goes on and is listed', async () => {
    const failed = row(failedId)
    const before = await failed.getAttribute('data-state')
    await node.chain.registerDevice(attic.Ax, attic.Ay, '', (m) => signEddsaPoseidon(attic.privateKey, m))
    await failed.getByRole('button', { name: 'Retry' }).focus()
    await page.keyboard.press('Enter')
    // The button goes with the failure; the keyboard stays on the row.
    await page.locator(`tr[data-publication="${failedId}"]:not([data-state=failed])`).waitFor()
    expect(await page.evaluate(() => document.activeElement?.closest('tr')?.dataset.publication)).to.equal(failedId)
    await failed.locator('[data-testid=dataset-link]').waitFor({ timeout: 180_000 })
    const after = await failed.getAttribute('data-state')
    expect([before, after]).to.deep.equal(['failed', 'done'])
    expect(await failed.getByTestId('failure').count()).to.equal(0)
    expect(await failed.getByTestId('progress-text').textContent()).to.equal('Published')
    expect((await operator.publication(failedId)).result?.datasetId).to.be.a('string')
  })
})
