// An HTTPS (or --plain HTTP) server for the transport's tests. Prints "PORT=<n>".
//   GET /hello  -> {"connection": <n>}: which connection served it (keep-alive is visible)
//   GET /hang   -> never answers (deadlines)
// --idle-close=<ms> drops each connection that long after its response (a stale kept-alive connection).
const fs = require("fs");
const http = require("http");
const https = require("https");
const args = Object.fromEntries(process.argv.slice(2).map((a) => [a.split("=")[0], a.split("=")[1] ?? "true"]));
let connections = 0;
const handler = (req, res) => {
  if (req.url === "/hang") return; // never answer
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify({ connection: req.socket.connectionNumber }));
  // Close the kept-alive connection after a quiet spell, without telling the client.
  if (args["--idle-close"]) setTimeout(() => req.socket.destroy(), Number(args["--idle-close"]));
};
const server = args["--plain"] !== undefined
  ? http.createServer(handler)
  : https.createServer({ key: fs.readFileSync(args["--key"]), cert: fs.readFileSync(args["--cert"]) }, handler);
server.on(args["--plain"] !== undefined ? "connection" : "secureConnection", (socket) => {
  socket.connectionNumber = ++connections;
});
server.listen(0, "127.0.0.1", () => console.log("PORT=" + server.address().port));
process.on("SIGTERM", () => process.exit(0));
