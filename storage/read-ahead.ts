/**
 * Keeps up to `depth` pulls of an async generator outstanding ahead of the consumer. On one
 * thread this still pays: while the consumer awaits I/O (block writes), the producer reads and
 * encrypts the next chunks instead of idling. Memory is bounded by `depth` items; values and
 * errors reach the consumer in order.
 */
export async function* readAhead<T>(source: AsyncGenerator<T>, depth: number): AsyncGenerator<T> {
  // An async generator queues next() calls made before earlier ones settle, so several may be
  // outstanding; after it ends or throws, later calls resolve as done.
  const pull = (): Promise<IteratorResult<T>> => {
    const next = source.next()
    next.catch(() => {}) // handled when awaited in order; avoids an unhandled-rejection crash meanwhile
    return next
  }
  const queue: Array<Promise<IteratorResult<T>>> = []
  try {
    for (let i = 0; i < depth; i++) queue.push(pull())
    for (;;) {
      const result = await queue.shift()!
      if (result.done === true) return
      queue.push(pull())
      yield result.value
    }
  } finally {
    await source.return(undefined)
  }
}
