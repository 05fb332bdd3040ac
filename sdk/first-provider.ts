import { ProvidersFailedError } from './providers-failed-error.js'

/**
 * Whether another provider may succeed where this one failed: it was away or cut the answer short,
 * refused (it does not hold the content, or is broken), sent a block that is not the one asked
 * for, bytes that are no CAR (an HTML page answered with 200), or more than the reader takes.
 * Matched by name: the classes may come from another bundle.
 */
export function isProviderFailure(err: unknown): boolean {
  const e = err as { name?: unknown; check?: unknown } | undefined
  if (e?.name === 'VerificationError') return e.check === 'block'
  return ['NodeUnreachableError', 'AssayApiError', 'ContentCorruptedError', 'ContentTooLargeError', 'ProvidersFailedError'].includes(
    String(e?.name),
  )
}

/**
 * Runs `read` against each provider in turn (nodes or trustless gateways holding the same content)
 * until one succeeds: what is read is checked against its CID either way, so any provider will do.
 * Anything but a provider's failure (isProviderFailure) ends the search at once, and so does
 * `signal` aborting.
 *
 * @throws the one provider's error when there is one, else {ProvidersFailedError} naming each failure
 */
export async function firstProvider<T>(
  providers: readonly string[],
  what: string,
  read: (provider: string) => Promise<T>,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<T> {
  const failures: Array<{ provider: string; error: Error }> = []
  for (const provider of providers) {
    try {
      return await read(provider)
    } catch (err) {
      if (options.signal?.aborted === true || !isProviderFailure(err)) throw err
      failures.push({ provider, error: err as Error })
    }
  }
  if (failures.length === 1) throw failures[0]!.error
  throw new ProvidersFailedError(what, failures)
}

/**
 * Where to fetch a dataset's content from: the providers its node lists (itself first when it
 * holds the dataset), then the node itself when it did not list itself (it may still serve it).
 */
export function contentProviders(listed: readonly string[] | undefined, node: string): string[] {
  const href = (u: string): string => {
    try {
      return new URL(u).href
    } catch {
      return u
    }
  }
  const seen = new Set<string>()
  const out: string[] = []
  for (const u of [...(listed ?? []), node]) {
    if (seen.has(href(u))) continue
    seen.add(href(u))
    out.push(u)
  }
  return out
}
