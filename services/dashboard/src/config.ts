/**
 * @module config
 * The dashboard's config: where its HTTP server listens (loopback by default, DESIGN.md §11), who may log
 * in when it listens elsewhere, and the bounds that keep memory flat on the server and in the browser:
 * how long data may wait for a frame to the browsers (and whether frames follow the data or a timer), how many samples per sensor one frame may carry (more are
 * decimated, keeping each bucket's min and max), how much history a fresh page gets, how many sensors
 * and service instances are tracked at most and when a quiet sensor is forgotten, and how many browsers
 * may connect and how far behind each may fall (issue 11).
 */
import { Type, type Static } from '@sinclair/typebox'

/** The dashboard's own settings. */
export const DashboardConfigSchema = Type.Object({
  host: Type.String({
    default: '127.0.0.1',
    description:
      'Address the HTTP server listens on; beyond loopback it needs httpUser/httpPassword.',
  }),
  port: Type.Integer({
    default: 8080,
    minimum: 0,
    maximum: 65_535,
    description: 'HTTP port (0: any free).',
  }),
  httpUser: Type.Optional(Type.String({ minLength: 1, description: 'HTTP Basic user name.' })),
  httpPassword: Type.Optional(Type.String({ minLength: 8, description: 'HTTP Basic password.' })),
  allowAnonymous: Type.Boolean({
    default: false,
    description: 'Serve beyond loopback without credentials (explicit opt-in, DESIGN.md §11).',
  }),
  publicDir: Type.String({
    default: '',
    description:
      'Directory holding the built page (index.html, app.js, app.css); default: the package’s.',
  }),
  frameMs: Type.Integer({
    default: 100,
    minimum: 10,
    maximum: 5000,
    description:
      'Longest a sample waits for the browsers, in ms: a frame goes out as soon as data arrives and the ' +
      'tabs have taken the previous one (at most one per 16 ms), or after frameMs at the latest.',
  }),
  framePacing: Type.Union([Type.Literal('adaptive'), Type.Literal('fixed')], {
    default: 'adaptive',
    description:
      'adaptive: frames follow the data and the tabs (see frameMs); fixed: one frame every frameMs, ' +
      'the behaviour before issue 16, kept as the benchmark baseline.',
  }),
  maxSamplesPerFrame: Type.Integer({
    default: 64,
    minimum: 2,
    maximum: 100_000,
    description: 'Most raw samples per sensor in one frame; beyond it min/max decimation applies.',
  }),
  historySamples: Type.Integer({
    default: 1200,
    minimum: 0,
    maximum: 100_000,
    description: 'Raw samples per sensor kept on the server for a page that connects.',
  }),
  ringCapacity: Type.Integer({
    default: 4096,
    minimum: 64,
    maximum: 1_000_000,
    description: 'Raw samples per sensor the browser keeps (its ring buffers).',
  }),
  maxSensors: Type.Integer({
    default: 2000,
    minimum: 1,
    maximum: 100_000,
    description: 'Most sensors the page shows; further ones are ignored (bounds memory).',
  }),
  maxServices: Type.Integer({
    default: 512,
    minimum: 1,
    maximum: 100_000,
    description: 'Most service instances the health view tracks (bounds memory).',
  }),
  sensorExpiryMs: Type.Integer({
    default: 600_000,
    minimum: 0,
    description:
      'A sensor silent this long is forgotten, history and all (0: never), so sensors that come ' +
      'and go do not add up.',
  }),
  maxClients: Type.Integer({
    default: 64,
    minimum: 1,
    maximum: 100_000,
    description:
      'Most browser tabs connected at once; more get a 503 that says so (counted as refusedBrowsers).',
  }),
  clientBacklogBytes: Type.Integer({
    default: 4 * 1024 * 1024,
    minimum: 65_536,
    description:
      'Most unsent bytes per browser: a tab further behind misses frames (counted), and the snapshot a tab starts from is cut to half of it.',
  }),
  devices: Type.Array(Type.String({ pattern: '^([a-z0-9][a-z0-9_-]*|\\+)$' }), {
    default: ['+'],
    minItems: 1,
    description: 'Devices to show (`+` = all).',
  }),
})

/** The dashboard's own settings, as read. */
export type DashboardConfig = Static<typeof DashboardConfigSchema>
