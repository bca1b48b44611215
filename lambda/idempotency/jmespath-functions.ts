import { PowertoolsFunctions } from '@aws-lambda-powertools/jmespath/functions';

/**
 * Powertools' JMESPath functions, whose names are collected once per container.
 *
 * Powertools evaluates `eventKeyJmesPath` and `payloadValidationJmesPath` with a new interpreter
 * each time (three times for a cached replay), and each interpreter has the functions object
 * collect its function names again by reflection over its class chain: a cached replay's
 * largest single cost in the handler (bench profile). The names never change, so after the
 * first time the set already collected is the answer. The expressions are evaluated as before.
 */
export class JmesPathFunctionsIntrospectedOnce extends PowertoolsFunctions {
  override introspectMethods(scope?: PowertoolsFunctions): Set<string> {
    // Powertools walks the prototype chain with `this` bound to each prototype, which has no
    // `methods` of its own: only the instance, once filled, answers from its set.
    if (Object.hasOwn(this, 'methods') && this.methods.size > 0) return this.methods;
    return super.introspectMethods(scope);
  }
}
