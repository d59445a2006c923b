// The CommonJS flavour: `require('passmint')` resolves to dist/cjs/index.d.ts.
import passmintModule = require('passmint');

const { Passmint, NotFoundError } = passmintModule;
const client = new Passmint('pmk_live_x', { baseUrl: 'https://api.passmint.com' });
const mode: 'test' | 'live' = client.mode;

export async function main(): Promise<string> {
  try {
    const pass: passmintModule.Pass = await client.passes.retrieve('pass_x');
    return `${mode} ${pass.id}`;
  } catch (err) {
    if (err instanceof NotFoundError) return 'missing';
    throw err;
  }
}
