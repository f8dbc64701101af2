/**
 * @module transport/nats/nats-config
 * The `nats` block of every service's config: what a `--broker nats://…` connection needs beyond the URL
 * (docs/brokers.md). Ignored on MQTT.
 */
import { Type } from '@sinclair/typebox'

/** `--nats.*` options. */
export const NatsConfigSchema = Type.Object(
  {
    token: Type.Optional(
      Type.String({
        description: 'NATS: an authorization token (prefer SLUICE_NATS__TOKEN to a flag).',
      }),
    ),
    ca: Type.Optional(
      Type.String({
        description: "NATS: PEM file of the CA that signed the server's TLS certificate.",
      }),
    ),
    cert: Type.Optional(
      Type.String({ description: 'NATS: PEM file of a TLS client certificate.' }),
    ),
    key: Type.Optional(
      Type.String({ description: "NATS: PEM file of the client certificate's key." }),
    ),
    leaseMs: Type.Integer({
      minimum: 500,
      maximum: 600_000,
      default: 5000,
      description:
        "NATS: this service's status is renewed every third of this; when it stops being renewed (a " +
        'crash), every other service reads its last will (offline) after this long.',
    }),
    maxAckPending: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 1024,
      description:
        'NATS: unacknowledged messages per JetStream consumer before the server stops delivering (the ' +
        'block policy pushes back through it).',
    }),
    stream: Type.Object(
      {
        maxBytes: Type.Integer({
          minimum: 1024,
          default: 64 * 1024 * 1024,
          description:
            'NATS: bytes each stream (raw, window, anomaly) may hold, when this service creates it.',
        }),
        maxAgeMs: Type.Integer({
          minimum: 1000,
          default: 3_600_000,
          description: 'NATS: how long a stream keeps a message, when this service creates it.',
        }),
        discard: Type.Union([Type.Literal('old'), Type.Literal('new')], {
          default: 'old',
          description:
            'NATS: a full stream evicts its oldest message (old) or refuses the publish (new, counted ' +
            'as a failed publish).',
        }),
        replicas: Type.Integer({
          minimum: 1,
          maximum: 5,
          default: 1,
          description:
            'NATS: copies of each stream and of the retained bucket in a JetStream cluster (3 for R3).',
        }),
      },
      {
        default: {},
        description: 'NATS: limits of the streams this service creates if they are missing.',
      },
    ),
  },
  { default: {}, description: 'Options of a NATS connection (--broker nats://…).' },
)
