import { formatSiweMessage } from '../../../core/index.js'
import type { OperatorSession } from '../../../sdk/index.js'
import { errorAlert, notice, spinner } from '../components.js'
import { problemOf } from '../describe-error.js'
import { field, h, mount } from '../dom.js'
import type { AppContext } from '../app-context.js'

/** A refused sign-in in words; the node's refusal (a SiweError) already says which check failed. */
function signInProblem(err: unknown): HTMLElement {
  const problem = problemOf(err)
  if (problem?.category !== 'unauthorised') return errorAlert(err)
  return h('div', { role: 'alert', class: 'alert error' }, h('strong', null, 'Wallet sign-in refused'), ' ', problem.detail)
}

/**
 * Signs in with the browser wallet (EIP-1193): the wallet connects on the node's chain, signs a
 * Sign-In with Ethereum message (EIP-4361) for this page's host and origin with the node's nonce,
 * and the node checks it is the operator's. Signing costs nothing and sends no transaction.
 */
async function signInWithWallet(ctx: AppContext, signal: AbortSignal): Promise<void> {
  // eth_requestAccounts and eth_chainId (the wallet is asked to switch to the node's chain).
  await ctx.wallet.connectInjected()
  const signer = await ctx.wallet.signer()
  // The nonce after the wallet is ready: it expires 5 minutes after the node hands it out.
  const challenge = await ctx.client.siweChallenge({ signal })
  const message = formatSiweMessage({
    domain: location.host,
    address: await signer.getAddress(),
    statement: 'Sign in as the operator of this Assay node.',
    uri: `${location.origin}/`,
    version: '1',
    chainId: challenge.chainId,
    nonce: challenge.nonce,
    issuedAt: challenge.issuedAt,
  })
  // personal_sign: the wallet shows the message as text.
  const signature = await signer.signMessage(message)
  await ctx.client.signIn({ message, signature }, { signal })
}

/**
 * Pages that act as the node's operator (publishing, devices, streams, jobs) ask the browser to sign
 * in once, with the operator's wallet or the operator token; the node answers with an HttpOnly,
 * SameSite=Strict session cookie, so no other site's page can act with it and scripts cannot read
 * it. `render` runs once the browser is the operator's.
 */
export async function withOperator(root: HTMLElement, ctx: AppContext, signal: AbortSignal, render: () => void): Promise<void> {
  mount(root, spinner('Checking whether this browser is signed in as the node’s operator…'))
  let session: OperatorSession
  try {
    session = await ctx.client.operatorSession({ signal })
  } catch (err) {
    if (!signal.aborted) mount(root, errorAlert(err))
    return
  }
  if (session.operator) return render()
  const token = h('input', { type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'operator-token' })
  const problem = h('div')
  const walletProblem = h('div')
  const signIn = async (e: SubmitEvent): Promise<void> => {
    e.preventDefault()
    problem.replaceChildren()
    try {
      await ctx.client.signIn({ token: token.value.trim() }, { signal })
      render()
    } catch (err) {
      if (!signal.aborted) mount(problem, errorAlert(err))
    }
  }
  const walletButton = h('button', { type: 'button', class: 'primary', 'data-testid': 'operator-wallet-sign-in' }, 'Sign in with wallet')
  walletButton.addEventListener('click', () => {
    walletProblem.replaceChildren()
    walletButton.disabled = true
    signInWithWallet(ctx, signal).then(render, (err: unknown) => {
      walletButton.disabled = false
      if (!signal.aborted) mount(walletProblem, signInProblem(err))
    })
  })
  mount(
    root,
    h('h1', null, 'Sign in as the node’s operator'),
    notice(
      'info',
      'Publishing, devices and streams act with this node’s account, so they are its operator’s alone. Buying needs no sign-in.',
    ),
    h(
      'section',
      { class: 'panel' },
      h('h2', null, 'With your wallet'),
      h(
        'p',
        null,
        'Your browser wallet signs a sign-in message for this page (Sign-In with Ethereum): no transaction, no cost. The account must be the operator’s: ',
        h('code', null, 'ASSAY_OPERATOR_ADDRESS'),
        ', else the node’s own account.',
      ),
      h('div', { class: 'row' }, walletButton),
      walletProblem,
    ),
    h(
      'form',
      { class: 'panel', onSubmit: (e: SubmitEvent) => void signIn(e) },
      h('h2', null, 'Or with the operator token'),
      h(
        'p',
        null,
        'Paste it once: it is in the node’s data directory, ',
        h('code', null, 'operator.token'),
        ' (or ',
        h('code', null, 'ASSAY_TOKEN'),
        ').',
      ),
      field('Operator token', token),
      h('div', { class: 'row' }, h('button', { type: 'submit', 'data-testid': 'operator-sign-in' }, 'Sign in')),
      problem,
    ),
  )
}
