import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Path of one of the public datasets committed in `datasets/` (source and licence in its README). */
export function datasetPath(name: string): string {
  const path = join(resolve(fileURLToPath(new URL('../..', import.meta.url))), 'datasets', name)
  if (!existsSync(path)) throw new Error(`dataset ${name} not found at ${path}`)
  return path
}

/** One reading of the occupancy file: its time (unix seconds, the file's local clock read as UTC) and the text as written. */
export interface OccupancyReading {
  time: bigint
  text: string
}

/**
 * A column of the UCI Occupancy file (Candanedo & Feldheim 2016, CC BY 4.0), e.g. `Temperature`,
 * optionally only the first `limit` rows.
 */
export function readOccupancyColumn(column: string, limit?: number): OccupancyReading[] {
  const [header, ...rows] = readFileSync(datasetPath('occupancy-room-2015.csv'), 'utf8').trim().split('\n')
  const index = header!.split(',').findIndex((h) => h.replaceAll('"', '') === column)
  if (index < 0) throw new Error(`occupancy file has no column ${column}`)
  return rows.slice(0, limit).map((line) => {
    const fields = line.split(',')
    return { time: BigInt(Date.parse(`${fields[0]!.replaceAll('"', '').replace(' ', 'T')}Z`) / 1000), text: fields[index]! }
  })
}
