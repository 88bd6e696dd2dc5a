/**
 * How each ecosystem compares package names, applied the same way when
 * indexing advisories and when looking up components — so `Django` in an
 * advisory finds `django` in a lockfile, as pip would.
 *
 * @example
 *   normalizePackageName('PyPI', 'Zope.Interface') // 'zope-interface'
 */
import { baseEcosystem } from '../versions/registry.js';

export function normalizePackageName(ecosystem: string, name: string): string {
  switch (baseEcosystem(ecosystem)) {
    case 'PyPI':
      // PEP 503: case-insensitive, runs of '-', '_' and '.' are equal.
      return name.toLowerCase().replace(/[-_.]+/g, '-');
    case 'NuGet':
    case 'Packagist':
      return name.toLowerCase();
    default:
      return name;
  }
}
