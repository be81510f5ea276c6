/** A mistake in how the command was called; printed without a stack trace, exit status 2. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}
