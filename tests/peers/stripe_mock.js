// stripe-stateful-mock bound to 127.0.0.1 on a free port (it has no host option).
// Prints "PORT=<n>" once listening; stops on SIGTERM.
const http = require("http");
const { createExpressApp } = require("stripe-stateful-mock");
const server = http.createServer(createExpressApp()).listen(0, "127.0.0.1", () => {
  console.log("PORT=" + server.address().port);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
