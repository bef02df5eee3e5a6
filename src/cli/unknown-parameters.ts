/**
 * Refusing parameters a flow does not take (`--param m=5` for a flow taking `n`), as Prefect
 * refuses them, instead of dropping them silently. A flow's parameters are known from its zod
 * schema; a flow without one takes any parameters (its TypeScript types are gone at run time).
 */
import { ParameterValidationError } from '../errors.js';
import { declaredParameterNames } from '../parameter-schema.js';

/**
 * Throws when `parameters` has keys the flow's schema does not declare.
 * @throws ParameterValidationError naming each unknown key and the flow's parameters.
 * @example
 * checkParameterNames('dask-example', daskExample.parametersJsonSchema, { m: 5 }); // throws
 */
export function checkParameterNames(flowName: string, schema: Readonly<Record<string, unknown>>, parameters: Readonly<Record<string, unknown>>): void {
  const declared = declaredParameterNames(schema);
  if (declared === undefined) return;
  const unknown = Object.keys(parameters).filter((key) => !declared.includes(key));
  if (unknown.length === 0) return;
  const known = declared.length === 0 ? 'it takes no parameters' : `its parameters are: ${declared.join(', ')}`;
  throw new ParameterValidationError(
    flowName,
    unknown.map((key) => ({ path: key, message: `not a parameter of this flow (${known})` })),
  );
}
