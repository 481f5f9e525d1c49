#!/usr/bin/env node
/** The `dynamic-ofa` command line: thin commands over the library. */
import { Command, CommanderError } from 'commander';

import { benchCommand } from './commands/bench';
import { buildEnginesCommand, profileCommand } from './commands/build-engines';
import { demoCommand } from './commands/demo';
import { infoCommand } from './commands/info';
import { scenarioCommand } from './commands/scenario';
import { exportCommand, searchCommand } from './commands/toolkit';
import { reportError } from './common';

export function buildProgram(): Command {
  const program = new Command('dynamic-ofa')
    .description('Dynamic-OFA runtime architecture switching: resident sub-network families, switched as resources change')
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError();
  for (const command of [infoCommand, demoCommand, benchCommand, scenarioCommand, buildEnginesCommand, profileCommand, exportCommand, searchCommand]) {
    program.addCommand(command.exitOverride().showHelpAfterError('(run with --help for usage)'));
  }
  return program.exitOverride();
}

/** Runs the CLI; resolves with the exit code (0 ok, 1 failed, 2 bad usage or not possible here). */
export async function main(argv: string[] = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander printed the message already; help and version are not errors
      return error.exitCode === 0 ? 0 : 2;
    }
    reportError(error);
    return typeof process.exitCode === 'number' ? process.exitCode : 1;
  }
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}
