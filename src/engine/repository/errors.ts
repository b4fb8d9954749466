// Typed errors of the repository. Each message is one line that names the problem and, where
// there is one, the fix: callers (the CLI, the backup engine) print them as they are.
import { mention } from '../mentions.ts';

export class RepositoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** No key file opens with the given password. */
export class WrongPasswordError extends RepositoryError {}

/** The location holds no repository (no `config` file). */
export class RepositoryNotFoundError extends RepositoryError {
  constructor(readonly location: string) {
    super(`no repository at ${location}: create one with ${mention('repoInit')}`);
  }
}

/** `init` on a location that already holds a repository. */
export class RepositoryExistsError extends RepositoryError {}

/** Another process holds a lock that conflicts with ours. */
export class RepositoryLockedError extends RepositoryError {}

/** A file or blob failed its MAC or its hash: the repository is damaged. */
export class IntegrityError extends RepositoryError {}

/** A snapshot id, prefix or path that names nothing (or more than one thing). */
export class NotFoundError extends RepositoryError {}

/** Restore refused an entry that would write outside the target folder. */
export class UnsafePathError extends RepositoryError {}

/** The repository cannot be used as configured (no credentials, say): a configuration error. */
export class RepositoryConfigError extends RepositoryError {}
