import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { assertDataKey } from './data-key.js'
import { KeystoreError } from './errors.js'

/**
 * Data keys at rest, each sealed with AES-256-GCM under the node master key (AAD = key id, so a
 * sealed file cannot be renamed to another id). Plaintext keys exist only in memory; nothing
 * here logs.
 */
export interface Keystore {
  put(keyId: string, key: Uint8Array): Promise<void>
  /** @throws {KeystoreError} when absent, altered, or sealed under another master key. */
  get(keyId: string): Promise<Uint8Array>
  has(keyId: string): Promise<boolean>
  delete(keyId: string): Promise<void>
  list(): Promise<string[]>
}

export interface KeystoreComponents {
  /** Directory of sealed key files (created if missing). */
  dir: string
  /** 32-byte node master key (see loadMasterKey). */
  masterKey: Uint8Array
}

const FORMAT = 'assay-keystore-v1'
const KEY_ID = /^[A-Za-z0-9._:-]{1,128}$/
const CHECK_FILE = 'keystore.json'

interface SealedKey {
  format: typeof FORMAT
  id: string
  nonce: string
  ciphertext: string
  tag: string
}

function masterCheck(masterKey: Uint8Array): string {
  return createHmac('sha256', masterKey).update(`${FORMAT}/master-key-check`).digest('hex')
}

function fileOf(dir: string, keyId: string): string {
  if (!KEY_ID.test(keyId)) throw new KeystoreError(keyId, 'key id must be 1-128 characters of A-Z a-z 0-9 . _ : -')
  return join(dir, `${keyId.replaceAll(':', '~')}.key.json`)
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  await writeFile(tmp, text, { mode: 0o600 })
  await rename(tmp, path)
}

/**
 * Opens (or creates) a keystore directory. The first open records a check value of the master
 * key; later opens with another master key fail at once instead of on every read.
 *
 * @throws {KeystoreError} when the directory was sealed under a different master key.
 */
export async function createKeystore(components: KeystoreComponents): Promise<Keystore> {
  const { dir } = components
  const masterKey = Buffer.from(components.masterKey)
  if (masterKey.length !== 32) throw new KeystoreError(undefined, `master key must be 32 bytes, got ${masterKey.length}`)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const checkPath = join(dir, CHECK_FILE)
  const check = masterCheck(masterKey)
  let recorded: string | undefined
  try {
    recorded = (JSON.parse(await readFile(checkPath, 'utf8')) as { masterKeyCheck?: string }).masterKeyCheck
  } catch {
    recorded = undefined
  }
  if (recorded === undefined) {
    await writeAtomic(checkPath, `${JSON.stringify({ format: FORMAT, masterKeyCheck: check })}\n`)
  } else if (recorded.length !== check.length || !timingSafeEqual(Buffer.from(recorded), Buffer.from(check))) {
    throw new KeystoreError(undefined, `${dir} was sealed under a different master key (check ASSAY_MASTER_KEY or the key file)`)
  }

  const aad = (keyId: string): Buffer => Buffer.from(`${FORMAT}/${keyId}`, 'utf8')

  return {
    async put(keyId, key) {
      assertDataKey(key)
      const nonce = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', masterKey, nonce)
      cipher.setAAD(aad(keyId))
      const ciphertext = Buffer.concat([cipher.update(key), cipher.final()])
      const sealed: SealedKey = {
        format: FORMAT,
        id: keyId,
        nonce: nonce.toString('base64'),
        ciphertext: ciphertext.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
      }
      await writeAtomic(fileOf(dir, keyId), `${JSON.stringify(sealed)}\n`)
    },

    async get(keyId) {
      let sealed: SealedKey
      try {
        sealed = JSON.parse(await readFile(fileOf(dir, keyId), 'utf8')) as SealedKey
      } catch (err) {
        if (err instanceof KeystoreError) throw err
        throw new KeystoreError(keyId, 'no such key in the keystore', { cause: err })
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', masterKey, Buffer.from(sealed.nonce, 'base64'))
        decipher.setAAD(aad(keyId))
        decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'))
        return new Uint8Array(Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]))
      } catch (err) {
        throw new KeystoreError(keyId, 'sealed key fails authentication (altered file or other master key)', { cause: err })
      }
    },

    async has(keyId) {
      try {
        await readFile(fileOf(dir, keyId))
        return true
      } catch (err) {
        if (err instanceof KeystoreError) throw err
        return false
      }
    },

    async delete(keyId) {
      await rm(fileOf(dir, keyId), { force: true })
    },

    async list() {
      const names = await readdir(dir)
      return names
        .filter((n) => n.endsWith('.key.json'))
        .map((n) => n.slice(0, -'.key.json'.length).replaceAll('~', ':'))
        .sort()
    },
  }
}

export interface MasterKeyOptions {
  /** Hex (64 digits, optional 0x) from the environment (ASSAY_MASTER_KEY); wins over the file. */
  hex?: string
  /** Key file; created with a random key and mode 0600 when absent. */
  file: string
}

/**
 * The node master key: from ASSAY_MASTER_KEY when set, else from the key file (created on first
 * use). Back up the key file: without it, sealed data keys cannot be read (the seller's copy in
 * each manifest still can).
 *
 * @throws {KeystoreError} for a malformed key.
 */
export async function loadMasterKey(options: MasterKeyOptions): Promise<Uint8Array> {
  const parse = (hex: string, where: string): Uint8Array => {
    const clean = hex.trim().replace(/^0x/, '')
    if (!/^[0-9a-fA-F]{64}$/.test(clean)) throw new KeystoreError(undefined, `${where}: master key must be 64 hex digits`)
    return new Uint8Array(Buffer.from(clean, 'hex'))
  }
  if (options.hex !== undefined && options.hex !== '') return parse(options.hex, 'ASSAY_MASTER_KEY')
  try {
    return parse(await readFile(options.file, 'utf8'), options.file)
  } catch (err) {
    if (err instanceof KeystoreError) throw err
    const key = new Uint8Array(randomBytes(32))
    await mkdir(join(options.file, '..'), { recursive: true, mode: 0o700 })
    await writeFile(options.file, `${Buffer.from(key).toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
    return key
  }
}
