import { expect } from 'chai'
import { ConfigError, DEFAULT_PORT, loadConfig } from '../../core/index.js'

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env)
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError)
    return err as ConfigError
  }
  throw new Error('expected a ConfigError')
}

describe('loadConfig', () => {
  it('uses the embedded defaults when nothing is set', () => {
    const config = loadConfig({})
    expect(config).to.include({ dataDir: './data', host: '127.0.0.1', port: DEFAULT_PORT, anvilPort: 0, logLevel: 'info' })
    expect(config.rpcUrl).to.equal(undefined)
    expect(config.redisUrl).to.equal(undefined)
    expect(config.privateKey).to.equal(undefined)
  })

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', REDIS_URL: '  ' }).port).to.equal(DEFAULT_PORT)
  })

  it('reads overrides from the environment', () => {
    const key = `0x${'11'.repeat(32)}`
    const config = loadConfig({
      ASSAY_DATA_DIR: '/srv/assay',
      PORT: '8080',
      RPC_URL: 'https://rpc.example.org',
      PRIVATE_KEY: key,
      REDIS_URL: 'redis://10.0.0.5:6379',
    })
    expect(config).to.include({
      dataDir: '/srv/assay',
      port: 8080,
      rpcUrl: 'https://rpc.example.org',
      privateKey: key,
      redisUrl: 'redis://10.0.0.5:6379',
    })
  })

  it('rejects a non-numeric PORT naming the variable', () => {
    const err = configError({ PORT: 'eighty' })
    expect(err.variable).to.equal('PORT')
    expect(err.message).to.match(/^PORT: .*"eighty"/)
  })

  it('rejects a PORT outside 0..65535', () => {
    expect(configError({ PORT: '70000' }).variable).to.equal('PORT')
  })

  it('rejects a REDIS_URL that is not a redis:// URL', () => {
    const err = configError({ REDIS_URL: 'http://localhost:6379' })
    expect(err.variable).to.equal('REDIS_URL')
    expect(err.message).to.contain('redis://')
  })

  it('rejects a malformed PRIVATE_KEY without echoing a valid-looking key format', () => {
    expect(configError({ PRIVATE_KEY: '0x1234' }).variable).to.equal('PRIVATE_KEY')
  })

  it('requires PRIVATE_KEY when RPC_URL names an external chain', () => {
    expect(configError({ RPC_URL: 'https://rpc.example.org' }).variable).to.equal('PRIVATE_KEY')
  })

  it('rejects an unknown LOG_LEVEL', () => {
    expect(configError({ LOG_LEVEL: 'loud' }).variable).to.equal('LOG_LEVEL')
  })
})
