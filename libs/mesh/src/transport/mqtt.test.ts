import { Socket } from 'node:net'
import { startAedes, type RunningAedes } from '@sluice/testkit'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMqttTransport } from './mqtt.js'

describe('createMqttTransport', () => {
  let aedes: RunningAedes
  beforeEach(async () => {
    aedes = await startAedes()
  })
  afterEach(async () => {
    vi.restoreAllMocks()
    await aedes.stop()
  })

  it("turns Nagle's algorithm off on its socket, so a lone packet is not held for an ACK", async () => {
    const noDelay = vi.spyOn(Socket.prototype, 'setNoDelay')
    const transport = createMqttTransport({ url: aedes.url, clientId: 'nodelay-test' })
    await transport.connect()
    try {
      // The broker here is stock Aedes (no setNoDelay of its own): every call is the client's.
      expect(noDelay).toHaveBeenCalledWith(true)
    } finally {
      await transport.close()
    }
  })
})
