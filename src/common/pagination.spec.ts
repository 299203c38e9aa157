import { ApiException } from '@app/security/errors';
import { resolvePaging } from './pagination';

describe('resolvePaging', () => {
  const allowed = { name: 'name', createdAt: 'createdAt' };

  it('maps an allowlisted key and direction', () => {
    expect(resolvePaging({ sort: '-name', page: 2, limit: 10 }, allowed, 'name')).toEqual({
      page: 2,
      limit: 10,
      skip: 10,
      orderBy: { name: 'DESC' },
    });
  });

  it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', '-constructor', 'password'])(
    'refuses %s with a 400, never an inherited property',
    (sort) => {
      expect(() => resolvePaging({ sort }, allowed, 'name')).toThrow(ApiException);
    },
  );
});
