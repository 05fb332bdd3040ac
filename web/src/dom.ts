// A small element builder: the app is plain DOM, so pages stay readable without a framework.
export type Child = Node | string | number | null | undefined | false | Child[]

type Handlers = { [K in keyof HTMLElementEventMap as `on${Capitalize<K>}`]?: (event: HTMLElementEventMap[K]) => void }
export type Attrs = Handlers & Record<string, unknown>

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return
  if (Array.isArray(child)) for (const c of child) append(parent, c)
  else parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child)
}

/**
 * `h('button', { class: 'primary', onClick }, 'Buy')`. Attributes starting with `on` and a capital
 * letter become listeners; `true` sets a boolean attribute, `false`/undefined leaves it out.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === false || value === null) continue
    if (/^on[A-Z]/.test(name) && typeof value === 'function') el.addEventListener(name.slice(2).toLowerCase(), value as EventListener)
    else if (name === 'checked' && 'checked' in el) (el as HTMLInputElement).checked = Boolean(value)
    else if (typeof value === 'string' || typeof value === 'number' || value === true) {
      if (name === 'value' && 'value' in el) (el as HTMLInputElement).value = String(value)
      else el.setAttribute(name, value === true ? '' : String(value))
    }
  }
  append(el, children)
  return el
}

/** Replaces an element's content. */
export function mount(parent: Element, ...children: Child[]): void {
  parent.replaceChildren()
  append(parent, children)
}

let ids = 0
/** A unique id for label/control pairs. */
export const uid = (prefix: string): string => `${prefix}-${++ids}`

/** A labelled form control: the label's `for` points at the control. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  control.id ||= uid('f')
  const hintEl = hint !== undefined ? h('small', { id: `${control.id}-hint`, class: 'hint' }, hint) : null
  if (hintEl !== null) control.setAttribute('aria-describedby', hintEl.id)
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl)
}

/** A progress bar with a live text label for screen readers. */
export function progressBar(label: string): { el: HTMLElement; set(done: number, total: number, text?: string): void } {
  const bar = h('progress', { max: 1, value: 0, 'aria-label': label })
  const text = h('span', { class: 'progress-text', 'aria-live': 'polite' })
  return {
    el: h('div', { class: 'progress' }, bar, text),
    set(done, total, caption) {
      bar.max = Math.max(1, total)
      bar.value = done
      text.textContent = caption ?? `${done} / ${total}`
    },
  }
}
