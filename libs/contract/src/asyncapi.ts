/**
 * @module asyncapi
 * Builds the AsyncAPI 3 document of the Sluice mesh from the same topic templates and JSON Schemas the
 * code uses, so the published description cannot drift from the wire (`docs/asyncapi.yaml` is generated
 * from it by `pnpm --filter @sluice/contract gen:asyncapi`, and a test fails when the file is stale).
 * Spec: https://www.asyncapi.com/docs/reference/specification/v3.0.0
 */
import { DEFAULT_PREFIX } from './topics.js'
import { MessageIds, type MessageId } from './message-ids.js'
import { MessageSchemas, type PayloadById } from './schemas.js'
import type { WindowAggregate } from './payloads/window.js'
import type { TSchema } from '@sinclair/typebox'
import {
  DEVICE_FORM_EXAMPLES,
  DeviceFieldsSchema,
  DeviceFormIds,
  DeviceValueSchema,
  SenmlPackSchema,
} from './device-forms.js'

/** A device form's message id (what a device publishing directly may send, see device-forms.ts). */
type DeviceFormId = (typeof DeviceFormIds)[keyof typeof DeviceFormIds]

const DEVICE_FORM_SCHEMAS: { readonly [K in DeviceFormId]: TSchema } = {
  [DeviceFormIds.value]: DeviceValueSchema,
  [DeviceFormIds.fields]: DeviceFieldsSchema,
  [DeviceFormIds.senml]: SenmlPackSchema,
}

/** One channel of the document: a topic template with its parameters and messages. */
export interface AsyncApiChannelSpec {
  /** Channel key in the document. */
  readonly key: string
  /** MQTT topic template; `{name}` marks a parameter. */
  readonly address: string
  readonly description: string
  readonly messages: readonly (MessageId | DeviceFormId)[]
  /** Who publishes to it. */
  readonly publisher: string
  readonly retained: boolean
  readonly qos: 0 | 1 | 2
}

/**
 * The channels of DESIGN.md §3, as templates. The topic builders produce exactly these addresses; a
 * test fills each template and checks it against the builder and `parseTopic`.
 */
export const ASYNCAPI_CHANNELS: readonly AsyncApiChannelSpec[] = [
  {
    key: 'raw',
    address: '{prefix}/{device}/{channel}/raw',
    description:
      'Raw samples of one sensor channel, one at a time or batched at high rates. A device publishing ' +
      'directly may send less: a bare number, {"value"} or a SenML pack.',
    messages: [MessageIds.raw, MessageIds.rawBatch, DeviceFormIds.value, DeviceFormIds.senml],
    publisher: 'serial-bridge or a device',
    retained: false,
    qos: 0,
  },
  {
    key: 'device-raw',
    address: '{prefix}/{device}/raw',
    description:
      'Readings of several channels of one device publishing directly (ESP32, Tasmota, ESPHome): named ' +
      'numeric fields or a SenML pack, one channel each; a bare number or {"value"} is channel "value".',
    messages: [DeviceFormIds.fields, DeviceFormIds.senml, DeviceFormIds.value],
    publisher: 'a device',
    retained: false,
    qos: 0,
  },
  {
    key: 'window',
    address: '{prefix}/{device}/{channel}/window/{name}',
    description:
      'Aggregates of one named window of one sensor channel, one at a time, or several as a JSON array ' +
      'while they come faster than the windowing service can send them one by one.',
    messages: [MessageIds.window, MessageIds.windowBatch],
    publisher: 'windowing',
    retained: false,
    qos: 1,
  },
  {
    key: 'anomaly',
    address: '{prefix}/{device}/{channel}/anomaly',
    description: 'Anomaly events of one sensor channel.',
    messages: [MessageIds.anomaly],
    publisher: 'anomaly',
    retained: false,
    qos: 1,
  },
  {
    key: 'rate',
    address: '{prefix}/{device}/_ctl/rate',
    description: 'Sampling-rate commands to one device; the serial bridge forwards them as R<hz>.',
    messages: [MessageIds.rate],
    publisher: 'dashboard or operator',
    retained: false,
    qos: 1,
  },
  {
    key: 'status',
    address: '{prefix}/_sys/{service}/{instance}/status',
    description:
      'Retained liveness of one service instance: "online" at start, "offline" as its last will.',
    messages: [MessageIds.status],
    publisher: 'every service',
    retained: true,
    qos: 1,
  },
  {
    key: 'sensors',
    address: '{prefix}/_sys/{service}/{instance}/sensors/{device}',
    description:
      'Retained sensor registry: the channels of one device its publisher knows of. The members of a ' +
      'group assign the sensors they find here (DESIGN.md §12).',
    messages: [MessageIds.sensors],
    publisher: 'serial-bridge, or a lone group member that discovered a device',
    retained: true,
    qos: 1,
  },
  {
    key: 'handover',
    address: '{prefix}/_sys/{service}/{instance}/handover/{to}',
    description:
      'The state of one unit (sensor or device), from its old owner to its new owner {to}.',
    messages: [MessageIds.handover],
    publisher: 'windowing, anomaly',
    retained: false,
    qos: 1,
  },
  {
    key: 'progress',
    address: '{prefix}/_sys/{service}/{instance}/progress/{chunk}',
    description:
      'Retained: the last sequence number handled per owned sensor, so a crash can be counted exactly.',
    messages: [MessageIds.progress],
    publisher: 'windowing, anomaly',
    retained: true,
    qos: 1,
  },
  {
    key: 'metrics',
    address: '{prefix}/_sys/{service}/{instance}/metrics',
    description: 'Hop metrics of one service instance, every second.',
    messages: [MessageIds.metrics],
    publisher: 'every service',
    retained: false,
    qos: 0,
  },
]

const PARAMETERS: Readonly<Record<string, { description: string; default?: string }>> = {
  prefix: {
    description:
      'Topic prefix, configurable; one or more "/"-separated identifiers ([a-z0-9][a-z0-9_-]*).',
    default: DEFAULT_PREFIX,
  },
  device: { description: 'Device id, an identifier ([a-z0-9][a-z0-9_-]*).' },
  channel: { description: 'Channel name, an identifier ([a-z0-9][a-z0-9_-]*).' },
  name: { description: 'Window name, an identifier ([a-z0-9][a-z0-9_-]*).' },
  service: { description: 'Service name, an identifier ([a-z0-9][a-z0-9_-]*).' },
  instance: { description: 'Instance id, an identifier ([a-z0-9][a-z0-9_-]*).' },
  to: { description: 'The instance a handover is addressed to, an identifier.' },
  chunk: { description: 'A checkpoint chunk number (0, 1, …).' },
}

/** The example window aggregate, which the window batch's example varies. */
const WINDOW_EXAMPLE: WindowAggregate = {
  window: 'w5s',
  kind: 'sliding',
  start: 1732480000000,
  end: 1732480005000,
  count: 50,
  mean: 451.2,
  std: 3.1,
  min: 440,
  max: 460,
  first: 450,
  last: 452,
  seqFrom: 1000,
  seqTo: 1049,
  late: 0,
  ingestMax: 1732480005001.2,
}

/** One valid example per message, embedded in the document (and decoded by a test). */
export const MESSAGE_EXAMPLES: { readonly [K in MessageId]: PayloadById[K] } = {
  [MessageIds.raw]: { seq: 1234, t: 1732480000123.4, value: 450, ingest: 1732480000123.9 },
  [MessageIds.rawBatch]: {
    seq: [1234, 1235],
    t: [1732480000123.4, 1732480000133.4],
    value: [450, 451],
    ingest: [1732480000123.9, 1732480000133.8],
  },
  [MessageIds.window]: WINDOW_EXAMPLE,
  [MessageIds.windowBatch]: [
    {
      ...WINDOW_EXAMPLE,
      window: 'c100',
      kind: 'hopping',
      end: 1732480009900,
      count: 100,
      seqTo: 1099,
      ingestMax: 1732480009901.2,
    },
    {
      ...WINDOW_EXAMPLE,
      window: 'c100',
      kind: 'hopping',
      start: 1732480002500,
      end: 1732480012400,
      count: 100,
      mean: 451.9,
      seqFrom: 1025,
      seqTo: 1124,
      ingestMax: 1732480012401.1,
    },
  ],
  [MessageIds.anomaly]: {
    seq: 1234,
    t: 1732480000123.4,
    value: 900,
    score: 6.2,
    threshold: 2,
    detector: 'zscore',
    level: 'very-unusual',
    kind: 'spike',
    baseline: { mean: 450, std: 12, n: 120 },
    ingest: 1732480000123.9,
    scope: 'channel',
    episode: {
      id: 'arduino-1/light/1732480000123.4',
      phase: 'start',
      startT: 1732480000123.4,
      lastT: 1732480000123.4,
      durationMs: 0,
      alerts: 1,
      peakScore: 6.2,
      channels: ['light'],
    },
  },
  [MessageIds.status]: {
    state: 'online',
    version: '0.1.0',
    host: 'pi',
    since: 1732480000000,
    service: 'windowing',
    instance: 'w1',
    pid: 4242,
  },
  [MessageIds.sensors]: {
    device: 'pump-1',
    channels: ['current', 'pressure', 'flow'],
    t: 1732480000000,
  },
  [MessageIds.handover]: {
    group: 'windowing',
    from: 'w1',
    to: 'w2',
    unit: 'pump-1/current',
    generation: 7,
    positions: { 'pump-1/current': 1234 },
    state: { windows: {} },
    t: 1732480000000,
  },
  [MessageIds.progress]: {
    group: 'windowing',
    instance: 'w1',
    positions: { 'pump-1/current': 1234 },
    t: 1732480000000,
  },
  [MessageIds.metrics]: {
    service: 'windowing',
    instance: 'w1',
    t: 1732480001000,
    hops: {
      'raw-in': {
        direction: 'in',
        qos: 1,
        policy: 'drop-oldest',
        in: 5000,
        out: 4990,
        dropped: { oldest: 10 },
        rejected: 0,
        queue: { length: 12, capacity: 10000 },
        lambda: 5000,
        mu: 5200,
        rho: 0.96,
        w: 2.4,
        l: 12,
        lMeasured: 11.8,
        latency: { p50: 1.2, p95: 3.4, p99: 6.1 },
        state: 'ok',
        gaps: 10,
        unexplainedLoss: 0,
      },
    },
  },
  [MessageIds.rate]: { hz: 10 },
}

/** A JSON value with the TypeBox symbols stripped: what a JSON Schema looks like on disk. */
function plainJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value))
}

/** The key of a message in `components`; message ids are valid component keys (`^[a-zA-Z0-9.\-_]+$`). */
function componentKey(id: MessageId | DeviceFormId): string {
  return id
}

/** Options of {@link createAsyncApiDocument}. */
export interface AsyncApiOptions {
  /** The `info.version` of the document (default `1.0.0`, matching the `v1` message ids). */
  readonly version?: string
}

/**
 * Builds the AsyncAPI 3.0.0 document: one channel per topic template, one `send` operation per channel
 * (from its publisher's point of view), and every message with its JSON Schema and an example.
 *
 * @example
 * ```ts
 * import { stringify } from 'yaml'
 * writeFileSync('docs/asyncapi.yaml', stringify(createAsyncApiDocument()))
 * ```
 */
export function createAsyncApiDocument(options: AsyncApiOptions = {}): Record<string, unknown> {
  const channels: Record<string, unknown> = {}
  const operations: Record<string, unknown> = {}
  for (const ch of ASYNCAPI_CHANNELS) {
    const params = [...ch.address.matchAll(/\{([a-z]+)\}/g)].map((m) => m[1]!)
    channels[ch.key] = {
      address: ch.address,
      description: `${ch.description} Published by ${ch.publisher}${ch.retained ? ', retained' : ''}.`,
      parameters: Object.fromEntries(params.map((p) => [p, PARAMETERS[p]])),
      messages: Object.fromEntries(
        ch.messages.map((id) => [componentKey(id), { $ref: `#/components/messages/${id}` }]),
      ),
    }
    operations[`publish-${ch.key}`] = {
      action: 'send',
      summary: `${ch.publisher} publishes to ${ch.address}`,
      channel: { $ref: `#/channels/${ch.key}` },
      messages: ch.messages.map((id) => ({ $ref: `#/channels/${ch.key}/messages/${id}` })),
      bindings: { mqtt: { qos: ch.qos, retain: ch.retained, bindingVersion: '0.2.0' } },
    }
  }
  const messages: Record<string, unknown> = {}
  const schemas: Record<string, unknown> = {}
  for (const id of Object.values(MessageIds)) {
    const schema = MessageSchemas[id]
    schemas[id] = plainJson(schema)
    messages[componentKey(id)] = {
      name: id,
      title: schema.title,
      summary: schema.description,
      contentType: 'application/json',
      payload: { $ref: `#/components/schemas/${id}` },
      examples: [{ name: 'example', payload: MESSAGE_EXAMPLES[id] }],
    }
  }
  for (const id of Object.values(DeviceFormIds)) {
    const schema = DEVICE_FORM_SCHEMAS[id]
    schemas[id] = plainJson(schema)
    messages[componentKey(id)] = {
      name: id,
      title: schema.title,
      summary: schema.description,
      contentType: 'application/json',
      payload: { $ref: `#/components/schemas/${id}` },
      examples: [{ name: 'example', payload: plainJson(DEVICE_FORM_EXAMPLES[id]) }],
    }
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Sluice',
      version: options.version ?? '1.0.0',
      description:
        'Stream-processing mesh for IoT sensors over MQTT. Payloads are UTF-8 JSON; times are ' +
        'milliseconds since the epoch and may have a fraction. Generated from @sluice/contract; ' +
        'do not edit by hand.',
      license: { name: 'MIT' },
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { schemas, messages },
  }
}
