/**
 * A source's address as it may be recorded and published (the providers a dataset page lists,
 * a pin's `mirroredFrom`): its origin and path, never credentials, a query or a fragment, which
 * an operator's `--from` may carry (a gateway's access token).
 *
 * @example providerAddress('https://user:secret@gw.example/ipfs-gw/?token=x#y') // 'https://gw.example/ipfs-gw/'
 */
export function providerAddress(url: string): string {
  const u = new URL(url)
  return u.pathname === '/' ? u.origin : `${u.origin}${u.pathname}`
}
