import { once } from 'node:events'
import { createApp } from '../../server/index.js'
import type { ContentStore } from '../../storage/index.js'
import { testAuth } from './operator.js'

export interface TestGateway {
  url: string
  close(): void
}

/** The node's trustless gateway alone, serving what a content store holds: what auditors read through. */
export async function startTestGateway(contentStore: ContentStore): Promise<TestGateway> {
  const server = createApp({
    auth: testAuth(),
    checkHealth: () => Promise.resolve({ ok: true, services: {} }),
    ipfs: { contentStore },
  }).listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => void server.close() }
}
