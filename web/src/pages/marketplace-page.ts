import { parseEther } from 'ethers'
import type { SearchResult } from '../../../sdk/index.js'
import { errorAlert, qualityBadge, spinner } from '../components.js'
import { field, h, mount } from '../dom.js'
import { formatNumber, formatPrice } from '../format.js'
import { href, type Page } from '../router.js'

const PAGE_SIZE = 24
const KNOWN_METRICS = ['temperature', 'humidity', 'co2', 'light', 'pm2_5', 'pressure', 'wind_speed', 'occupancy']

const toUnix = (date: string): string | undefined => (date === '' ? undefined : String(Math.floor(Date.parse(`${date}T00:00:00Z`) / 1000)))
const toDate = (unix: string | null): string => (unix === null ? '' : new Date(Number(unix) * 1000).toISOString().slice(0, 10))
const day = (unix: number | null): string => (unix === null ? '—' : new Date(unix * 1000).toISOString().slice(0, 10))

function card(item: SearchResult['items'][number], node: string): HTMLElement {
  const link = href(`datasets/${item.datasetId}`)
  const nodeCheck = item.verification.status
  return h(
    'li',
    { class: 'card', 'data-testid': 'dataset-card' },
    // The thumbnail is drawn for the card's image box (12:5, at twice its size); a dataset published
    // before thumbnails shows its whole preview, fitted in the box rather than cropped.
    item.thumbnailCid !== null
      ? h('img', {
          src: new URL(`/datasets/${item.datasetId}/thumbnail`, node).toString(),
          alt: `Chart of ${item.metrics.length > 1 ? 'one series' : 'the readings'} of ${item.title}`,
          loading: 'lazy',
          width: 720,
          height: 300,
          'data-testid': 'card-thumbnail',
        })
      : h('img', {
          class: 'preview-fallback',
          src: new URL(`/datasets/${item.datasetId}/preview`, node).toString(),
          alt: `Preview chart of ${item.title}`,
          loading: 'lazy',
          width: 480,
          height: 200,
          'data-testid': 'card-preview',
        }),
    h(
      'div',
      { class: 'card-body' },
      h('h3', null, h('a', { href: link }, item.title)),
      h('p', { class: 'chips' }, ...item.metrics.map((m) => h('span', { class: 'chip' }, m))),
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, 'Readings'),
        h('dd', null, formatNumber(item.readings)),
        h('dt', null, 'Time span'),
        h('dd', null, `${day(item.firstTime)} → ${day(item.lastTime)}`),
        h('dt', null, 'Devices'),
        h('dd', null, String(item.deviceCount)),
      ),
      h(
        'div',
        { class: 'card-foot' },
        qualityBadge(item.qualityScore),
        h(
          'span',
          {
            class: `badge ${nodeCheck === 'verified' ? 'ok' : nodeCheck === 'failed' || nodeCheck === 'flawed' ? 'bad' : ''}`,
            'data-testid': 'node-check',
            title:
              nodeCheck === 'flawed'
                ? (item.verification.detail ?? 'proven with a circuit that has a known soundness flaw')
                : 'This node’s own check of the proofs, not your browser’s: the dataset page verifies them again in your browser',
          },
          nodeCheck === 'verified'
            ? 'node verified the proofs'
            : nodeCheck === 'failed'
              ? 'node: proofs fail'
              : nodeCheck === 'flawed'
                ? 'circuit v1: known flaw'
                : 'node checking proofs',
        ),
        // A proof under a development setup is no evidence: the card says so beside the node's check.
        nodeCheck === 'verified' && typeof item.verification.setupWarning === 'string'
          ? h(
              'span',
              { class: 'badge bad', 'data-testid': 'setup-badge', title: item.verification.setupWarning },
              item.verification.setupWarning,
            )
          : null,
        h(
          'strong',
          { class: 'price' },
          item.listing?.active === true ? formatPrice(item.listing.price, item.listing.paymentToken) : 'not for sale',
        ),
      ),
    ),
  )
}

/** The marketplace: search, filters, result cards with previews; the query lives in the URL. */
export const marketplacePage: Page = async (root, ctx, route, signal) => {
  const q = route.query
  const text = h('input', { type: 'search', name: 'q', value: q.get('q') ?? '', placeholder: 'office, greenhouse, Beijing…' })
  const metric = h('input', { name: 'metric', list: 'metric-list', value: q.get('metric') ?? '', placeholder: 'any' })
  const minQuality = h('input', {
    type: 'number',
    name: 'minQuality',
    min: 0,
    max: 100,
    step: 1,
    value: q.get('minQuality') ?? '',
    placeholder: '0',
  })
  const maxPrice = h('input', {
    type: 'text',
    name: 'maxPrice',
    inputmode: 'decimal',
    value: q.get('maxPriceEth') ?? '',
    placeholder: 'ETH',
  })
  const from = h('input', { type: 'date', name: 'from', value: toDate(q.get('from')) })
  const to = h('input', { type: 'date', name: 'to', value: toDate(q.get('to')) })
  const sort = h(
    'select',
    { name: 'sort' },
    ...[
      ['newest', 'Newest'],
      ['quality', 'Best quality'],
      ['price', 'Lowest price'],
    ].map(([v, l]) => h('option', { value: v, selected: q.get('sort') === v }, l)),
  )
  const formError = h('div')
  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      'aria-label': 'Search datasets',
      onSubmit: (e: SubmitEvent) => {
        e.preventDefault()
        formError.replaceChildren()
        let maxPriceWei: string | undefined
        try {
          maxPriceWei = maxPrice.value.trim() === '' ? undefined : parseEther(maxPrice.value.trim()).toString()
        } catch {
          formError.replaceChildren(h('p', { role: 'alert', class: 'field-error' }, 'Maximum price: enter an amount in ETH, e.g. 0.05'))
          return
        }
        location.hash = href('', {
          q: text.value.trim(),
          metric: metric.value.trim(),
          minQuality: minQuality.value,
          maxPriceEth: maxPrice.value.trim(),
          maxPrice: maxPriceWei,
          from: toUnix(from.value),
          to: toUnix(to.value),
          sort: sort.value,
        })
      },
    },
    h('div', { class: 'search-row' }, field('Search', text), h('button', { class: 'primary', type: 'submit' }, 'Search')),
    h(
      'div',
      { class: 'filter-row' },
      field('Metric', metric),
      field('Min quality', minQuality),
      field('Max price', maxPrice),
      field('Data from', from),
      field('Data to', to),
      field('Sort by', sort),
    ),
    h('datalist', { id: 'metric-list' }, ...KNOWN_METRICS.map((m) => h('option', { value: m }))),
    formError,
  )
  const results = h('section', { 'aria-labelledby': 'results-title', 'aria-busy': 'true', 'data-testid': 'results' })
  mount(
    root,
    h(
      'section',
      { class: 'hero' },
      h('h1', null, 'Sensor data you can verify before you pay'),
      h(
        'p',
        { class: 'lead' },
        'Every statistic below is proven in zero knowledge over the raw readings and anchored on-chain. A card shows this node’s check of the proofs; a dataset’s page checks them again in your browser.',
      ),
    ),
    form,
    results,
  )

  const query: Record<string, string> = { limit: String(PAGE_SIZE) }
  for (const k of ['q', 'metric', 'minQuality', 'maxPrice', 'from', 'to', 'sort']) {
    const v = q.get(k)
    if (v !== null && v !== '') query[k] = v
  }
  const list = h('ul', { class: 'cards' })
  const more = h('div', { class: 'more' })
  const load = async (offset: number): Promise<void> => {
    const page = await ctx.client.search({ ...query, offset })
    if (signal.aborted) return
    if (offset === 0)
      mount(
        results,
        h('h2', { id: 'results-title' }, page.total === 0 ? 'No datasets match' : `${page.total} dataset${page.total === 1 ? '' : 's'}`),
        page.total === 0
          ? h('p', null, 'Try fewer filters, or publish one on the ', h('a', { href: href('sell') }, 'Sell'), ' page.')
          : list,
        more,
      )
    list.append(...page.items.map((item) => card(item, ctx.node)))
    mount(
      more,
      offset + page.items.length < page.total
        ? h(
            'button',
            { type: 'button', onClick: () => void load(offset + PAGE_SIZE).catch((err: unknown) => mount(more, errorAlert(err))) },
            'Show more',
          )
        : null,
    )
    results.setAttribute('aria-busy', 'false')
    // Which search these results answer: a reader (or a test) can tell a new page from the last one.
    results.setAttribute('data-query', new URLSearchParams(query).toString())
  }
  mount(results, spinner('Loading the catalog…'))
  try {
    await load(0)
  } catch (err) {
    mount(results, errorAlert(err))
  }
}
