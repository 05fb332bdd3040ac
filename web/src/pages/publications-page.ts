import type { PublicationStatus, PublicationSummary } from '../../../sdk/index.js'
import { errorAlert, notice, spinner } from '../components.js'
import { h, mount, uid } from '../dom.js'
import { formatDate } from '../format.js'
import { href, type Page } from '../router.js'
import { withOperator } from './operator-sign-in.js'

const PAGE_SIZE = 20
/** Event streams followed at once: each holds one of the browser's six connections to the node. */
const MAX_LIVE = 3
/** How often the page is read again: publications started elsewhere (CLI, streams), and the running ones not followed live. */
const REFRESH_MS = 5_000
/** What each stage does, as a row says it while the stage runs. */
const STAGE_DOING: Record<string, string> = {
  ingest: 'Reading the file',
  prove: 'Proving',
  store: 'Storing in IPFS',
  quality: 'Scoring quality',
  preview: 'Drawing the preview',
  anchor: 'Anchoring on chain',
  list: 'Listing for sale',
}

type RowState = 'running' | 'done' | 'failed'
const stateOf = (s: PublicationStatus): RowState => (s.result !== undefined ? 'done' : s.failedReason !== undefined ? 'failed' : 'running')

/** How far a publication is: stages completed (the prove stage counted by its batch proofs) of all, in words. */
function progressOf(s: PublicationStatus): { value: number; max: number; text: string } {
  const stages = Object.entries(s.stages)
  const max = stages.length
  const completed = stages.filter(([, state]) => state === 'completed').length
  if (s.result !== undefined) return { value: max, max, text: 'Published' }
  // A failure spreads from the stage that failed to every later one: the first is where it stopped.
  const failed = stages.find(([, state]) => state === 'failed')?.[0]
  if (failed !== undefined)
    return { value: completed, max, text: `Stopped at ${failed} (stage ${stages.findIndex(([n]) => n === failed) + 1} of ${max})` }
  const at = stages.findIndex(([, state]) => state !== 'completed')
  const [stage = '', state = ''] = stages[at] ?? []
  if (completed === 0 && state !== 'active') return { value: 0, max, text: 'Queued' }
  const step = `stage ${at + 1} of ${max}`
  if (stage === 'prove' && s.proofs.total > 0)
    return {
      value: completed + s.proofs.done / s.proofs.total,
      max,
      text: `Proving: ${s.proofs.done} / ${s.proofs.total} batch proofs (${step})`,
    }
  return { value: completed, max, text: `${STAGE_DOING[stage] ?? stage} (${step})` }
}

/** A row of the table, drawn again whenever its publication's status changes. */
interface Row {
  el: HTMLTableRowElement
  summary: PublicationSummary
  /** Shows a newer status (from the list or the event stream); an unchanged one changes nothing. */
  update(status: PublicationStatus): void
  /** Ends the row's event stream, if followed. */
  follow: AbortController | undefined
}

/**
 * Publications (the operator's): every publication of the node, newest first, with its stage and
 * proofs; running ones followed live, failed ones retried from here.
 */
export const publicationsPage: Page = (root, ctx, route, signal) =>
  withOperator(root, ctx, signal, () => void publicationsTable(root, ctx, route, signal))

const publicationsTable: Page = async (root, ctx, route, signal) => {
  const offset = Math.max(0, Math.floor(Number(route.query.get('offset') ?? '0')) || 0)
  const tbody = h('tbody')
  const table = h(
    'table',
    { class: 'publications', 'data-testid': 'publications-table' },
    h('caption', null, 'Publications, newest first'),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, 'Publication'),
        h('th', { scope: 'col' }, 'Started'),
        h('th', { scope: 'col' }, 'Progress'),
        h('th', { scope: 'col' }, 'Outcome'),
      ),
    ),
    tbody,
  )
  const body = h('div', { 'data-testid': 'publications', 'aria-busy': 'true' }, spinner('Reading the node’s publications…'))
  const connection = h('div')
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages of publications' })
  // Outcomes are announced once, here, rather than every row's progress as it moves.
  const announcer = h('p', { class: 'sr-only', role: 'status', 'data-testid': 'publications-status' })
  mount(
    root,
    h('h1', null, 'Publications'),
    h(
      'p',
      { class: 'lead' },
      'Every publication of this node, newest first: files published from the ',
      h('a', { href: href('sell') }, 'Sell page'),
      ', the CLI or the API, and the windows of its streams. Running ones move live; a failed one can be retried from where it stopped.',
    ),
    connection,
    body,
    pager,
    announcer,
  )

  const rows = new Map<string, Row>()
  const queued: string[] = []
  let live = 0

  /** Follows running publications through their event streams, MAX_LIVE at a time, first asked first. */
  const pump = (): void => {
    while (live < MAX_LIVE && queued.length > 0) {
      const row = rows.get(queued.shift()!)
      if (row === undefined || row.follow !== undefined || stateOf(row.summary) !== 'running') continue
      const controller = new AbortController()
      row.follow = controller
      live++
      void (async () => {
        try {
          for await (const { status } of ctx.client.publicationEvents(row.summary.id, {
            signal: AbortSignal.any([signal, controller.signal]),
          }))
            row.update(status)
        } catch {
          // Stopped here (navigation, a row gone) or the node went away: the next reading of the list shows where it stands.
        } finally {
          row.follow = undefined
          live--
          if (!signal.aborted) pump()
        }
      })()
    }
  }
  const follow = (id: string, first = false): void => {
    if (queued.includes(id) || rows.get(id)?.follow !== undefined) return
    if (first) queued.unshift(id)
    else queued.push(id)
    pump()
  }

  const rowOf = (item: PublicationSummary): Row => {
    const titleId = uid('publication')
    const el = h('tr', { 'data-publication': item.id })
    const row: Row = {
      el,
      summary: item,
      follow: undefined,
      update(status) {
        const next: PublicationSummary = {
          ...status,
          title: row.summary.title,
          createdAt: row.summary.createdAt,
          ...(row.summary.sourceName !== undefined ? { sourceName: row.summary.sourceName } : {}),
          ...(row.summary.stream !== undefined ? { stream: row.summary.stream } : {}),
        }
        // Unchanged rows stay as they are, so a focused Retry button keeps its focus.
        if (JSON.stringify(next) === JSON.stringify(row.summary)) return
        const was = stateOf(row.summary)
        row.summary = next
        draw()
        const now = stateOf(next)
        if (was === 'running' && now === 'done') announcer.textContent = `${next.title} is published as dataset #${next.result!.datasetId}.`
        if (was === 'running' && now === 'failed') announcer.textContent = `${next.title} failed: ${next.failedReason ?? ''}`
      },
    }
    const draw = (): void => {
      const s = row.summary
      const state = stateOf(s)
      el.dataset.state = state
      const progress = progressOf(s)
      const bar = h('progress', { max: progress.max, value: progress.value, 'aria-labelledby': titleId })
      const outcome = h('div', { class: 'outcome' })
      if (state === 'done')
        mount(
          outcome,
          h('a', { href: href(`datasets/${s.result!.datasetId}`), 'data-testid': 'dataset-link' }, `Dataset #${s.result!.datasetId}`),
        )
      else if (state === 'failed')
        mount(outcome, h('p', { class: 'failure', 'data-testid': 'failure' }, s.failedReason ?? 'failed'), retryOf(row, titleId))
      else if (s.waiting !== undefined) mount(outcome, h('small', { class: 'hint' }, s.waiting))
      else mount(outcome, h('span', { class: 'hint' }, 'Running'))
      // Drawing anew drops the focus inside the row: it goes to the row's progress instead.
      const focused = el.contains(document.activeElement)
      el.replaceChildren(
        h(
          'td',
          null,
          h('strong', { id: titleId }, s.title),
          h(
            'small',
            { class: 'hint publication-source' },
            s.stream !== undefined
              ? h('a', { href: href(`streams/${s.stream.streamId}`) }, `Stream #${s.stream.streamId}, window ${s.stream.windowIndex}`)
              : (s.sourceName ?? ''),
            ' · ',
            h('code', null, s.id),
          ),
        ),
        h('td', null, h('time', { datetime: s.createdAt }, formatDate(Date.parse(s.createdAt) / 1000))),
        h(
          'td',
          { class: 'publication-progress' },
          bar,
          h('span', { class: 'progress-text', 'data-testid': 'progress-text', tabindex: '-1' }, progress.text),
        ),
        h('td', null, outcome),
      )
      if (focused) el.querySelector<HTMLElement>('[data-testid=progress-text]')?.focus()
    }
    draw()
    return row
  }

  const retryOf = (row: Row, titleId: string): HTMLElement => {
    if (row.summary.retryable === false) return h('small', { class: 'hint' }, 'Refused for good: publish a corrected file.')
    const problem = h('div')
    const button = h('button', { type: 'button', 'aria-describedby': titleId, 'data-testid': 'retry' }, 'Retry')
    button.addEventListener('click', () => {
      // aria-disabled, not disabled: a disabled button loses the keyboard's focus at once.
      if (button.getAttribute('aria-disabled') === 'true') return
      button.setAttribute('aria-disabled', 'true')
      problem.replaceChildren()
      const id = row.summary.id
      ctx.client
        .retryPublication(id, { signal })
        .then(async (accepted) => {
          // The button goes with the failure; the row keeps the focus (see draw).
          row.update(await ctx.client.publication(accepted.jobId, { signal }))
          announcer.textContent = `${row.summary.title}: submitted again.`
          follow(id, true)
        })
        .catch((err: unknown) => {
          if (signal.aborted) return
          button.removeAttribute('aria-disabled')
          mount(problem, errorAlert(err))
        })
    })
    return h('div', { class: 'row' }, button, problem)
  }

  const show = (page: { total: number; items: PublicationSummary[] }): void => {
    if (page.total === 0 || (page.items.length === 0 && offset === 0)) {
      mount(body, notice('info', 'No publications yet. ', h('a', { href: href('sell') }, 'Publish a file'), ' to start one.'))
    } else {
      const ids = new Set(page.items.map((item) => item.id))
      for (const [id, row] of rows)
        if (!ids.has(id)) {
          row.follow?.abort()
          row.el.remove()
          rows.delete(id)
        }
      // Rows in the page's order; a row already in place is not moved (moving would drop its focus).
      page.items.forEach((item, i) => {
        let row = rows.get(item.id)
        if (row === undefined) rows.set(item.id, (row = rowOf(item)))
        else if (row.follow === undefined) row.update(item)
        if (tbody.children[i] !== row.el) tbody.insertBefore(row.el, tbody.children[i] ?? null)
        if (stateOf(row.summary) === 'running') follow(item.id)
      })
      if (table.parentElement === null) mount(body, h('div', { class: 'table-wrap' }, table))
    }
    body.setAttribute('aria-busy', 'false')
    mount(
      pager,
      offset > 0
        ? h('a', { href: href('publications', { offset: offset > PAGE_SIZE ? String(offset - PAGE_SIZE) : undefined }) }, '← Newer')
        : null,
      offset + page.items.length < page.total
        ? h('a', { href: href('publications', { offset: String(offset + PAGE_SIZE) }), 'data-testid': 'older' }, 'Older →')
        : null,
      page.total > 0 ? h('span', { class: 'hint' }, `${offset + 1}–${offset + page.items.length} of ${page.total}`) : null,
    )
  }

  for (let first = true; !signal.aborted; first = false) {
    try {
      show(await ctx.client.publications({ limit: PAGE_SIZE, offset }, { signal }))
      connection.replaceChildren()
    } catch (err) {
      if (signal.aborted) return
      // The first reading's refusal is the page's answer; later, the table stays as it was.
      if (first) return mount(body, errorAlert(err))
      mount(connection, notice('warning', 'Lost the connection to the node; the table shows what it said last. Trying again…'))
    }
    await pause(REFRESH_MS, signal)
  }
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
