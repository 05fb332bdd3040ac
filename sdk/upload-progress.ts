/** How much of a request body has gone: `sent` of `total` bytes. */
export interface UploadProgress {
  sent: number
  total: number
}

/** A Blob's bytes as a stream that reports each chunk as it is handed on (to fetch, in Node). */
export function countingStream(body: Blob, onProgress: (progress: UploadProgress) => void): ReadableStream<Uint8Array> {
  const reader = body.stream().getReader()
  let sent = 0
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read()
      if (done) return controller.close()
      sent += value.byteLength
      controller.enqueue(value)
      onProgress({ sent, total: body.size })
    },
    cancel(reason) {
      return reader.cancel(reason)
    },
  })
}

/** A response read in full by XMLHttpRequest. */
export interface XhrResponse {
  status: number
  statusText: string
  text: string
}

/**
 * POSTs a body with the browser's XMLHttpRequest, whose `upload.onprogress` reports what has gone
 * (fetch cannot: a browser's fetch takes no streamed body over HTTP/1.1).
 *
 * @throws {TypeError} when the connection fails (as fetch does), an AbortError when `signal` aborts
 */
export function postWithXhr(
  url: URL,
  body: Blob,
  headers: Headers,
  options: { onProgress?: (progress: UploadProgress) => void; signal?: AbortSignal | undefined },
): Promise<XhrResponse> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted === true) return reject(new DOMException('the upload was aborted', 'AbortError'))
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url)
    headers.forEach((value, name) => xhr.setRequestHeader(name, value))
    if (options.onProgress !== undefined) {
      const report = options.onProgress
      xhr.upload.onprogress = (e) => report({ sent: e.loaded, total: e.lengthComputable ? e.total : body.size })
    }
    const abort = (): void => xhr.abort()
    options.signal?.addEventListener('abort', abort, { once: true })
    const settle = (): void => options.signal?.removeEventListener('abort', abort)
    xhr.onload = () => {
      settle()
      resolve({ status: xhr.status, statusText: xhr.statusText, text: xhr.responseText })
    }
    xhr.onerror = () => {
      settle()
      reject(new TypeError('network error'))
    }
    xhr.onabort = () => {
      settle()
      reject(new DOMException('the upload was aborted', 'AbortError'))
    }
    xhr.send(body)
  })
}
