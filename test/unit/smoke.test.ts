import { describe, expect, it } from 'vitest';
import { AirlockError, httpStatusFor } from '#shared/errors.js';

describe('errors', () => {
  it('maps codes to statuses and unknown codes to 500', () => {
    expect(httpStatusFor(new AirlockError('ERR_TOKEN_EXPIRED', 'x').code)).toBe(401);
    expect(httpStatusFor('ERR_WHATEVER')).toBe(500);
  });
});
