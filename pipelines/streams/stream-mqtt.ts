import mqtt, { type IClientPublishOptions, type MqttClient } from 'mqtt'
import { IngestBusyError, MAX_BATCHES_PER_REQUEST, StreamBatchError, type IngestResult, type StreamIngest } from './stream-ingest.js'

/** Devices publish signed batches (one per line) here, QoS 1; `+` is the stream id. */
export const READINGS_TOPIC = 'assay/streams/+/readings'
export const readingsTopic = (streamId: string): string => `assay/streams/${streamId}/readings`
/** Where acknowledgements go when a message names no MQTT 5 response topic. */
export const acksTopic = (streamId: string): string => `assay/streams/${streamId}/acks`

/** The answer to one readings message (on its response topic, with its correlation data). */
export interface MqttAck {
  accepted: number
  rejected: number
  results: IngestResult[]
}

/**
 * Takes stream readings over MQTT: a persistent session subscribed at QoS 1, each message checked
 * and stored by the same ingest as HTTP before the broker gets its PUBACK, so a node that dies
 * mid-message gets it again from the broker (stored batches then count as replays). The answer
 * goes to the message's MQTT 5 response topic (with its correlation data), else to
 * `assay/streams/<id>/acks`.
 */
export async function startMqttIngest(o: {
  url: string
  ingest: StreamIngest
  /** Stable per node, so the broker keeps the session (and queued messages) across restarts. */
  clientId: string
  log?: (message: string) => void
}): Promise<{ client: MqttClient; stop(): Promise<void> }> {
  const log = o.log ?? (() => undefined)
  const client = mqtt.connect(o.url, {
    clientId: o.clientId,
    clean: false,
    protocolVersion: 5,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  })
  // PUBACK is sent only once this callback is called: after the batches are stored.
  client.handleMessage = (packet, done) => {
    const match = /^assay\/streams\/([^/]+)\/readings$/.exec(packet.topic)
    if (match === null) return done()
    const streamId = match[1]!
    const lines = packet.payload.toString().split('\n')
    const count = lines.filter((l) => l.trim() !== '').length
    const answer =
      count > MAX_BATCHES_PER_REQUEST
        ? Promise.reject(new StreamBatchError('malformed', `${count} batches in one message; send at most ${MAX_BATCHES_PER_REQUEST}`))
        : o.ingest.ingest(streamId, lines, { client: 'mqtt' })
    answer
      .then((results): MqttAck => ({
        accepted: results.filter((r) => r.ok).length,
        rejected: results.filter((r) => !r.ok).length,
        results,
      }))
      .catch((err: unknown): MqttAck => ({
        accepted: 0,
        rejected: lines.length,
        results: [
          {
            ok: false,
            reason: err instanceof IngestBusyError ? 'busy' : 'malformed',
            message: `${(err as Error).name}: ${(err as Error).message}`,
          },
        ],
      }))
      .then((ack) => {
        const response = packet.properties?.responseTopic
        const options: IClientPublishOptions = {
          qos: 1,
          ...(packet.properties?.correlationData !== undefined
            ? { properties: { correlationData: packet.properties.correlationData } }
            : {}),
        }
        client.publish(response ?? acksTopic(streamId), JSON.stringify(ack), options)
        done()
      })
      .catch((err: unknown) => {
        log(`mqtt: ${(err as Error).message}`)
        done()
      })
  }
  client.on('error', (err) => log(`mqtt: ${err.message}`))
  // Acknowledgements are small: send them at once instead of waiting on Nagle's algorithm.
  client.on('connect', () => (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true))
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve())
    client.once('error', reject)
  })
  await client.subscribeAsync(READINGS_TOPIC, { qos: 1 })
  return {
    client,
    async stop() {
      await client.endAsync()
    },
  }
}
