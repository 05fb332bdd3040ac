// Services the pipelines run on and the helper that bounds their shutdown: a local Redis (the
// BullMQ flow) and mosquitto (MQTT stream ingest), each started as a managed process. Node-only.
export { REDIS_INSTALL_HINT, startRedis } from './start-redis.js'
export type { RedisService, StartRedisOptions } from './start-redis.js'
export { MOSQUITTO_INSTALL_HINT, startMosquitto } from './start-mosquitto.js'
export type { MqttBroker } from './start-mosquitto.js'
export { settlesWithin, ShutdownTimeoutError } from './settles-within.js'
