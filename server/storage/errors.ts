// Typed errors of the storage backends, so that the server's entry point can
// tell an operator's mistake (wrong schema, unreachable database) from a bug.

export class StorageError extends Error {
  override readonly name: string = 'StorageError';
}

/** The database was written by a newer server (a migration this build does not know), or by an incompatible one. */
export class SchemaVersionError extends StorageError {
  override readonly name = 'SchemaVersionError';
}

/** A schema migration failed; it was rolled back whole. */
export class MigrationError extends StorageError {
  override readonly name = 'MigrationError';
}

/** The `--db` value names no backend this server has. */
export class StorageConfigError extends StorageError {
  override readonly name = 'StorageConfigError';
}
