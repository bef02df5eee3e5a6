/**
 * The artifact and variable commands of the `weft` program: `weft artifacts ls | show` and
 * `weft variables set | get | ls | unset`. Each module is imported by its action, as in program.ts.
 */
import type { Command } from 'commander';
import type { ArtifactsListOptions } from './artifacts-command.js';
import type { VariableSetOptions } from './variables-command.js';

const collect = (value: string, previous: readonly string[]): string[] => [...previous, value];

/**
 * Adds `weft artifacts` and `weft variables` to `program`.
 * @example
 * registerArtifactCommands(program);
 */
export function registerArtifactCommands(program: Command): void {
  const artifacts = program.command('artifacts').description('What runs published: markdown reports, tables, links, progress; versioned by key.');
  artifacts
    .command('ls')
    .description('List artifacts, newest first.')
    .option('--key <key>', 'only the versions of this key')
    .option('--run <id>', 'only those of this flow run')
    .option('--task-run <id>', 'only those of this task run')
    .option('--type <type>', 'only markdown, table, link or progress')
    .option('--limit <n>', 'at most this many (default 100, at most 500)')
    .option('--json', 'print the artifacts as a JSON array')
    .addHelpText('after', '\nExamples:\n  weft artifacts ls\n  weft artifacts ls --key daily-report\n  weft artifacts ls --run 3f2a9c1e-…')
    .action(async (options: ArtifactsListOptions) => {
      const { artifactsList } = await import('./artifacts-command.js');
      await artifactsList(options);
    });
  artifacts
    .command('show')
    .description("Show a key's latest artifact with its content and the key's history (an artifact id works too).")
    .argument('<key>', 'the artifact key, or an artifact id')
    .option('--json', 'print { latest, history } as JSON')
    .action(async (key: string, options: { json?: boolean }) => {
      const { artifactsShow } = await import('./artifacts-command.js');
      await artifactsShow(key, options);
    });

  const variables = program.command('variables').description('Variables: named JSON values for configuration (not secret), usable in deployment parameters as { "$variable": "name" }.');
  variables
    .command('set')
    .description('Set a variable; VALUE is JSON when it parses, else text. Refused when it exists, unless --overwrite.')
    .argument('<name>', 'lowercase letters, digits, _ and -, at most 255')
    .argument('<value>', 'at most 5000 characters of JSON, e.g. 500, true, \'{"region":"eu"}\', or plain text')
    .option('--overwrite', 'replace the value when the variable exists')
    .option('--tag <tag>', 'a tag (repeatable)', collect, [])
    .option('--json', 'print the variable as JSON')
    .addHelpText('after', "\nExamples:\n  weft variables set batch_size 500\n  weft variables set regions '[\"eu\",\"us\"]' --overwrite")
    .action(async (name: string, value: string, options: VariableSetOptions) => {
      const { variablesSet } = await import('./variables-command.js');
      await variablesSet(name, value, options);
    });
  variables
    .command('get')
    .description("Print a variable's value (text as it is, anything else as JSON).")
    .argument('<name>', 'the variable')
    .option('--json', 'print the variable (value, tags, times) as JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      const { variablesGet } = await import('./variables-command.js');
      await variablesGet(name, options);
    });
  variables
    .command('ls')
    .description('List variables by name.')
    .option('--json', 'print the variables as a JSON array')
    .action(async (options: { json?: boolean }) => {
      const { variablesList } = await import('./variables-command.js');
      await variablesList(options);
    });
  variables
    .command('unset')
    .description('Delete a variable.')
    .argument('<name>', 'the variable')
    .option('--json', 'print { deleted } as JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      const { variablesUnset } = await import('./variables-command.js');
      await variablesUnset(name, options);
    });
}
