import {
  MAX_STORED_RESPONSE_BYTES,
  storableResponse,
} from '../../../lambda/idempotency/storable-response';
import { jsonResponse } from '../../../lambda/http/response';

describe('storableResponse', () => {
  it('returns the response as the plain JSON a replay will return', () => {
    const response = jsonResponse(201, { id: 'ord_1' }, { Location: '/orders/ord_1' });

    expect(storableResponse(response)).toEqual(response);
  });

  it('drops what the store could not marshal, so the first answer is what replays return', () => {
    const response = { ...jsonResponse(201, {}), extra: undefined, at: new Date(0) };

    expect(storableResponse(response)).toEqual({
      ...jsonResponse(201, {}),
      at: '1970-01-01T00:00:00.000Z',
    });
  });

  it('refuses a response too large for an idempotency record', () => {
    const response = jsonResponse(201, { padding: 'x'.repeat(MAX_STORED_RESPONSE_BYTES) });

    expect(() => storableResponse(response)).toThrow(
      expect.objectContaining({ name: 'UnstorableResponse' }),
    );
  });
});
