import { ZeroAddress } from 'ethers'
import { createChainClient } from '../../../contracts/index.js'
import type { AppContext } from '../app-context.js'
import { actionButton, errorAlert, spinner } from '../components.js'
import { h, mount } from '../dom.js'
import { formatDate, formatPrice } from '../format.js'
import { href, type Page } from '../router.js'

/** The access expiry of a perpetual purchase (and of every stream window bought through the escrow). */
const PERPETUAL = (1n << 64n) - 1n

type How = 'market' | 'escrow' | 'stream window'

/** One dataset this account holds access to, however often and however it was bought. */
interface Holding {
  datasetId: bigint
  expiresAt: bigint
  how: Set<How>
}

const expiry = (expiresAt: bigint): string =>
  expiresAt === PERPETUAL ? 'perpetual' : `${formatDate(Number(expiresAt))}${expiresAt * 1000n < BigInt(Date.now()) ? ' (expired)' : ''}`

/** The datasets `account` bought: DataMarket purchases and escrow settlements (stream windows too), one row per dataset. */
async function holdingsOf(ctx: AppContext, account: string): Promise<Holding[]> {
  const reader = ctx.chain().reader
  const [purchases, settlements] = await Promise.all([reader.purchasesOf(account), reader.settlementsOf(account)])
  const byId = new Map<bigint, Holding>()
  const add = (datasetId: bigint, expiresAt: bigint, how: How): void => {
    const held = byId.get(datasetId) ?? { datasetId, expiresAt, how: new Set<How>() }
    if (expiresAt > held.expiresAt) held.expiresAt = expiresAt
    held.how.add(how)
    byId.set(datasetId, held)
  }
  for (const p of purchases) add(p.datasetId, p.expiresAt, 'market')
  for (const s of settlements) add(s.datasetId, s.expiresAt, s.window !== undefined ? 'stream window' : 'escrow')
  return [...byId.values()].sort((a, b) => (a.datasetId < b.datasetId ? -1 : 1))
}

/** My account: what the connected wallet bought (its access) and what it earned (its proceeds, withdrawable). */
export const accountPage: Page = async (root, ctx, _route, signal) => {
  const body = h('div', { 'data-testid': 'account' })
  mount(
    root,
    h('h1', null, 'My account'),
    h('p', { class: 'lead' }, 'The datasets this wallet holds access to, and the proceeds of its sales waiting in the DataMarket.'),
    body,
  )
  // Each drawing belongs to one wallet: a newer one (the wallet changed) makes it stop.
  let drawing = 0
  const render = async (): Promise<void> => {
    const mine = ++drawing
    const wallet = ctx.wallet.state()
    if (wallet.kind === 'none')
      return mount(body, h('p', null, 'Connect a wallet (top right) to see the datasets you bought and the proceeds of your sales.'))
    const account = wallet.address
    const purchases = h('section', { class: 'account-section', 'aria-labelledby': 'purchases-title' })
    const proceeds = h('section', { class: 'account-section', 'aria-labelledby': 'proceeds-title' })
    mount(body, h('p', null, 'Account ', h('code', { class: 'address', 'data-testid': 'account-address' }, account)), purchases, proceeds)
    mount(purchases, h('h2', { id: 'purchases-title' }, 'My purchases'), spinner('Reading your purchases from the chain…'))
    mount(proceeds, h('h2', { id: 'proceeds-title' }, 'Proceeds'), spinner('Reading your proceeds from the chain…'))
    await Promise.all([
      drawPurchases(ctx, account, purchases, () => mine !== drawing || signal.aborted).catch((err: unknown) =>
        mount(purchases, h('h2', { id: 'purchases-title' }, 'My purchases'), errorAlert(err)),
      ),
      drawProceeds(ctx, account, proceeds, () => mine !== drawing || signal.aborted).catch((err: unknown) =>
        mount(proceeds, h('h2', { id: 'proceeds-title' }, 'Proceeds'), errorAlert(err)),
      ),
    ])
  }
  await render()
  const off = ctx.wallet.subscribe(() => void render())
  signal.addEventListener('abort', off, { once: true })
}

async function drawPurchases(ctx: AppContext, account: string, section: HTMLElement, stale: () => boolean): Promise<void> {
  const holdings = await holdingsOf(ctx, account)
  // Titles from the node's catalog, where it has them (a dataset of another node shows its id alone).
  const titles = await Promise.all(
    holdings.map((held) =>
      ctx.client.get(String(held.datasetId)).then(
        (d) => d.title,
        () => undefined,
      ),
    ),
  )
  if (stale()) return
  mount(
    section,
    h('h2', { id: 'purchases-title' }, 'My purchases'),
    holdings.length === 0
      ? h('p', null, 'This wallet has bought no dataset yet. Find one on the ', h('a', { href: href('') }, 'marketplace'), '.')
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { 'data-testid': 'purchases-table' },
            h('caption', null, `${holdings.length} dataset${holdings.length === 1 ? '' : 's'} this wallet holds access to`),
            h('thead', null, h('tr', null, ...['Dataset', 'Access until', 'Bought through'].map((c) => h('th', { scope: 'col' }, c)))),
            h(
              'tbody',
              null,
              ...holdings.map((held, i) =>
                h(
                  'tr',
                  { 'data-dataset': String(held.datasetId) },
                  h(
                    'th',
                    { scope: 'row' },
                    h('a', { href: href(`datasets/${held.datasetId}`) }, titles[i] ?? `Dataset #${held.datasetId}`),
                    titles[i] !== undefined ? h('small', { class: 'muted-id' }, ` #${held.datasetId}`) : null,
                  ),
                  h('td', { 'data-testid': 'expiry' }, expiry(held.expiresAt)),
                  h('td', { 'data-testid': 'bought-through' }, [...held.how].join(', ')),
                ),
              ),
            ),
          ),
        ),
  )
}

async function drawProceeds(ctx: AppContext, account: string, section: HTMLElement, stale: () => boolean): Promise<void> {
  const stablecoin = ctx.deployment.contracts.testStablecoin
  const tokens: Array<{ token: string; name: string }> = [
    { token: ZeroAddress, name: 'ETH (native coin)' },
    ...(stablecoin !== undefined ? [{ token: stablecoin, name: 'tUSD (test stablecoin)' }] : []),
  ]
  const reader = ctx.chain().reader
  const balances = await Promise.all(tokens.map(({ token }) => reader.owed(account, token)))
  if (stale()) return
  // Progress and results of withdrawals, announced.
  const status = h('div', { class: 'withdraw-status', 'aria-live': 'polite', tabindex: -1, 'data-testid': 'withdraw-status' })
  const rows = tokens.map(({ token, name }, i) => {
    const balance = h('td', { 'data-testid': `owed-${token === ZeroAddress ? 'native' : 'stablecoin'}` }, formatPrice(balances[i]!, token))
    const action = h('td', null)
    const drawAction = (owed: bigint): void => {
      if (owed === 0n) return mount(action, h('span', { class: 'hint' }, 'Nothing to withdraw'))
      mount(
        action,
        actionButton(
          'Withdraw',
          async () => {
            mount(status, `Withdrawing ${formatPrice(owed, token)}… confirm in your wallet.`)
            try {
              const chain = createChainClient(await ctx.wallet.signer(), ctx.deployment)
              const sent = await chain.withdraw(token)
              const after = await reader.owed(account, token)
              balance.textContent = formatPrice(after, token)
              drawAction(after)
              status.focus() // the button is gone: focus goes to what happened
              mount(
                status,
                `Withdrew ${formatPrice(sent.amount, token)} to your wallet (tx ${sent.txHash.slice(0, 10)}…). Balance now ${formatPrice(after, token)}.`,
              )
            } catch (err) {
              status.replaceChildren()
              throw err
            }
          },
          {
            class: 'primary',
            'aria-label': `Withdraw ${name}`,
            'data-testid': `withdraw-${token === ZeroAddress ? 'native' : 'stablecoin'}`,
          },
        ),
      )
    }
    drawAction(balances[i]!)
    return h('tr', null, h('th', { scope: 'row' }, name), balance, action)
  })
  mount(
    section,
    h('h2', { id: 'proceeds-title' }, 'Proceeds'),
    h(
      'p',
      { class: 'hint' },
      'What buyers paid for your datasets and streams, less the protocol fee, held by the DataMarket until you withdraw it.',
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { 'data-testid': 'proceeds-table' },
        h('caption', null, 'Proceeds owed to this wallet, by currency'),
        h('thead', null, h('tr', null, ...['Currency', 'Owed', 'Action'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', null, ...rows),
      ),
    ),
    status,
  )
}
