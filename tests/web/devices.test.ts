import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { ZeroAddress } from 'ethers'
import type { Browser, Page } from 'playwright-core'
import { deviceCreateCommand, readDeviceKeyFile, startNode, type AssayNode } from '../../cli/index.js'
import { deviceKeyFromFile, type DeviceKey } from '../../circuits/index.js'
import { loadConfig } from '../../core/index.js'
import { axeViolations, launchChromium, openWatchedPage, saveDocScreenshot, screenshot, watchPages } from '../helpers/browser.js'
import { signInAsOperator } from '../helpers/operator.js'

const quiet = { out: () => undefined, err: () => undefined }

// The Devices page on a node (and anvil) of this file's own: a device key file written by
// `assay device create` is chosen in the browser, read and checked there, and registered with a
// signature made there; the private key never travels.
describe('devices page in Chromium (register a device key chosen locally, list the node’s devices)', function () {
  this.timeout(300_000)
  let dir: string
  let node: AssayNode
  let browser: Browser
  let page: Page
  let keyFile: string
  let key: DeviceKey & { label?: string }
  let privateKeyHex: string
  // The bodies of every POST /devices the page sent.
  const posted: string[] = []
  const watch = watchPages()
  const problems: string[] = []

  const nodeAccount = async (): Promise<string> => node.chain.registrationTerms().then((t) => t.owner)
  const registrationNonce = async (): Promise<bigint> => node.chain.registrationTerms().then((t) => t.nonce)
  /** The node's answer to GET /devices/:id: [status, owner]. */
  const deviceOnNode = async (id: bigint): Promise<[number, string | undefined]> => {
    const res = await fetch(new URL(`/devices/${id}`, node.url))
    return [res.status, ((await res.json()) as { owner?: string }).owner]
  }
  /** The list once drawn (aria-busy false), and its row of `id` (absent when not listed). */
  const listedRow = async (id: bigint) => {
    await page.locator('[data-testid=devices][aria-busy=false]').waitFor()
    return page.locator(`[data-testid=devices-table] tr[data-device="${id}"]`)
  }
  const choose = (file: string): Promise<void> => page.getByTestId('device-key-file').setInputFiles(file)

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-web-devices-'))
    node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node') }), port: 0 }, () => undefined)
    // A key file exactly as the CLI writes one.
    keyFile = join(dir, 'roof.key.json')
    await deviceCreateCommand({ out: keyFile, label: 'roof' }, quiet)
    key = await readDeviceKeyFile(keyFile)
    privateKeyHex = (JSON.parse(await readFile(keyFile, 'utf8')) as { privateKey: string }).privateKey
    browser = await launchChromium()
    page = await openWatchedPage(browser, watch, { acceptDownloads: true })
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/devices') posted.push(request.postData() ?? '')
    })
    await page.goto(`${node.url}/#/devices`)
    await signInAsOperator(page, node.operatorToken)
    await page.getByRole('heading', { name: 'Devices', level: 1 }).waitFor()
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
    if (this.currentTest?.state === 'failed') await screenshot(page, `failed-devices-${this.currentTest.title.slice(0, 40)}`)
  })

  it('refuses a file that is not a device key by name, and sends nothing', async () => {
    const notJson = join(dir, 'notes.json')
    await writeFile(notJson, '{ "format": "assay.device-key/v1", ')
    // Valid JSON in the format, but its public key is not its private key's.
    const mixed = join(dir, 'mixed.key.json')
    const file = JSON.parse(await readFile(keyFile, 'utf8')) as { publicKey: { x: string; y: string } }
    await writeFile(mixed, JSON.stringify({ ...file, publicKey: { ...file.publicKey, x: '1' } }))
    const other = join(dir, 'wallet.json')
    await writeFile(other, JSON.stringify({ address: ZeroAddress }))
    const nonce = await registrationNonce()
    for (const [path, says] of [
      [notJson, /^Not a usable device key file notes\.json is not JSON \(/],
      [
        mixed,
        /^Not a usable device key file mixed\.key\.json: the public key or device id in the file does not belong to its private key\./,
      ],
      [other, /^Not a usable device key file wallet\.json: not a device key file: format: /],
    ] as const) {
      await choose(path)
      // Each file's own refusal (the last file's stays until this one is read).
      await page.getByTestId('device-key-chosen').getByTestId('key-file-error').filter({ hasText: says }).waitFor()
      await page.getByTestId('register-device').click()
      await page.getByTestId('register-outcome').getByTestId('key-file-error').filter({ hasText: says }).waitFor()
    }
    expect(posted).to.deep.equal([])
    expect(await registrationNonce()).to.equal(nonce)
    expect(await deviceOnNode(key.deviceId)).to.deep.equal([404, undefined])
  })

  it('registers the device of a key file chosen here, posting only its public key, a signature and the label', async () => {
    const account = await nodeAccount()
    expect(await deviceOnNode(key.deviceId)).to.deep.equal([404, undefined])
    expect(await (await listedRow(key.deviceId)).count()).to.equal(0)
    await choose(keyFile)
    await page.getByTestId('device-key-chosen').getByText('key checked').waitFor()
    expect(await page.getByTestId('device-label').inputValue()).to.equal('roof')
    await page.getByTestId('register-device').click()
    const outcome = page.getByTestId('register-outcome')
    await outcome.getByText('Registered.').waitFor({ timeout: 60_000 })
    expect(await outcome.getByTestId('registered-device-id').textContent()).to.equal(key.deviceId.toString())
    expect(await outcome.getByTestId('registered-tx').getAttribute('title')).to.match(/^0x[0-9a-f]{64}$/)

    // What travelled: the public key, the proof for the node's nonce and the label; no private key.
    expect(posted).to.have.length(1)
    const body = JSON.parse(posted[0]!) as Record<string, unknown>
    expect(Object.keys(body).sort()).to.deep.equal(['label', 'proof', 'publicKey'])
    expect(body.publicKey).to.deep.equal({ x: key.Ax.toString(), y: key.Ay.toString() })
    expect(Object.keys(body.proof as object).sort()).to.deep.equal(['R8x', 'R8y', 'S', 'nonce'])
    expect(body.label).to.equal('roof')
    expect(posted[0]!.toLowerCase()).to.not.include(privateKeyHex)
    expect(posted[0]).to.not.include(BigInt(`0x${privateKeyHex}`).toString())

    // The chain agrees: the node's account owns it now and may publish its batches.
    expect(await deviceOnNode(key.deviceId)).to.deep.equal([200, account])
    expect(await node.chain.canPublish(key.deviceId, account)).to.equal(true)
    const row = await listedRow(key.deviceId)
    await row.waitFor()
    expect(await row.getByTestId('label').textContent()).to.equal('roof')
    expect(await row.getByTestId('may-publish').textContent()).to.equal('Yes')
    expect(await page.getByTestId('node-account').textContent()).to.equal(account)
  })

  it('says a key the node’s account holds is already registered, and sends no transaction', async () => {
    const nonce = await registrationNonce()
    await choose(keyFile)
    await page.getByTestId('device-key-chosen').getByText('key checked').waitFor()
    await page.getByTestId('register-device').click()
    const outcome = page.getByTestId('register-outcome')
    await outcome.getByText('Already registered.').waitFor()
    expect(await outcome.getByTestId('registered-device-id').textContent()).to.equal(key.deviceId.toString())
    expect(posted).to.have.length(2)
    expect(await registrationNonce()).to.equal(nonce)
    expect(await page.locator('[data-testid=devices-table] tbody tr').count()).to.equal(1)
  })

  it('creates a key file in the browser that registers as a second device', async () => {
    await page.getByTestId('new-device-label').fill('balcony')
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('create-device-key').click()])
    expect(download.suggestedFilename()).to.equal('balcony.key.json')
    const created = await deviceKeyFromFile(JSON.parse(await readFile(await download.path(), 'utf8')))
    expect(created.label).to.equal('balcony')
    expect(await page.getByTestId('create-outcome').textContent()).to.include('balcony.key.json')
    expect(await deviceOnNode(created.deviceId)).to.deep.equal([404, undefined])
    const saved = join(dir, 'balcony.key.json')
    await download.saveAs(saved)
    await page.getByTestId('device-label').fill('')
    await choose(saved)
    await page.getByTestId('device-key-chosen').getByText('key checked').waitFor()
    expect(await page.getByTestId('device-label').inputValue()).to.equal('balcony')
    await page.getByTestId('register-device').click()
    await page.getByTestId('register-outcome').getByText('Registered.').waitFor({ timeout: 60_000 })
    expect(await deviceOnNode(created.deviceId)).to.deep.equal([200, await nodeAccount()])
    const row = page.locator(`[data-testid=devices-table] tr[data-device="${created.deviceId}"]`)
    await row.waitFor()
    expect(await row.getByTestId('label').textContent()).to.equal('balcony')
    expect(await page.locator('[data-testid=devices-table] tbody tr').count()).to.equal(2)
  })

  it('has no serious accessibility violation and fits the screen at 1280 and 390 px', async () => {
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
      writes.push((await saveDocScreenshot(page, `devices-${width}`)).written)
    }
    await Promise.all(writes)
    expect(found).to.deep.equal([])
  })
})
