/** One server-sent event: its name (`message` when the frame names none) and its data lines joined. */
export interface ServerSentEvent {
  event: string
  data: string
}

/**
 * The events of a `text/event-stream` body as they arrive (frames without data, and comments,
 * are skipped). EventSource does this in browsers; Node has none, and a CLI wants to see the
 * stream end or break rather than have it reconnect behind its back.
 */
export async function* readEventStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder()
  let buffered = ''
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true })
    let at: number
    while ((at = buffered.indexOf('\n\n')) >= 0) {
      const frame = buffered.slice(0, at)
      buffered = buffered.slice(at + 2)
      let event = 'message'
      const data: string[] = []
      for (const line of frame.split('\n')) {
        const colon = line.indexOf(':')
        if (colon === 0) continue
        const field = colon < 0 ? line : line.slice(0, colon)
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
        if (field === 'event') event = value
        else if (field === 'data') data.push(value)
      }
      if (data.length > 0) yield { event, data: data.join('\n') }
    }
  }
}
