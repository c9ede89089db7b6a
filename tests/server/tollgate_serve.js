// What the end-to-end scripts share: starting `tollgate serve` and waiting for
// its LISTENING line, and the numbered "ok N - name" lines of their checks.
'use strict';

const { spawn } = require('node:child_process');

/**
 * Starts `binary serve ...args`; resolves { server, port } once it listens.
 * `onOutput(text)` sees what it prints on stdout and stderr (stderr is
 * passed through to this process's when it is not given).
 */
async function startServe(binary, args, { onOutput } = {}) {
  const server = spawn(binary, ['serve', ...args], { stdio: ['ignore', 'pipe', onOutput ? 'pipe' : 'inherit'] });
  if (onOutput) server.stderr.on('data', (d) => onOutput(String(d)));
  const port = await new Promise((resolve, reject) => {
    let seen = '';
    server.stdout.on('data', (d) => {
      seen += d;
      if (onOutput) onOutput(String(d));
      const m = seen.match(/LISTENING (\d+)/);
      if (m) resolve(Number(m[1]));
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { server, port };
}

/** Stops `server` with SIGTERM; resolves its exit code. */
function stopServe(server) {
  const exited = new Promise((resolve) => server.on('exit', resolve));
  server.kill('SIGTERM');
  return exited;
}

/** check(name, body) runs a check and prints "ok N - name"; count() says how many passed. */
function checks() {
  let passed = 0;
  return {
    async check(name, body) {
      await body();
      passed += 1;
      console.log(`ok ${passed} - ${name}`);
    },
    count: () => passed,
  };
}

module.exports = { startServe, stopServe, checks };
