/** The package's root folder (where package.json, engines/ and build/ are), from this file's place in dist/. */
import * as path from 'node:path';

export const packageRoot = path.resolve(__dirname, '..', '..');
