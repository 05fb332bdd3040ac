/** One part of a multipart/form-data body: a text field, or a file (a Blob, with its file name). */
export interface MultipartPart {
  name: string
  value: string | Blob
  /** The file name sent with a Blob (default `blob`). */
  fileName?: string
}

/** A quoted name or file name as browsers send it (HTML's multipart/form-data encoding). */
const quoted = (s: string): string => `"${s.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22')}"`

/**
 * A multipart/form-data body as one Blob, so its size is known before it is sent (upload progress
 * needs a total) and a file part is read only while sending: a Blob of Blobs copies nothing.
 */
export function encodeMultipart(parts: readonly MultipartPart[]): { body: Blob; contentType: string } {
  const boundary = `----assay${Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('')}`
  const chunks: BlobPart[] = []
  for (const part of parts) {
    if (typeof part.value === 'string') {
      chunks.push(`--${boundary}\r\nContent-Disposition: form-data; name=${quoted(part.name)}\r\n\r\n`, part.value, '\r\n')
    } else {
      const type = part.value.type !== '' ? part.value.type : 'application/octet-stream'
      chunks.push(
        `--${boundary}\r\nContent-Disposition: form-data; name=${quoted(part.name)}; filename=${quoted(part.fileName ?? 'blob')}\r\nContent-Type: ${type}\r\n\r\n`,
        part.value,
        '\r\n',
      )
    }
  }
  chunks.push(`--${boundary}--\r\n`)
  return { body: new Blob(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}
