import { JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream'
import { dataStreams } from '@sluice/contract'
import { describe, expect, it } from 'vitest'
import { DEFAULT_STREAM_LIMITS, ensureStreams } from './streams.js'

const notFound = () =>
  new JetStreamApiError({ code: 404, err_code: 10059, description: 'stream not found' })
const timeout = () => Object.assign(new Error('timeout'), { name: 'TimeoutError' })

/**
 * A JetStream that has just formed a cluster: its first answer to each kind of request is lost (a
 * timeout), then it answers; no stream exists until added.
 */
function justFormed() {
  const made = new Set<string>()
  const calls = { info: 0, add: 0 }
  let infoLost = false
  let addLost = false
  const jsm = {
    streams: {
      info(name: string) {
        calls.info++
        if (!infoLost) {
          infoLost = true
          return Promise.reject(timeout())
        }
        return made.has(name) ? Promise.resolve({ config: { name } }) : Promise.reject(notFound())
      },
      add(config: { name: string }) {
        calls.add++
        // The first add is made, but its answer is lost: sent again, it answers as made.
        made.add(config.name)
        if (!addLost) {
          addLost = true
          return Promise.reject(timeout())
        }
        return Promise.resolve({ config })
      },
    },
  }
  return { jsm: jsm as unknown as JetStreamManager, made, calls }
}

describe('ensureStreams', () => {
  it('asks again when a just-formed cluster does not answer, and makes every stream', async () => {
    const { jsm, made, calls } = justFormed()
    const streams = dataStreams('sluice')
    await ensureStreams(jsm, streams, DEFAULT_STREAM_LIMITS, {
      stopped: () => false,
      deadlineMs: 5000,
    })
    expect([...made].sort()).toEqual(streams.map((s) => s.name).sort())
    // One lost info and one lost add, each sent again; the rest answered at once.
    expect(calls).toEqual({ info: streams.length + 1, add: streams.length + 1 })
  })

  it('gives up at the deadline when the cluster never answers', async () => {
    const jsm = {
      streams: { info: () => Promise.reject(timeout()), add: () => Promise.reject(timeout()) },
    } as unknown as JetStreamManager
    const started = Date.now()
    await expect(
      ensureStreams(jsm, dataStreams('sluice'), DEFAULT_STREAM_LIMITS, {
        stopped: () => false,
        deadlineMs: 300,
      }),
    ).rejects.toThrow('timeout')
    expect(Date.now() - started).toBeLessThan(3000)
  })
})
