import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { AxeResults } from 'axe-core'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core'
import sharp from 'sharp'

/** Debian's Chromium (apt-get install chromium): Playwright's own browser download does not work here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Headless Chromium with the flags a closed network needs (no background connections). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** Where the web tests save screenshots (git-ignored). */
export const SCREENSHOTS = join(process.cwd(), 'test-output', 'web')

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}

/** Where the screenshots docs/web-app.md shows are saved: one per page and width, committed. */
export const DOC_SCREENSHOTS = join(process.cwd(), 'docs', 'screenshots')

/**
 * Takes a screenshot of the page (its images loaded, at most 2,400 px of it from the top; the
 * screen only while a modal dialog is open) for docs/screenshots/`<name>.png`, a 256-colour PNG: a
 * few dozen kilobytes instead of hundreds. Resolves once taken, with `written`, the encoding and
 * writing, which go on meanwhile.
 */
export async function saveDocScreenshot(page: Page, name: string): Promise<{ written: Promise<void> }> {
  await page.evaluate(() => document.querySelectorAll('img[loading=lazy]').forEach((img) => ((img as HTMLImageElement).loading = 'eager')))
  await page.waitForFunction(() => [...document.images].every((img) => img.complete))
  const { width, height, modal } = await page.evaluate(() => ({
    width: window.innerWidth,
    height: document.documentElement.scrollHeight,
    modal: document.querySelector('dialog[open]') !== null,
  }))
  // A modal dialog's backdrop covers the screen, not the page: then the screen alone.
  const png = await page.screenshot({
    fullPage: !modal,
    ...(modal ? {} : { clip: { x: 0, y: 0, width, height: Math.min(height, 2400) } }),
    animations: 'disabled',
    caret: 'hide',
  })
  const written = (async () => {
    await mkdir(DOC_SCREENSHOTS, { recursive: true })
    const path = join(DOC_SCREENSHOTS, `${name}.png`)
    // Times and ids change from run to run: a page that looks the same keeps its committed image,
    // so a test run leaves docs/ unchanged unless a page does change.
    if (await looksTheSame(path, png)) return
    await writeFile(path, await sharp(png).png({ palette: true, compressionLevel: 9, effort: 7 }).toBuffer())
  })()
  written.catch(() => undefined) // awaited by the caller
  return { written }
}

/** Share of pixels that may differ for a doc screenshot to count as unchanged (a few words' worth). */
const UNCHANGED_SHARE = 0.01

/** Whether the image at `path` has the size of `png` and at most UNCHANGED_SHARE of its pixels differ. */
async function looksTheSame(path: string, png: Buffer): Promise<boolean> {
  let old: { data: Buffer; info: { width: number; height: number } }
  try {
    old = await sharp(await readFile(path))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true })
  } catch {
    return false // none yet (or unreadable): write it
  }
  const now = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  if (old.info.width !== now.info.width || old.info.height !== now.info.height) return false
  let differing = 0
  // The committed image is a 256-colour palette: a pixel counts as changed only beyond that rounding.
  for (let i = 0; i < now.data.length; i += 3)
    if (
      Math.abs(now.data[i]! - old.data[i]!) +
        Math.abs(now.data[i + 1]! - old.data[i + 1]!) +
        Math.abs(now.data[i + 2]! - old.data[i + 2]!) >
      48
    )
      differing++
  return differing <= UNCHANGED_SHARE * now.info.width * now.info.height
}

/** Collects uncaught page errors, so a test can require there were none. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  return errors
}

/**
 * Watches every page of the contexts given to `watch` (those open and those opened later) for
 * uncaught errors, console errors, failed requests and HTTP errors. `take()` returns what was seen
 * since it was last called, less what matches a pattern passed to `allow` meanwhile (the requests
 * a test provokes on purpose), and forgets both.
 */
export interface PageWatch {
  watch(context: BrowserContext): void
  allow(...patterns: RegExp[]): void
  take(): string[]
}

export function watchPages(): PageWatch {
  let seen: string[] = []
  let allowed: RegExp[] = []
  const where = (url: string): string => {
    try {
      const u = new URL(url)
      return `${u.host}${u.pathname}${u.search}`
    } catch {
      return url
    }
  }
  const watchPage = (page: Page): void => {
    page.on('pageerror', (err) => seen.push(`uncaught ${err.name}: ${err.message} (${where(page.url())})`))
    page.on('console', (message) => {
      // Chromium logs every HTTP error status as "Failed to load resource": the response below
      // records it with its method and address.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        seen.push(`console error: ${message.text()} (${where(page.url())})`)
    })
    page.on('requestfailed', (request) => {
      const reason = request.failure()?.errorText ?? 'failed'
      // A request the page cancels itself (an AbortController on navigation, a download taking
      // over a link) is not a failure; anything else is (refused, reset, timed out).
      if (reason === 'net::ERR_ABORTED') return
      seen.push(`request failed: ${request.method()} ${where(request.url())}: ${reason}`)
    })
    page.on('response', (response) => {
      if (response.status() >= 400) seen.push(`HTTP ${response.status()}: ${response.request().method()} ${where(response.url())}`)
    })
  }
  const contexts = new WeakSet<BrowserContext>()
  return {
    watch(context) {
      if (contexts.has(context)) return
      contexts.add(context)
      context.pages().forEach(watchPage)
      context.on('page', watchPage)
    },
    allow(...patterns) {
      allowed.push(...patterns)
    },
    take() {
      const problems = seen.filter((p) => !allowed.some((a) => a.test(p)))
      seen = []
      allowed = []
      return problems
    },
  }
}

/**
 * A page in a new browser context (1280 × 900 unless `options` say otherwise) that `watch` watches,
 * as it does every page opened in that context later (`page.context()`).
 */
export async function openWatchedPage(browser: Browser, watch: PageWatch, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options })
  watch.watch(context)
  return context.newPage()
}

let axeSource: Promise<string> | undefined

/**
 * axe-core's serious and critical violations on the page as it is now (its source injected on
 * first use in each document), one line each: rule, impact, what it asks for, where.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  axeSource ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: await axeSource })
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResults> } }).axe
    const results = await axe.run(document, { resultTypes: ['violations'] })
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? 'unknown',
      help: v.help,
      targets: v.nodes.slice(0, 4).map((n) => n.target.join(' ')),
    }))
  })
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.targets.join(', ')}`)
}
