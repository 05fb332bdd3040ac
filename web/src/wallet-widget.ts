import type { AppContext } from './app-context.js'
import { errorAlert } from './components.js'
import { h, mount } from './dom.js'
import { shortHex } from './format.js'

const DEV_ACCOUNTS = [1, 2, 3, 4, 5, 6, 7, 8, 9]

/** The header's wallet control: connect (browser wallet or the labelled development wallet), show, disconnect. */
export function walletWidget(ctx: AppContext): HTMLElement {
  const root = h('div', { class: 'wallet' })
  const dialog = h('dialog', { class: 'wallet-dialog', 'aria-labelledby': 'wallet-dialog-title' })
  const render = (): void => {
    const s = ctx.wallet.state()
    if (s.kind === 'none') {
      mount(root, h('button', { type: 'button', class: 'primary', onClick: () => openDialog() }, 'Connect wallet'))
      return
    }
    mount(
      root,
      s.kind === 'dev'
        ? h(
            'span',
            { class: 'badge dev', title: 'A public anvil test account: for the local development chain only' },
            `Dev wallet · account ${s.account}`,
          )
        : h('span', { class: 'badge' }, 'Browser wallet'),
      h('code', { class: 'address', title: s.address, 'data-testid': 'wallet-address' }, shortHex(s.address, 4)),
      h('button', { type: 'button', class: 'link', onClick: () => ctx.wallet.disconnect() }, 'Disconnect'),
    )
  }
  const openDialog = (): void => {
    const error = h('div')
    const account = h('select', { id: 'dev-account' }, ...DEV_ACCOUNTS.map((i) => h('option', { value: i }, `Test account ${i}`)))
    mount(
      dialog,
      h('h2', { id: 'wallet-dialog-title' }, 'Connect a wallet'),
      h(
        'section',
        null,
        h('h3', null, 'Browser wallet'),
        h('p', null, 'Any EIP-1193 wallet such as MetaMask. You confirm each purchase and sign each key request in it.'),
        h(
          'button',
          {
            type: 'button',
            class: 'primary',
            onClick: () => {
              error.replaceChildren()
              ctx.wallet.connectInjected().then(
                () => dialog.close(),
                (err: unknown) => error.replaceChildren(errorAlert(err)),
              )
            },
          },
          'Connect browser wallet',
        ),
      ),
      ctx.wallet.devAvailable()
        ? h(
            'section',
            { class: 'dev-wallet' },
            h('h3', null, 'Development wallet ', h('span', { class: 'badge dev' }, 'local chain only')),
            h(
              'p',
              null,
              'Anvil’s public test accounts, funded on this node’s local chain. Their keys are published: never use them on a real network.',
            ),
            h('div', { class: 'row' }, h('label', { for: 'dev-account' }, 'Account'), account),
            h(
              'button',
              {
                type: 'button',
                onClick: () => {
                  ctx.wallet.connectDev(Number(account.value))
                  dialog.close()
                },
              },
              'Use development wallet',
            ),
          )
        : null,
      error,
      h('form', { method: 'dialog' }, h('button', { class: 'link' }, 'Cancel')),
    )
    dialog.showModal()
  }
  ctx.wallet.subscribe(render)
  render()
  document.body.append(dialog)
  return root
}
