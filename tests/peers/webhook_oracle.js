// Prints, for each payload of the JSON array in argv[2], the Stripe-Signature
// header the official SDK generates with secret argv[3] at timestamp argv[4]:
// one JSON line {payload, header} each.
const fs = require("fs");
const Stripe = require("stripe");
const stripe = new Stripe("sk_test_oracle");
const [file, secret, timestamp] = process.argv.slice(2);
for (const payload of JSON.parse(fs.readFileSync(file, "utf8")))
  console.log(JSON.stringify({ payload, header: stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: Number(timestamp) }) }));
