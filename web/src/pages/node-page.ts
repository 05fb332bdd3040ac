import { errorAlert } from '../components.js'
import { h, mount } from '../dom.js'
import type { Page } from '../router.js'

interface ServiceHealth {
  ok: boolean
  embedded: boolean
  detail: Record<string, unknown>
  error?: string
}

/** The node's services and the deployment it works with. */
export const nodePage: Page = async (root, ctx, _route, signal) => {
  const body = h('tbody', null, h('tr', null, h('td', { colspan: 3 }, 'Checking…')))
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
      const res = await fetch(new URL('/health', ctx.node))
      const report = (await res.json()) as { services: Record<string, ServiceHealth> }
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
    } catch (err) {
      mount(body, h('tr', null, h('td', { colspan: 3 }, errorAlert(err))))
    }
  }
  await refresh()
  const timer = setInterval(() => void refresh(), 5000)
  signal.addEventListener('abort', () => clearInterval(timer), { once: true })
}
