/**
 * @module persistence/level-persistence
 * aedes-persistence-level 9.x, typed here: it ships no types, and an ambient `declare module` would have to
 * be part of every program that type-checks the broker's sources. It takes a `level` database and returns
 * an Aedes persistence (see its README).
 */
import { createRequire } from 'node:module'
import type { AedesPersistence } from 'aedes-persistence'

const require = createRequire(import.meta.url)

/** Creates an Aedes persistence on a `level` database. */
export const levelPersistence = require('aedes-persistence-level') as (
  db: unknown,
) => AedesPersistence
