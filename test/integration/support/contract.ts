/** Asserting that a response is one the OpenAPI document describes (`openapi/conformance.ts`). */
import { contractViolations } from '../../../openapi/conformance';
import type { ApiResponse } from './api';

export { contractViolations };

/** Asserts that the response is one the document describes. */
export function expectToConform(method: 'GET' | 'POST', route: string, response: ApiResponse) {
  expect(contractViolations(method, route, response)).toEqual([]);
}
