// `tollgate serve --tls-cert --tls-key`, driven by Kill Bill's own JavaScript
// client over HTTPS, with a CA made for this run (tests/server/https_test.cpp
// makes it and runs this script).
//
//   node killbill_https.js TOLLGATE_BINARY WORK_DIR EXAMPLES_DIR CA_CERT SERVER_CERT SERVER_KEY EXPIRED_CERT
//
// Checks: the client works over HTTPS (Location headers say https://); plain
// HTTP on the port is answered 400 and does nothing; TLS 1.1 is refused and
// TLS 1.2 accepted; SIGHUP reads the certificate again, and a pair that does
// not load leaves the old certificate in use.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const path = require('node:path');
const tls = require('node:tls');
const killbill = require('killbill');
const globalAxios = require('axios');
const { startServe, stopServe, checks } = require('./tollgate_serve');

const [binary, work, examples, caFile, certFile, keyFile, expiredFile] = process.argv.slice(2);
const ca = fs.readFileSync(caFile);
const db = path.join(work, 'https.db');
// The certificate the server is given, overwritten below to rotate it.
const liveCert = path.join(work, 'live-cert.pem');
fs.copyFileSync(certFile, liveCert);
fs.chmodSync(keyFile, 0o600);

const out = execFileSync(binary, ['tenant', 'create', '--db', db, '--external-key', 'acme']).toString();
const field = (name) => out.match(new RegExp(`^${name} (\\S+)$`, 'm'))[1];
const tenant = { apiKey: field('apiKey'), apiSecret: field('apiSecret'), password: field('password') };

let server;
let stderr = '';     // since the last reset (the notices of one SIGHUP)
let printed = '';    // everything the server printed
let port;
async function start() {
  ({ server, port } = await startServe(binary,
    ['--db', db, '--listen', '127.0.0.1:0', '--tls-cert', liveCert, '--tls-key', keyFile],
    { onOutput: (text) => { stderr += text; printed += text; } }));
}

/** Waits until the server's stderr says `text` (a SIGHUP's notice). */
async function noticed(text) {
  for (let i = 0; i < 100 && !stderr.includes(text); ++i) await new Promise((r) => setTimeout(r, 50));
  assert.ok(stderr.includes(text), `expected "${text}" on the server's stderr, got: ${stderr}`);
}

/** A fresh TLS connection (no keep-alive: each sees the certificate of the moment). */
function handshake(options) {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, ...options });
    socket.on('secureConnect', () => {
      const protocol = socket.getProtocol();
      socket.end();
      resolve({ protocol });
    });
    socket.on('error', (e) => resolve({ error: e }));
  });
}

function apis() {
  const axios = globalAxios.create({ httpsAgent: new https.Agent({ ca, keepAlive: true }) });
  axios.interceptors.response.use(killbill.followLocationHeaderInterceptor);
  const config = new killbill.Configuration({
    username: 'admin', password: tenant.password,
    apiKey: killbill.apiKey(tenant.apiKey, tenant.apiSecret), basePath: `https://localhost:${port}`,
  });
  return { axios, account: new killbill.AccountApi(config, null, axios) };
}

const { check, count } = checks();

async function main() {
  await start();
  const kb = apis();
  const headers = {
    'X-Killbill-ApiKey': tenant.apiKey, 'X-Killbill-ApiSecret': tenant.apiSecret, 'X-Killbill-CreatedBy': 'https',
    'Content-Type': 'application/json',
  };
  const auth = { username: 'admin', password: tenant.password };

  await check("Kill Bill's client works over HTTPS, Location headers included", async () => {
    const catalog = fs.readFileSync(path.join(examples, 'addon-rules', 'catalog.json'), 'utf8');
    const uploaded = await kb.axios.post(`https://localhost:${port}/1.0/tollgate/catalog`, catalog,
      { headers, auth, transformRequest: [(d) => d] });
    assert.equal(uploaded.status, 201);
    // createAccount answers 201 with a Location the client follows: it must be https://.
    const created = await kb.account.createAccount({ name: 'Secure', externalKey: 'secure-1', currency: 'USD' }, 'https');
    assert.equal(created.status, 201);
    assert.equal(created.data.externalKey, 'secure-1');
    assert.equal((await kb.account.getAccountByKey('secure-1')).data.accountId, created.data.accountId);
    assert.deepEqual((await kb.account.getInvoicesForAccount(created.data.accountId)).data, []);
  });

  await check('plain HTTP on the HTTPS port is answered 400 and changes nothing', async () => {
    const answer = await new Promise((resolve, reject) => {
      const body = JSON.stringify({ name: 'Plain', externalKey: 'plain-1', currency: 'USD' });
      const req = http.request({
        host: '127.0.0.1', port, method: 'POST', path: '/1.0/kb/accounts', auth: `admin:${tenant.password}`,
        headers: { ...headers, 'X-Killbill-CreatedBy': 'plain', 'Content-Length': Buffer.byteLength(body) },
      }, (res) => {
        let text = '';
        res.on('data', (d) => { text += d; });
        res.on('end', () => resolve({ status: res.statusCode, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(answer.status, 400);
    assert.equal(JSON.parse(answer.body).tollgateCode, 'server.tls');
    assert.match(JSON.parse(answer.body).message, /HTTPS only/);
    const lookup = await kb.axios.get(`https://localhost:${port}/1.0/kb/accounts?externalKey=plain-1`,
      { headers, auth, validateStatus: () => true });
    assert.equal(lookup.status, 404);
  });

  await check('TLS 1.1 is refused, TLS 1.2 and 1.3 are accepted', async () => {
    // SECLEVEL=0 lets this client offer TLS 1.1: the refusal is the server's.
    const old = await handshake({ minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    assert.ok(old.error, 'a TLS 1.1 handshake succeeded');
    assert.equal((await handshake({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'DEFAULT@SECLEVEL=0' })).protocol, 'TLSv1.2');
    assert.equal((await handshake({ minVersion: 'TLSv1.3' })).protocol, 'TLSv1.3');
  });

  await check('SIGHUP reads the certificate again; a broken one leaves the old in use', async () => {
    // Rotated to a certificate that expired: new connections see it at once.
    fs.copyFileSync(expiredFile, liveCert);
    server.kill('SIGHUP');
    await noticed('certificate reloaded');
    assert.equal((await handshake({})).error?.code, 'CERT_HAS_EXPIRED');
    // A file that is not a certificate: refused, the (expired) one in use stays.
    fs.writeFileSync(liveCert, 'not a certificate\n');
    server.kill('SIGHUP');
    await noticed('certificate not reloaded');
    assert.equal((await handshake({})).error?.code, 'CERT_HAS_EXPIRED');
    // Back to the valid one.
    fs.copyFileSync(certFile, liveCert);
    stderr = '';
    server.kill('SIGHUP');
    await noticed('certificate reloaded');
    assert.equal((await handshake({})).protocol, 'TLSv1.3');
    const read = await kb.account.getAccountByKey('secure-1');
    assert.equal(read.status, 200);
  });

  await check('the private key never appears in what the server prints', async () => {
    const key = fs.readFileSync(keyFile, 'utf8').split('\n').filter((l) => l && !l.startsWith('-----'));
    assert.ok(key.length > 0);
    for (const line of key) assert.ok(!printed.includes(line));
  });
}

main().then(async () => {
  assert.equal(await stopServe(server), 0);
  console.log(`1..${count()}`);
}, (e) => {
  console.error(e);
  if (server) server.kill('SIGKILL');
  process.exit(1);
});
