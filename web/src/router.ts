import type { AppContext } from './app-context.js'

/** A page renders into `root`; `signal` aborts its work when the user navigates away. */
export type Page = (root: HTMLElement, ctx: AppContext, route: Route, signal: AbortSignal) => void | Promise<void>

export interface Route {
  path: string[]
  query: URLSearchParams
}

/** The route in the location hash: `#/datasets/7?tab=x` → path ['datasets', '7']. */
export function currentRoute(): Route {
  const hash = location.hash.replace(/^#\/?/, '')
  const [path = '', query = ''] = hash.split('?')
  return { path: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) }
}

export function href(path: string, query?: Record<string, string | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') q.set(k, v)
  const qs = q.toString()
  return `#/${path.replace(/^\//, '')}${qs === '' ? '' : `?${qs}`}`
}
