// End-to-end: `tollgate serve` driven by Kill Bill's own JavaScript client
// (npm killbill 0.24.0), on 127.0.0.1.
//
//   node killbill_e2e.js TOLLGATE_BINARY WORK_DIR EXAMPLES_DIR
//
// Starts two tenants' worth of server on a fresh database, with the server's
// clock at 2024-03-15 (every requested date below is in its past, as Kill
// Bill's backdated requests are). Every amount is worked out by hand from
// ../shared/spec (the addon-rules example's values are those of its expected.json).
'use strict';

const assert = require('node:assert/strict');
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const killbill = require('killbill');
const globalAxios = require('axios');
const { startServe, checks } = require('./tollgate_serve');

const [binary, work, examples] = process.argv.slice(2);
const db = path.join(work, 'e2e.db');
for (const suffix of ['', '-wal', '-shm']) fs.rmSync(db + suffix, { force: true });

function tenant(externalKey) {
  const out = execFileSync(binary, ['tenant', 'create', '--db', db, '--external-key', externalKey]).toString();
  const field = (name) => out.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1];
  return { apiKey: field('apiKey'), apiSecret: field('apiSecret'), user: field('user'), password: field('password') };
}

const acme = tenant('acme');      // the first run also makes the user "admin"
const globex = tenant('globex');
assert.equal(acme.user, 'admin');
assert.equal(globex.user, undefined, 'only the first run makes a user');

let server;
let base;
async function start() {
  let port;
  ({ server, port } = await startServe(binary, ['--db', db, '--listen', '127.0.0.1:0',
    '--now', '2024-03-15T00:00:00Z', '--body-limit', '65536']));
  base = `http://127.0.0.1:${port}`;
}

function apis(t) {
  const axios = globalAxios.create();
  axios.interceptors.response.use(killbill.followLocationHeaderInterceptor);
  const config = new killbill.Configuration({
    username: 'admin', password: acme.password,
    apiKey: killbill.apiKey(t.apiKey, t.apiSecret), basePath: base,
  });
  return {
    account: new killbill.AccountApi(config, null, axios),
    bundle: new killbill.BundleApi(config, null, axios),
    subscription: new killbill.SubscriptionApi(config, null, axios),
    invoice: new killbill.InvoiceApi(config, null, axios),
    usage: new killbill.UsageApi(config, null, axios),
    invoicePayment: new killbill.InvoicePaymentApi(config, null, axios),
    credit: new killbill.CreditApi(config, null, axios),
    catalog: new killbill.CatalogApi(config, null, axios),
    paymentMethod: new killbill.PaymentMethodApi(config, null, axios),
    headers: {
      'X-Killbill-ApiKey': t.apiKey, 'X-Killbill-ApiSecret': t.apiSecret,
      'X-Killbill-CreatedBy': 'e2e', 'Content-Type': 'application/json',
    },
  };
}

/** The HTTP status a failing call answered (the call must fail). */
async function status(promise) {
  try {
    const r = await promise;
    return r.status;
  } catch (e) {
    if (!e.response) throw e;
    return e.response.status;
  }
}

/** A raw request, for what the client cannot send (malformed JSON, unknown fields). */
async function raw(method, url, body, headers) {
  return globalAxios.request({ method, url: base + url, data: body, headers, auth: { username: 'admin', password: acme.password },
    validateStatus: () => true, transformRequest: [(d) => d] });
}

const { check, count } = checks();

const CREATED_BY = 'e2e';
const AUTO_INVOICING_OFF = '00000000-0000-0000-0000-000000000002';

function items(invoice) {
  return invoice.items.map((i) => [i.itemType, i.startDate, i.endDate, i.amount]);
}

async function main() {
  await start();
  const A = apis(acme);
  const G = apis(globex);
  const exampleCatalog = fs.readFileSync(path.join(examples, 'addon-rules', 'catalog.json'), 'utf8');
  const rules = fs.readFileSync(path.join(examples, 'addon-rules', 'rules.json'), 'utf8');

  // --- catalog and rules (Tollgate's own paths) ---------------------------------------
  await check('catalog and rules are uploaded per tenant and organization', async () => {
    assert.equal((await raw('post', '/1.0/tollgate/catalog', exampleCatalog, A.headers)).status, 201);
    assert.equal((await raw('put', '/1.0/tollgate/rules/acme', rules, A.headers)).status, 201);
    const read = await raw('get', '/1.0/tollgate/rules/acme', undefined, A.headers);
    assert.deepEqual(read.data, JSON.parse(rules));
    // globex has uploaded nothing: its account waits for a catalog, without a currency.
    const waiting = await G.account.createAccount({ name: 'x', externalKey: 'gx' }, CREATED_BY);
    assert.equal(waiting.status, 201);
    assert.equal(waiting.data.currency, null);
    const broken = await raw('put', '/1.0/tollgate/rules/acme', '{"cancelPolicy":[{"billingActionPolicy":"SOMETIMES"}]}', A.headers);
    assert.equal(broken.status, 400);
    assert.match(broken.data.message, /cancelPolicy\[0\]\.billingActionPolicy/);
  });

  // --- accounts --------------------------------------------------------------------------
  let org7;
  await check('an account is created, read by id and by key, and updated', async () => {
    const created = await A.account.createAccount(
      { name: 'Org 7', externalKey: 'org-7', currency: 'USD', timeZone: 'Asia/Seoul', billCycleDayLocal: 1 },
      CREATED_BY, undefined, undefined, { headers: { 'X-Tollgate-Organization': 'acme' } });
    assert.equal(created.status, 201);
    org7 = created.data;
    assert.equal(org7.externalKey, 'org-7');
    assert.equal(org7.timeZone, 'Asia/Seoul');
    assert.equal(org7.billCycleDayLocal, 1);
    assert.equal((await A.account.getAccount(org7.accountId)).data.name, 'Org 7');
    assert.equal((await A.account.getAccountByKey('org-7')).data.accountId, org7.accountId);
    const update = await A.account.updateAccount({ ...org7, name: 'Org Seven', email: 'billing@org7.example' },
      org7.accountId, CREATED_BY);
    assert.equal(update.status, 204);
    const read = (await A.account.getAccount(org7.accountId)).data;
    assert.equal(read.name, 'Org Seven');
    assert.equal(read.email, 'billing@org7.example');
    const audit = (await A.account.getAccountAuditLogs(org7.accountId)).data;
    assert.deepEqual(audit.map((a) => [a.changeType, a.changedBy]), [['INSERT', 'e2e'], ['UPDATE', 'e2e']]);
  });

  // --- the addon-rules example, through Kill Bill's API ------------------------------------
  let base7, seats7;
  await check('addon-rules: the base bills 21.29 on 01-10 (22 of 31 days of 30.00)', async () => {
    base7 = (await A.subscription.createSubscription(
      { accountId: org7.accountId, planName: 'pro-monthly', externalKey: 'org7-base', bundleExternalKey: 'org7' },
      CREATED_BY, '2024-01-03')).data;
    assert.equal(base7.productCategory, 'BASE');
    assert.equal(base7.startDate.slice(0, 10), '2024-01-03');
    const dry = (await A.invoice.generateDryRunInvoice({ dryRunType: 'TARGET_DATE' }, org7.accountId, CREATED_BY, '2024-01-10')).data;
    assert.equal(dry.amount, 21.29);
    assert.deepEqual(items(dry), [['RECURRING', '2024-01-10', '2024-02-01', 21.29]]);
    const invoice = (await A.invoice.createFutureInvoice(org7.accountId, CREATED_BY, '2024-01-10')).data;
    assert.equal(invoice.amount, 21.29);
    assert.equal(invoice.status, 'COMMITTED');
  });

  await check('addon-rules: the add-on joins the bundle on 01-20 and bills 3.87 (12/31 of 10.00)', async () => {
    seats7 = (await A.subscription.createSubscription(
      { bundleId: base7.bundleId, planName: 'seats-monthly' }, CREATED_BY, '2024-01-20')).data;
    assert.equal(seats7.bundleId, base7.bundleId);
    assert.equal(seats7.productCategory, 'ADD_ON');
    const dry = (await A.invoice.generateDryRunInvoice({ dryRunType: 'TARGET_DATE' }, org7.accountId, CREATED_BY, '2024-01-20')).data;
    assert.deepEqual(items(dry), [['RECURRING', '2024-01-20', '2024-02-01', 3.87]]);
    await A.invoice.createFutureInvoice(org7.accountId, CREATED_BY, '2024-01-20');
    const feb = (await A.invoice.generateDryRunInvoice({ dryRunType: 'TARGET_DATE' }, org7.accountId, CREATED_BY, '2024-02-01')).data;
    assert.equal(feb.amount, 40);
    await A.invoice.createFutureInvoice(org7.accountId, CREATED_BY, '2024-02-01');
    const all = (await A.account.getInvoicesForAccount(org7.accountId)).data;
    assert.deepEqual(all.map((i) => [i.invoiceDate, i.amount]), [['2024-01-10', 21.29], ['2024-01-20', 3.87], ['2024-02-01', 40]]);
  });

  await check('addon-rules: a BASE to ADD_ON change is ILLEGAL under the rules and changes nothing', async () => {
    const r = await status(A.subscription.changeSubscriptionPlan(
      { planName: 'seats-monthly', productName: 'Seats', billingPeriod: 'MONTHLY', priceList: 'DEFAULT' },
      base7.subscriptionId, CREATED_BY, '2024-02-05'));
    assert.equal(r, 400);
    assert.equal((await A.subscription.getSubscription(base7.subscriptionId)).data.planName, 'pro-monthly');
  });

  await check('addon-rules: the add-on cancel is IMMEDIATE (-5.17), the base cancel END_OF_TERM (03-01)', async () => {
    assert.equal((await A.subscription.cancelSubscriptionPlan(seats7.subscriptionId, CREATED_BY, '2024-02-15')).status, 204);
    const dry = (await A.invoice.generateDryRunInvoice({ dryRunType: 'TARGET_DATE' }, org7.accountId, CREATED_BY, '2024-02-15')).data;
    // The repair makes a negative invoice: its 5.17 become account credit (Kill Bill's CBA_ADJ).
    assert.deepEqual(items(dry), [['REPAIR_ADJ', '2024-02-15', '2024-03-01', -5.17], ['CBA_ADJ', '2024-02-15', '2024-02-15', 5.17]]);
    await A.subscription.cancelSubscriptionPlan(base7.subscriptionId, CREATED_BY, '2024-02-20');
    const base = (await A.subscription.getSubscription(base7.subscriptionId)).data;
    assert.equal(base.cancelledDate.slice(0, 10), '2024-03-01');
    assert.equal(base.state, 'CANCELLED');  // the clock reads 2024-03-15
    // Nothing more is billed for March: the dry run of 03-01 holds only the repair of 02-15.
    const mar = (await A.invoice.generateDryRunInvoice({ dryRunType: 'TARGET_DATE' }, org7.accountId, CREATED_BY, '2024-03-01')).data;
    assert.deepEqual(items(mar), [['REPAIR_ADJ', '2024-02-15', '2024-03-01', -5.17], ['CBA_ADJ', '2024-03-01', '2024-03-01', 5.17]]);
  });

  // --- a second catalog version: new accounts get it --------------------------------------
  const extended = JSON.parse(exampleCatalog);
  extended.products.push({ name: 'Max', category: 'BASE' });
  extended.plans.push({
    name: 'max-monthly', product: 'Max',
    phases: [{ type: 'EVERGREEN',
      recurring: { billing_period: 'MONTHLY', billing_mode: 'IN_ADVANCE', price: { USD: '50.00' } },
      usages: [{ name: 'calls', metric: 'api_calls', billing_period: 'MONTHLY', model: 'PER_UNIT', unit_price: { USD: '0.01' } }] }],
  });
  assert.equal((await raw('post', '/1.0/tollgate/catalog', JSON.stringify(extended), A.headers)).status, 201);

  let bravo, bravoBase;
  await check('change under the rules: in TRIAL it is IMMEDIATE (changePolicy[0]); 4/29 of 50.00 = 6.90', async () => {
    bravo = (await A.account.createAccount({ name: 'Bravo', externalKey: 'bravo', currency: 'USD' }, CREATED_BY,
      undefined, undefined, { headers: { 'X-Tollgate-Organization': 'acme' } })).data;
    bravoBase = (await A.subscription.createSubscription({ accountId: bravo.accountId, planName: 'pro-monthly' },
      CREATED_BY, '2024-03-01')).data;
    // Trial 03-01..03-08; ACCOUNT alignment sets the bill cycle day to 8.
    assert.equal((await A.account.getAccount(bravo.accountId)).data.billCycleDayLocal, 8);
    await A.subscription.changeSubscriptionPlan({ planName: 'max-monthly' }, bravoBase.subscriptionId, CREATED_BY, '2024-03-04');
    const now = (await A.subscription.getSubscription(bravoBase.subscriptionId)).data;
    assert.equal(now.planName, 'max-monthly');
    assert.equal(now.productName, 'Max');
    // Max from 03-04; the leading piece [03-04, 03-08) of the period [02-08, 03-08) (29 days).
    const dry = (await A.invoice.generateDryRunInvoice({ dryRunType: 'TARGET_DATE' }, bravo.accountId, CREATED_BY, '2024-03-08')).data;
    assert.deepEqual(items(dry), [['RECURRING', '2024-03-04', '2024-03-08', 6.9], ['RECURRING', '2024-03-08', '2024-04-08', 50]]);
  });

  await check('usage: a repeated trackingId is counted once', async () => {
    const record = { subscriptionId: bravoBase.subscriptionId, trackingId: 'batch-1',
      unitUsageRecords: [{ unitType: 'api_calls', usageRecords: [
        { recordDate: '2024-03-10', amount: 100 }, { recordDate: '2024-03-11T12:00:00Z', amount: 50.5 }] }] };
    assert.equal((await A.usage.recordUsage(record, CREATED_BY)).status, 201);
    assert.equal((await A.usage.recordUsage(record, CREATED_BY)).status, 200);
    const rolled = (await A.usage.getUsage(bravoBase.subscriptionId, 'api_calls', '2024-03-08', '2024-04-08')).data;
    assert.deepEqual(rolled.rolledUpUnits, [{ unitType: 'api_calls', amount: 150.5 }]);
    // 150.5 calls at 0.01 bill 1.505 -> 1.51 (HALF_UP) at the end of the usage period, on 04-08.
    const dry = (await A.invoice.generateDryRunInvoice({ dryRunType: 'TARGET_DATE' }, bravo.accountId, CREATED_BY, '2024-04-08')).data;
    const usage = dry.items.filter((i) => i.itemType === 'USAGE');
    assert.deepEqual(usage.map((i) => [i.startDate, i.endDate, i.quantity, i.amount]), [['2024-03-08', '2024-04-08', 150.5, 1.51]]);
    const unknown = await status(A.usage.recordUsage({ ...record, trackingId: 'batch-2',
      unitUsageRecords: [{ unitType: 'sms', usageRecords: [{ recordDate: '2024-03-12', amount: 1 }] }] }, CREATED_BY));
    assert.equal(unknown, 400);
    // Usage the subscription cannot bill (dated before it started) is refused, naming the record.
    let refused;
    try {
      await A.usage.recordUsage({ ...record, trackingId: 'batch-2', unitUsageRecords: [{ unitType: 'api_calls',
        usageRecords: [{ recordDate: '2024-03-12', amount: 1 }, { recordDate: '2024-02-20', amount: 1 }] }] }, CREATED_BY);
    } catch (e) {
      refused = e.response;
    }
    assert.equal(refused.status, 400);
    assert.equal(refused.data.tollgateCode, 'refused.not_entitled');
    assert.equal(refused.data.problems[0].path, 'unitUsageRecords[0].usageRecords[1]');
    // Refused whole: batch-2 was not taken, so a corrected retry under it counts.
    assert.equal((await A.usage.recordUsage({ ...record, trackingId: 'batch-2' }, CREATED_BY)).status, 201);
  });

  await check('usage dated on the day of an IMMEDIATE cancel is billed with the last period; the next day is refused', async () => {
    const stopper = (await A.account.createAccount({ name: 'Stopper', externalKey: 'stop-day', currency: 'USD', billCycleDayLocal: 1 },
      CREATED_BY, undefined, undefined, { headers: { 'X-Tollgate-Organization': 'acme' } })).data;
    const sub = (await A.subscription.createSubscription({ accountId: stopper.accountId, planName: 'max-monthly' },
      CREATED_BY, '2024-05-01')).data;
    const calls = (trackingId, recordDate, amount) => ({ subscriptionId: sub.subscriptionId, trackingId,
      unitUsageRecords: [{ unitType: 'api_calls', usageRecords: [{ recordDate, amount }] }] });
    assert.equal((await A.usage.recordUsage(calls('c-1', '2024-05-10', 100), CREATED_BY)).status, 201);
    assert.equal((await A.usage.recordUsage(calls('c-2', '2024-05-20', 30), CREATED_BY)).status, 201);
    await A.subscription.cancelSubscriptionPlan(sub.subscriptionId, CREATED_BY, '2024-05-20', undefined, undefined,
      undefined, 'IMMEDIATE');
    // Known after the cancel, still dated on its day: it belongs to the last period too.
    assert.equal((await A.usage.recordUsage(calls('c-3', '2024-05-20', 20), CREATED_BY)).status, 201);
    assert.equal(await status(A.usage.recordUsage(calls('c-4', '2024-05-21', 1), CREATED_BY)), 400);
    // [05-01, 05-20): 150 calls x 0.01 = 1.50.
    const dry = (await A.invoice.generateDryRunInvoice({ dryRunType: 'TARGET_DATE' }, stopper.accountId, CREATED_BY, '2024-05-20')).data;
    const usage = dry.items.filter((i) => i.itemType === 'USAGE');
    assert.deepEqual(usage.map((i) => [i.startDate, i.endDate, i.quantity, i.amount]), [['2024-05-01', '2024-05-20', 150, 1.5]]);
  });

  await check('money: a pause\'s credit is used by later invoices (accountCBA); external payments, a refund, a credit; an overpayment changes nothing', async () => {
    const money = (await A.account.createAccount({ name: 'Money', externalKey: 'money', currency: 'USD', billCycleDayLocal: 1 },
      CREATED_BY, undefined, undefined, { headers: { 'X-Tollgate-Organization': 'acme' } })).data;
    const sub = (await A.subscription.createSubscription({ accountId: money.accountId, planName: 'max-monthly' },
      CREATED_BY, '2024-04-01')).data;
    const balance = async () => {
      const a = (await A.account.getAccount(money.accountId, undefined, true)).data;
      return [a.accountBalance, a.accountCBA];
    };
    // 04-01: 50.00 in advance. Paused 04-11: -round(50.00 x 20/30) = -33.33, all of it credit.
    await A.invoice.createFutureInvoice(money.accountId, CREATED_BY, '2024-04-01');
    await A.bundle.pauseBundle(sub.bundleId, CREATED_BY, '2024-04-11');
    await A.invoice.createFutureInvoice(money.accountId, CREATED_BY, '2024-04-11');
    assert.deepEqual(await balance(), [16.67, 33.33]);  // 50.00 owed less 33.33 held
    // Resumed 04-21: [04-21, 05-01) 50.00 x 10/30 = 16.67, paid from the credit; 05-01: 50.00 uses the last 16.66.
    await A.bundle.resumeBundle(sub.bundleId, CREATED_BY, '2024-04-21');
    await A.invoice.createFutureInvoice(money.accountId, CREATED_BY, '2024-04-21');
    assert.deepEqual(await balance(), [33.34, 16.66]);
    await A.invoice.createFutureInvoice(money.accountId, CREATED_BY, '2024-05-01');
    assert.deepEqual(await balance(), [83.34, 0]);
    const invoices = (await A.account.getInvoicesForAccount(money.accountId)).data;
    assert.deepEqual(invoices.map((i) => [i.invoiceDate, i.amount, i.balance]),
      [['2024-04-01', 50, 50], ['2024-04-11', -33.33, 0], ['2024-04-21', 16.67, 0], ['2024-05-01', 50, 33.34]]);
    assert.deepEqual(invoices[3].items.filter((i) => i.itemType === 'CBA_ADJ').map((i) => i.amount), [-16.66]);
    assert.ok(Number(invoices[1].invoiceNumber) + 1 === Number(invoices[2].invoiceNumber));

    // An external payment: April's first invoice PAID, balance 0.
    const paid = await A.invoice.createInstantPayment({ accountId: money.accountId, purchasedAmount: 50 },
      invoices[0].invoiceId, CREATED_BY, true);
    assert.equal(paid.status, 201);
    assert.equal((await A.invoice.getInvoice(invoices[0].invoiceId)).data.balance, 0);
    assert.deepEqual(await balance(), [33.34, 0]);
    // An overpayment (40.00 against 33.34) is refused and changes nothing.
    assert.equal(await status(A.invoice.createInstantPayment({ accountId: money.accountId, purchasedAmount: 40 },
      invoices[3].invoiceId, CREATED_BY, true)), 400);
    assert.deepEqual(await balance(), [33.34, 0]);
    // May's 33.34 paid too: the account owes nothing.
    assert.equal((await A.invoice.createInstantPayment({ accountId: money.accountId, purchasedAmount: 33.34 },
      invoices[3].invoiceId, CREATED_BY, true)).status, 201);
    assert.deepEqual(await balance(), [0, 0]);
    // A partial refund of 20.00 raises the balance again.
    const payments = (await A.invoice.getPaymentsForInvoice(invoices[0].invoiceId)).data;
    assert.equal(payments.length, 1);
    assert.equal(payments[0].purchasedAmount, 50);
    assert.equal((await A.invoicePayment.createRefundWithAdjustments({ amount: 20 }, payments[0].paymentId, CREATED_BY)).status, 201);
    assert.equal((await A.invoice.getInvoice(invoices[0].invoiceId)).data.refundAdj, -20);
    assert.deepEqual(await balance(), [20, 0]);
    const account = (await A.account.getInvoicePayments(money.accountId)).data;
    assert.deepEqual(account[0].transactions.map((t) => [t.transactionType, t.amount]), [['PURCHASE', 50], ['REFUND', 20]]);
    // A credit of 10.00: a CREDIT_ADJ item, held as account credit.
    const credits = (await A.credit.createCredits([{ accountId: money.accountId, amount: 10, description: 'goodwill' }], CREATED_BY, true)).data;
    assert.deepEqual(credits.map((c) => [c.itemType, c.amount]), [['CREDIT_ADJ', -10]]);
    assert.equal((await A.credit.getCredit(credits[0].invoiceItemId)).data.amount, -10);
    assert.deepEqual(await balance(), [10, 10]);
  });

  await check('cancel END_OF_TERM then uncancel: the subscription goes on', async () => {
    await A.subscription.cancelSubscriptionPlan(bravoBase.subscriptionId, CREATED_BY, '2024-03-12');
    let sub = (await A.subscription.getSubscription(bravoBase.subscriptionId)).data;
    assert.equal(sub.cancelledDate.slice(0, 10), '2024-04-08');
    assert.equal(sub.state, 'ACTIVE');
    assert.equal((await A.subscription.uncancelSubscriptionPlan(bravoBase.subscriptionId, CREATED_BY)).status, 204);
    sub = (await A.subscription.getSubscription(bravoBase.subscriptionId)).data;
    assert.equal(sub.cancelledDate, null);
  });

  await check('a BASE to BASE change out of trial waits for the term (default END_OF_TERM); undoChangePlan keeps Max', async () => {
    await A.subscription.changeSubscriptionPlan({ planName: 'pro-monthly' }, bravoBase.subscriptionId, CREATED_BY);
    // Pending until 04-08: April's period is still Max's 50.00.
    assert.equal((await A.subscription.getSubscription(bravoBase.subscriptionId)).data.planName, 'max-monthly');
    assert.equal((await A.subscription.undoChangeSubscriptionPlan(bravoBase.subscriptionId, CREATED_BY)).status, 204);
    assert.equal(await status(A.subscription.undoChangeSubscriptionPlan(bravoBase.subscriptionId, CREATED_BY)), 400);
    const may = (await A.invoice.generateDryRunInvoice({ dryRunType: 'TARGET_DATE' }, bravo.accountId, CREATED_BY, '2024-05-08')).data;
    const recurring = may.items.filter((i) => i.itemType === 'RECURRING' && i.startDate === '2024-05-08');
    assert.deepEqual(recurring.map((i) => [i.planName, i.amount]), [['max-monthly', 50]]);
  });

  // --- a bundle with add-ons, pause and resume, tags and custom fields ----------------------
  let charlie, bundleC;
  await check('createSubscriptionWithAddOns: base and add-on on one bill cycle day, 30.00 + 10.00 on 01-10', async () => {
    charlie = (await A.account.createAccount({ name: 'Charlie', externalKey: 'charlie', currency: 'USD' }, CREATED_BY,
      undefined, undefined, { headers: { 'X-Tollgate-Organization': 'acme' } })).data;
    bundleC = (await A.subscription.createSubscriptionWithAddOns([
      { accountId: charlie.accountId, planName: 'seats-monthly' },
      { accountId: charlie.accountId, planName: 'pro-monthly', bundleExternalKey: 'charlie-main' },
    ], CREATED_BY, '2024-01-03')).data;
    assert.equal(bundleC.externalKey, 'charlie-main');
    assert.deepEqual(bundleC.subscriptions.map((s) => s.productCategory).sort(), ['ADD_ON', 'BASE']);
    // Both trials end 01-10; ACCOUNT alignment makes 10 the day, BUNDLE alignment gives it to the add-on.
    const dry = (await A.invoice.generateDryRunInvoice({ dryRunType: 'TARGET_DATE' }, charlie.accountId, CREATED_BY, '2024-01-10')).data;
    assert.equal(dry.amount, 40);
    assert.deepEqual(items(dry).sort(), [['RECURRING', '2024-01-10', '2024-02-10', 10], ['RECURRING', '2024-01-10', '2024-02-10', 30]]);
    assert.equal((await A.bundle.getBundleByKey('charlie-main')).data.bundleId, bundleC.bundleId);
  });

  await check('pause and resume a bundle: its subscriptions are BLOCKED, then ACTIVE', async () => {
    assert.equal((await A.bundle.pauseBundle(bundleC.bundleId, CREATED_BY, '2024-01-20')).status, 204);
    let b = (await A.bundle.getBundle(bundleC.bundleId)).data;
    assert.deepEqual(b.subscriptions.map((s) => s.state), ['BLOCKED', 'BLOCKED']);
    assert.equal((await A.bundle.resumeBundle(bundleC.bundleId, CREATED_BY, '2024-02-01')).status, 204);
    b = (await A.bundle.getBundle(bundleC.bundleId)).data;
    assert.deepEqual(b.subscriptions.map((s) => s.state), ['ACTIVE', 'ACTIVE']);
    // Kill Bill's subscription events: started 01-03, the trial over 01-10, paused 01-20, resumed 02-01.
    const base = b.subscriptions.find((s) => s.productCategory === 'BASE');
    const events = (await A.subscription.getSubscription(base.subscriptionId)).data.events;
    assert.deepEqual(events.map((e) => [e.eventType, e.effectiveDate, e.phase]), [
      ['START_ENTITLEMENT', '2024-01-03', 'pro-monthly-trial'], ['START_BILLING', '2024-01-03', 'pro-monthly-trial'],
      ['PHASE', '2024-01-10', 'pro-monthly-evergreen'],
      ['PAUSE_ENTITLEMENT', '2024-01-20', 'pro-monthly-evergreen'], ['PAUSE_BILLING', '2024-01-20', 'pro-monthly-evergreen'],
      ['RESUME_ENTITLEMENT', '2024-02-01', 'pro-monthly-evergreen'], ['RESUME_BILLING', '2024-02-01', 'pro-monthly-evergreen'],
    ]);
    assert.equal(b.timeline.events.length, 14);  // the add-on's seven too
  });

  await check('tags and custom fields round-trip on a bundle and a subscription', async () => {
    const tags = (await A.bundle.createBundleTags([AUTO_INVOICING_OFF], bundleC.bundleId, CREATED_BY)).data;
    assert.deepEqual(tags.map((t) => [t.tagDefinitionId, t.tagDefinitionName, t.objectType]),
      [[AUTO_INVOICING_OFF, 'AUTO_INVOICING_OFF', 'BUNDLE']]);
    await A.bundle.deleteBundleTags(bundleC.bundleId, CREATED_BY, [AUTO_INVOICING_OFF]);
    assert.deepEqual((await A.bundle.getBundleTags(bundleC.bundleId)).data, []);
    const fields = (await A.bundle.createBundleCustomFields([{ name: 'tier', value: 'gold' }], bundleC.bundleId, CREATED_BY)).data;
    assert.deepEqual(fields.map((f) => [f.name, f.value]), [['tier', 'gold']]);
    await A.bundle.modifyBundleCustomFields([{ customFieldId: fields[0].customFieldId, name: 'tier', value: 'platinum' }], bundleC.bundleId, CREATED_BY);
    assert.equal((await A.bundle.getBundleCustomFields(bundleC.bundleId)).data[0].value, 'platinum');
    await A.bundle.deleteBundleCustomFields(bundleC.bundleId, CREATED_BY, [fields[0].customFieldId]);
    assert.deepEqual((await A.bundle.getBundleCustomFields(bundleC.bundleId)).data, []);
    const subTags = (await A.subscription.createSubscriptionTags([AUTO_INVOICING_OFF], bundleC.subscriptions[0].subscriptionId, CREATED_BY)).data;
    assert.equal(subTags[0].objectType, 'SUBSCRIPTION');
  });

  await check('bundles: pagination, search and renaming the key', async () => {
    const page = await A.bundle.getBundles(0, 1);
    assert.equal(page.data.length, 1);
    assert.equal(page.headers['x-killbill-pagination-totalnbrecords'], '5');  // org7, bravo, stop-day, money, charlie
    assert.equal(page.headers['x-killbill-pagination-nextoffset'], '1');
    assert.deepEqual((await A.bundle.searchBundles('charlie')).data.map((b) => b.bundleId), [bundleC.bundleId]);
    assert.equal((await A.bundle.renameExternalKey({ accountId: charlie.accountId, externalKey: 'charlie-renamed' }, bundleC.bundleId, CREATED_BY)).status, 204);
    assert.equal((await A.bundle.getBundleByKey('charlie-renamed')).data.bundleId, bundleC.bundleId);
  });

  await check('usage from 32 requests at once: each 201 counted once, a trackingId sent 8 times at once counted once', async () => {
    const crowd = (await A.account.createAccount({ name: 'Crowd', externalKey: 'crowd', currency: 'USD', billCycleDayLocal: 1 },
      CREATED_BY, undefined, undefined, { headers: { 'X-Tollgate-Organization': 'acme' } })).data;
    const sub = (await A.subscription.createSubscription({ accountId: crowd.accountId, planName: 'max-monthly' },
      CREATED_BY, '2024-05-01')).data;
    const calls = (trackingId, amount) => ({ subscriptionId: sub.subscriptionId, trackingId,
      unitUsageRecords: [{ unitType: 'api_calls', usageRecords: [{ recordDate: '2024-05-10', amount }] }] });
    const distinct = Array.from({ length: 24 }, (_, i) => A.usage.recordUsage(calls(`crowd-${i}`, i + 1), CREATED_BY));
    const repeated = Array.from({ length: 8 }, () => A.usage.recordUsage(calls('crowd-same', 1000), CREATED_BY));
    const statuses = (await Promise.all([...distinct, ...repeated])).map((r) => r.status);
    assert.deepEqual(statuses.slice(0, 24), Array(24).fill(201));
    // The first of the eight to be handled records it (201); the others find its trackingId (200).
    assert.deepEqual(statuses.slice(24).sort(), [200, 200, 200, 200, 200, 200, 200, 201]);
    // 1 + 2 + ... + 24 = 300 calls, and 1000 once.
    const rolled = (await A.usage.getUsage(sub.subscriptionId, 'api_calls', '2024-05-01', '2024-06-01')).data;
    assert.equal(rolled.rolledUpUnits[0].amount, 1300);
  });

  await check('transfer a bundle: the source ends, the target starts both subscriptions', async () => {
    const delta = (await A.account.createAccount({ name: 'Delta', externalKey: 'delta', currency: 'USD', billCycleDayLocal: 10 },
      CREATED_BY, undefined, undefined, { headers: { 'X-Tollgate-Organization': 'acme' } })).data;
    const moved = (await A.bundle.transferBundle({ accountId: delta.accountId }, bundleC.bundleId, CREATED_BY, '2024-03-01')).data;
    assert.equal(moved.accountId, delta.accountId);
    assert.equal(moved.externalKey, 'charlie-renamed');
    assert.equal(moved.subscriptions.length, 2);
    const old = (await A.bundle.getBundle(bundleC.bundleId)).data;
    assert.deepEqual(old.subscriptions.map((s) => s.state), ['CANCELLED', 'CANCELLED']);
  });

  // --- tenants see only their own objects ----------------------------------------------------
  await check('another tenant gets 404 for every id of this one, and changes nothing', async () => {
    assert.equal(await status(G.account.getAccount(org7.accountId)), 404);
    assert.equal(await status(G.account.getAccountByKey('org-7')), 404);
    assert.equal(await status(G.bundle.getBundle(base7.bundleId)), 404);
    assert.equal(await status(G.subscription.getSubscription(base7.subscriptionId)), 404);
    assert.equal(await status(G.bundle.createBundleTags([AUTO_INVOICING_OFF], base7.bundleId, CREATED_BY)), 404);
    assert.equal(await status(G.subscription.cancelSubscriptionPlan(bravoBase.subscriptionId, CREATED_BY)), 404);
    assert.equal(await status(G.usage.getUsage(bravoBase.subscriptionId, 'api_calls')), 404);
    assert.deepEqual((await A.bundle.getBundleTags(base7.bundleId)).data, []);
    assert.equal((await A.subscription.getSubscription(bravoBase.subscriptionId)).data.cancelledDate, null);
    const wrongSecret = apis({ apiKey: acme.apiKey, apiSecret: 'not-the-secret' });
    assert.equal(await status(wrongSecret.account.getAccount(org7.accountId)), 401);
  });

  // --- bad input: 400 (or 413) and nothing changes ---------------------------------------------
  await check('malformed JSON, unknown fields and unknown enums are refused with 400, oversized bodies 413', async () => {
    const malformed = await raw('post', '/1.0/kb/accounts', '{"name": "x", "externalKey": "half"', A.headers);
    assert.equal(malformed.status, 400);
    const unknown = await raw('post', '/1.0/kb/accounts', '{"name": "x", "externalKey": "half", "colour": "red"}', A.headers);
    assert.equal(unknown.status, 400);
    assert.equal(unknown.data.problems[0].path, 'colour');
    assert.equal(await status(A.account.getAccountByKey('half')), 404);
    const policy = await status(A.subscription.cancelSubscriptionPlan(bravoBase.subscriptionId, CREATED_BY, undefined,
      undefined, undefined, undefined, 'SOMETIMES'));
    assert.equal(policy, 400);
    assert.equal((await A.subscription.getSubscription(bravoBase.subscriptionId)).data.cancelledDate, null);
    const big = await raw('post', '/1.0/kb/accounts', JSON.stringify({ name: 'x'.repeat(70000) }), A.headers);
    assert.equal(big.status, 413);
    const noAuth = await globalAxios.get(`${base}/1.0/kb/accounts/${org7.accountId}`, { validateStatus: () => true });
    assert.equal(noAuth.status, 401);
    // A failure half-way through a bundle rolls back what was already created.
    const half = await status(A.subscription.createSubscriptionWithAddOns([
      { accountId: charlie.accountId, planName: 'pro-monthly', bundleExternalKey: 'half-bundle' },
      { accountId: charlie.accountId, planName: 'no-such-plan' }], CREATED_BY, '2024-03-01'));
    assert.equal(half, 400);
    assert.equal(await status(A.bundle.getBundleByKey('half-bundle')), 404);
  });

  // Last: the run below bills every account of the database.
  await check('a Stripe payment method added over REST is the default, and the daily run charges it through Stripe', async () => {
    const fake = spawn(process.execPath, [path.join(__dirname, '..', 'peers', 'stripe_fake.js')],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise((resolve, reject) => {
        let seen = '';
        fake.stdout.on('data', (d) => {
          seen += d;
          const m = seen.match(/PORT=(\d+)/);
          if (m) resolve(Number(m[1]));
        });
        fake.on('exit', (code) => reject(new Error(`the Stripe fake exited with ${code}`)));
      });
      const card = (await A.account.createAccount({ name: 'Card', externalKey: 'card', currency: 'USD', billCycleDayLocal: 1 },
        CREATED_BY, undefined, undefined, { headers: { 'X-Tollgate-Organization': 'acme' } })).data;
      // A Stripe method needs its payment method id: refused, nothing added.
      assert.equal(await status(A.account.createPaymentMethod({ pluginName: 'killbill-stripe',
        pluginInfo: { properties: [{ key: 'customerId', value: 'cus_card' }] } }, card.accountId, CREATED_BY, true)), 400);
      const added = await A.account.createPaymentMethod({ pluginName: 'killbill-stripe', pluginInfo: { properties: [
        { key: 'customerId', value: 'cus_card' }, { key: 'paymentMethodId', value: 'pm_card_visa' }] } },
        card.accountId, CREATED_BY, true);
      assert.equal(added.status, 201);
      const methods = (await A.account.getPaymentMethodsForAccount(card.accountId)).data;
      assert.deepEqual(methods.map((m) => [m.pluginName, m.isDefault]), [['killbill-stripe', true]]);
      assert.equal((await A.account.getAccount(card.accountId)).data.paymentMethodId, methods[0].paymentMethodId);
      await A.subscription.createSubscription({ accountId: card.accountId, planName: 'max-monthly' }, CREATED_BY, '2024-04-01');
      // The daily job, as cron runs it, against the loopback Stripe fake.
      spawnSync(binary, ['run', '--db', db, '--as-of', '2024-04-01', '--provider', 'stripe'], {
        env: { ...process.env, STRIPE_SECRET_KEY: 'sk_test_fake_key', STRIPE_API_BASE: `http://127.0.0.1:${port}` },
        stdio: 'ignore' });
      // April: 50.00 in advance, charged through Stripe: PAID, balance 0.
      const invoices = (await A.account.getInvoicesForAccount(card.accountId)).data;
      assert.deepEqual(invoices.map((i) => [i.invoiceDate, i.amount, i.balance]), [['2024-04-01', 50, 0]]);
      const paid = (await A.account.getInvoicePayments(card.accountId)).data;
      assert.deepEqual(paid.map((p) => [p.paymentMethodId, p.purchasedAmount]), [['stripe', 50]]);
      assert.match(paid[0].transactions[0].firstPaymentReferenceId, /^pi_/);
    } finally {
      fake.kill('SIGTERM');
    }
  });

  // --- the server itself, and Kill Bill's JSON leniency ----------------------------------
  await check('health without credentials, the user\'s subject and permissions, a timestamp as key', async () => {
    const health = await globalAxios.get(`${base}/1.0/healthcheck`, { validateStatus: () => true });
    assert.equal(health.status, 200);
    assert.equal(health.data.billingStore.healthy, true);
    // The security resources need the user alone, no tenant.
    const security = new killbill.SecurityApi(
      new killbill.Configuration({ username: 'admin', password: acme.password, basePath: base }));
    assert.equal((await security.getCurrentUserSubject()).data.principal, 'admin');
    assert.ok((await security.getCurrentUserPermissions()).data.includes('usage:record'));
    // As Kill Bill's own client tests do: a number for the external key, kept as its text.
    const key = 1732681234567;
    const created = await A.account.createAccount({ name: 'Stamped', externalKey: key, currency: 'USD' }, CREATED_BY);
    assert.equal(created.data.externalKey, '1732681234567');
    assert.equal((await A.account.getAccountByKey(String(key))).data.name, 'Stamped');
  });

  await check('a tenant\'s own tag definition, through the client, on an account; then deleted', async () => {
    const config = new killbill.Configuration({
      username: 'admin', password: acme.password, apiKey: killbill.apiKey(acme.apiKey, acme.apiSecret), basePath: base });
    const axios = globalAxios.create();
    axios.interceptors.response.use(killbill.followLocationHeaderInterceptor);
    const defs = new killbill.TagDefinitionApi(config, null, axios);
    const system = (await defs.getTagDefinitions()).data;
    assert.deepEqual(system.slice(0, 2).map((d) => [d.id, d.name]),
      [['00000000-0000-0000-0000-000000000001', 'AUTO_PAY_OFF'], [AUTO_INVOICING_OFF, 'AUTO_INVOICING_OFF']]);
    const vip = (await defs.createTagDefinition(
      { name: 'VIP', description: 'pays on time', applicableObjectTypes: ['ACCOUNT'] }, CREATED_BY)).data;
    assert.equal(vip.name, 'VIP');
    const tagged = (await A.account.createAccountTags([vip.id], org7.accountId, CREATED_BY)).data;
    assert.deepEqual(tagged.map((t) => t.tagDefinitionName), ['VIP']);
    assert.equal(await status(defs.deleteTagDefinition(vip.id, CREATED_BY)), 409);  // in use
    await A.account.deleteAccountTags(org7.accountId, CREATED_BY, [vip.id]);
    const names = async (includedDeleted) =>
      (await A.account.getAccountTags(org7.accountId, includedDeleted)).data.map((t) => t.tagDefinitionName);
    assert.ok(!(await names(false)).includes('VIP'));
    assert.ok((await names(true)).includes('VIP'));  // Kill Bill's includedDeleted
    assert.equal((await defs.deleteTagDefinition(vip.id, CREATED_BY)).status, 204);
  });

  await check('an account\'s timeline, overdue state and emails through the client', async () => {
    const timeline = (await A.account.getAccountTimeline(org7.accountId)).data;
    assert.equal(timeline.account.accountId, org7.accountId);
    assert.ok(timeline.bundles.length >= 1);
    assert.ok(timeline.bundles[0].subscriptions[0].events.some((e) => e.eventType === 'START_ENTITLEMENT'));
    assert.deepEqual(timeline.invoices.map((i) => i.invoiceId),
      (await A.account.getInvoicesForAccount(org7.accountId)).data.map((i) => i.invoiceId));
    const overdue = (await A.account.getOverdueAccount(org7.accountId)).data;
    assert.equal(overdue.isClearState, true);
    await A.account.addEmail({ accountId: org7.accountId, email: 'ops@org7.example' }, org7.accountId, CREATED_BY);
    assert.deepEqual((await A.account.getEmails(org7.accountId)).data.map((e) => e.email), ['ops@org7.example']);
    await A.account.removeEmail(org7.accountId, 'ops@org7.example', CREATED_BY);
    assert.deepEqual((await A.account.getEmails(org7.accountId)).data, []);
  });

  await check('accounts page by page and searched, with Kill Bill\'s pagination headers', async () => {
    const page = await A.account.getAccounts(0, 1);
    assert.equal(page.data.length, 1);
    assert.equal(page.data[0].accountId, org7.accountId);  // the first account acme made
    assert.equal(page.headers['x-killbill-pagination-nextoffset'], '1');
    assert.ok(Number(page.headers['x-killbill-pagination-totalnbrecords']) > 1);
    assert.deepEqual((await A.account.searchAccounts('org-7')).data.map((a) => a.accountId), [org7.accountId]);
    assert.deepEqual((await G.account.searchAccounts('org-7')).data, []);  // another tenant's
  });

  await check('invoices page by page and searched by account, number and currency', async () => {
    const mine = (await A.account.getInvoicesForAccount(org7.accountId)).data.map((i) => i.invoiceId);
    assert.ok(mine.length > 1);
    const page = await A.invoice.getInvoices(0, 1);
    assert.equal(page.data.length, 1);
    assert.equal(page.data[0].invoiceId, mine[0]);  // org-7's first is acme's first
    assert.equal(page.headers['x-killbill-pagination-nextoffset'], '1');
    const byAccount = (await A.invoice.searchInvoices(org7.accountId, 0, 100)).data;
    assert.deepEqual(byAccount.map((i) => i.invoiceId), mine);
    const second = byAccount[1];
    assert.deepEqual((await A.invoice.searchInvoices(second.invoiceNumber)).data.map((i) => i.invoiceId),
      [second.invoiceId]);
    assert.ok((await A.invoice.searchInvoices('USD', 0, 100)).data.some((i) => i.invoiceId === mine[0]));
    assert.deepEqual((await G.invoice.searchInvoices(org7.accountId)).data, []);  // another tenant's
  });

  await check('a pause two weeks ahead waits: still ACTIVE, today\'s operations taken, undone by a resume', async () => {
    const fp = (await A.account.createAccount({ name: 'FP', externalKey: 'fp', currency: 'USD' }, CREATED_BY)).data;
    const sub = (await A.subscription.createSubscription({ accountId: fp.accountId, planName: 'pro-monthly' },
      CREATED_BY, '2024-03-01')).data;
    // The server's today is 03-15.
    assert.equal((await A.bundle.pauseBundle(sub.bundleId, CREATED_BY, '2024-03-29')).status, 204);
    const states = async () => (await A.bundle.getBundle(sub.bundleId)).data.subscriptions.map((s) => s.state);
    assert.deepEqual(await states(), ['ACTIVE']);
    const pauses = async () => (await A.subscription.getSubscription(sub.subscriptionId)).data.events
      .filter((e) => e.eventType === 'PAUSE_ENTITLEMENT').map((e) => e.effectiveDate);
    assert.deepEqual(await pauses(), ['2024-03-29']);  // pending, on its date
    await A.subscription.createSubscription({ accountId: fp.accountId, planName: 'pro-monthly' }, CREATED_BY, '2024-03-15');
    assert.equal((await A.bundle.resumeBundle(sub.bundleId, CREATED_BY)).status, 204);
    assert.deepEqual(await pauses(), []);
    assert.deepEqual(await states(), ['ACTIVE']);
  });

  await check('WRITTEN_OFF on an invoice takes its balance out of the account\'s, until removed', async () => {
    const WRITTEN_OFF = '00000000-0000-0000-0000-000000000004';
    const wo = (await A.account.createAccount({ name: 'WO', externalKey: 'wo', currency: 'USD' }, CREATED_BY)).data;
    await A.subscription.createSubscription({ accountId: wo.accountId, planName: 'pro-monthly' }, CREATED_BY, '2024-01-03');
    // 7 days of trial, then 30.00 for [01-10, 02-10).
    const owed = (await A.invoice.createFutureInvoice(wo.accountId, CREATED_BY, '2024-01-10')).data;
    assert.equal(owed.balance, 30);
    const balance = async () => (await A.account.getAccount(wo.accountId, true)).data.accountBalance;
    const before = await balance();
    const tags = (await A.invoice.createInvoiceTags([WRITTEN_OFF], owed.invoiceId, CREATED_BY)).data;
    assert.deepEqual(tags.map((t) => [t.objectType, t.tagDefinitionName]), [['INVOICE', 'WRITTEN_OFF']]);
    assert.equal((await A.invoice.getInvoice(owed.invoiceId)).data.balance, 0);
    assert.equal(Math.round((before - owed.balance) * 100), Math.round((await balance()) * 100));
    await A.invoice.deleteInvoiceTags(owed.invoiceId, CREATED_BY, [WRITTEN_OFF]);
    assert.equal((await A.invoice.getInvoice(owed.invoiceId)).data.balance, owed.balance);
    assert.equal(await balance(), before);
  });

  await check('a Kill Bill XML catalog uploaded through CatalogApi: read back, and the waiting account bills from it', async () => {
    const xml = fs.readFileSync(path.join(__dirname, '..', 'data', 'kill_bill', 'SpyCarBasic.xml'), 'utf8');
    assert.equal((await G.catalog.uploadCatalogXml(xml, CREATED_BY)).status, 201);
    const back = (await G.catalog.getCatalogXml()).data;
    assert.match(back, /<catalogName>SpyCarBasic<\/catalogName>/);
    const versions = (await G.catalog.getCatalogJson()).data;
    assert.equal(versions[0].name, 'SpyCarBasic');
    assert.deepEqual(versions[0].products.map((p) => p.name), ['Standard', 'Sports', 'Super']);
    const bases = (await G.catalog.getAvailableBasePlans()).data;
    assert.deepEqual(bases.map((b) => b.plan), ['standard-monthly', 'sports-monthly', 'super-monthly']);
    // The account made before any catalog binds to it in the catalog's first currency, USD.
    // A 30-day trial from 02-01 ends 03-02 (February 2024 has 29 days). The account had no
    // bill cycle day, so it takes the day of its first billable date, the 2nd (ACCOUNT
    // alignment, the catalog's rule): a whole period [03-02, 04-02) at 100.00.
    const gx = (await G.account.getAccountByKey('gx')).data;
    await G.subscription.createSubscription({ accountId: gx.accountId, planName: 'standard-monthly' }, CREATED_BY, '2024-02-01');
    const invoice = (await G.invoice.createFutureInvoice(gx.accountId, CREATED_BY, '2024-03-02')).data;
    assert.equal(invoice.amount, 100);
    assert.equal((await G.account.getAccount(gx.accountId)).data.billCycleDayLocal, 2);
    assert.equal((await G.account.getAccount(gx.accountId)).data.currency, 'USD');
  });

  await check('catalog versions, and price lists through SubscriptionApi and CatalogApi: made on Promo by product and period, changed by the catalog\'s priceList rule', async () => {
    const xml = fs.readFileSync(path.join(__dirname, '..', 'data', 'kill_bill', 'price-lists.xml'), 'utf8');
    assert.equal((await G.catalog.uploadCatalogXml(xml, CREATED_BY)).status, 201);
    // Each upload is a version: SpyCarBasic from 2013-02-08, this one from 2024-01-01.
    const versions = (await G.catalog.getCatalogJson()).data;
    assert.deepEqual(versions.map((v) => v.name), ['SpyCarBasic', 'price-lists']);
    assert.deepEqual((await G.catalog.getCatalogVersions()).data,
      ['2013-02-08T00:00:00.000Z', '2024-01-01T00:00:00.000Z']);
    assert.equal((await G.catalog.getCatalogJson('2023-06-01')).data[0].name, 'SpyCarBasic');
    assert.match((await G.catalog.getCatalogXml('2024-02-01')).data, /<catalogName>price-lists<\/catalogName>/);
    const lists = versions[1].priceLists;
    assert.deepEqual(lists.map((l) => l.name), ['DEFAULT', 'Promo', 'Partner']);
    const lister = (await G.account.createAccount({ name: 'Lists', externalKey: 'lists', currency: 'USD', billCycleDayLocal: 1 },
      CREATED_BY)).data;
    const sub = (await G.subscription.createSubscription({ accountId: lister.accountId, productName: 'Standard',
      billingPeriod: 'MONTHLY', priceList: 'Promo' }, CREATED_BY, '2024-01-01')).data;
    assert.equal(sub.planName, 'promo-standard-monthly');
    assert.equal(sub.priceList, 'Promo');
    assert.equal((await G.catalog.getPriceListForSubscriptionAndDate(sub.subscriptionId)).data.name, 'Promo');
    // No price list named: priceListCase[0] keeps a Promo subscription on Promo.
    await G.subscription.changeSubscriptionPlan({ productName: 'Premium', billingPeriod: 'MONTHLY' }, sub.subscriptionId,
      CREATED_BY, '2024-01-16');
    assert.equal((await G.subscription.getSubscription(sub.subscriptionId)).data.planName, 'promo-premium-monthly');
    // January 20.00; the change IMMEDIATE (changePolicy[1]) on 01-16, 16 of 31 days:
    // -20.00 x 16/31 = -10.32 and 45.00 x 16/31 = 23.23; February 45.00. Together 77.91.
    const invoice = (await G.invoice.createFutureInvoice(lister.accountId, CREATED_BY, '2024-02-01')).data;
    assert.equal(invoice.amount, 77.91);
  });

  await check('PaymentMethodApi.deletePaymentMethod: any method, the default only when asked, then AUTO_PAY_OFF', async () => {
    const owner = (await A.account.createAccount({ name: 'Cards', externalKey: 'cards', currency: 'USD' }, CREATED_BY,
      undefined, undefined, { headers: { 'X-Tollgate-Organization': 'acme' } })).data;
    const add = async (isDefault) => (await A.account.createPaymentMethod({ pluginName: '__EXTERNAL_PAYMENT__' },
      owner.accountId, CREATED_BY, isDefault)).data.paymentMethodId;
    const first = await add(true);
    const second = await add(false);
    await A.paymentMethod.deletePaymentMethod(second, CREATED_BY);
    const left = (await A.account.getPaymentMethodsForAccount(owner.accountId)).data;
    assert.deepEqual(left.map((m) => m.paymentMethodId), [first]);
    assert.equal(await status(A.paymentMethod.deletePaymentMethod(first, CREATED_BY)), 400);
    await A.paymentMethod.deletePaymentMethod(first, CREATED_BY, true);
    assert.equal((await A.account.getPaymentMethodsForAccount(owner.accountId)).data.length, 0);
    const tags = (await A.account.getAccountTags(owner.accountId)).data;
    assert.deepEqual(tags.map((t) => t.tagDefinitionName), ['AUTO_PAY_OFF']);
  });

  await check('CatalogApi.addSimplePlan: the plan joins the latest version, bills, and a changed price is refused', async () => {
    const simple = { planId: 'simple-monthly', productName: 'Simple', productCategory: 'BASE', currency: 'USD',
      amount: 7, billingPeriod: 'MONTHLY', trialLength: 0, trialTimeUnit: 'DAYS', availableBaseProducts: [] };
    assert.equal((await G.catalog.addSimplePlan(simple, CREATED_BY)).status, 201);
    assert.equal((await G.catalog.addSimplePlan(simple, CREATED_BY)).status, 201);  // the same again: nothing new
    assert.equal(await status(G.catalog.addSimplePlan({ ...simple, amount: 8 }, CREATED_BY)), 400);
    const versions = (await G.catalog.getCatalogJson()).data;
    assert.equal(versions.length, 2);  // in place: no version added
    assert.ok(versions[1].products.some((p) => p.name === 'Simple'));
    const buyer = (await G.account.createAccount({ name: 'Simple', externalKey: 'simple', currency: 'USD', billCycleDayLocal: 1 },
      CREATED_BY)).data;
    await G.subscription.createSubscription({ accountId: buyer.accountId, planName: 'simple-monthly' }, CREATED_BY, '2024-02-01');
    assert.equal((await G.invoice.createFutureInvoice(buyer.accountId, CREATED_BY, '2024-02-01')).data.amount, 7);
  });

  console.log(`${count()} checks passed`);
}

main().then(() => {
  server.kill('SIGTERM');
}, (e) => {
  console.error(e.response ? `${e.message}: ${JSON.stringify(e.response.data)}` : e);
  if (server) server.kill('SIGTERM');
  process.exit(1);
});
