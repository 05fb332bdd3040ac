import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import {
  createPublishQueues,
  listPublications,
  Publication,
  stageJobId,
  startRedis,
  submitPublication,
  type PublishQueues,
  type RedisService,
} from '../../../pipelines/index.js'

// The node's list of publications on real Redis. No worker runs: every flow stays queued, which is
// all the list needs (its statuses are publicationStatus's, tested with the flow itself).
describe('listPublications (real Redis)', function () {
  this.timeout(60_000)
  let dir: string
  let redis: RedisService
  let queues: PublishQueues
  const ids: string[] = []

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-list-'))
    redis = await startRedis({ dataDir: join(dir, 'redis') })
    queues = createPublishQueues({ connection: { url: redis.url, maxRetriesPerRequest: null }, prefix: 'test-list' })
    const file = join(dir, 'readings.csv')
    await writeFile(file, 'time,t\n2026-01-01T00:00:00Z,1\n')
    // Created in the order 2, 0, 1 (by their creation times): the list follows the times, not the order of submission.
    for (const n of [2, 0, 1]) {
      const publication = await Publication.create(join(dir, 'work', `pub-${n}`), file, {
        title: `Readings ${n}`,
        description: '',
        licence: 'CC0-1.0',
        tags: [],
        createdAt: new Date(Date.UTC(2026, 0, 1, n)).toISOString(),
        ...(n === 1 ? { stream: { streamId: '4', windowIndex: 7 } } : {}),
      })
      ids.push(await submitPublication(queues, publication))
    }
  })
  after(async () => {
    await queues?.close()
    await redis?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('lists every publication newest first, each with its title, creation time and status', async () => {
    const { total, items } = await listPublications(queues)
    expect(total).to.equal(3)
    expect(items.map((p) => [p.id, p.title, p.createdAt])).to.deep.equal([
      ['pub-2', 'Readings 2', '2026-01-01T02:00:00.000Z'],
      ['pub-1', 'Readings 1', '2026-01-01T01:00:00.000Z'],
      ['pub-0', 'Readings 0', '2026-01-01T00:00:00.000Z'],
    ])
    expect(items[1]).to.deep.include({ sourceName: 'readings.csv', stream: { streamId: '4', windowIndex: 7 } })
    expect(items[0]!.stream).to.equal(undefined)
    // Queued, nothing done: the same status GET /jobs/:id shows.
    expect(items[0]!.stages.ingest).to.equal('waiting')
    expect(items[0]!.proofs).to.deep.equal({ done: 0, total: 0 })
    expect(items[0]!.result).to.equal(undefined)
  })

  it('pages by limit and offset, and lists at least 1', async () => {
    expect((await listPublications(queues, { limit: 2 })).items.map((p) => p.id)).to.deep.equal(['pub-2', 'pub-1'])
    expect((await listPublications(queues, { limit: 2, offset: 2 })).items.map((p) => p.id)).to.deep.equal(['pub-0'])
    expect((await listPublications(queues, { offset: 3 })).items).to.deep.equal([])
    expect((await listPublications(queues, { limit: 0 })).items.map((p) => p.id)).to.deep.equal(['pub-2'])
  })

  it('lists at most 100 however many are asked for', async () => {
    const many = createPublishQueues({ connection: { url: redis.url, maxRetriesPerRequest: null }, prefix: 'test-list-many' })
    try {
      const file = join(dir, 'readings.csv')
      for (let n = 0; n < 101; n++)
        await submitPublication(
          many,
          await Publication.create(join(dir, 'many', `pub-${n}`), file, { title: `${n}`, description: '', licence: 'CC0-1.0', tags: [] }),
        )
      const { total, items } = await listPublications(many, { limit: 10_000 })
      expect(total).to.equal(101)
      expect(items).to.have.length(100)
    } finally {
      await many.close()
    }
  })

  it('keeps one entry in its place when a publication is submitted again', async () => {
    const before = await listPublications(queues)
    await submitPublication(queues, new Publication(join(dir, 'work', 'pub-0')))
    const after = await listPublications(queues)
    expect(after.total).to.equal(before.total)
    expect(after.items.map((p) => p.id)).to.deep.equal(before.items.map((p) => p.id))
  })

  it('leaves out a publication whose jobs are gone, still counting it', async () => {
    // The flow's root (its last stage); removing it removes every job below.
    expect(await queues.stages.remove(stageJobId('pub-1', 'list'), { removeChildren: true })).to.equal(1)
    const { total, items } = await listPublications(queues)
    expect(total).to.equal(3)
    expect(items.map((p) => p.id)).to.deep.equal(['pub-2', 'pub-0'])
  })
})
