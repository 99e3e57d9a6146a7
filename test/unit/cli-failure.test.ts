import { describe, expect, it } from 'vitest';
import { CliError, describeFailure, fileNotFound } from '../../cli/failure';
import { JavaMissingError } from '../../local/java';
import {
  AuthError,
  ConfigurationError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  ValidationError,
} from '../../shared/errors';

describe('failures say what to do next', () => {
  it('Java missing: how to install it, exit 1', () => {
    const failure = describeFailure(new JavaMissingError(), 'demo');
    expect(failure).toMatchObject({ code: 'JAVA_MISSING', exitCode: 1 });
    expect(failure.message).toMatch(/needs Java 11\+/);
    expect(failure.message).not.toContain('apt-get');
    expect(failure.hint).toContain('sudo apt-get install -y openjdk-17-jre-headless');
  });

  it('ServiceNow refusing the credentials: check user/password or OAuth', () => {
    const failure = describeFailure(
      new AuthError('ServiceNow at x.service-now.com refused the credentials (HTTP 401)'),
      'sync',
    );
    expect(failure).toMatchObject({ code: 'AUTH', exitCode: 1 });
    expect(failure.hint).toMatch(/SERVICENOW_USERNAME \/ SERVICENOW_PASSWORD.*SERVICENOW_CLIENT_ID/);
    expect(describeFailure(new AuthError('Maximo at m refused the API key')).hint).toContain('MAXIMO_APIKEY');
  });

  it('a missing file names the flag, the path and where relative paths start', () => {
    const failure = describeFailure(fileNotFound('--inventory', 'devices.csv'));
    expect(failure).toEqual({
      message: '--inventory devices.csv: no such file or folder',
      hint: `check the path; relative paths start at ${process.cwd()}`,
      code: 'FILE_NOT_FOUND',
      exitCode: 1,
    });
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open 'x.csv'"), {
      code: 'ENOENT',
      path: 'x.csv',
    });
    expect(describeFailure(enoent)).toMatchObject({ message: 'x.csv: no such file or folder', exitCode: 1 });
  });

  it('a port in use and an unreachable instance get their own next step', () => {
    const inUse = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8080'), {
      code: 'EADDRINUSE',
    });
    expect(describeFailure(inUse)).toMatchObject({
      code: 'PORT_IN_USE',
      hint: expect.stringMatching(/port/),
    });
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    expect(describeFailure(refused)).toMatchObject({
      code: 'UNREACHABLE',
      message: 'fetch failed (ECONNREFUSED)',
      hint: expect.stringMatching(/instance URL/),
    });
  });

  it('typed errors: validation names where, transient says try again, configuration says fix the setting', () => {
    const invalid = describeFailure(
      new ValidationError('advisory rejected', [{ path: '/document/tracking/id', message: 'required' }]),
    );
    expect(invalid).toMatchObject({ code: 'VALIDATION', exitCode: 1 });
    expect(invalid.message).toContain('/document/tracking/id: required');
    expect(describeFailure(new TransientError('ServiceNow answered 503')).hint).toMatch(/again in a minute/);
    expect(describeFailure(new RateLimitedError('429', 1000)).code).toBe('RATE_LIMITED');
    expect(describeFailure(new ConfigurationError('MEDPATCH_TABLE is missing')).hint).toMatch(/setting/);
    expect(describeFailure(new NotFoundError('no device X')).code).toBe('NOT_FOUND');
  });

  it('a CLI error keeps its own hint, code and exit code; anything else points at MEDPATCH_DEBUG', () => {
    expect(describeFailure(new CliError('rejected', { code: 'R', hint: 'h' }))).toEqual({
      message: 'rejected',
      hint: 'h',
      code: 'R',
      exitCode: 1,
    });
    expect(describeFailure(new Error('boom'))).toMatchObject({
      code: 'FAILED',
      exitCode: 1,
      hint: expect.stringContaining('MEDPATCH_DEBUG=1'),
    });
  });
});
