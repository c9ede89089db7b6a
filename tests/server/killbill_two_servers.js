// Two `tollgate serve` processes on one PostgreSQL database, driven in turn by
// Kill Bill's own JavaScript client (tests/postgres/two_servers_test.cpp makes
// the database and runs this script).
//
//   node killbill_two_servers.js TOLLGATE_BINARY DATABASE_URI
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const killbill = require('killbill');
const globalAxios = require('axios');
const { startServe, stopServe, checks } = require('./tollgate_serve');

const [binary, db] = process.argv.slice(2);
const catalog = JSON.stringify({
  name: 'api', currencies: ['USD'], products: [{ name: 'Api', category: 'BASE' }],
  plans: [{ name: 'api-monthly', product: 'Api', phases: [{ type: 'EVERGREEN',
    recurring: { billing_period: 'MONTHLY', price: { USD: '10.00' } },
    usages: [{ name: 'calls', metric: 'api_calls', billing_period: 'MONTHLY', model: 'PER_UNIT', unit_price: { USD: '0.01' } }] }] }],
});
const out = execFileSync(binary, ['tenant', 'create', '--db', db, '--external-key', 'acme']).toString();
const field = (name) => out.match(new RegExp(`^${name} (\\S+)$`, 'm'))[1];
const tenant = { apiKey: field('apiKey'), apiSecret: field('apiSecret'), password: field('password') };
const CREATED_BY = 'two-servers';

const servers = [];
async function start() {
  const { server, port } = await startServe(binary, ['--db', db, '--listen', '127.0.0.1:0', '--now', '2024-03-15T00:00:00Z']);
  servers.push(server);
  const base = `http://127.0.0.1:${port}`;
  const axios = globalAxios.create();
  axios.interceptors.response.use(killbill.followLocationHeaderInterceptor);
  const config = new killbill.Configuration({
    username: 'admin', password: tenant.password,
    apiKey: killbill.apiKey(tenant.apiKey, tenant.apiSecret), basePath: base,
  });
  return {
    base,
    account: new killbill.AccountApi(config, null, axios),
    bundle: new killbill.BundleApi(config, null, axios),
    subscription: new killbill.SubscriptionApi(config, null, axios),
    usage: new killbill.UsageApi(config, null, axios),
    invoice: new killbill.InvoiceApi(config, null, axios),
  };
}

async function status(promise) {
  try {
    return (await promise).status;
  } catch (e) {
    if (!e.response) throw e;
    return e.response.status;
  }
}

const { check, count } = checks();

async function main() {
  const one = await start();
  const two = await start();
  const headers = {
    'X-Killbill-ApiKey': tenant.apiKey, 'X-Killbill-ApiSecret': tenant.apiSecret,
    'X-Killbill-CreatedBy': CREATED_BY, 'Content-Type': 'application/json',
  };
  const uploaded = await globalAxios.post(`${one.base}/1.0/tollgate/catalog`, catalog,
    { headers, auth: { username: 'admin', password: tenant.password }, transformRequest: [(d) => d] });
  assert.equal(uploaded.status, 201);

  let account;
  await check('an external key taken through one server is 409 through the other', async () => {
    account = (await one.account.createAccount({ name: 'Shared', externalKey: 'shared', currency: 'USD' }, CREATED_BY)).data;
    assert.equal(await status(two.account.createAccount({ name: 'Again', externalKey: 'shared', currency: 'USD' }, CREATED_BY)), 409);
    assert.equal((await two.account.getAccountByKey('shared')).data.accountId, account.accountId);
  });

  let subscription;
  await check('a subscription made through one is read through the other', async () => {
    subscription = (await two.subscription.createSubscription(
      { accountId: account.accountId, planName: 'api-monthly' }, CREATED_BY, '2024-03-08')).data;
    const read = (await one.subscription.getSubscription(subscription.subscriptionId)).data;
    assert.equal(read.planName, 'api-monthly');
    assert.equal(read.events[0].eventType, 'START_ENTITLEMENT');
  });

  await check('usage posted to both servers with one trackingId counts once', async () => {
    const record = { subscriptionId: subscription.subscriptionId, trackingId: 'shared-1',
      unitUsageRecords: [{ unitType: 'api_calls', usageRecords: [{ recordDate: '2024-03-10', amount: 100 }] }] };
    assert.equal((await one.usage.recordUsage(record, CREATED_BY)).status, 201);
    assert.equal((await two.usage.recordUsage(record, CREATED_BY)).status, 200);
    assert.equal((await two.usage.recordUsage({ ...record, trackingId: 'shared-2' }, CREATED_BY)).status, 201);
    for (const server of [one, two]) {
      const rolled = (await server.usage.getUsage(subscription.subscriptionId, 'api_calls', '2024-03-01', '2024-04-01')).data;
      assert.deepEqual(rolled.rolledUpUnits, [{ unitType: 'api_calls', amount: 200 }]);
    }
  });
}

main().then(async () => {
  for (const server of servers) assert.equal(await stopServe(server), 0);
  console.log(`1..${count()}`);
}, (e) => {
  console.error(e);
  for (const server of servers) server.kill('SIGKILL');
  process.exit(1);
});
