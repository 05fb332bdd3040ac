/** One media range of an `Accept` header. */
export interface MediaRange {
  /** `type/subtype`, lowercased. */
  type: string
  /** Its parameters (names lowercased, quotes removed), `q` aside. */
  params: Record<string, string>
  /** Its weight, 0 to 1 (RFC 9110 §12.4.2); 0 means "not acceptable". */
  q: number
}

/** Media ranges read from one Accept header; longer headers are cut here (no client needs more). */
const MAX_RANGES = 32

/**
 * Parses an `Accept` header (RFC 9110 §12.5.1) into its media ranges, most wanted first: by
 * weight, then in the order given. A range with a malformed weight is dropped, as a client's
 * typo should not make the server pick something it did not ask for.
 */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (header === undefined) return []
  const ranges: Array<MediaRange & { index: number }> = []
  for (const [index, part] of header.split(',').slice(0, MAX_RANGES).entries()) {
    const [typePart, ...paramParts] = part.split(';')
    const type = typePart!.trim().toLowerCase()
    if (!/^[\w.+*-]+\/[\w.+*-]+$/.test(type)) continue
    const params: Record<string, string> = {}
    let q = 1
    let valid = true
    for (const p of paramParts) {
      const at = p.indexOf('=')
      if (at < 0) continue
      const name = p.slice(0, at).trim().toLowerCase()
      const value = p
        .slice(at + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1')
      if (name === 'q') {
        valid = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value)
        q = Number(value)
      } else params[name] = value
    }
    if (valid) ranges.push({ type, params, q, index })
  }
  return ranges.sort((a, b) => b.q - a.q || a.index - b.index).map(({ index: _index, ...range }) => range)
}
