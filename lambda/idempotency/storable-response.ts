import type { HttpResponse } from '../http/response';

/**
 * Largest response the layer stores, as JSON. DynamoDB items are limited to 400 KB, and the
 * record also holds its key, fingerprint hash and timestamps: a larger result would fail to
 * save and leave its key locked.
 */
export const MAX_STORED_RESPONSE_BYTES = 350 * 1024;

/** A response that cannot be stored: answered as a 500, and the key is freed. */
export class UnstorableResponse extends Error {
  override readonly name = 'UnstorableResponse';
}

/**
 * The response as the plain JSON the store will hold (what a replay will return), checked to
 * fit in a record. The first answer is thereby the same bytes as every replay.
 *
 * @throws UnstorableResponse when it is larger than {@link MAX_STORED_RESPONSE_BYTES}
 */
export function storableResponse(response: HttpResponse): HttpResponse {
  const json = JSON.stringify(response);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_STORED_RESPONSE_BYTES) {
    throw new UnstorableResponse(
      `Response of ${bytes} bytes exceeds the ${MAX_STORED_RESPONSE_BYTES}-byte idempotency record limit.`,
    );
  }
  return JSON.parse(json) as HttpResponse;
}
