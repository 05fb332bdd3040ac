import { createWriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import Busboy from 'busboy'
import type { Request } from 'express'
import { AssayError } from '../core/index.js'
import { ValidationError } from './validation-error.js'

/** An upload above the node's limit (413). */
export class UploadTooLargeError extends AssayError {
  override readonly category = 'too-large' as const
  constructor(limit: number) {
    super(`the file is larger than this node accepts (${limit} bytes)`)
    this.name = 'UploadTooLargeError'
  }
}

/** Streams the multipart `file` part to disk (bounded by `limit`) and collects the text fields. */
export function receiveUpload(req: Request, dir: string, limit: number): Promise<{ file: string; fields: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    let busboy: Busboy.Busboy
    try {
      busboy = Busboy({ headers: req.headers, limits: { fileSize: limit, files: 1, fields: 20, fieldSize: 1024 * 1024 } })
    } catch (err) {
      return reject(new ValidationError('expected a multipart/form-data upload', { cause: err }))
    }
    const fields: Record<string, string> = {}
    let saving: Promise<string> | undefined
    let tooLarge = false
    busboy.on('field', (name, value) => (fields[name] = value))
    busboy.on('file', (name, stream, info) => {
      if (name !== 'file') return void stream.resume()
      const safe = (info.filename || 'upload').replace(/[^A-Za-z0-9._-]+/g, '_').slice(-100)
      const path = join(dir, safe)
      stream.on('limit', () => {
        tooLarge = true
        stream.resume()
      })
      saving = mkdir(dir, { recursive: true }).then(async () => {
        await pipeline(stream, createWriteStream(path))
        return path
      })
    })
    busboy.on('error', (err) => reject(new ValidationError(`upload: ${(err as Error).message}`, { cause: err })))
    busboy.on('close', () => {
      if (saving === undefined) return reject(new ValidationError('file: no file part named "file" in the upload'))
      saving.then(
        (file) => (tooLarge ? reject(new UploadTooLargeError(limit)) : resolve({ file, fields })),
        (err: unknown) => reject(err as Error),
      )
    })
    req.pipe(busboy)
  })
}
