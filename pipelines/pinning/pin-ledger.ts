import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { z } from 'zod'

/** Where one CID stands with the pinning service: `unsent` until it accepted a request, then the spec's statuses. */
export const PIN_STATES = ['unsent', 'queued', 'pinning', 'pinned', 'failed'] as const
export type PinState = (typeof PIN_STATES)[number]

const pinRecordSchema = z.object({
  cid: z.string(),
  state: z.enum(PIN_STATES),
  /** The service's id of the request that stands for this CID. */
  requestid: z.string().optional(),
  /** Why the last call failed (a named error), or the service's reason for `failed`. */
  reason: z.string().optional(),
  /** Failed attempts in a row: the back-off grows with them. */
  attempts: z.number().int().min(0),
  /** Polls of a pending request in a row: the poll interval grows with them. */
  polls: z.number().int().min(0),
  /** When the next call about it is due (ms since the epoch). */
  dueAt: z.number(),
  updatedAt: z.string(),
})
const datasetPinsSchema = z.object({
  datasetId: z.string(),
  manifestCid: z.string(),
  /** The pin requests' name: `assay-dataset-<id>`. */
  name: z.string(),
  pins: z.array(pinRecordSchema),
})
const ledgerSchema = z.object({
  version: z.literal(1),
  /** The service the request ids belong to. */
  endpoint: z.string(),
  datasets: z.array(datasetPinsSchema),
})

export type PinRecord = z.infer<typeof pinRecordSchema>
export type DatasetPins = z.infer<typeof datasetPinsSchema>
export type PinLedgerState = z.infer<typeof ledgerSchema>

/** Where the pin requests are kept between runs. */
export interface PinLedger {
  /** The last saved state; undefined when there is none (or it was unreadable: set aside, see the log). */
  load(): Promise<PinLedgerState | undefined>
  save(state: PinLedgerState): Promise<void>
}

/**
 * A ledger in one JSON file (`<dataDir>/pinning/requests.json`), replaced atomically on each save.
 * An unreadable file is renamed aside (`.unreadable-<time>`) and the follower starts afresh: the
 * service still holds the requests, and the follower finds them again by CID and name.
 */
export function createPinLedgerFile(path: string, log: (msg: string) => void = () => undefined): PinLedger {
  return {
    async load() {
      let text: string
      try {
        text = await readFile(path, 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw err
      }
      try {
        return ledgerSchema.parse(JSON.parse(text))
      } catch (err) {
        const aside = `${path}.unreadable-${Date.now()}`
        await rename(path, aside)
        log(`pinning: ${path} is unreadable (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); moved to ${aside}`)
        return undefined
      }
    },
    async save(state) {
      await mkdir(dirname(path), { recursive: true })
      const tmp = `${path}.${process.pid}.tmp`
      await writeFile(tmp, `${JSON.stringify(state, null, 1)}\n`)
      await rename(tmp, path)
    },
  }
}
