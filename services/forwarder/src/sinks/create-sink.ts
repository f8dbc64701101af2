/**
 * @module sinks/create-sink
 * Builds a sink from its config entry: the one place that knows every sink type.
 */
import { join } from 'node:path'
import type { SinkConfig } from '../config.js'
import { createFileSink } from './file.js'
import { createHttpSink } from './http.js'
import { createInfluxSink } from './influx.js'
import { createMqttSink } from './mqtt.js'
import type { Sink } from './sink.js'

/** Creates the sink a config entry describes. */
export function createSink(c: SinkConfig, dataDir: string): Sink {
  const opt = <T>(v: T | undefined, k: string): Record<string, T> =>
    v === undefined ? {} : { [k]: v }
  switch (c.type) {
    case 'file':
      return createFileSink({
        name: c.name,
        path: c.path ?? join(dataDir, `${c.name}.jsonl`),
        rotateBytes: c.rotateBytes,
        keep: c.keep,
      })
    case 'influx':
      return createInfluxSink({
        name: c.name,
        url: c.url,
        apiVersion: c.apiVersion,
        timeoutMs: c.timeoutMs,
        ...opt(c.database, 'database'),
        ...opt(c.retentionPolicy, 'retentionPolicy'),
        ...opt(c.username, 'username'),
        ...opt(c.password, 'password'),
        ...opt(c.org, 'org'),
        ...opt(c.bucket, 'bucket'),
        ...opt(c.token, 'token'),
      })
    case 'http':
      return createHttpSink({
        name: c.name,
        url: c.url,
        headers: c.headers,
        timeoutMs: c.timeoutMs,
        ...opt(c.hmacSecret, 'hmacSecret'),
      })
    case 'mqtt':
      return createMqttSink({
        name: c.name,
        url: c.url,
        qos: c.qos,
        rejectUnauthorized: c.rejectUnauthorized,
        timeoutMs: c.timeoutMs,
        ...opt(c.username, 'username'),
        ...opt(c.password, 'password'),
        ...opt(c.clientId, 'clientId'),
        ...opt(c.topicPrefix, 'topicPrefix'),
        ...opt(c.caFile, 'caFile'),
        ...opt(c.certFile, 'certFile'),
        ...opt(c.keyFile, 'keyFile'),
      })
  }
}
