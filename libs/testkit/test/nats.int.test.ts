import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import mqtt from 'mqtt'
import { describe, expect, it } from 'vitest'
import { findProgram } from '../src/external.js'
import { startNatsCluster, startNatsServer } from '../src/nats.js'

const nats = findProgram('nats-server')

/** The first line a NATS server sends a new client: `INFO {…}\r\n`. */
function readInfo(host: string, port: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port })
    let data = ''
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8')
      const end = data.indexOf('\r\n')
      if (end === -1) return
      socket.destroy()
      if (!data.startsWith('INFO ')) reject(new Error(`expected INFO, got ${data}`))
      else resolve(JSON.parse(data.slice(5, end)) as Record<string, unknown>)
    })
    socket.on('error', reject)
  })
}

/** Publishes one core NATS message (CONNECT, PUB, then PING so the PONG says it was processed). */
function natsPublish(port: number, subject: string, payload: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    let data = ''
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8')
      if (data.includes('PONG\r\n')) {
        socket.destroy()
        resolve()
      }
    })
    socket.once('connect', () => {
      const size = Buffer.byteLength(payload)
      socket.write(`CONNECT {"verbose":false}\r\nPUB ${subject} ${size}\r\n${payload}\r\nPING\r\n`)
    })
    socket.on('error', reject)
  })
}

/** True while a process with this id exists (signal 0 tests without signalling). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe.skipIf(!nats.available)('startNatsServer', () => {
  it('greets a raw TCP client with INFO, serves MQTT clients core NATS publishes, and restarts on its ports after a kill', async () => {
    const server = await startNatsServer({ mqtt: true })
    try {
      expect(server.url).toBe(`nats://127.0.0.1:${server.port}`)
      const info = await readInfo(server.host, server.port)
      expect(info).toMatchObject({ port: server.port, jetstream: true, server_name: 'sluice-nats' })

      // nats-server's MQTT listener: an MQTT 3.1.1 CONNECT gets a CONNACK.
      const client = await mqtt.connectAsync(server.mqttUrl!, {
        protocolVersion: 4,
        reconnectPeriod: 0,
        clientId: 'sluice-testkit',
      })
      expect(client.connected).toBe(true)
      // What `sluice up --nats`'s live table relies on: an MQTT subscription sees core NATS publishes,
      // subject sluice._sys.*.*.metrics as topic sluice/_sys/+/+/metrics.
      await client.subscribeAsync('sluice/_sys/+/+/metrics', { qos: 0 })
      const received = new Promise<string>((resolve) =>
        client.once('message', (topic, payload) => resolve(`${topic} ${payload.toString()}`)),
      )
      await natsPublish(server.port, 'sluice._sys.windowing.windowing-1.metrics', '{"hops":{}}')
      expect(await received).toBe('sluice/_sys/windowing/windowing-1/metrics {"hops":{}}')
      await client.endAsync()

      const firstPid = server.pid!
      await server.kill()
      expect(alive(firstPid)).toBe(false)
      expect(existsSync(server.storeDir)).toBe(true)
      await server.restart()
      expect(server.pid).not.toBe(firstPid)
      expect(await readInfo(server.host, server.port)).toMatchObject({ port: server.port })
      const jsz = await server.monitor<{ config: { store_dir: string } }>('/jsz')
      expect(jsz.config.store_dir).toContain(server.storeDir)
    } finally {
      await server.stop()
    }
    expect(existsSync(server.storeDir)).toBe(false)
  })
})

/** Sends CONNECT with `auth_token` and a PING; resolves with the server's answer line (PONG or -ERR). */
function login(port: number, token: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    let data = ''
    let sent = false
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8')
      if (!sent && data.includes('\r\n')) {
        sent = true
        socket.write(`CONNECT ${JSON.stringify({ auth_token: token, verbose: false })}\r\nPING\r\n`)
      }
      const answer = data.split('\r\n').find((l) => l === 'PONG' || l.startsWith('-ERR'))
      if (answer !== undefined) {
        socket.destroy()
        resolve(answer)
      }
    })
    socket.on('error', reject)
  })
}

describe.skipIf(!nats.available)('startNatsServer with a token', () => {
  it('takes the token exactly as given, quotes and backslashes included', async () => {
    const token = 'a "quoted" $token\\ # not a comment'
    const server = await startNatsServer({ authorization: { token } })
    try {
      expect(await login(server.port, token)).toBe('PONG')
      expect(await login(server.port, 'wrong')).toMatch(/^-ERR 'Authorization Violation'/)
    } finally {
      await server.stop()
    }
  })
})

describe.skipIf(!nats.available)('startNatsCluster', () => {
  it('forms a 3-node JetStream cluster with a meta leader, takes a crashed node back, and stops leaving no process', async () => {
    const cluster = await startNatsCluster(3)
    const pids = cluster.nodes.map((n) => n.pid!)
    try {
      expect(cluster.urls).toHaveLength(3)
      expect(new Set(cluster.urls).size).toBe(3)
      for (const node of cluster.nodes) {
        const routez = await node.monitor<{ num_routes: number }>('/routez')
        expect(routez.num_routes).toBe(2)
      }
      const jsz = await cluster.nodes[0]!.monitor<{
        meta_cluster?: { name: string; leader?: string; cluster_size: number }
      }>('/jsz')
      expect(jsz.meta_cluster).toMatchObject({ name: 'sluice-test', cluster_size: 3 })
      expect(jsz.meta_cluster?.leader).toMatch(/^sluice-nats-[123]$/)

      // A crashed node comes back on its ports and store, and rejoins.
      const node = cluster.nodes[0]!
      await node.kill()
      expect(alive(pids[0]!)).toBe(false)
      await node.restart()
      pids.push(node.pid!)
      expect((await node.monitor<{ num_routes: number }>('/routez')).num_routes).toBe(2)
    } finally {
      await cluster.stop()
    }
    expect(pids.filter(alive)).toEqual([])
    for (const node of cluster.nodes) expect(existsSync(node.storeDir)).toBe(false)
  })
})
