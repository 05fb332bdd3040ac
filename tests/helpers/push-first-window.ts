import type { DeviceKey } from '../../circuits/index.js'
import { createStreamFeed } from '../../pipelines/index.js'

/**
 * Sends window 0 of stream `streamId` (from `start`, unix seconds) to the node at `node`: 8
 * temperature readings of `device`, one a second in two batches of 4. The device ends its series
 * there, marking the second batch last (the feed is told of 8-second windows for that, whatever the
 * stream's), so the node can prove and publish the window at once. Returns the node's answer to
 * POST /streams/:id/readings.
 */
export async function pushFirstWindow(
  node: string,
  stream: { streamId: string; start: number; circuitId: string },
  device: DeviceKey,
): Promise<Response> {
  const { streamId, start, circuitId } = stream
  const feed = createStreamFeed({
    devices: [device],
    metrics: ['temperature'],
    circuitId,
    stream: { start, windowLength: 8 },
    interval: 1,
    batchReadings: 4,
  })
  const batches = (await feed.batchesUntil(start + 9)).filter((b) => b.times[0]! < start + 8)
  return fetch(new URL(`/streams/${streamId}/readings`, node), {
    method: 'POST',
    body: batches.map((b) => JSON.stringify(b)).join('\n'),
  })
}
