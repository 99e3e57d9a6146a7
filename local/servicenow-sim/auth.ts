import type { SimClock } from './clock';
import { type RandomSource, randomHex } from './prng';

/** Basic auth and OAuth 2.0 at `/oauth_token.do` (reference §1.8, §7.1). */

export interface SimUser {
  username: string;
  password: string;
}

export interface SimOAuthClient {
  clientId: string;
  clientSecret: string;
  /** The "OAuth Application User" a client_credentials token acts as; defaults to the client id. */
  user?: string;
}

export interface AuthOptions {
  users: SimUser[];
  clients: SimOAuthClient[];
  clientCredentialsEnabled: boolean;
  tokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

export interface TokenResponse {
  status: number;
  body: Record<string, string | number>;
}

/** The exact failure body of the token endpoint [obs] (§1.8). */
export const TOKEN_FAILURE_BODY = { error_description: 'access_denied', error: 'server_error' } as const;

interface IssuedToken {
  token: string;
  user: string;
  clientId: string;
  expiresAtMs: number;
}

export class AuthService {
  private readonly accessTokens = new Map<string, IssuedToken>();
  private readonly refreshTokens = new Map<string, IssuedToken>();
  /** Current access token per client × user: "requests made within the expiration time … return the current token". */
  private readonly current = new Map<string, IssuedToken>();

  constructor(
    private readonly options: AuthOptions,
    private readonly clock: SimClock,
    private readonly random: RandomSource,
  ) {}

  /** The authenticated user name, or undefined when the Authorization header is missing, wrong or expired. */
  authenticate(header: string | undefined): string | undefined {
    if (header === undefined) return undefined;
    const [scheme, credential] = header.trim().split(/\s+/, 2);
    if (credential === undefined) return undefined;
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(credential, 'base64').toString('utf8');
      const separator = decoded.indexOf(':');
      if (separator < 0) return undefined;
      const username = decoded.slice(0, separator);
      const password = decoded.slice(separator + 1);
      const user = this.options.users.find((u) => u.username === username && u.password === password);
      return user?.username;
    }
    if (scheme?.toLowerCase() === 'bearer') {
      const issued = this.accessTokens.get(credential);
      if (issued === undefined || issued.expiresAtMs <= this.clock.nowMs()) return undefined;
      return issued.user;
    }
    return undefined;
  }

  /** Handles a `/oauth_token.do` request whose form body is already parsed. */
  token(form: URLSearchParams): TokenResponse {
    const client = this.options.clients.find(
      (c) => c.clientId === form.get('client_id') && c.clientSecret === form.get('client_secret'),
    );
    if (client === undefined) return denied();
    switch (form.get('grant_type')) {
      case 'password': {
        const user = this.options.users.find(
          (u) => u.username === form.get('username') && u.password === form.get('password'),
        );
        if (user === undefined) return denied();
        const access = this.currentAccessToken(client.clientId, user.username);
        const refresh = this.issue(
          this.refreshTokens,
          client.clientId,
          user.username,
          this.options.refreshTokenTtlSeconds,
        );
        return granted(access, this.clock.nowMs(), refresh.token);
      }
      case 'refresh_token': {
        const refresh = this.refreshTokens.get(form.get('refresh_token') ?? '');
        if (
          refresh === undefined ||
          refresh.clientId !== client.clientId ||
          refresh.expiresAtMs <= this.clock.nowMs()
        ) {
          return denied();
        }
        return granted(this.currentAccessToken(client.clientId, refresh.user), this.clock.nowMs());
      }
      case 'client_credentials': {
        // Mirrors glide.oauth.inbound.client.credential.grant_type.enabled, off by default.
        if (!this.options.clientCredentialsEnabled) return denied();
        return granted(
          this.currentAccessToken(client.clientId, client.user ?? client.clientId),
          this.clock.nowMs(),
        );
      }
      default:
        return denied();
    }
  }

  private currentAccessToken(clientId: string, user: string): IssuedToken {
    const key = `${clientId}\u0000${user}`;
    const existing = this.current.get(key);
    if (existing !== undefined && existing.expiresAtMs > this.clock.nowMs()) return existing;
    const issued = this.issue(this.accessTokens, clientId, user, this.options.tokenTtlSeconds);
    this.current.set(key, issued);
    return issued;
  }

  private issue(
    into: Map<string, IssuedToken>,
    clientId: string,
    user: string,
    ttlSeconds: number,
  ): IssuedToken {
    const issued = {
      token: randomHex(this.random, 86),
      user,
      clientId,
      expiresAtMs: this.clock.nowMs() + ttlSeconds * 1000,
    };
    into.set(issued.token, issued);
    return issued;
  }
}

function denied(): TokenResponse {
  return { status: 401, body: { ...TOKEN_FAILURE_BODY } };
}

function granted(access: IssuedToken, nowMs: number, refreshToken?: string): TokenResponse {
  // A fresh 1800 s token is reported as expires_in 1799, as in the documented example.
  const expiresIn = Math.max(0, Math.ceil((access.expiresAtMs - nowMs) / 1000) - 1);
  const body: Record<string, string | number> = { access_token: access.token };
  if (refreshToken !== undefined) body.refresh_token = refreshToken;
  Object.assign(body, { scope: 'useraccount', token_type: 'Bearer', expires_in: expiresIn });
  return { status: 200, body };
}
