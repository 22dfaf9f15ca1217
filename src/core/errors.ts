/**
 * An error the user caused and can fix. Its message is shown as-is, as one line,
 * and the command exits non-zero. Anything else that is thrown is an internal error.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function appNotFound(app: string): UserError {
  return new UserError(`app "${app}" does not exist; create it with: paas apps:create ${app}`);
}

/** One line, whatever the error: the contract is a single clear line on stderr. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
