import { writeFile } from 'node:fs/promises'
import { inferMapping } from '../pipelines/index.js'

/** `assay map FILE`: a first mapping for the seller to edit, with what it rests on. */
export async function mapCommand(
  path: string,
  options: { out?: string; rows?: number } = {},
  io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => console.log(s), err: (s) => console.error(s) },
): Promise<void> {
  const { mapping, notes, sample } = await inferMapping(path)
  const json = `${JSON.stringify(mapping, null, 2)}\n`
  if (options.out !== undefined) {
    await writeFile(options.out, json)
    io.err(`mapping written to ${options.out}`)
  } else {
    io.out(json.trimEnd())
  }
  for (const note of notes) io.err(`note: ${note}`)
  const rows = options.rows ?? 3
  if (rows > 0) {
    io.err(`first ${Math.min(rows, sample.length)} rows as read:`)
    for (const r of sample.slice(0, rows)) io.err(`  line ${r.line}: ${JSON.stringify(r.fields)}`)
  }
}
