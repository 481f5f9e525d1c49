import * as fs from 'node:fs';
import * as path from 'node:path';

import { familyManifestSchema, validateManifest } from '../../lib';

const root = path.join(__dirname, '..', '..');

describe('the family.json schema', () => {
  it('is the one JSON Schema file the Python toolkit reads too', () => {
    const file = JSON.parse(fs.readFileSync(path.join(root, 'lib', 'family', 'family.schema.json'), 'utf8')) as Record<string, unknown>;
    expect(familyManifestSchema).toEqual(file);
    expect(file.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(fs.readFileSync(path.join(root, 'scripts', 'ofa', 'dynofa', 'manifest.py'), 'utf8')).toContain('"lib" / "family" / "family.schema.json"');
  });

  it.each(['fashion-ofa', 'ofa-mbv3-w12'])('accepts the committed family %s', (name) => {
    const dir = path.join(root, 'engines', name);
    expect(validateManifest(JSON.parse(fs.readFileSync(path.join(dir, 'family.json'), 'utf8')), dir)).toEqual([]);
  });
});
