import { inspect } from 'node:util'
import { expect } from 'chai'
import { assertNodeConfig, ConfigError, DEFAULT_PORT, loadConfig, redactUrl } from '../../core/index.js'

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

  it('reads the operator settings: token, allowed hosts, upload limit; a bad token is refused without showing it', () => {
    const config = loadConfig({ ASSAY_TOKEN: 't'.repeat(40), ASSAY_ALLOWED_HOSTS: ' Assay.Example.org, [::1] ,', ASSAY_MAX_UPLOAD_MB: '5' })
    expect([config.operatorToken, config.allowedHosts, config.maxUploadBytes]).to.deep.equal([
      't'.repeat(40),
      ['assay.example.org', '::1'],
      5 * 1024 * 1024,
    ])
    expect(loadConfig({}).maxUploadBytes).to.equal(1024 ** 3)
    const short = configError({ ASSAY_TOKEN: 'secret' })
    expect(short.variable).to.equal('ASSAY_TOKEN')
    expect(short.message).to.not.contain('secret"')
    expect(short.message).to.contain('a value that is not shown')
    expect(configError({ ASSAY_ALLOWED_HOSTS: 'https://x.org/' }).variable).to.equal('ASSAY_ALLOWED_HOSTS')
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

  it('rejects a malformed PRIVATE_KEY without echoing it', () => {
    const err = configError({ PRIVATE_KEY: '0x1234deadbeef' })
    expect(err.variable).to.equal('PRIVATE_KEY')
    expect(err.message).to.not.contain('deadbeef')
  })

  it('requires PRIVATE_KEY of a node on an external chain, but not of a client', () => {
    const config = loadConfig({ RPC_URL: 'https://rpc.example.org' })
    expect(config.rpcUrl).to.equal('https://rpc.example.org')
    expect(() => assertNodeConfig(config))
      .to.throw(Error, 'is required when RPC_URL points at an external chain')
      .with.property('variable', 'PRIVATE_KEY')
  })

  it('splits IPFS_PEERS into multiaddrs and rejects anything else', () => {
    const a = '/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWQbBmxZonJw3LVjryL44zKNLmfgiTVkUi1DmXwGpeEUzB'
    expect(loadConfig({ IPFS_PEERS: ` ${a}, /dns4/store.example.org/tcp/4001 ` }).ipfsPeers).to.deep.equal([
      a,
      '/dns4/store.example.org/tcp/4001',
    ])
    expect(loadConfig({}).ipfsPeers).to.deep.equal([])
    expect(configError({ IPFS_PEERS: 'http://10.0.0.2:4001' }).variable).to.equal('IPFS_PEERS')
  })

  it('accepts a 64-hex ASSAY_MASTER_KEY and rejects a short one without echoing it', () => {
    expect(loadConfig({ ASSAY_MASTER_KEY: 'ab'.repeat(32) }).masterKeyHex).to.equal('ab'.repeat(32))
    const err = configError({ ASSAY_MASTER_KEY: 'abcd'.repeat(15) })
    expect(err.variable).to.equal('ASSAY_MASTER_KEY')
    expect(err.message).to.not.contain('abcd')
  })

  it('rejects an unknown LOG_LEVEL', () => {
    expect(configError({ LOG_LEVEL: 'loud' }).variable).to.equal('LOG_LEVEL')
  })

  it('reads a remote pinning service only with both its URL and token, and never echoes the token', () => {
    expect(loadConfig({}).pinningService).to.equal(undefined)
    const token = 'eyJhbGciOi.secret-part.signature'
    expect(
      loadConfig({ ASSAY_PINNING_SERVICE_URL: 'https://pins.example/psa', ASSAY_PINNING_SERVICE_TOKEN: token }).pinningService,
    ).to.deep.equal({
      url: 'https://pins.example/psa',
      token,
    })
    expect(configError({ ASSAY_PINNING_SERVICE_URL: 'https://pins.example' }).variable).to.equal('ASSAY_PINNING_SERVICE_TOKEN')
    expect(configError({ ASSAY_PINNING_SERVICE_TOKEN: token }).variable).to.equal('ASSAY_PINNING_SERVICE_URL')
    const withSpace = configError({ ASSAY_PINNING_SERVICE_URL: 'https://pins.example', ASSAY_PINNING_SERVICE_TOKEN: 'two words' })
    expect([withSpace.variable, withSpace.message.includes('two words')]).to.deep.equal(['ASSAY_PINNING_SERVICE_TOKEN', false])
    expect(
      configError({ ASSAY_PINNING_SERVICE_URL: 'https://user:pw@pins.example', ASSAY_PINNING_SERVICE_TOKEN: token }).message,
    ).to.contain('must not hold credentials')
    expect(configError({ ASSAY_PINNING_SERVICE_URL: 'ftp://pins.example', ASSAY_PINNING_SERVICE_TOKEN: token }).variable).to.equal(
      'ASSAY_PINNING_SERVICE_URL',
    )
  })

  it('refuses a pinning service URL with credentials, a query or a fragment, showing only its origin and path', () => {
    const token = 'eyJhbGciOi.secret-part.signature'
    const refused = (url: string): ConfigError => configError({ ASSAY_PINNING_SERVICE_URL: url, ASSAY_PINNING_SERVICE_TOKEN: token })
    expect(refused('https://user:SuperSecret@pins.example/api').message).to.equal(
      'ASSAY_PINNING_SERVICE_URL: must not hold credentials (user or password): put the access token in ASSAY_PINNING_SERVICE_TOKEN (got "https://pins.example/api", its credentials not shown)',
    )
    // The client calls <endpoint>/pins: a query would be dropped silently, so it is refused by name.
    expect(refused('https://pins.example/api?key=SuperSecret').message).to.equal(
      'ASSAY_PINNING_SERVICE_URL: must not have a query (?…) or fragment (#…): put the access token in ASSAY_PINNING_SERVICE_TOKEN (got "https://pins.example/api", its query not shown)',
    )
    expect(refused('https://pins.example/api/#SuperSecret').message).to.match(
      /must not have a query .*"https:\/\/pins\.example\/api", its fragment not shown\)$/,
    )
    expect(
      loadConfig({ ASSAY_PINNING_SERVICE_URL: 'https://pins.example/api/', ASSAY_PINNING_SERVICE_TOKEN: token }).pinningService?.url,
    ).to.equal('https://pins.example/api/')
  })

  it('never echoes a secret in its errors: secret variables are not shown, URL-valued ones without credentials, keys or queries', () => {
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ PRIVATE_KEY: '0xSuperSecret' }, 'PRIVATE_KEY', /\(got a value that is not shown\)$/],
      [{ ASSAY_MASTER_KEY: 'SuperSecret' }, 'ASSAY_MASTER_KEY', /\(got a value that is not shown\)$/],
      [{ ASSAY_TOKEN: 'SuperSecret' }, 'ASSAY_TOKEN', /\(got a value that is not shown\)$/],
      [
        { ASSAY_PINNING_SERVICE_URL: 'https://pins.example', ASSAY_PINNING_SERVICE_TOKEN: 'Super Secret' },
        'ASSAY_PINNING_SERVICE_TOKEN',
        /\(got a value that is not shown\)$/,
      ],
      // RPC providers put their API key in the path (Infura's /v3/<key>, Alchemy's /v2/<key>) or the query.
      [{ RPC_URL: 'htps://mainnet.infura.io/v3/SuperSecret' }, 'RPC_URL', /\(got "htps:\/\/mainnet\.infura\.io\/…"\)$/],
      [{ RPC_URL: 'ftp://rpc.example/?apikey=SuperSecret' }, 'RPC_URL', /\(got "ftp:\/\/rpc\.example", its query not shown\)$/],
      [
        { RPC_URL: 'mainnet.infura.io/v3/SuperSecret' },
        'RPC_URL',
        /\(got a value that is not a URL with a host, not shown as it may hold credentials\)$/,
      ],
      [
        { REDIS_URL: 'http://:SuperSecret@10.0.0.5:6379/0' },
        'REDIS_URL',
        /\(got "http:\/\/10\.0\.0\.5:6379\/0", its credentials not shown\)$/,
      ],
      // Without a scheme, `user:password@host` parses as a URL whose scheme is the user and path the password.
      [{ REDIS_URL: 'default:SuperSecret@10.0.0.5:6379' }, 'REDIS_URL', /not a URL with a host, not shown/],
      [
        { MQTT_URL: 'http://u:SuperSecret@broker/mqtt?t=SuperSecret#SuperSecret' },
        'MQTT_URL',
        /"http:\/\/broker\/mqtt", its credentials, query and fragment not shown\)$/,
      ],
    ]
    for (const [env, variable, shown] of cases) {
      const err = configError(env)
      expect(err.variable).to.equal(variable)
      expect(err.message).to.match(shown)
      // Neither the message nor anything kept with it (the cause, as a log would print it) holds the secret.
      expect(inspect(err, { depth: null })).to.not.contain('SuperSecret')
    }
  })

  it('redacts URLs for logs: scheme, host and port, the path unless asked not to', () => {
    expect(redactUrl('redis://:hunter2@10.0.0.5:6379/0')).to.equal('redis://10.0.0.5:6379/0 (credentials not shown)')
    expect(redactUrl('https://eth-mainnet.g.alchemy.com/v2/SuperSecret', { path: false })).to.equal('https://eth-mainnet.g.alchemy.com/…')
    expect(redactUrl('wss://rpc.example')).to.equal('wss://rpc.example')
    expect(redactUrl('not a url')).to.equal('a value that is not a URL with a host, not shown as it may hold credentials')
  })

  it('reads ASSAY_PINNING_DATASETS as dataset ids or `all`', () => {
    expect(loadConfig({}).pinningDatasets).to.deep.equal([])
    expect(loadConfig({ ASSAY_PINNING_DATASETS: '3, 12' }).pinningDatasets).to.deep.equal(['3', '12'])
    expect(loadConfig({ ASSAY_PINNING_DATASETS: 'all' }).pinningDatasets).to.equal('all')
    expect(configError({ ASSAY_PINNING_DATASETS: '0,x' }).variable).to.equal('ASSAY_PINNING_DATASETS')
  })
})
