import { search } from '@aws-lambda-powertools/jmespath';
import { PowertoolsFunctions } from '@aws-lambda-powertools/jmespath/functions';
import { JmesPathFunctionsIntrospectedOnce } from '../../../lambda/idempotency/jmespath-functions';

describe('JmesPathFunctionsIntrospectedOnce', () => {
  const data = {
    scope: ['arn:aws:iam::000000000000:user/t1', 'POST /orders', 'key-1'],
    fingerprint: 'f'.repeat(64),
    body: JSON.stringify({ amount: 2500, items: [{ sku: 'A' }, { sku: 'B' }] }),
  };
  const expressions = [
    'scope',
    'fingerprint',
    'missing',
    'length(scope)',
    'powertools_json(body).items[*].sku',
    'join(`","`, scope)',
  ];

  it('knows the same functions as Powertools, every time it is asked', () => {
    const once = new JmesPathFunctionsIntrospectedOnce();
    const reference = new PowertoolsFunctions();
    reference.introspectMethods();

    const first = once.introspectMethods();
    const second = once.introspectMethods();

    expect([...first].sort()).toEqual([...reference.methods].sort());
    expect([...second].sort()).toEqual([...reference.methods].sort());
    // Answered from the set the first time filled, not collected again.
    expect(second).toBe(once.methods);
  });

  it('evaluates every expression as Powertools does, search after search', () => {
    const customFunctions = new JmesPathFunctionsIntrospectedOnce();

    for (let round = 0; round < 3; round++) {
      for (const expression of expressions) {
        expect(search(expression, data, { customFunctions })).toEqual(
          search(expression, data, { customFunctions: new PowertoolsFunctions() }),
        );
      }
    }
  });

  it('still refuses an unknown function', () => {
    const customFunctions = new JmesPathFunctionsIntrospectedOnce();
    search('scope', data, { customFunctions });

    expect(() => search('no_such_function(scope)', data, { customFunctions })).toThrow();
  });
});
