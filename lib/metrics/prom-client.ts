/** prom-client, the optional peer dependency of `dynamic-ofa/metrics`, loaded when first needed. */
import type * as PromClient from 'prom-client';
import { DependencyMissingError } from '../errors';

export type PromClientModule = typeof PromClient;

/** prom-client as the application has it installed; E_DEPENDENCY_MISSING saying how to install it when it is not. */
export function loadPromClient(): PromClientModule {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peer: only this subpath needs it
    return require('prom-client') as PromClientModule;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes("'prom-client'")) {
      throw new DependencyMissingError('prom-client', 'dynamic-ofa/metrics needs prom-client, an optional peer dependency: npm install prom-client', { cause: error });
    }
    throw error;
  }
}
