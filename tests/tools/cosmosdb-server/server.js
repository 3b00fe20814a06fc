// Starts @vercel/cosmosdb-server over plain HTTP on 127.0.0.1 only (its CLI listens on every
// interface). Prints "listening <port>" once ready. Stops itself when the parent closes stdin
// or after MAX_LIFETIME_SECONDS, so a crashed test run never leaves it behind.
const readDocument = require("@vercel/cosmosdb-server/lib/handler/read-document");

// The server answers a point read of a missing item with 500 (it dereferences the absent item);
// Cosmos DB answers 404, and our store relies on that. Correct only that case.
const readExisting = readDocument.default;
readDocument.default = (account, req, res, params) => {
  try {
    return readExisting(account, req, res, params);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    res.statusCode = 404;
    return { code: "NotFound", message: "Entity with the specified id does not exist in the system." };
  }
};

// Cosmos DB's ETags are quoted HTTP entity tags ("\"…\""); the server's are bare UUIDs. Quote them
// where every item is stored, so If-Match round-trips exactly as it does against Cosmos DB.
const Items = require("@vercel/cosmosdb-server/lib/account/items").default;
const storeItem = Items.prototype._set;
Items.prototype._set = function (data) {
  if (typeof data._etag === "string" && !data._etag.startsWith('"')) data._etag = `"${data._etag}"`;
  return storeItem.call(this, data);
};

// Loaded after the corrections above, because its routing table captures the handlers on load.
const { createHttpServer } = require("@vercel/cosmosdb-server");

const port = Number(process.env.PORT || 0);
const maxLifetimeSeconds = Number(process.env.MAX_LIFETIME_SECONDS || 1800);

const server = createHttpServer();
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
setTimeout(() => process.exit(0), maxLifetimeSeconds * 1000).unref();
process.on("SIGTERM", stop);
