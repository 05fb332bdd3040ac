import { once } from 'node:events'
import { connect } from 'node:net'
import { expect } from 'chai'
import { reservePort } from '../../cli/reserve-port.js'
import { findFreePort } from '../../core/node.js'
import { caught } from '../helpers/errors.js'

describe('reservePort (a node holds its fixed PORT while its services start)', () => {
  it('drops a client that connects meanwhile, so releasing never waits for it', async () => {
    const port = await findFreePort()
    const reservation = await reservePort(port, '127.0.0.1')
    // A CLI retrying while the node restarts: it connects and would keep the connection open.
    const client = connect(port, '127.0.0.1')
    client.on('error', () => undefined) // a reset is what it should get
    await once(client, 'close')
    await reservation.release()
    await reservation.release() // idempotent
  })

  it('refuses a port that is taken, naming it', async () => {
    const port = await findFreePort()
    const first = await reservePort(port, '127.0.0.1')
    try {
      const err = await caught(() => reservePort(port, '127.0.0.1'))
      expect(err.name).to.equal('ServiceError')
      expect(err.message).to.contain(`cannot listen on 127.0.0.1:${port}`)
    } finally {
      await first.release()
    }
  })
})
