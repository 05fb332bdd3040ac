// Pipelines: BullMQ queues and workers on Redis. This issue provides the Redis service; the
// publish flow arrives with the publishing issue.
export { REDIS_INSTALL_HINT, startRedis } from './start-redis.js'
export type { RedisService, StartRedisOptions } from './start-redis.js'
