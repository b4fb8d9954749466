// Exit codes are part of lifeboat's interface: scripts and CI jobs branch on them.
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  partial: 3,
} as const;

/** An error meant for the user: one line that names the problem and the fix. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Wrong flags, a bad flag value, a broken config file: exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}
