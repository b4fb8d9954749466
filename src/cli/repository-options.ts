// Where the repository is and what its password is, for every command that uses it.
// Location: -r/--repo > $LIFEBOAT_REPOSITORY > config repository.url > the XDG data folder.
// Password: --password-file > $LIFEBOAT_PASSWORD > config repository.passwordFile.
import fs from 'node:fs';
import path from 'node:path';
import type { CommandContext } from './command.ts';
import { CliError, UsageError } from './errors.ts';
import { loadEnvironmentConfig } from './environment.ts';
import type { LifeboatConfig } from '../engine/config/schema.ts';
import { defaultRepositoryFolder } from '../engine/repository/backend/local.ts';
import { locationText, openBackend, parseLocation, type RepositoryLocation } from '../engine/repository/backend/location.ts';
import { RepositoryConfigError, RepositoryError } from '../engine/repository/errors.ts';
import { Repository } from '../engine/repository/repository.ts';
import { SECRET_PLACEHOLDER } from '../engine/cluster/manifests.ts';

/** The config the command names (`loaded`, when the caller has read it already). */
function config(ctx: CommandContext, loaded?: LifeboatConfig): LifeboatConfig {
  return loaded ?? loadEnvironmentConfig(ctx).config;
}

/** The parsed location; a scheme lifeboat does not read is a usage error (exit 2). */
export function parsedRepositoryLocation(ctx: CommandContext, loaded?: LifeboatConfig): RepositoryLocation {
  const loc = ctx.globals.repo ?? (ctx.env.LIFEBOAT_REPOSITORY || undefined) ?? config(ctx, loaded).repository?.url ?? defaultRepositoryFolder(ctx.env);
  try {
    return parseLocation(loc, ctx.cwd);
  } catch (e) {
    throw asCliError(e);
  }
}

/** The location as printed: an absolute folder or an s3: URL. */
export function repositoryLocation(ctx: CommandContext): string {
  return locationText(parsedRepositoryLocation(ctx));
}

export function repositoryPassword(ctx: CommandContext, loaded?: LifeboatConfig): string {
  const file = ctx.globals.passwordFile ? path.resolve(ctx.cwd, ctx.globals.passwordFile) : undefined;
  let password: string | undefined;
  if (file) password = readPasswordFile(file, '--password-file');
  else if (ctx.env.LIFEBOAT_PASSWORD) password = ctx.env.LIFEBOAT_PASSWORD;
  else {
    const f = config(ctx, loaded).repository?.passwordFile;
    if (f) password = readPasswordFile(f, 'repository.passwordFile in the config');
  }
  if (!password) {
    throw new UsageError('no repository password: give --password-file FILE or set LIFEBOAT_PASSWORD');
  }
  if (password === SECRET_PLACEHOLDER) {
    throw new UsageError("the repository password is the placeholder of 'lifeboat install --dry-run': install with 'lifeboat install', or print the values with --dry-run --show-secrets");
  }
  return password;
}

function readPasswordFile(file: string, from: string): string {
  try {
    return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`the password file ${file} (from ${from}) does not exist: check the path, or set LIFEBOAT_PASSWORD`);
    if (code === 'EACCES') throw new UsageError(`the password file ${file} (from ${from}) cannot be read by this user: check its owner and mode`);
    throw new UsageError(`cannot read the password file ${file} (from ${from}): ${code ?? (e as Error).message}`);
  }
}

/** Names each damaged file the command met and skipped (one warning line each, on stderr). */
export function reportDamage(ctx: CommandContext, repo: Repository): void {
  for (const [file, why] of repo.unreadable) ctx.err(`warning: ${file} in ${repo.backend.location} cannot be read: ${why}; 'lifeboat repo check' names all damage`);
}

/** Turns repository errors into one-line CLI errors (exit 1). */
export function asCliError(e: unknown): unknown {
  if (e instanceof RepositoryConfigError) return new UsageError(e.message);
  if (e instanceof RepositoryError) return new CliError(e.message);
  return e;
}

/** Opens (or with `create`, makes) the repository the command line names; errors are one line, exit 1. */
export async function openRepository(ctx: CommandContext, create = false): Promise<Repository> {
  const location = parsedRepositoryLocation(ctx);
  const password = repositoryPassword(ctx);
  const backend = openBackend(location, ctx.env);
  try {
    return await (create ? Repository.init(backend, password) : Repository.open(backend, password));
  } catch (e) {
    throw asCliError(e);
  }
}
