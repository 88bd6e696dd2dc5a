/**
 * Yarn descriptors (`name@range`) and locators (`name@reference`): the
 * strings that key yarn.lock entries and name what they resolved to.
 *
 * @example
 *   splitDescriptor('@babel/core@^7.0.0');              // { name: '@babel/core', range: '^7.0.0' }
 *   packageNameOf('string-width-cjs@npm:string-width@^4'); // 'string-width'
 */

/**
 * Splits at the `@` that ends the name. A scoped name's own leading `@` is
 * not a separator; names never contain another `@`, so the first one after
 * position 0 is the split even when the range is a URL with `git@…` in it.
 *
 * @example
 *   splitDescriptor('mine1@git+ssh://git@github.com:o/r#c'); // { name: 'mine1', range: 'git+ssh://git@github.com:o/r#c' }
 *   splitDescriptor('balanced-match');                     // { name: 'balanced-match', range: '' }
 */
export function splitDescriptor(descriptor: string): { name: string; range: string } {
  const at = descriptor.indexOf('@', 1);
  if (at === -1) return { name: descriptor, range: '' };
  return { name: descriptor.slice(0, at), range: descriptor.slice(at + 1) };
}

/**
 * The package a descriptor installs. An alias (`alias@npm:real@range`)
 * installs `real`; berry's plain registry ranges (`name@npm:^1.0.0`) name
 * no other package, so the descriptor's own name stands.
 *
 * @example
 *   packageNameOf('babel-hvi@npm:@babel/helper-validator-identifier@^7.0.0'); // '@babel/helper-validator-identifier'
 *   packageNameOf('debug@npm:^4.1.0');                                        // 'debug'
 */
export function packageNameOf(descriptor: string): string {
  const { name, range } = splitDescriptor(descriptor);
  if (!range.startsWith('npm:')) return name;
  const target = range.slice('npm:'.length);
  // An alias target is itself `name@range` (or a bare scoped name); a range never starts with '@' or holds one later.
  if (target.startsWith('@') || target.indexOf('@', 1) !== -1) {
    const real = splitDescriptor(target).name;
    if (real !== '' && real !== '@') return real;
  }
  return name;
}
