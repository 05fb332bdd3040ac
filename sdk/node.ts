// SDK, Node-only part: downloading a dataset to disk (decrypt, unpack, verify).
export { downloadDataset, readPlaintextDir } from './download-dataset.js'
export type { DownloadOptions, DownloadResult } from './download-dataset.js'
