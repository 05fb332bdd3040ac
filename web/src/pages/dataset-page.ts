import { ZeroAddress } from 'ethers'
import { CID } from 'multiformats/cid'
import { proofSystemOf } from '../../../circuits/index.js'
import type { Manifest } from '../../../core/index.js'
import {
  AssayApiError,
  contentProviders,
  decryptDataset,
  readJsonByCid,
  type DatasetPage,
  type DecryptedDataset,
  type QualityReportView,
} from '../../../sdk/index.js'
import type { AppContext } from '../app-context.js'
import { actionButton, errorAlert, notice, qualityBadge, saveBytes, spinner } from '../components.js'
import { h, mount, progressBar, uid } from '../dom.js'
import { deviceName, formatBytes, formatDate, formatDuration, formatNumber, formatPrice, shortHex } from '../format.js'
import { href, type Page } from '../router.js'
import { runVerifier } from '../run-verifier.js'
import { datasetOrders } from './escrow-orders.js'
import { BUYER_KEY_EXPLANATION, buyThroughEscrow, datasetKey, escrowProgress, type KeySource } from './escrow-purchase.js'
import { provenanceTimeline } from './provenance-timeline.js'
import { QUALITY_EXPLANATIONS } from './quality-explanations.js'
import { summaryChart } from './summary-chart.js'

function statsTable(m: Manifest): { table: HTMLElement; mark(state: 'proven' | 'failed', reason?: string, series?: number): void } {
  const marks: HTMLElement[] = []
  const rows = m.series.map((s, i) => {
    const st = m.stats[i]!
    const device = m.devices.find((d) => d.deviceId === s.deviceId)
    const mark = h('span', { class: 'badge', 'data-testid': `proof-state-${i}` }, 'checking…')
    marks.push(mark)
    const v = (x: number): string => `${formatNumber(x, Math.max(2, s.scale))}`
    return h(
      'tr',
      null,
      h(
        'th',
        { scope: 'row' },
        s.metric,
        s.unit !== '' ? h('small', null, ` (${s.unit})`) : null,
        h('br'),
        h('small', null, deviceName(device, s.deviceId)),
      ),
      h('td', null, mark),
      h('td', null, formatNumber(st.count)),
      h('td', null, v(st.mean)),
      h('td', null, v(Math.sqrt(st.variance))),
      h('td', null, v(st.min)),
      h('td', null, v(st.max)),
      h('td', null, `${(st.inRangeShare * 100).toFixed(1)}%`, h('br'), h('small', null, `in [${st.range.lo}, ${st.range.hi}]`)),
      h('td', null, formatDate(st.firstTime), h('br'), formatDate(st.lastTime)),
      h('td', null, formatDuration(st.maxGap)),
    )
  })
  const table = h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'stats', 'data-testid': 'stats-table' },
      h('caption', null, 'Statistics over the raw readings, as stated in the anchored manifest'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ...['Series', 'Proof', 'Count', 'Mean', 'Std', 'Min', 'Max', 'In range', 'Time coverage', 'Max gap'].map((c) =>
            h('th', { scope: 'col' }, c),
          ),
        ),
      ),
      h('tbody', null, ...rows),
    ),
  )
  return {
    table,
    mark(state, reason, series) {
      marks.forEach((el, i) => {
        const failed = state === 'failed' && (series === undefined || series === i)
        el.className = `badge ${failed ? 'bad' : 'ok'}`
        el.textContent = failed ? '✗ not proven' : '✓ proven'
        el.title = failed ? (reason ?? '') : 'Verified in this browser from the batch proofs'
      })
    },
  }
}

function qualitySection(report: QualityReportView): HTMLElement {
  return h(
    'div',
    { class: 'quality' },
    h(
      'p',
      null,
      qualityBadge(report.score),
      ' ',
      `Signed by: ${report.signedBy === 'devices' ? 'the devices’ own keys' : report.signedBy === 'gateway' ? 'the owner’s gateway key' : 'devices and a gateway'}`,
    ),
    ...report.series.map((s) =>
      h(
        'details',
        { class: 'quality-series' },
        h('summary', null, `${s.metric} · ${s.device}: `, h('strong', null, formatNumber(s.score, 1))),
        h(
          'table',
          null,
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', { scope: 'col' }, 'Component'),
              h('th', { scope: 'col' }, 'Share'),
              h('th', { scope: 'col' }, 'What was measured'),
            ),
          ),
          h(
            'tbody',
            null,
            ...Object.entries(s.components).map(([name, c]) =>
              h(
                'tr',
                null,
                h('th', { scope: 'row' }, name, c.proven === true ? h('span', { class: 'badge ok small' }, 'proven') : null),
                h('td', null, c.score.toFixed(3)),
                h('td', null, c.detail, h('br'), h('small', null, QUALITY_EXPLANATIONS[name] ?? '')),
              ),
            ),
          ),
        ),
      ),
    ),
  )
}

/**
 * The access panel: buy (the node releases the key) or buy through the key escrow (the key comes
 * from the chain with a proof), then download, decrypt and check in the browser, save. The
 * buyer's escrow orders for the dataset are listed from the chain, so a reload loses nothing: an
 * open one is waited on (access follows its settlement) and refundable from its deadline on.
 */
function accessPanel(ctx: AppContext, page: DatasetPage, manifest: Manifest, signal: AbortSignal): HTMLElement {
  const panel = h('section', { class: 'panel access', 'aria-labelledby': 'access-title', 'data-testid': 'access-panel' })
  const id = BigInt(page.datasetId)
  // An escrow purchase's steps stay on screen once it has given access (the panel is drawn again then).
  let escrowDone: { address: string; el: HTMLElement } | undefined
  // After a purchase, focus goes to what comes next rather than to the page's top.
  let focusDownload = false
  // A purchase under way: an earlier order's settlement does not redraw the panel meanwhile.
  let busy = false
  // The escrow orders of the panel as drawn last: followed until the next drawing.
  let following: AbortController | undefined
  signal.addEventListener('abort', () => following?.abort(), { once: true })
  const render = async (): Promise<void> => {
    following?.abort()
    const follow = (following = new AbortController())
    const listing = page.listing
    const head = h(
      'div',
      null,
      h('h2', { id: 'access-title' }, 'Access'),
      listing?.active === true
        ? h(
            'p',
            { class: 'price-line' },
            h('strong', { class: 'price' }, formatPrice(listing.price, listing.paymentToken)),
            ` · ${listing.accessPeriod === 0 ? 'perpetual access' : `access for ${formatDuration(listing.accessPeriod)}`}`,
          )
        : manifest.stream !== undefined
          ? h(
              'p',
              { 'data-testid': 'stream-window' },
              `Window ${manifest.stream.windowIndex} of `,
              h('a', { href: href(`streams/${manifest.stream.streamId}`) }, `stream #${manifest.stream.streamId}`),
              ': readable with a subscription that covers it.',
            )
          : h('p', null, 'Not for sale.'),
    )
    const state = ctx.wallet.state()
    if (state.kind === 'none') return mount(panel, head, h('p', null, 'Connect a wallet (top right) to buy access and download.'))
    mount(panel, head, spinner('Checking your access…'))
    const { reader } = ctx.chain()
    const isOwner = state.address.toLowerCase() === page.owner.toLowerCase()
    const access = isOwner || (await reader.hasAccess(state.address, id))
    // While an escrow order is open, the escrow button waits (one order at a time), saying why.
    let showOpenOrder = (_open: boolean): void => undefined
    // The buyer's escrow orders, found on the chain (nothing is kept in the browser): a reload shows them again.
    const orders = isOwner
      ? { el: null, hasOpen: false }
      : await datasetOrders(ctx, id, state.address, follow.signal, {
          settled: () => {
            // Access came with the settlement: offer the download.
            if (access || busy || follow.signal.aborted) return
            focusDownload = true
            render().catch((err: unknown) => mount(panel, errorAlert(err)))
          },
          change: (open) => showOpenOrder(open),
        })
    // A drawing overtaken by a newer one (the wallet changed meanwhile) stops here.
    if (signal.aborted || follow.signal.aborted) return
    if (!access) {
      // No longer for sale: an order opened before is still shown (and refundable).
      if (listing?.active !== true) return mount(panel, head, orders.el, h('p', null, 'This wallet has no access.'))
      // The terms on the buttons are the ones agreed: the market and the escrow refuse them if they changed.
      const agreed = { price: BigInt(listing.price), paymentToken: listing.paymentToken, accessPeriod: BigInt(listing.accessPeriod) }
      const steps = escrowProgress()
      const buy = actionButton(
        `Buy for ${formatPrice(listing.price, listing.paymentToken)}`,
        async () => {
          busy = true
          try {
            await ctx.client.buy(await ctx.wallet.signer(), id, agreed)
          } finally {
            busy = false
          }
          focusDownload = true
          await render()
        },
        { class: 'primary', 'data-testid': 'buy' },
      )
      const escrowHint = uid('escrow-hint')
      const escrow = actionButton(
        'Buy through escrow',
        async () => {
          // One purchase at a time: the plain Buy waits while the escrow order runs.
          const plain = buy.querySelector('button')!
          plain.disabled = true
          busy = true
          try {
            await buyThroughEscrow(ctx, id, agreed, steps, signal)
          } finally {
            plain.disabled = false
            busy = false
          }
          escrowDone = { address: state.address, el: steps.el }
          focusDownload = true
          await render()
        },
        { 'data-testid': 'buy-escrow', 'aria-describedby': escrowHint },
      )
      const openNote = h('span', { 'data-testid': 'open-order-note' })
      showOpenOrder = (open) => {
        escrow.querySelector('button')!.disabled = open
        openNote.textContent = open
          ? ' You have an open escrow order for this dataset (listed above): wait for its key, or refund it from its deadline on, before opening another.'
          : ''
      }
      showOpenOrder(orders.hasOpen)
      return mount(
        panel,
        head,
        orders.el,
        buy,
        listing.paymentToken !== ZeroAddress ? h('p', { class: 'hint' }, 'Paid in tUSD: your wallet approves the amount first.') : null,
        h(
          'div',
          { class: 'escrow' },
          escrow,
          h(
            'p',
            { class: 'hint', id: escrowHint },
            `Trustless: the payment is held by the KeyEscrow contract and released only when the seller’s node delivers the key with a proof; refundable after the deadline. ${BUYER_KEY_EXPLANATION}`,
            openNote,
          ),
          steps.el,
        ),
      )
    }
    const result = h('div', { 'data-testid': 'download-result' })
    const progress = progressBar('Download progress')
    const download = actionButton(
      'Download & decrypt',
      async () => {
        result.replaceChildren(progress.el)
        const signer = await ctx.wallet.signer()
        const { key, source } = await datasetKey(ctx, signer, await signer.getAddress(), id, manifest.encryption.keyCommitment)
        const total = manifest.content.bytes
        const data = await decryptDataset({
          client: ctx.client,
          manifest,
          key,
          providers: contentProviders(page.providers, ctx.node),
          onProgress: (stage, bytes) =>
            progress.set(
              stage === 'download' ? bytes / 2 : total / 2 + bytes / 2,
              total,
              `${stage === 'verify' ? 'checking commitments' : stage === 'download' ? 'downloading' : 'decrypting'} · ${formatBytes(bytes)}`,
            ),
        })
        mount(result, downloaded(data, page, source))
      },
      { class: 'primary', 'data-testid': 'download' },
    )
    mount(
      panel,
      head,
      notice('success', isOwner ? 'You published this dataset.' : 'This wallet has access.'),
      escrowDone?.address === state.address ? escrowDone.el : null,
      orders.el,
      download,
      result,
    )
    if (focusDownload) download.querySelector('button')!.focus()
    focusDownload = false
  }
  const off = ctx.wallet.subscribe(() => void render().catch((err: unknown) => mount(panel, errorAlert(err))))
  signal.addEventListener('abort', off, { once: true })
  render().catch((err: unknown) => mount(panel, errorAlert(err)))
  return panel
}

/** Where the key came from, in words: the chain (escrow settlement) or the node. */
const KEY_SOURCE_WORDS: Record<KeySource, string> = {
  escrow: 'Key from your escrow settlement on the chain (no request to the node), checked against the anchored key commitment.',
  node: 'Key released by the seller’s node on your signed request, checked against the anchored key commitment.',
}

function downloaded(data: DecryptedDataset, page: DatasetPage, keySource: KeySource): HTMLElement {
  const mbps = data.decryptSeconds > 0 ? data.archive.length / (1 << 20) / data.decryptSeconds : 0
  return h(
    'div',
    { class: 'downloaded' },
    notice(
      'success',
      h('strong', null, 'Decrypted and checked. '),
      `${formatNumber(data.readings)} readings rebuild all ${data.batches} batch commitments and the anchored root.`,
    ),
    h(
      'p',
      { class: 'hint', 'data-testid': 'decrypt-rate' },
      `${formatBytes(data.archive.length)}, archive hash as anchored; decrypted in ${(data.decryptSeconds * 1000).toFixed(0)} ms${mbps > 0 ? ` (${mbps.toFixed(0)} MiB/s)` : ''}.`,
    ),
    h('p', { class: 'hint', 'data-testid': 'key-source', 'data-source': keySource }, KEY_SOURCE_WORDS[keySource]),
    h(
      'div',
      { class: 'row' },
      data.source !== undefined
        ? h(
            'button',
            {
              type: 'button',
              class: 'primary',
              'data-testid': 'save-source',
              title: data.source.name,
              onClick: () => saveBytes(data.source!.bytes, data.source!.name),
            },
            'Save original file',
          )
        : null,
      h(
        'button',
        {
          type: 'button',
          onClick: () =>
            saveBytes(
              data.files.get('readings.ndjson') ?? new Uint8Array(),
              `dataset-${page.datasetId}-readings.ndjson`,
              'application/x-ndjson',
            ),
        },
        'Readings (NDJSON)',
      ),
      h(
        'button',
        { type: 'button', onClick: () => saveBytes(data.archive, `dataset-${page.datasetId}.tar`, 'application/x-tar') },
        'Archive (.tar)',
      ),
    ),
  )
}

/** How long a page waits for a dataset anchored a moment ago to reach the node's catalog. */
const INDEXING_WAIT_MS = 60_000

/**
 * The dataset's catalog page. A dataset anchored a moment ago (a stream window just published,
 * followed from its link) is on the chain before the node's indexer has read it: its 404 is waited
 * out for a while, saying so, rather than shown as "no dataset".
 */
async function indexedPage(ctx: AppContext, idText: string, signal: AbortSignal): Promise<DatasetPage> {
  const deadline = Date.now() + INDEXING_WAIT_MS
  let anchored: boolean | undefined
  for (;;) {
    try {
      return await ctx.client.get(idText)
    } catch (err) {
      if (!(err instanceof AssayApiError && err.status === 404) || Date.now() > deadline || signal.aborted) throw err
      // Only a dataset the chain has is worth waiting for: an unknown id is refused at once.
      anchored ??= await ctx
        .chain()
        .reader.datasetOf(BigInt(idText))
        .then((d) => d.owner !== ZeroAddress)
        .catch(() => false)
      if (!anchored) throw err
    }
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
}

/** Where the dataset's content can be fetched from (downloads fall back along it): this node, the nodes it was mirrored from. */
function providersLine(providers: readonly string[], node: string): HTMLElement | null {
  if (providers.length === 0) return null
  const originOf = (u: string): string => {
    try {
      return new URL(u, location.href).origin
    } catch {
      return u
    }
  }
  const self = originOf(node)
  return h(
    'p',
    { class: 'meta', 'data-testid': 'providers' },
    `Held by ${providers.map((p) => (originOf(p) === self ? 'this node' : p)).join(' · ')}`,
  )
}

/** One dataset: proven statistics (checked here), quality, preview, provenance, access. */
export const datasetPage: Page = async (root, ctx, route, signal) => {
  const idText = route.path[1] ?? ''
  if (!/^[1-9]\d{0,15}$/.test(idText)) return mount(root, errorAlert(new Error(`“${idText}” is not a dataset id`)))
  mount(root, spinner(`Loading dataset #${idText}…`))
  let page: DatasetPage
  let manifest: Manifest
  let manifestCid: string
  try {
    page = await indexedPage(ctx, idText, signal)
    // The node's copy is not trusted: the manifest counts only if its hash is the anchored one.
    ;({ manifest, manifestCid } = await ctx.client.verifiedManifest(BigInt(idText), ctx.chain().reader, page.manifestCid))
  } catch (err) {
    return mount(root, h('h1', null, `Dataset #${idText}`), errorAlert(err))
  }
  if (signal.aborted) return
  const stats = statsTable(manifest)
  const proofProgress = progressBar('Proof verification progress')
  const proofStatus = h('div', { class: 'proof-status', 'data-testid': 'proof-status' }, proofProgress.el)
  const quality = h('div', null, spinner('Reading the quality report…'))
  // Drawn from the verified proofs only, once the browser has verified them.
  const summary = h(
    'div',
    { 'data-testid': 'summary' },
    h('p', { class: 'hint' }, 'Drawn once your browser has verified the batch proofs.'),
  )
  const timeline = h('div', null, spinner('Reading the chain…'))
  mount(
    root,
    h(
      'div',
      { class: 'dataset-head' },
      h(
        'div',
        null,
        h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Marketplace'), ` / dataset #${page.datasetId}`),
        h('h1', null, manifest.title),
        manifest.description !== '' ? h('p', { class: 'lead' }, manifest.description) : null,
        h(
          'p',
          { class: 'chips' },
          qualityBadge(manifest.quality.score),
          ...manifest.tags.map((t) => h('span', { class: 'chip' }, t)),
          h('span', { class: 'chip muted' }, manifest.licence),
        ),
        h(
          'p',
          { class: 'meta' },
          `Owner ${shortHex(manifest.owner, 4)} · ${manifest.devices.length} device(s) · published ${manifest.createdAt.slice(0, 10)}`,
        ),
        providersLine(page.providers, ctx.node),
      ),
      accessPanel(ctx, page, manifest, signal),
    ),
    h('section', { 'aria-labelledby': 'stats-title' }, h('h2', { id: 'stats-title' }, 'Proven statistics'), proofStatus, stats.table),
    h('section', { 'aria-labelledby': 'summary-title' }, h('h2', { id: 'summary-title' }, 'Proven summary per batch'), summary),
    h(
      'div',
      { class: 'two-col' },
      h('section', { 'aria-labelledby': 'quality-title' }, h('h2', { id: 'quality-title' }, 'Quality report'), quality),
      h(
        'section',
        { 'aria-labelledby': 'preview-title' },
        h('h2', { id: 'preview-title' }, 'Preview'),
        // Never drawn narrower than its labels stay readable (≥ 12 px): on a phone it scrolls
        // sideways in a region the keyboard can reach, rather than shrinking to ~9 px text.
        h(
          'div',
          { class: 'preview-scroll', tabindex: '0', role: 'region', 'aria-label': 'Preview chart' },
          h('img', {
            class: 'preview',
            src: new URL(`/datasets/${page.datasetId}/preview`, ctx.node).toString(),
            alt: `Preview of ${manifest.title}: the range of the readings over time, per series (${manifest.series.map((s) => s.metric).join(', ')})`,
          }),
        ),
      ),
    ),
    h('section', { 'aria-labelledby': 'timeline-title' }, h('h2', { id: 'timeline-title' }, 'Provenance'), timeline),
  )

  const rpcUrl = ctx.rpcUrl()!
  proofProgress.set(
    0,
    manifest.commitments.batches.length,
    `Verifying ${manifest.commitments.batches.length} batch proofs in your browser…`,
  )
  runVerifier(
    { type: 'proofs', node: ctx.node, rpcUrl, datasetId: page.datasetId },
    (m) => m.type === 'progress' && proofProgress.set(m.done, m.total, `Verifying proofs in your browser: ${m.done} / ${m.total}`),
    signal,
  ).then(
    ({ result }) => {
      // Proofs made with a retired circuit verify but prove less than they state: not "Proven".
      const bad = !result.ok || result.misstated !== undefined || result.knownFlaw !== undefined
      const reason =
        result.problem ??
        (result.misstated !== undefined
          ? `${manifest.series[result.misstated.series]?.metric ?? `series ${result.misstated.series}`}: the stated ${result.misstated.field} is not what the proofs output`
          : result.knownFlaw !== undefined
            ? `the ${result.batches} batch proofs verify, but they were made with circuit ${result.circuitId}, which has a known soundness flaw: ${result.knownFlaw}`
            : undefined)
      stats.mark(bad ? 'failed' : 'proven', reason, result.ok ? result.misstated?.series : undefined)
      mount(
        proofStatus,
        bad
          ? notice('warning', h('strong', null, 'Not proven. '), reason ?? '')
          : notice(
              // The proofs verify, but under a development setup anyone could have made them: say so here.
              result.setupWarning !== undefined ? 'warning' : 'success',
              h('strong', null, 'Proven. '),
              proofSystemOf(result.circuitId) === 'ultrahonk'
                ? `Your browser checked all ${result.batches} UltraHonk batch proofs (${result.circuitId}) in ${result.seconds.toFixed(2)} s, with the TypeScript UltraHonk verifier and the key committed with Assay's code (the key of the verifier contract installed on chain), with the anchored Merkle root and the registered devices.`
                : `Your browser verified all ${result.batches} batch proofs (${result.circuitId}) in ${result.seconds.toFixed(2)} s against the verification key pinned in this app, the anchored Merkle root and the registered devices.`,
              ...(result.setupWarning !== undefined
                ? [' ', h('strong', { 'data-testid': 'setup-warning' }, `But: ${result.setupWarning}.`)]
                : []),
            ),
      )
      mount(
        summary,
        !bad && result.summaries !== undefined
          ? summaryChart(manifest, result.summaries, signal)
          : h('p', { class: 'hint' }, 'Not drawn: only values the proofs prove are drawn, and these are not proven (see above).'),
      )
      proofStatus.dataset.seconds = String(result.seconds)
      proofStatus.dataset.state = bad ? 'failed' : 'proven'
    },
    (err: unknown) => {
      if (signal.aborted) return
      mount(proofStatus, errorAlert(err))
      mount(summary, h('p', { class: 'hint' }, 'Not drawn: the proofs could not be verified.'))
    },
  )
  readJsonByCid(ctx.client, CID.parse(manifest.quality.reportCid)).then(
    (report) => mount(quality, qualitySection(report as QualityReportView)),
    (err: unknown) => mount(quality, errorAlert(err)),
  )
  const { provider } = ctx.chain()
  provenanceTimeline(manifest, manifestCid, BigInt(page.datasetId), provider, ctx.deployment, ctx.node).then(
    (el) => mount(timeline, el),
    (err: unknown) => mount(timeline, errorAlert(err)),
  )
}
