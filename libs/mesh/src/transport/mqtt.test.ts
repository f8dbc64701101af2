import { Socket } from 'node:net'
import { MqttClient } from 'mqtt'
import { startAedes, startTcpProxy, type RunningAedes } from '@sluice/testkit'
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
      // And what one turn writes goes out at its end, in one write (writeOncePerTurn).
      const socket = noDelay.mock.contexts[0] as Socket
      socket.write(Buffer.from([0xc0, 0x00])) // PINGREQ
      expect(socket.writableCorked).toBe(1)
    } finally {
      await transport.close()
    }
  })

  it('rearms one keepalive timer on every acknowledgement instead of setting a new one', async () => {
    const transport = createMqttTransport({ url: aedes.url, clientId: 'keepalive-rearm' })
    await transport.connect()
    const made = vi.spyOn(globalThis, 'setInterval')
    try {
      // Each PUBACK rearms the keepalive: mqtt.js's own timer cleared and set an interval for each.
      for (let i = 0; i < 20; i++) await transport.publish('ka/test', 'x', { qos: 1 })
      expect(made.mock.calls.length).toBeLessThan(3)
    } finally {
      await transport.close()
    }
  })

  it('still pings a silent connection once per keepalive', async () => {
    const pings = vi.spyOn(MqttClient.prototype, 'sendPing')
    const transport = createMqttTransport({
      url: aedes.url,
      clientId: 'keepalive-ping',
      keepalive: 1,
    })
    await transport.connect()
    try {
      // Pinged at about 1 and 2 s; each PINGRESP rearms the timer, so the connection stays up.
      await new Promise((resolve) => setTimeout(resolve, 2600))
      expect(pings.mock.calls.length).toBeGreaterThanOrEqual(2)
      expect(transport.connected).toBe(true)
    } finally {
      await transport.close()
    }
  })

  it('hands a subscription its retained messages again after a reconnect to a kept session', async () => {
    // A link between client and broker that the test can cut; the broker keeps the session.
    const proxy = await startTcpProxy(aedes.port)
    const url = `mqtt://127.0.0.1:${String(proxy.port)}`
    const other = createMqttTransport({ url: aedes.url, clientId: 'retained-other' })
    const member = createMqttTransport({
      url,
      clientId: 'retained-member',
      clean: false,
      reconnectPeriod: 100,
    })
    const heard: string[] = []
    member.onMessage((m, ack) => {
      if (m.retain) heard.push(m.topic)
      ack()
    })
    let connects = 0
    member.onEvent((e) => {
      if (e.type === 'connect') connects++
    })
    try {
      await other.connect()
      await member.connect()
      await other.publish('rt/_sys/w/w2/status', 'online', { qos: 1, retain: true })
      await member.subscribe('rt/_sys/+/+/status', 1)
      await vi.waitFor(() => expect(heard).toEqual(['rt/_sys/w/w2/status']))
      proxy.cut()
      await vi.waitFor(() => expect(connects).toBe(2), { timeout: 5000 })
      await vi.waitFor(() => expect(heard).toHaveLength(2), { timeout: 5000 })
      expect(heard).toEqual(['rt/_sys/w/w2/status', 'rt/_sys/w/w2/status'])
    } finally {
      await member.close()
      await other.close()
      await proxy.stop()
    }
  })
})
