// Prints the official SDK's form encoding of each parameter set in the JSON
// array read from the file named by argv[2], one line each.
const fs = require("fs");
const path = require("path");
// The encoder is internal to the SDK (not in its "exports"): load the file itself.
const { queryStringifyRequestData } = require(path.join(path.dirname(require.resolve("stripe")), "../cjs/utils.js"));
for (const params of JSON.parse(fs.readFileSync(process.argv[2], "utf8"))) console.log(queryStringifyRequestData(params));
