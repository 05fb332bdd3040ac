import { errorAlert } from '../components.js'
import { h, mount } from '../dom.js'
import { href, type Page } from '../router.js'

/** `blockNumber` → "block number", `peerId` → "peer id". */
const words = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()

/**
 * A service's details as a definition list: nested objects as nested lists, lists one item a line.
 * The node tells them to its operator only (others get none).
 */
function details(value: Record<string, unknown>): HTMLElement {
  const entries = Object.entries(value)
  if (entries.length === 0) return h('p', { class: 'hint' }, 'Details are shown to the node’s operator.')
  return detailList(entries)
}

function detailList(entries: Array<[string, unknown]>): HTMLElement {
  return h('dl', { class: 'details' }, ...entries.flatMap(([key, v]) => [h('dt', null, words(key)), h('dd', null, detailValue(v))]))
}

function detailValue(v: unknown): HTMLElement | string {
  if (Array.isArray(v))
    return v.length === 0 ? 'none' : h('ul', { class: 'detail-list' }, ...v.map((item) => h('li', null, detailValue(item))))
  if (typeof v === 'object' && v !== null) return Object.keys(v).length === 0 ? 'none' : detailList(Object.entries(v))
  if (typeof v === 'string') return /^(0x[0-9a-f]+|[a-z0-9]{20,}|\/|[a-z]+:\/\/)/i.test(v) ? h('code', null, v) : v
  return String(v)
}

/** The node's services and the deployment it works with. */
export const nodePage: Page = async (root, ctx, _route, signal) => {
  // One card per service: its state, then its details as a definition list (readable on a phone too).
  const services = h('ul', { class: 'services', 'data-testid': 'services', 'aria-busy': 'true' }, h('li', null, 'Checking…'))
  const circuitsBody = h('tbody', null, h('tr', null, h('td', { colspan: 3 }, 'Checking…')))
  const circuitsSummary = h('p', null)
  mount(
    root,
    h('h1', null, 'Node'),
    h(
      'p',
      null,
      'For the operator: ',
      h('a', { href: href('publications'), 'data-testid': 'publications-link' }, 'Publications'),
      ', every publication of this node followed live, failed ones retried.',
    ),
    h('section', { 'aria-labelledby': 'health-title' }, h('h2', { id: 'health-title' }, 'Services'), services),
    h(
      'section',
      { 'aria-labelledby': 'circuits-title' },
      h('h2', { id: 'circuits-title' }, 'Circuits'),
      circuitsSummary,
      h(
        'table',
        null,
        h(
          'thead',
          null,
          h('tr', null, h('th', { scope: 'col' }, 'Circuit'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Detail')),
        ),
        circuitsBody,
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'deployment-title' },
      h('h2', { id: 'deployment-title' }, 'Deployment'),
      h(
        'dl',
        { class: 'facts wide' },
        h('dt', null, 'Chain id'),
        h('dd', null, String(ctx.deployment.chainId)),
        ...Object.entries(ctx.deployment.contracts).flatMap(([name, address]) => [
          h('dt', null, name),
          h('dd', null, h('code', null, address)),
        ]),
        h('dt', null, 'API'),
        h(
          'dd',
          null,
          h('a', { href: new URL('/openapi.json', ctx.node).toString() }, 'OpenAPI document'),
          ' · ',
          h('a', { href: new URL('/metrics', ctx.node).toString() }, 'metrics'),
        ),
      ),
    ),
  )
  const refresh = async (): Promise<void> => {
    try {
      const report = await ctx.client.health({ signal })
      mount(
        services,
        ...Object.entries(report.services).map(([name, s]) =>
          h(
            'li',
            { class: 'service', 'data-service': name, 'data-ok': String(s.ok) },
            h(
              'h3',
              null,
              name,
              s.embedded ? h('small', null, ' embedded') : null,
              ' ',
              h('span', { class: `badge ${s.ok ? 'ok' : 'bad'}` }, s.ok ? 'up' : 'down'),
            ),
            s.error !== undefined ? h('p', { class: 'field-error' }, s.error) : details(s.detail),
          ),
        ),
      )
      services.setAttribute('aria-busy', 'false')
      const circuits = report.circuits
      if (circuits !== undefined) {
        mount(
          circuitsSummary,
          circuits.ready === circuits.total
            ? `All ${circuits.total} circuits are built: publishing proves right away.`
            : `${circuits.ready} of ${circuits.total} circuits built${circuits.building !== undefined ? `; building ${circuits.building}` : ''}. Everything but proving works meanwhile; a publication that needs a circuit waits for it.`,
        )
        mount(
          circuitsBody,
          ...Object.entries(circuits.circuits).map(([id, c]) =>
            h(
              'tr',
              null,
              h('td', null, h('code', null, id)),
              h('td', { class: c.state === 'ready' ? 'ok' : c.state === 'failed' ? 'down' : '' }, c.state),
              h('td', null, c.error ?? (c.seconds !== undefined ? `built in ${c.seconds} s` : '')),
            ),
          ),
        )
      }
    } catch (err) {
      mount(services, h('li', null, errorAlert(err)))
      services.setAttribute('aria-busy', 'false')
    }
  }
  await refresh()
  const timer = setInterval(() => void refresh(), 5000)
  signal.addEventListener('abort', () => clearInterval(timer), { once: true })
}
