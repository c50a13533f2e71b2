// Turning any failure into one line on stderr and an exit status; a stack trace is never shown.
import { GuestImageError, HypervisorUnavailableError, KvmError } from '../abi/index.js';
import { CmdlineTooLongError } from '../machine/boot/start-info.js';
import { ExitCode } from './exit-codes.js';

/** A bad command line; the message says what to write instead. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface Failure {
  message: string;
  status: number;
}

export function failureOf(err: unknown): Failure {
  if (err instanceof UsageError || err instanceof CmdlineTooLongError)
    return { message: err.message, status: ExitCode.BadInput };
  if (err instanceof GuestImageError) return { message: err.message, status: ExitCode.BadInput };
  if (err instanceof HypervisorUnavailableError) return { message: err.message, status: ExitCode.BackendUnavailable };
  if (err instanceof KvmError)
    return { message: `${err.message}; the kvm backend refused the guest`, status: ExitCode.InternalError };
  const message = err instanceof Error ? err.message : String(err);
  return {
    message: `internal error: ${message.split('\n')[0]} (a bug in guestdbg; please report it)`,
    status: ExitCode.Bug,
  };
}

/** Prints the failure as one `guestdbg: ...` line and sets the exit status. */
export function reportFailure(err: unknown): void {
  const f = failureOf(err);
  process.stderr.write(`guestdbg: ${f.message}\n`);
  process.exitCode = f.status;
}
