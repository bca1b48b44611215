import fc from 'fast-check';
import { duplicateMemberName } from '../../../lambda/http/strict-json';

// Fixed seed and bounded runs: the same cases on every run, in a few milliseconds.
const runs = { seed: 7_2026, numRuns: 200 };

describe('duplicateMemberName', () => {
  it.each([
    ['top level', '{"a":1,"b":2,"a":3}', 'a'],
    ['nested', '{"x":{"k":1,"k":2}}', 'k'],
    ['in an array element', '[1,{"k":true,"k":false}]', 'k'],
    ['written with an escape', '{"id":1,"\\u0069d":2}', 'id'],
    ['__proto__ twice', '{"__proto__":{},"__proto__":{"admin":true}}', '__proto__'],
    ['the empty name', '{"":1,"":2}', ''],
  ])('finds a name given twice: %s', (_case, text, name) => {
    expect(duplicateMemberName(text)).toBe(name);
  });

  it.each([
    ['the same name in sibling objects', '[{"a":1},{"a":2}]'],
    ['the same name at two depths', '{"a":{"a":{"a":1}}}'],
    ['a value that looks like a name', '{"a":"\\"a\\":1","b":"a"}'],
    ['names differing in case only', '{"a":1,"A":2}'],
    ['scalars', '"a"'],
  ])('accepts %s', (_case, text) => {
    expect(duplicateMemberName(text)).toBeUndefined();
  });

  it('accepts any JSON that JSON.stringify writes (its names are unique)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(duplicateMemberName(JSON.stringify(value))).toBeUndefined();
      }),
      runs,
    );
  });

  it('finds a name repeated anywhere in an object', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1 }),
        fc.nat(),
        fc.jsonValue({ maxDepth: 2 }),
        (object, pick, repeatedValue) => {
          const names = Object.keys(object);
          const repeated = names[pick % names.length]!;
          const members = [
            ...Object.entries(object).map(([n, v]) => `${JSON.stringify(n)}:${JSON.stringify(v)}`),
            `${JSON.stringify(repeated)}:${JSON.stringify(repeatedValue)}`,
          ];
          const text = `{"wrapper":[{${members.join(',')}}]}`;

          expect(duplicateMemberName(text)).toBe(repeated);
        },
      ),
      runs,
    );
  });
});
