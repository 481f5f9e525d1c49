import * as fs from 'node:fs';
import * as path from 'node:path';

import { chooseCacheDir, FAMILY_CACHE_FOLDER, isWritableDir, resolveCacheDir, userCacheRoot } from '../../lib/engines/cache-folder';
import { tempDir } from './helpers';

describe('engine cache folder', () => {
  const familyDir = '/opt/robot/engines/fashion-ofa';

  it('defaults to <family>/.engine-cache when it can be written', () => {
    const choice = chooseCacheDir({ familyDir, familyName: 'fashion-ofa', env: {}, isWritable: () => true });
    expect(choice).toEqual({ dir: path.join(familyDir, FAMILY_CACHE_FOLDER), source: 'family' });
  });

  it('an explicit folder wins (option, then DYNAMIC_OFA_ENGINE_CACHE) and is not probed', () => {
    const isWritable = jest.fn(() => true);
    expect(chooseCacheDir({ familyDir, familyName: 'f', override: 'rel/cache', env: { DYNAMIC_OFA_ENGINE_CACHE: '/env' }, isWritable })).toEqual({
      dir: path.resolve('rel/cache'),
      source: 'override',
    });
    expect(chooseCacheDir({ familyDir, familyName: 'f', env: { DYNAMIC_OFA_ENGINE_CACHE: '/env' }, isWritable }).dir).toBe('/env');
    expect(isWritable).not.toHaveBeenCalled();
  });

  it('falls back to a per-user cache keyed by family name and folder when the family folder is read-only', () => {
    const a = chooseCacheDir({ familyDir, familyName: 'fashion ofa/v1', env: {}, homedir: '/home/robot', isWritable: () => false });
    expect(a.source).toBe('user');
    expect(a.reason).toMatch(/not writable/);
    expect(a.dir).toMatch(/^\/home\/robot\/\.cache\/dynamic-ofa\/fashion_ofa_v1-[0-9a-f]{12}$/);
    const b = chooseCacheDir({ familyDir: '/other/place', familyName: 'fashion ofa/v1', env: {}, homedir: '/home/robot', isWritable: () => false });
    expect(b.dir).not.toBe(a.dir);
    const xdg = chooseCacheDir({ familyDir, familyName: 'f', env: { XDG_CACHE_HOME: '/xdg' }, homedir: '/home/robot', isWritable: () => false });
    expect(xdg.dir.startsWith('/xdg/dynamic-ofa/f-')).toBe(true);
  });

  it('ignores a relative XDG_CACHE_HOME (as the XDG spec says)', () => {
    expect(userCacheRoot({ XDG_CACHE_HOME: 'relative' }, '/home/r')).toBe('/home/r/.cache/dynamic-ofa');
  });

  it('probes real folders: writable, blocked by a file, and read-only (non-root only)', () => {
    const dir = tempDir('cache');
    expect(isWritableDir(path.join(dir, 'a', 'b'))).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'a', 'b'))).toEqual([]); // the probe is removed
    fs.writeFileSync(path.join(dir, 'file'), '');
    expect(isWritableDir(path.join(dir, 'file', FAMILY_CACHE_FOLDER))).toBe(false);
    if (process.getuid?.() !== 0) {
      const readOnly = path.join(dir, 'ro');
      fs.mkdirSync(readOnly);
      fs.chmodSync(readOnly, 0o555);
      expect(isWritableDir(path.join(readOnly, FAMILY_CACHE_FOLDER))).toBe(false);
      fs.chmodSync(readOnly, 0o755);
    }
  });

  it('resolveCacheDir falls back for real when the family folder cannot hold a cache', () => {
    const family = tempDir('family');
    fs.writeFileSync(path.join(family, FAMILY_CACHE_FOLDER), 'a file where the cache folder would go');
    const home = tempDir('home');
    const previous = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = home;
    try {
      const choice = resolveCacheDir(family, 'tiny');
      expect(choice.source).toBe('user');
      expect(choice.dir.startsWith(path.join(home, 'dynamic-ofa'))).toBe(true);
      expect(fs.statSync(choice.dir).isDirectory()).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = previous;
    }
  });
});
