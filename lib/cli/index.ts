#!/usr/bin/env node
/** The `dynamic-ofa` command line: thin commands over the library. */
import { Command } from 'commander';

import { benchCommand } from './commands/bench';
import { demoCommand } from './commands/demo';
import { infoCommand } from './commands/info';
import { scenarioCommand } from './commands/scenario';
import { reportError } from './common';

export function buildProgram(): Command {
  const program = new Command('dynamic-ofa')
    .description('Dynamic-OFA runtime architecture switching: resident sub-network families, switched as resources change')
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError();
  for (const command of [infoCommand, demoCommand, benchCommand, scenarioCommand]) program.addCommand(command);
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch(reportError);
}
