/**
 * AWS Signature Version 4 verification of a request, as API Gateway's IAM authorization does it
 * before a function runs: for the local server (`LOCAL_AUTH=sigv4`).
 *
 * Written from the specification (Authorization header form, `AWS4-HMAC-SHA256`), with
 * `node:crypto` only: it shares no code with the signer the client SDK uses
 * (`@smithy/signature-v4`), so a test that signs with the client, or with curl, and verifies here
 * checks two implementations against each other.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Credentials the local API accepts, and the IAM principal each one authenticates as. */
export interface LocalCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Temporary credentials: the request must carry it as `x-amz-security-token`. */
  readonly sessionToken?: string;
  /** Temporary credentials stop working at this instant. */
  readonly expiration?: Date;
  /** e.g. `arn:aws:iam::123456789012:user/shop-1`, `arn:aws:sts::123456789012:assumed-role/checkout/i-1` */
  readonly principal: string;
}

/** A request exactly as it arrived. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path and query as sent, still percent-encoded. */
  readonly target: string;
  /** Header name → every value, in order; names in any case. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: Buffer | undefined;
}

/** Which of API Gateway's refusals a failed verification is (its gateway response types). */
export type SignatureRefusal =
  'MISSING_AUTHENTICATION_TOKEN' | 'INVALID_SIGNATURE' | 'EXPIRED_TOKEN';

export type Verification =
  | { readonly verified: true; readonly credential: LocalCredential }
  | { readonly verified: false; readonly refusal: SignatureRefusal; readonly message: string };

export interface VerifierOptions {
  /** The API's region: the credential scope must name it. */
  readonly region: string;
  readonly credentials: readonly LocalCredential[];
  readonly now?: () => Date;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const SERVICE = 'execute-api';
/** How far a signature's date may be from the server's clock, either way, as AWS allows. */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Verifies requests signed with one of `credentials`. */
export function sigV4Verifier(
  options: VerifierOptions,
): (request: ReceivedRequest) => Verification {
  const byAccessKey = new Map(options.credentials.map((c) => [c.accessKeyId, c]));
  const now = options.now ?? (() => new Date());
  return (request) => verify(request, options.region, byAccessKey, now());
}

function verify(
  request: ReceivedRequest,
  region: string,
  credentials: ReadonlyMap<string, LocalCredential>,
  now: Date,
): Verification {
  const header = (name: string) => valuesOf(request.headers, name);
  const authorization = header('authorization');
  if (authorization.length === 0) return missing('Missing Authentication Token');
  if (authorization.length > 1) return invalid('Only one Authorization header is allowed.');

  const parsed = parseAuthorization(authorization[0] ?? '');
  if (typeof parsed === 'string') return invalid(parsed);
  const { accessKeyId, scopeDate, scopeRegion, scopeService, signedHeaders, signature } = parsed;

  const [amzDate, ...moreDates] = header('x-amz-date');
  if (amzDate === undefined || moreDates.length > 0) {
    return invalid("Authorization header requires existence of a single 'X-Amz-Date' header.");
  }
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined)
    return invalid(`X-Amz-Date '${amzDate}' is not of the form YYYYMMDDTHHMMSSZ.`);
  if (scopeDate !== amzDate.slice(0, 8)) {
    return invalid(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}'.`,
    );
  }
  if (scopeService !== SERVICE) {
    return invalid(`Credential should be scoped to correct service: '${SERVICE}'.`);
  }
  if (scopeRegion !== region) {
    return invalid(`Credential should be scoped to a valid region, not '${scopeRegion}'.`);
  }
  if (!signedHeaders.includes('host')) {
    return invalid("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (signedAt.getTime() < now.getTime() - MAX_CLOCK_SKEW_MS) {
    return invalid(
      `Signature expired: ${amzDate} is now earlier than ${toAmzDate(new Date(now.getTime() - MAX_CLOCK_SKEW_MS))}.`,
    );
  }
  if (signedAt.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) {
    return invalid(
      `Signature not yet current: ${amzDate} is still later than ${toAmzDate(new Date(now.getTime() + MAX_CLOCK_SKEW_MS))}.`,
    );
  }

  const credential = credentials.get(accessKeyId);
  const tokens = header('x-amz-security-token');
  if (credential === undefined || tokens.length > 1 || tokens[0] !== credential.sessionToken) {
    return invalid('The security token included in the request is invalid.');
  }
  if (credential.expiration !== undefined && credential.expiration.getTime() <= now.getTime()) {
    return {
      verified: false,
      refusal: 'EXPIRED_TOKEN',
      message: 'The security token included in the request is expired',
    };
  }

  const canonical = canonicalRequest(request, signedHeaders);
  const scope = `${scopeDate}/${scopeRegion}/${scopeService}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
  const key = signingKey(credential.secretAccessKey, scopeDate, scopeRegion, scopeService);
  const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return invalid(
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  return { verified: true, credential };
}

interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly scopeDate: string;
  readonly scopeRegion: string;
  readonly scopeService: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=…` */
function parseAuthorization(value: string): ParsedAuthorization | string {
  const [algorithm, ...rest] = value.trim().split(/\s+/);
  if (algorithm !== ALGORITHM) {
    return `Unsupported Authorization type '${algorithm ?? ''}': only ${ALGORITHM} is accepted.`;
  }
  const parameters = new Map<string, string>();
  for (const part of rest.join(' ').split(',')) {
    const separator = part.indexOf('=');
    if (separator < 0)
      return `'${part.trim()}' not a valid key=value pair (missing equal-sign) in Authorization header.`;
    parameters.set(part.slice(0, separator).trim(), part.slice(separator + 1).trim());
  }
  const credential = parameters.get('Credential');
  const signedHeaders = parameters.get('SignedHeaders');
  const signature = parameters.get('Signature');
  const absent = [
    ...(credential ? [] : ['Credential']),
    ...(signedHeaders ? [] : ['SignedHeaders']),
    ...(signature ? [] : ['Signature']),
  ];
  if (absent.length > 0) {
    return absent.map((name) => `Authorization header requires '${name}' parameter.`).join(' ');
  }
  const scope = (credential ?? '').split('/');
  const [accessKeyId, scopeDate, scopeRegion, scopeService, terminator] = scope;
  if (
    scope.length !== 5 ||
    !accessKeyId ||
    !scopeDate ||
    !scopeRegion ||
    !scopeService ||
    terminator !== 'aws4_request'
  ) {
    return `Credential '${credential ?? ''}' is not of the form ACCESS_KEY/YYYYMMDD/REGION/SERVICE/aws4_request.`;
  }
  if (!/^[0-9a-f]{64}$/.test(signature ?? ''))
    return 'Signature must be 64 lower-case hexadecimal digits.';
  const names = (signedHeaders ?? '').split(';');
  if (
    names.some((name) => name === '' || name !== name.toLowerCase()) ||
    names.join(';') !== [...names].sort().join(';')
  ) {
    return 'SignedHeaders must be lower-case header names, sorted and separated by semicolons.';
  }
  return {
    accessKeyId,
    scopeDate,
    scopeRegion,
    scopeService,
    signedHeaders: names,
    signature: signature ?? '',
  };
}

/**
 * The canonical request: method, URI, query, the signed headers with their values, the signed
 * header list and the payload's SHA-256, one per line.
 */
export function canonicalRequest(
  request: ReceivedRequest,
  signedHeaders: readonly string[],
): string {
  const queryStart = request.target.indexOf('?');
  const path = queryStart < 0 ? request.target : request.target.slice(0, queryStart);
  const query = queryStart < 0 ? '' : request.target.slice(queryStart + 1);
  const headerLines = signedHeaders.map(
    (name) =>
      `${name}:${valuesOf(request.headers, name)
        .map((value) => value.trim().replace(/\s+/g, ' '))
        .join(',')}`,
  );
  return [
    request.method.toUpperCase(),
    canonicalUri(path),
    canonicalQuery(query),
    `${headerLines.join('\n')}\n`,
    signedHeaders.join(';'),
    sha256Hex(request.body ?? Buffer.alloc(0)),
  ].join('\n');
}

/**
 * The path with `.` and `..` segments resolved and empty segments dropped (RFC 3986), each
 * segment URI-encoded once more: every service but S3 signs the path encoded twice.
 */
function canonicalUri(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(uriEncode(segment));
  }
  const trailingSlash = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return `/${segments.join('/')}${trailingSlash}`;
}

/** Parameters sorted by name, then value; names and values decoded, then URI-encoded. */
function canonicalQuery(query: string): string {
  const pairs = query
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const separator = pair.indexOf('=');
      const name = separator < 0 ? pair : pair.slice(0, separator);
      const value = separator < 0 ? '' : pair.slice(separator + 1);
      return [uriEncode(percentDecoded(name)), uriEncode(percentDecoded(value))] as const;
    });
  pairs.sort(([nameA, valueA], [nameB, valueB]) =>
    nameA === nameB ? compare(valueA, valueB) : compare(nameA, nameB),
  );
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Every byte but the unreserved characters `A–Z a–z 0–9 - _ . ~` as `%XX`, hex upper-case. */
function uriEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9\-_.~]/.test(char)
        ? char
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const hmac = (key: string | Buffer, data: string) =>
    createHmac('sha256', key).update(data, 'utf8').digest();
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

function valuesOf(headers: ReceivedRequest['headers'], name: string): readonly string[] {
  return Object.entries(headers)
    .filter(([key]) => key.toLowerCase() === name)
    .flatMap(([, values]) => values);
}

function parseAmzDate(text: string): Date | undefined {
  const match = AMZ_DATE.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hours, minutes, seconds] = match.map(Number);
  const date = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day, hours, minutes, seconds));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const toAmzDate = (date: Date) =>
  date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

const missing = (message: string): Verification => ({
  verified: false,
  refusal: 'MISSING_AUTHENTICATION_TOKEN',
  message,
});
const invalid = (message: string): Verification => ({
  verified: false,
  refusal: 'INVALID_SIGNATURE',
  message,
});
