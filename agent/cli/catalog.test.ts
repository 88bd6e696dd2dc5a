/**
 * The lazy command list must say what the commands themselves say: each
 * catalog summary is checked against the description its module registers,
 * and every command a module registers is in the catalog.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from './catalog.js';
import { commandName } from './main.js';

describe('the command catalog', () => {
  it('lists every registered top-level command once, with its own description', async () => {
    const program = new Command('stella');
    const loaded = new Set<unknown>();
    for (const entry of COMMANDS) {
      const register = await entry.load();
      if (loaded.has(register)) continue;
      loaded.add(register);
      register(program, () => undefined);
    }
    const registered = Object.fromEntries(program.commands.map((command) => [command.name(), command.description()]));
    expect(Object.fromEntries(COMMANDS.map((entry) => [entry.name, entry.summary]))).toEqual(registered);
    expect(new Set(COMMANDS.map((entry) => entry.name)).size).toBe(COMMANDS.length);
  });
});

describe('commandName', () => {
  const program = new Command('stella').option('--repo <dir>').option('-q, --quiet').option('--verbose');
  it.each([
    [['scan', 'x.tar'], 'scan'],
    [['--repo', 'scan', 'verify'], 'verify'],
    [['--repo=./state', '-q', 'feed', 'import'], 'feed'],
    [['help', 'trust'], 'trust'],
    [['help', '--repo', 'x'], 'x'],
    [['--version'], undefined],
    [[], undefined],
  ])('%j runs %s', (args, name) => expect(commandName(program, args)).toBe(name));
});
