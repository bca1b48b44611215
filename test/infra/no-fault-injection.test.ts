/**
 * Fault injection (lambda/faults.ts) must be impossible to enable in the deployed stack: its code
 * is compiled out of the functions' bundles and no fault setting reaches their environment.
 * Bundles the stack for real (`cdk synth` does the same) and inspects what would be deployed.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { FAULT_STEPS } from '../../lambda/faults';
import { apiRoutes } from '../../lib/api-routes';
import { PaymentsStack } from '../../lib/payments-stack';
import { bundleFunctions } from '../../local/bundle';

// What any trace of the fault code leaves in a minified bundle: its step names, its log line,
// its error's name, the charge report and the variable that configures random faults.
const faultMarkers = [
  ...FAULT_STEPS,
  'fault injected',
  'sandbox charge',
  'InjectedFault',
  'FAULT_INJECTION',
];
const markersIn = (code: string) => faultMarkers.filter((marker) => code.includes(marker));

const workDir = mkdtempSync(path.join(tmpdir(), 'payments-no-faults-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('the deployed functions', () => {
  const outdir = path.join(workDir, 'cdk.out');
  const app = new App({ outdir });
  const stack = new PaymentsStack(app, 'PaymentsApi');
  const template = Template.fromStack(stack);
  app.synth();
  const bundles = readdirSync(outdir)
    .map((entry) => path.join(outdir, entry, 'index.js'))
    .filter((file) => existsSync(file));

  it('are one bundle per route', () => {
    expect(bundles).toHaveLength(apiRoutes.length);
  });

  it('contain no fault injection code', () => {
    for (const bundle of bundles) expect(markersIn(readFileSync(bundle, 'utf8'))).toEqual([]);
  });

  it('get no fault injection setting in their environment', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(apiRoutes.length);
    for (const resource of Object.values(functions)) {
      const variables = Object.keys(
        (resource as { Properties: { Environment?: { Variables?: object } } }).Properties
          .Environment?.Variables ?? {},
      );
      expect(variables.filter((name) => /FAULT/i.test(name))).toEqual([]);
    }
  });
});

describe('the check itself', () => {
  it('finds the fault code in bundles built with FAULT_INJECTION=1', async () => {
    process.env.FAULT_INJECTION = '1';
    try {
      const bundles = await bundleFunctions(path.join(workDir, 'faulty'));
      const createPayment = readFileSync(bundles.get('CreatePaymentFunction') ?? '', 'utf8');
      expect(markersIn(createPayment)).toEqual(expect.arrayContaining([...FAULT_STEPS]));
    } finally {
      delete process.env.FAULT_INJECTION;
    }
  });
});
