import { describe, expect, it } from 'vitest';
import type { Report, ReportComponent, ReportTarget } from '../model/report.js';
import { osPackagesMissing } from './coverage-text.js';

const component = (type: string, name: string): ReportComponent => ({ type, name, version: '1', purl: `pkg:${type}/${name}@1` });
const target = (os?: ReportTarget['os']): ReportTarget => ({ kind: 'rootfs-dir', name: 'app', digest: 'sha256:00', ...(os === undefined ? {} : { os }) });
const report = (os: ReportTarget['os'] | undefined, components: ReportComponent[]): Pick<Report, 'target' | 'components'> => ({ target: target(os), components });

describe('osPackagesMissing', () => {
  it('an OS with packages from its database: nothing to say', () => {
    for (const type of ['deb', 'apk', 'rpm']) expect(osPackagesMissing(report({ id: 'x' }, [component(type, 'a'), component('npm', 'b')]))).toBeUndefined();
  });

  it('no OS (no os-release): nothing to say, whatever was found', () => {
    expect(osPackagesMissing(report(undefined, [component('npm', 'b')]))).toBeUndefined();
    expect(osPackagesMissing(report(undefined, []))).toBeUndefined();
  });

  it('an OS without one OS package: named by its pretty name, or its id and version', () => {
    expect(osPackagesMissing(report({ id: 'sles', versionId: '15.5', prettyName: 'SUSE Linux Enterprise Server 15 SP5' }, [component('npm', 'b')]))).toBe(
      'SUSE Linux Enterprise Server 15 SP5: no OS packages found (no package database, or one in a format not read) — not checked',
    );
    expect(osPackagesMissing(report({ id: 'centos', versionId: '7' }, []))).toBe('centos 7: no OS packages found (no package database, or one in a format not read) — not checked');
    expect(osPackagesMissing(report({ id: 'wolfi' }, [component('golang', 'x')]))).toMatch(/^wolfi: no OS packages found/);
  });
});
