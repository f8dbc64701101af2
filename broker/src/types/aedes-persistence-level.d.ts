// aedes-persistence-level 9.x ships no types; it takes a `level` database and returns an Aedes 1.x
// persistence (see its README).
declare module 'aedes-persistence-level' {
  import type { AedesPersistence } from 'aedes-persistence'
  export default function aedesPersistenceLevel(db: unknown): AedesPersistence
}
