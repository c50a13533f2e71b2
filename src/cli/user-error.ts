// Turning any failure into one line on stderr and an exit status; a stack trace only with GUESTDBG_DEBUG=1.
import { GuestImageError, HypervisorUnavailableError, KvmError } from '../abi/index.js';
import { CmdlineTooLongError } from '../machine/boot/start-info.js';
import { describeEnd, type GuestEnd } from '../machine/guest-end.js';
import { ExitCode } from './exit-codes.js';

/** A bad command line; the message says what to write instead. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Fixes for an errno from opening a path the user named: every such errno is the user's to fix. */
const PATH_FIXES: Record<string, string> = {
  ENOENT: 'a directory on the path does not exist; create it or fix the path',
  ENOTDIR: 'a part of the path is not a directory; fix the path',
  EISDIR: 'that is a directory; name a file inside it',
  EACCES: 'permission denied; pick a place you can write to',
  EPERM: 'permission denied; pick a place you can write to',
  EROFS: 'the file system is read-only; pick a writable place',
  ENAMETOOLONG: 'the path is too long; use a shorter one',
  ELOOP: 'the path has a symbolic link loop; fix the path',
  ENOSPC: 'the disk is full; free space or pick another place',
  EDQUOT: 'the disk quota is used up; free space or pick another place',
  EMFILE: 'too many open files; raise the limit (ulimit -n)',
  ETXTBSY: 'the file is in use as a program; pick another file',
};

/** An errno from opening `what` (e.g. "--serial file:out.txt") as a one-line UsageError; anything else as is. */
export function userPathError(what: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return err;
  return new UsageError(`${what}: cannot open (${code}): ${PATH_FIXES[code] ?? 'check the path'}`);
}

/** Set GUESTDBG_DEBUG=1 to see the stack of an internal error (attach it to a bug report). */
export const DEBUG_ENV = 'GUESTDBG_DEBUG';
export const debugEnabled = (): boolean => (process.env[DEBUG_ENV] ?? '') !== '' && process.env[DEBUG_ENV] !== '0';

/** What to do about a bug in guestdbg: where it goes and what to attach. */
export const BUG_ADVICE = `a bug in guestdbg; please report it to the guestdbg issue tracker with the command line, the guest image and the output with ${DEBUG_ENV}=1`;

export interface Failure {
  message: string;
  status: number;
}

export function failureOf(err: unknown): Failure {
  if (err instanceof UsageError || err instanceof CmdlineTooLongError)
    return { message: err.message, status: ExitCode.BadInput };
  if (err instanceof GuestImageError) return { message: err.message, status: ExitCode.BadInput };
  if (err instanceof HypervisorUnavailableError) return { message: err.message, status: ExitCode.BackendUnavailable };
  // Guest RAM that cannot be had is the size the user asked for (--memory), on either backend.
  if (err instanceof KvmError && err.errno === 'ENOMEM') return { message: err.message, status: ExitCode.BadInput };
  if (err instanceof KvmError)
    return { message: `${err.message}; the kvm backend refused the guest`, status: ExitCode.InternalError };
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { message: `internal error: ${message.split('\n')[0]} (${BUG_ADVICE})`, status: ExitCode.Bug };
}

/** Prints the failure as one `guestdbg: ...` line (and, with GUESTDBG_DEBUG=1, a bug's stack) and sets the exit status. */
export function reportFailure(err: unknown): void {
  const f = failureOf(err);
  process.stderr.write(`guestdbg: ${f.message}\n`);
  if (f.status === ExitCode.Bug && debugEnabled() && err instanceof Error && err.stack) {
    process.stderr.write(`${err.stack}\n`);
  }
  process.exitCode = f.status;
}

/**
 * Prints why a guest run ended, unless the guest ended itself (isa-debug-exit, reset: its status speaks).
 * A host exception behind an internal or backend error is a guestdbg bug on guest input, and the line says so.
 */
export function reportEnd(end: GuestEnd): void {
  if (end.kind === 'debug-exit' || end.kind === 'reset') return;
  const stack = end.kind === 'internal-error' || end.kind === 'backend-error' ? end.stack : undefined;
  process.stderr.write(`guestdbg: ${describeEnd(end)}${stack === undefined ? '' : ` (${BUG_ADVICE})`}\n`);
  if (stack !== undefined && debugEnabled()) process.stderr.write(`${stack}\n`);
}
