import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Queue, QueueEvents, Worker } from 'bullmq'
import { expect } from 'chai'
import { Redis } from 'ioredis'
import { startRedis, type RedisService } from '../../../pipelines/index.js'
import { caught } from '../../helpers/errors.js'

describe('startRedis', () => {
  let dataDir: string
  let redis: RedisService

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'assay-redis-'))
    redis = await startRedis({ dataDir })
  })
  after(async () => {
    await redis?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('spawns a private redis-server on loopback that answers PING', async () => {
    expect(redis.embedded).to.equal(true)
    expect(redis.url).to.match(/^redis:\/\/127\.0\.0\.1:\d+$/)
    const client = new Redis(redis.url)
    try {
      expect(await client.ping()).to.equal('PONG')
      expect(await client.config('GET', 'appendonly')).to.deep.equal(['appendonly', 'yes'])
    } finally {
      client.disconnect()
    }
  })

  it('runs one BullMQ job round trip with progress and a typed result', async () => {
    const connection = { url: redis.url, maxRetriesPerRequest: null }
    const name = `smoke-${randomUUID()}` // a queue of its own, removed afterwards
    const queue = new Queue<{ readings: number[] }, { sum: number }>(name, { connection })
    const events = new QueueEvents(name, { connection })
    const progress: unknown[] = []
    const worker = new Worker<{ readings: number[] }, { sum: number }>(
      name,
      async (job) => {
        await job.updateProgress({ stage: 'sum', done: 1, total: 1 })
        return { sum: job.data.readings.reduce((a, b) => a + b, 0) }
      },
      { connection },
    )
    events.on('progress', ({ data }) => progress.push(data))
    try {
      await events.waitUntilReady()
      const job = await queue.add('sum-readings', { readings: [1, 2, 3.5] }, { jobId: 'sum-1' })
      const result = await job.waitUntilFinished(events, 10_000)
      expect(result).to.deep.equal({ sum: 6.5 })
      expect(progress).to.deep.include({ stage: 'sum', done: 1, total: 1 })
    } finally {
      await worker.close()
      await events.close()
      await queue.obliterate({ force: true })
      await queue.close()
    }
  })

  it('uses an external REDIS_URL as given and does not stop it', async () => {
    const external = await startRedis({ dataDir, url: redis.url })
    expect(external.embedded).to.equal(false)
    await external.stop()
    const client = new Redis(redis.url)
    try {
      expect(await client.ping()).to.equal('PONG')
    } finally {
      client.disconnect()
    }
  })

  it('names the problem and the fix when no redis-server is installed', async () => {
    const error = await caught(() => startRedis({ dataDir, binary: '/nonexistent/redis-server' }))
    expect(error).to.have.property('name', 'ServiceError')
    expect(error.message).to.contain('redis-server is not installed').and.contain('apt-get install -y redis-server')
  })

  it('fails with a ServiceError when REDIS_URL does not answer', async () => {
    const error = await caught(() => startRedis({ dataDir, url: 'redis://:secret@127.0.0.1:1' }))
    expect(error).to.have.property('name', 'ServiceError')
    expect(error.message).to.contain('no answer').and.not.contain('secret')
  })
})
