// The Assay web app: marketplace, dataset pages (proofs verified here), selling, buying with a
// wallet, and auditing. The node serving it is a gateway; every claim is checked in the browser.
import './buffer-global.js'
import { createAppContext, type AppContext } from './app-context.js'
import { errorAlert } from './components.js'
import { h, mount } from './dom.js'
import { currentRoute, type Page } from './router.js'
import { walletWidget } from './wallet-widget.js'

// Pages load on first visit: the marketplace does not wait for the proof verifier or the decryptor.
const PAGES: Record<string, { load: () => Promise<Page>; title: string }> = {
  '': { load: () => import('./pages/marketplace-page.js').then((m) => m.marketplacePage), title: 'Marketplace' },
  datasets: { load: () => import('./pages/dataset-page.js').then((m) => m.datasetPage), title: 'Dataset' },
  streams: { load: () => import('./pages/streams-page.js').then((m) => m.streamsPage), title: 'Streams' },
  sell: { load: () => import('./pages/sell-page.js').then((m) => m.sellPage), title: 'Sell' },
  audit: { load: () => import('./pages/audit-page.js').then((m) => m.auditPage), title: 'Audit' },
  node: { load: () => import('./pages/node-page.js').then((m) => m.nodePage), title: 'Node' },
}

function shell(ctx: AppContext | undefined): HTMLElement {
  const nav = h(
    'nav',
    { 'aria-label': 'Main' },
    h('a', { href: '#/', 'data-nav': '' }, 'Marketplace'),
    h('a', { href: '#/streams', 'data-nav': 'streams' }, 'Streams'),
    h('a', { href: '#/sell', 'data-nav': 'sell' }, 'Sell'),
    h('a', { href: '#/audit', 'data-nav': 'audit' }, 'Audit'),
    h('a', { href: '#/node', 'data-nav': 'node' }, 'Node'),
  )
  return h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: '#/' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '◆'), 'Assay'),
    nav,
    ctx !== undefined ? walletWidget(ctx) : null,
  )
}

async function start(): Promise<void> {
  const app = document.querySelector<HTMLElement>('#app')!
  const main = h('main', { id: 'main', tabindex: '-1' })
  let ctx: AppContext
  try {
    ctx = await createAppContext(location.origin)
  } catch (err) {
    mount(app, shell(undefined), h('main', { id: 'main' }, h('h1', null, 'Assay'), errorAlert(err)))
    return
  }
  const footer = h(
    'footer',
    null,
    `Chain ${ctx.deployment.chainId} · registry `,
    h('code', null, ctx.deployment.contracts.datasetRegistry),
    ' · proofs, hashes and keys are checked in your browser',
  )
  mount(
    app,
    h('a', { class: 'skip', href: '#main', onClick: (e: MouseEvent) => (e.preventDefault(), main.focus()) }, 'Skip to content'),
    shell(ctx),
    main,
    footer,
  )

  let controller: AbortController | undefined
  const render = (): void => {
    controller?.abort()
    controller = new AbortController()
    const route = currentRoute()
    const entry = PAGES[route.path[0] ?? ''] ?? PAGES['']!
    document.title = `${entry.title} · Assay`
    for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a[data-nav]'))
      a.toggleAttribute('aria-current', a.dataset.nav === (route.path[0] === 'datasets' ? '' : (route.path[0] ?? '')))
    const signal = controller.signal
    entry
      .load()
      .then((page) => (signal.aborted ? undefined : page(main, ctx, route, signal)))
      .catch((err: unknown) => {
        if (!signal.aborted) mount(main, errorAlert(err))
      })
  }
  window.addEventListener('hashchange', () => {
    render()
    main.focus({ preventScroll: true })
    window.scrollTo(0, 0)
  })
  render()
}

void start()
