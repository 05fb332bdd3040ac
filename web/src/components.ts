import { describeError } from './describe-error.js'
import { h, type Child } from './dom.js'
import { formatNumber, qualityClass } from './format.js'

/** An error in words, announced to screen readers. */
export function errorAlert(err: unknown): HTMLElement {
  const { title, message } = describeError(err)
  return h('div', { role: 'alert', class: 'alert error' }, h('strong', null, title), ' ', message)
}

export function notice(kind: 'info' | 'success' | 'warning', ...children: Child[]): HTMLElement {
  return h('div', { class: `alert ${kind}`, role: kind === 'info' ? 'status' : 'alert' }, ...children)
}

export function qualityBadge(score: number): HTMLElement {
  return h('span', { class: `badge quality ${qualityClass(score)}`, title: 'Quality score (0–100)' }, `Q ${formatNumber(score, 1)}`)
}

export function spinner(label: string): HTMLElement {
  return h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), label)
}

/** Runs an async action from a button: disables it meanwhile, shows the error under it. */
export function actionButton(
  label: string,
  action: (button: HTMLButtonElement) => Promise<void>,
  attrs: Record<string, unknown> = {},
): HTMLElement {
  const out = h('div', { class: 'action-error' })
  const button = h('button', { type: 'button', ...attrs }, label)
  button.addEventListener('click', () => {
    out.replaceChildren()
    button.disabled = true
    action(button)
      .catch((err: unknown) => out.replaceChildren(errorAlert(err)))
      .finally(() => (button.disabled = false))
  })
  return h('div', { class: 'action' }, button, out)
}

/** A file download of in-memory bytes. */
export function saveBytes(bytes: Uint8Array, name: string, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }))
  const a = h('a', { href: url, download: name })
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
