/**
 * Finding the flow that `weft run FILE[:EXPORT]` names: resolving the file, importing the
 * module and picking the flow among its exports.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FlowLoadError } from '../errors.js';
import { isFlow, type Flow } from '../sdk/flow.js';
import { isTypeScriptPath, registerTypeScript } from './typescript-loader.js';

/** A flow found in a module, with the export that holds it. */
export interface LoadedFlow {
  readonly flow: Flow<Record<string, unknown>, unknown>;
  readonly exportName: string;
  readonly file: string;
}

/** `FILE[:EXPORT]` split into its parts. */
export interface FlowReference {
  readonly file: string;
  readonly exportName: string | undefined;
}

const isFile = (path: string): boolean => existsSync(path) && statSync(path).isFile();

/**
 * Splits `FILE[:EXPORT]`. A path that names an existing file as a whole is taken whole (so a
 * file name may contain ':'); otherwise the text after the last ':' is the export.
 * @example
 * parseFlowReference('flows/etl.ts:etl', '/work'); // { file: 'flows/etl.ts', exportName: 'etl' }
 */
export function parseFlowReference(reference: string, cwd: string = process.cwd()): FlowReference {
  const at = reference.lastIndexOf(':');
  if (at <= 0 || isFile(resolve(cwd, reference))) return { file: reference, exportName: undefined };
  const exportName = reference.slice(at + 1);
  return { file: reference.slice(0, at), exportName: exportName === '' ? undefined : exportName };
}

/**
 * A `.ts` file outside a `"type": "module"` package is compiled to CommonJS, and its named
 * exports then arrive on `default` only: lift them up (named exports win).
 */
function withCommonJsExports(module: Record<string, unknown>): Record<string, unknown> {
  const inner = module.default;
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner) || isFlow(inner)) return module;
  return { ...(inner as Record<string, unknown>), ...module };
}

function describeFlows(flows: ReadonlyArray<[string, Flow<Record<string, unknown>, unknown>]>): string {
  return flows.map(([exportName, f]) => `${exportName} (flow '${f.name}')`).join(', ');
}

/**
 * Imports the module `reference` names (relative to `cwd`) and returns the flow it names; without
 * an export in the reference, the flow named `options.flowName` when the module exports it.
 * @throws FlowLoadError when the file is missing, fails to import, or the export is missing,
 *   not a flow, or ambiguous.
 * @example
 * const { flow } = await loadFlow('examples/dask-example.ts');
 */
export async function loadFlow(reference: string, cwd: string = process.cwd(), options: { readonly flowName?: string } = {}): Promise<LoadedFlow> {
  const { file, exportName } = parseFlowReference(reference, cwd);
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new FlowLoadError(`Cannot find the flow file '${file}' (looked for ${path}). Check the path; it is relative to the current directory.`);
  if (!isFile(path)) throw new FlowLoadError(`'${file}' is not a file (${path}). Give the module that defines the flow, e.g. weft run flows/etl.ts.`);
  if (isTypeScriptPath(path)) await registerTypeScript();
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new FlowLoadError(`Could not load the flow file '${file}': ${why}`, { cause });
  }
  module = withCommonJsExports(module);
  const flows = Object.entries(module).filter((entry): entry is [string, Flow<Record<string, unknown>, unknown>] => isFlow(entry[1]));
  const syntax = `weft run ${file}:EXPORT`;
  if (exportName !== undefined) {
    const value = module[exportName];
    if (isFlow(value)) return { flow: value, exportName, file: path };
    const what = exportName in module ? `exports '${exportName}', but it is not a flow` : `has no export '${exportName}'`;
    const available = flows.length > 0 ? `Flows it exports: ${describeFlows(flows)}.` : 'It exports no flow: define one with flow() and export it.';
    throw new FlowLoadError(`'${file}' ${what}. ${available}`);
  }
  // A reference without an export (a deployment saved by `myFlow.serve()`) names the flow by its name.
  const named = options.flowName === undefined ? undefined : flows.find(([, f]) => f.name === options.flowName);
  if (named) return { flow: named[1], exportName: named[0], file: path };
  const [only, second] = flows;
  if (only && !second) return { flow: only[1], exportName: only[0], file: path };
  if (!only) throw new FlowLoadError(`'${file}' exports no flow. Define one with flow() and export it (export const myFlow = flow(...)), then run ${syntax}.`);
  throw new FlowLoadError(`'${file}' exports ${flows.length} flows: ${describeFlows(flows)}. Choose one as ${file}:EXPORT, e.g. ${file}:${only[0]}.`);
}
