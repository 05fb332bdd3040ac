import { errorAlert } from '../components.js'
import { h, mount } from '../dom.js'
import type { Page } from '../router.js'

/** The node's services and the deployment it works with. */
export const nodePage: Page = async (root, ctx, _route, signal) => {
  const body = h('tbody', null, h('tr', null, h('td', { colspan: 3 }, 'Checking…')))
  const circuitsBody = h('tbody', null, h('tr', null, h('td', { colspan: 3 }, 'Checking…')))
  const circuitsSummary = h('p', null)
  mount(
    root,
    h('h1', null, 'Node'),
    h(
      'section',
      { 'aria-labelledby': 'health-title' },
      h('h2', { id: 'health-title' }, 'Services'),
      h(
        'table',
        null,
        h(
          'thead',
          null,
          h('tr', null, h('th', { scope: 'col' }, 'Service'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Detail')),
        ),
        body,
      ),
    ),
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
        body,
        ...Object.entries(report.services).map(([name, s]) =>
          h(
            'tr',
            null,
            h('td', null, `${name}${s.embedded ? ' (embedded)' : ''}`),
            h('td', { class: s.ok ? 'ok' : 'down' }, s.ok ? 'up' : 'down'),
            h('td', null, h('code', null, s.error ?? JSON.stringify(s.detail))),
          ),
        ),
      )
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
      mount(body, h('tr', null, h('td', { colspan: 3 }, errorAlert(err))))
    }
  }
  await refresh()
  const timer = setInterval(() => void refresh(), 5000)
  signal.addEventListener('abort', () => clearInterval(timer), { once: true })
}
