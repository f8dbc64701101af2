/**
 * @module sinks/create-sink
 * Builds a sink from its config entry: the one place that knows every sink type.
 */
import { join } from 'node:path'
import type { SinkConfig } from '../config.js'
import { createFileSink } from './file.js'
import type { Sink } from './sink.js'

/** Creates the sink a config entry describes. */
export function createSink(config: SinkConfig, dataDir: string): Sink {
  switch (config.type) {
    case 'file':
      return createFileSink({
        name: config.name,
        path: config.path ?? join(dataDir, `${config.name}.jsonl`),
        rotateBytes: config.rotateBytes,
        keep: config.keep,
      })
    default:
      throw new Error(`sink type ${config.type} is not available yet`)
  }
}
