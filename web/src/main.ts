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
  publications: { load: () => import('./pages/publications-page.js').then((m) => m.publicationsPage), title: 'Publications' },
  audit: { load: () => import('./pages/audit-page.js').then((m) => m.auditPage), title: 'Audit' },
  account: { load: () => import('./pages/account-page.js').then((m) => m.accountPage), title: 'My account' },
  node: { load: () => import('./pages/node-page.js').then((m) => m.nodePage), title: 'Node' },
  devices: { load: () => import('./pages/devices-page.js').then((m) => m.devicesPage), title: 'Devices' },
}

function shell(ctx: AppContext | undefined): HTMLElement {
  const nav = h(
    'nav',
    { 'aria-label': 'Main', id: 'main-nav' },
    h('a', { href: '#/', 'data-nav': '' }, 'Marketplace'),
    h('a', { href: '#/streams', 'data-nav': 'streams' }, 'Streams'),
    h('a', { href: '#/sell', 'data-nav': 'sell' }, 'Sell'),
    h('a', { href: '#/audit', 'data-nav': 'audit' }, 'Audit'),
    h('a', { href: '#/account', 'data-nav': 'account' }, 'Account'),
    h('a', { href: '#/node', 'data-nav': 'node' }, 'Node'),
  )
  // On a phone the links fold behind a disclosure button, so the bar stays one line (CSS shows the
  // button below 760 px only); Escape closes the menu and gives focus back to the button.
  const toggle = h(
    'button',
    { type: 'button', class: 'menu-toggle', 'aria-expanded': 'false', 'aria-controls': 'main-nav', 'data-testid': 'menu-toggle' },
    h('span', { 'aria-hidden': 'true' }, '☰ '),
    'Menu',
  )
  const header = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: '#/' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '◆'), 'Assay'),
    toggle,
    nav,
    ctx !== undefined ? walletWidget(ctx) : null,
  )
  toggle.addEventListener('click', () => setMenu(header, toggle.getAttribute('aria-expanded') !== 'true'))
  nav.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || toggle.getAttribute('aria-expanded') !== 'true') return
    setMenu(header, false)
    toggle.focus()
  })
  return header
}

/** Opens or closes the phone menu (a no-op on wide screens, where the links are always shown). */
function setMenu(header: HTMLElement, open: boolean): void {
  header.classList.toggle('menu-open', open)
  header.querySelector('.menu-toggle')?.setAttribute('aria-expanded', String(open))
}

/**
 * A wide table scrolls sideways in its `.table-wrap` on a phone, which the keyboard reaches only if
 * the wrap can take focus: every wrap a page draws becomes a focusable region named by its table's
 * caption (or the section's heading), as pages draw them, wherever they do.
 */
function focusableTableWraps(root: HTMLElement): void {
  const name = (wrap: HTMLElement): string =>
    wrap.querySelector('caption')?.textContent?.trim() ||
    wrap.closest('section, fieldset')?.querySelector('h2, h3, legend')?.textContent?.trim() ||
    'Table'
  const mark = (): void => {
    for (const wrap of root.querySelectorAll<HTMLElement>('.table-wrap:not([tabindex])')) {
      wrap.tabIndex = 0
      wrap.setAttribute('role', 'region')
      wrap.setAttribute('aria-label', name(wrap))
    }
  }
  new MutationObserver(mark).observe(root, { childList: true, subtree: true })
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

  focusableTableWraps(main)
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
    // A new page closes what belonged to the last one: the phone menu and any open dialog (the
    // wallet's), which would otherwise stay modal over the new page.
    setMenu(document.querySelector<HTMLElement>('.topbar')!, false)
    for (const dialog of document.querySelectorAll<HTMLDialogElement>('dialog[open]')) dialog.close()
    render()
    main.focus({ preventScroll: true })
    window.scrollTo(0, 0)
  })
  render()
}

void start()
