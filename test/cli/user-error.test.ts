// How failures become one line (src/cli/user-error.ts): a host exception says it is a guestdbg bug, where it
// goes and what to attach (issue 12 item 2); an errno on a path the user named is a user error (item 9).
import assert from 'node:assert/strict';
import { openSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { DEBUG_ENV, failureOf, UsageError, userPathError } from '../../src/cli/user-error.js';

function errnoOf(path: string): unknown {
  try {
    openSync(path, 'w');
  } catch (e) {
    return e;
  }
  throw new Error(`${path} opened`);
}

describe('failureOf', () => {
  it('a host exception names its type and message, and says how to report it', () => {
    const f = failureOf(new TypeError("Cannot read properties of undefined (reading 'x')\nsecond line"));
    assert.equal(f.status, ExitCode.Bug);
    assert.match(
      f.message,
      /^internal error: TypeError: Cannot read properties of undefined \(reading 'x'\) \(a bug in guestdbg; please report it .*with the command line, the guest image and the output with GUESTDBG_DEBUG=1\)$/,
    );
    assert.equal(DEBUG_ENV, 'GUESTDBG_DEBUG');
  });

  it('errnos from opening a user-named path are user errors with a fix', () => {
    for (const [path, pattern] of [
      ['/no/such/dir/x', /\(ENOENT\): a directory on the path does not exist/],
      ['/tmp', /\(EISDIR\): that is a directory; name a file inside it/],
      ['/dev/null/x', /\(ENOTDIR\): a part of the path is not a directory/],
    ] as const) {
      const e = userPathError(`--serial file:${path}`, errnoOf(path));
      assert.ok(e instanceof UsageError);
      assert.match(e.message, pattern);
      assert.equal(failureOf(e).status, ExitCode.BadInput);
    }
    const notErrno = new RangeError('x');
    assert.equal(userPathError('--serial file:x', notErrno), notErrno);
  });
});
