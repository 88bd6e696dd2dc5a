import { describe, expect, it } from 'vitest';
import type { OsRelease } from '../../core/model/package.js';
import { buildComponents } from './inventory.js';
import type { LocatedPackage } from './inventory.js';

const ALMA: OsRelease = { id: 'almalinux', versionId: '8.8' };
const rpm = (name: string, sourceFile: string): LocatedPackage => ({ type: 'rpm', name, version: '1.0-1.el8', arch: 'x86_64', sourceFile, evidence: 'package-db' });
const locations = (packages: LocatedPackage[]): string[][] => buildComponents(packages, ALMA).components.map((c) => c.locations ?? []);

describe('buildComponents: rpm databases', () => {
  it('a Packages beside an rpmdb.sqlite that holds packages is not read, as rpm does not read it', () => {
    const packages = [rpm('bash', 'var/lib/rpm/Packages'), rpm('curl', 'var/lib/rpm/Packages'), rpm('bash', 'var/lib/rpm/rpmdb.sqlite')];
    expect(locations(packages)).toEqual([['var/lib/rpm/rpmdb.sqlite']]);
  });

  it('a Packages alone, or in another folder than the rpmdb.sqlite, is read', () => {
    expect(locations([rpm('bash', 'var/lib/rpm/Packages')])).toEqual([['var/lib/rpm/Packages']]);
    expect(locations([rpm('bash', 'var/lib/rpm/Packages'), rpm('curl', 'usr/lib/sysimage/rpm/rpmdb.sqlite')])).toEqual([['var/lib/rpm/Packages'], ['usr/lib/sysimage/rpm/rpmdb.sqlite']]);
  });
});
