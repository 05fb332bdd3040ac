import { errorAlert, notice, spinner } from '../components.js'
import { field, h, mount } from '../dom.js'
import type { AppContext } from '../app-context.js'

/**
 * Pages that act as the node's operator (publishing, devices, streams, jobs) ask the browser to sign
 * in once with the operator token; the node answers with an HttpOnly, SameSite=Strict session
 * cookie, so no other site's page can act with it and scripts cannot read it. `render` runs once
 * the browser is the operator's.
 */
export async function withOperator(root: HTMLElement, ctx: AppContext, signal: AbortSignal, render: () => void): Promise<void> {
  mount(root, spinner('Checking whether this browser is signed in as the node’s operator…'))
  let session: { operator: boolean }
  try {
    session = await ctx.client.request<{ operator: boolean }>('/operator/session', { signal })
  } catch (err) {
    if (!signal.aborted) mount(root, errorAlert(err))
    return
  }
  if (session.operator) return render()
  const token = h('input', { type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'operator-token' })
  const problem = h('div')
  const signIn = async (e: SubmitEvent): Promise<void> => {
    e.preventDefault()
    problem.replaceChildren()
    try {
      await ctx.client.request('/operator/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: token.value.trim() }),
        signal,
      })
      render()
    } catch (err) {
      if (!signal.aborted) mount(problem, errorAlert(err))
    }
  }
  mount(
    root,
    h('h1', null, 'Sign in as the node’s operator'),
    notice(
      'info',
      'Publishing, devices and streams act with this node’s account, so they are its operator’s alone. Paste the operator token: it is in the node’s data directory, ',
      h('code', null, 'operator.token'),
      ' (or ',
      h('code', null, 'ASSAY_TOKEN'),
      '). Buying needs no sign-in.',
    ),
    h(
      'form',
      { class: 'panel', onSubmit: (e: SubmitEvent) => void signIn(e) },
      field('Operator token', token),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', 'data-testid': 'operator-sign-in' }, 'Sign in')),
      problem,
    ),
  )
}
