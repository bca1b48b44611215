/**
 * How a request proves who sends it. Locally: nothing, or an `X-Tenant-Id` header naming the
 * tenant. Deployed: AWS SigV4 for API Gateway (service `execute-api`), signed by the AWS SDK's
 * own signer with credentials from the SDK's default provider chain.
 */

/** AWS credentials, as the AWS SDK represents them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export type ClientAuth =
  /** The local server: no signature; `tenant` is sent as `X-Tenant-Id` (default tenant `local`). */
  | { readonly type: 'none'; readonly tenant?: string }
  /** The deployed API: AWS IAM authorization. The tenant is the signing IAM principal. */
  | {
      readonly type: 'sigv4';
      /** The API's region, e.g. `eu-west-1`. */
      readonly region: string;
      /**
       * Fixed credentials or a provider (refreshed by it as needed).
       * @default the AWS SDK's default chain (environment, SSO, shared files, container, instance)
       */
      readonly credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
    };

/** One request as it will be sent, before authentication. */
export interface OutgoingRequest {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The exact bytes to send, if any. */
  readonly body?: string;
}

/** Adds whatever headers authenticate a request; called for every attempt. */
export type Authenticator = (request: OutgoingRequest) => Promise<Record<string, string>>;

/** The authenticator for an auth option. */
export function authenticatorFor(auth: ClientAuth = { type: 'none' }): Authenticator {
  switch (auth.type) {
    case 'none':
      return (request) =>
        Promise.resolve(
          auth.tenant === undefined
            ? { ...request.headers }
            : { ...request.headers, 'x-tenant-id': auth.tenant },
        );
    case 'sigv4':
      return sigV4Authenticator(auth.region, auth.credentials);
  }
}

/**
 * Signs with `@smithy/signature-v4` (the signer inside the AWS SDK). Each attempt is signed
 * afresh: a signature is only valid for a few minutes, and a retry may come much later. The
 * SDK modules are loaded on first use so that unsigned (local) use does not pay for them.
 */
export function sigV4Authenticator(
  region: string,
  credentials?: AwsCredentials | (() => Promise<AwsCredentials>),
  now: () => Date = () => new Date(),
): Authenticator {
  let signer: Promise<SignatureV4Like> | undefined;
  return async (request) => {
    signer ??= createSigner(region, credentials);
    const signed = await (
      await signer
    ).sign(
      {
        method: request.method,
        protocol: request.url.protocol,
        hostname: request.url.hostname,
        port: request.url.port === '' ? undefined : Number(request.url.port),
        path: request.url.pathname,
        query: Object.fromEntries(request.url.searchParams),
        // `host` is signed as fetch will send it: the URL's host, with a non-default port.
        headers: { ...request.headers, host: request.url.host },
        body: request.body,
      },
      { signingDate: now() },
    );
    // fetch sets Host itself, from the same URL.
    const { host: _host, ...headers } = signed.headers;
    return headers;
  };
}

interface SignatureV4Like {
  sign(
    request: {
      method: string;
      protocol: string;
      hostname: string;
      port?: number;
      path: string;
      query: Record<string, string>;
      headers: Record<string, string>;
      body?: string;
    },
    options: { signingDate: Date },
  ): Promise<{ headers: Record<string, string> }>;
}

/** The signing packages are optional peer dependencies: only a project that signs installs them. */
function missingSigningPackages(error: Error): never {
  throw new Error(
    'SigV4 signing needs the optional peer dependencies @smithy/signature-v4, @smithy/hash-node ' +
      'and, without explicit credentials, @aws-sdk/credential-provider-node: npm install ' +
      `@smithy/signature-v4 @smithy/hash-node @aws-sdk/credential-provider-node (${error.message})`,
  );
}

async function createSigner(
  region: string,
  credentials: AwsCredentials | (() => Promise<AwsCredentials>) | undefined,
): Promise<SignatureV4Like> {
  const [{ SignatureV4 }, { Hash }] = await Promise.all([
    import('@smithy/signature-v4'),
    import('@smithy/hash-node'),
  ]).catch(missingSigningPackages);
  const provider =
    credentials ??
    (
      await import('@aws-sdk/credential-provider-node').catch(missingSigningPackages)
    ).defaultProvider();
  return new SignatureV4({
    service: 'execute-api',
    region,
    credentials: provider,
    sha256: Hash.bind(null, 'sha256'),
  });
}
