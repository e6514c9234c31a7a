import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

// The IPC seam is enforced by a lint rule; prove the rule bites outside src/ipc/ only.
// The first lint loads the config and the TypeScript parser: seconds on a busy 2-core machine.
const LINT_TIMEOUT_MS = 60_000;

describe('ipc seam lint rule', () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const source = "import { invoke } from '@tauri-apps/api/core';\nexport const f = invoke;\n";

  it('rejects @tauri-apps imports in a screen', async () => {
    const [result] = await eslint.lintText(source, { filePath: 'src/cards/Leak.ts' });
    expect(result?.messages.map((m) => m.ruleId)).toContain('no-restricted-imports');
  }, LINT_TIMEOUT_MS);

  it('allows them inside src/ipc/', async () => {
    const [result] = await eslint.lintText(source, { filePath: 'src/ipc/other.ts' });
    expect(result?.messages.map((m) => m.ruleId)).not.toContain('no-restricted-imports');
  }, LINT_TIMEOUT_MS);
});
