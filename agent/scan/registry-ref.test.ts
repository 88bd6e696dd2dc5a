import { describe, expect, it } from 'vitest';
import { looksLikeRegistryReference, registryReferenceError } from './registry-ref.js';

describe('looksLikeRegistryReference', () => {
  it.each(['alpine:3.19', 'library/alpine:latest', 'docker.io/library/alpine:3.19', 'localhost:5000/app:1', 'ghcr.io/org/app@sha256:' + 'a'.repeat(64), 'docker://alpine', 'oci://registry.example/app'])(
    '%s is a reference',
    (input) => expect(looksLikeRegistryReference(input)).toBe(true),
  );
  it.each(['alpine', './alpine.tar', '/tmp/app.tar', 'app.oci.tar', 'C:/images/a.tar', 'Alpine:3.19', 'dir/with space:1', ''])('%s is not', (input) =>
    expect(looksLikeRegistryReference(input)).toBe(false),
  );
});

describe('registryReferenceError', () => {
  it('suggests a tar named after the repository, without tag or digest', () => {
    const error = registryReferenceError('ghcr.io/org/app@sha256:' + 'a'.repeat(64));
    expect(error.code).toBe('UNSUPPORTED_TARGET');
    expect(error.message).toContain('-o app.tar`');
    expect(error.message).toContain('then `stella scan app.tar`');
    expect(error.message).toContain('`stella scan registry://ghcr.io/org/app@sha256:');
  });
});
