/**
 * Pulls exact-size reads out of an async stream of arbitrary pieces, without concatenating the
 * whole stream: memory stays bounded by the largest read plus one piece.
 */
export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array>
  private piece: Uint8Array = new Uint8Array(0)
  private offset = 0
  private done = false

  constructor(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
    this.iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : toAsync(source)
  }

  private async fill(): Promise<boolean> {
    while (this.offset >= this.piece.length) {
      if (this.done) return false
      const next = await this.iterator.next()
      if (next.done === true) {
        this.done = true
        return false
      }
      this.piece = next.value
      this.offset = 0
    }
    return true
  }

  /** True once every byte has been read. */
  async atEnd(): Promise<boolean> {
    return !(await this.fill())
  }

  /**
   * Reads exactly `n` bytes, or fewer only at the end of the stream. The returned array may be a
   * view into the source's own piece (zero-copy) and is valid until the source reuses it.
   */
  async read(n: number): Promise<Uint8Array> {
    if (!(await this.fill())) return new Uint8Array(0)
    const available = this.piece.length - this.offset
    if (available >= n) {
      const view = this.piece.subarray(this.offset, this.offset + n)
      this.offset += n
      return view
    }
    const out = new Uint8Array(n)
    let filled = 0
    while (filled < n && (await this.fill())) {
      const take = Math.min(n - filled, this.piece.length - this.offset)
      out.set(this.piece.subarray(this.offset, this.offset + take), filled)
      this.offset += take
      filled += take
    }
    return filled === n ? out : out.subarray(0, filled)
  }

  /**
   * Reads exactly `n` bytes, or fewer only at the end of the stream, as views into the source's
   * pieces in order (no copy; valid until the source reuses them). For consumers that can take
   * bytes in parts, such as a streaming decipher.
   */
  async readParts(n: number): Promise<Uint8Array[]> {
    const parts: Uint8Array[] = []
    let wanted = n
    while (wanted > 0 && (await this.fill())) {
      const take = Math.min(wanted, this.piece.length - this.offset)
      parts.push(this.piece.subarray(this.offset, this.offset + take))
      this.offset += take
      wanted -= take
    }
    return parts
  }

  /** Ends the underlying source early (e.g. on error), releasing its resources. */
  async cancel(): Promise<void> {
    this.done = true
    await this.iterator.return?.()
  }
}

function toAsync(source: Iterable<Uint8Array>): AsyncIterator<Uint8Array> {
  const it = source[Symbol.iterator]()
  return {
    next: () => Promise.resolve(it.next()),
    return: (value?: unknown) => Promise.resolve(it.return?.(value) ?? { done: true as const, value: undefined }),
  }
}
